"""The main tables as Excel workbooks (xlsx/<table>.xlsx), for analysts who open the data in Excel.

Dutch Excel reads a UTF-8, comma-separated CSV badly (one column, broken accents); an .xlsx has
no delimiter or encoding to guess. Each workbook has the table on the first sheet (header row
frozen, typed cells: numbers as numbers, codes and text as text, empty = empty cell) and a sheet
`kolommen` with every column's title and description from the Table Schema, plus the synthetic
notice while the data is synthetic.

Text is always written as a text cell, never as a formula, number or link (XlsxWriter's
strings_to_* options off), so no leading ' is needed here as in the CSV. The bytes are reproducible: fixed document dates and
fixed timestamps inside the zip.
"""
from __future__ import annotations

import io
import re
import zipfile

from ..tables import cleanschema

# The tables an analyst starts from; the others stay CSV/JSON/Parquet only. In Excel that is the wide
# table (one row per submission); the long `antwoorden` (~27,000 rows) is left out: it is for
# programs, and its workbook took 4.6 of the build's ~5 s of spreadsheet writing.
TABLES = ("antwoorden_breed", "deelname", "gemeenten", "vragen", "antwoordopties")
FIXED_MOMENT = "2000-01-01T00:00:00Z"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SYNTHETIC_NOTICE = ("LET OP: synthetische demodata. Rijen met synthetisch = 1 zijn geen echte antwoorden van "
                    "gemeenten.")


def workbook_bytes(table: str, rows) -> bytes:
    """The workbook of `rows` (exportrows._Rows: converted columns in schema order, export row order)."""
    import xlsxwriter

    schema = cleanschema.load(table)
    fields = schema["fields"]
    buffer = io.BytesIO()
    # every str is a text cell: no formulas, numbers or links made from text; constant_memory: each
    # row goes to a temporary file as it is written (a 100x delivery's wide table is millions of cells)
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(table[:31])
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [f["name"] for f in fields], bold)
    r = 1
    for chunk in rows.chunks():
        for row in zip(*(c.take(chunk) for c in rows.columns)):
            sheet.write_row(r, 0, row)  # None: an empty cell
            r += 1
    columns = book.add_worksheet("kolommen")
    r = 0
    if any(f["name"] == "synthetisch" for f in fields):
        columns.write_row(r, 0, [SYNTHETIC_NOTICE])
        r += 1
    columns.write_row(r, 0, ["kolom", "titel", "type", "beschrijving"], bold)
    for f in fields:
        r += 1
        columns.write_row(r, 0, [f["name"], f.get("title", ""), f["type"], " ".join(f.get("description", "").split())])
    columns.write_row(r + 2, 0, [f"Tabel {table}: {' '.join(schema.get('description', '').split())}"])
    book.close()
    return _reproducible(buffer.getvalue())


def _reproducible(data: bytes) -> bytes:
    """The same workbook with fixed document dates and zip timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            content = src.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>" + FIXED_MOMENT.encode() + rb"\g<3>", content)
            info = zipfile.ZipInfo(entry.filename, _ZIP_TIME)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(info, content)
    return out.getvalue()


def write(path, table: str, rows, write_atomic) -> None:
    """Write the workbook to `path` through export's atomic writer."""
    data = workbook_bytes(table, rows)
    write_atomic(path, lambda f: f.write(data))
