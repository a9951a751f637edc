"""The files as the supplier writes them: cp1252 CSV or xlsx with fixed timestamps (byte-identical), and the manifest."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from eenzaamheid import codebook as cb

from . import FIXED_ZIP_TIME


def cell_text(value, date_format: str):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(date_format)
    return str(value)


def write_csv(path: Path, header: list[str], rows: list[dict], delivery: cb.Delivery) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delivery.scheidingsteken, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([cell_text(r.get(h), delivery.datumformaat) for h in header])
    path.write_bytes(buf.getvalue().encode(delivery.codering))


def write_xlsx(path: Path, header: list[str], rows: list[dict], delivery: cb.Delivery, received: dt.date) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = delivery.werkblad
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd-mm-yyyy hh:mm"
    stamp = dt.datetime.combine(received, dt.time(9, 0))
    wb.properties.creator = "Enquêtesysteem (synthetische demo)"
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(normalize_zip(buf.getvalue(), stamp))


def normalize_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """openpyxl stamps the zip entries and docProps with 'now': fix them for byte-identical output."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", lambda m: m.group(1) + iso.encode(), content)
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()



def write_table(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


