"""The numbers of a page as a file a person opens in Excel: CSV for Dutch Excel or .xlsx.

One writer for every page that offers "Download deze cijfers" (question pages now; municipality
and province pages can reuse it):

    sheet_response(fmt, filename, title, columns, rows, notice, source, headers=cache_headers(ds))

- fmt: "csv" or "xlsx" (anything else: ValueError);
- filename: the file name without extension ("coalitie-cijfers"), sent as an attachment;
- title: one line saying what the numbers are (Dutch);
- columns: the Dutch column headers; rows: sequences of str, int, float or None (None = empty);
- notice: the synthetic-data notice, or None when the served data is real (the caller asks the
  store, never assumes): pass SYNTHETIC_NOTICE while `store.synthetisch`;
- source: where the numbers come from (the page's URL, the dataset), one line.

Both formats have the same layout: the title, the notice (if any) and the source on the first
lines, one empty line, then the header row and the rows. A program reads the table after the first
empty line (pandas: skiprows = the number of lines before it + 1).

CSV as Dutch Excel opens it by double-click: separator `;`, UTF-8 with BOM, decimal comma
(floats written as Python's shortest repr, '.' -> ','), CRLF line ends; text that Excel would read
as a formula (starting with = + - @) gets a leading '. The .xlsx (XlsxWriter) has typed cells:
numbers as numbers, text always as text (never a formula, number or link).
"""
from __future__ import annotations

import csv
import io

from datasette.utils.asgi import Response

from eenzaamheid.site.common import SYNTHETIC_DETAIL, SYNTHETIC_HEADLINE

SYNTHETIC_NOTICE = f"{SYNTHETIC_HEADLINE} {SYNTHETIC_DETAIL}"  # the banner's words (common.py)
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_FORMULA_START = ("=", "+", "-", "@")


def sheet_response(fmt: str, filename: str, title: str, columns: list, rows, notice: str | None,
                   source: str, headers: dict | None = None) -> Response:
    """The file as an HTTP response (attachment), with `headers` (e.g. the cache headers) added."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown format {fmt!r}")
    preamble = [line for line in (title, notice, source) if line]
    body = (_csv_bytes if fmt == "csv" else _xlsx_bytes)(preamble, list(columns), rows)
    return Response(body, content_type=CONTENT_TYPES[fmt], headers={
        **(headers or {}), "Content-Disposition": f'attachment; filename="{filename}.{fmt}"'})


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def _csv_bytes(preamble: list, columns: list, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for line in preamble:
        writer.writerow([_csv_cell(line)])
    writer.writerow([])
    writer.writerow([_csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_bytes(preamble: list, columns: list, rows) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Cijfers")
    for r, line in enumerate(preamble):
        sheet.write_string(r, 0, line, bold)
    header_row = len(preamble) + 1
    sheet.write_row(header_row, 0, columns, bold)
    sheet.freeze_panes(header_row + 1, 0)
    for r, row in enumerate(rows, start=header_row + 1):
        sheet.write_row(r, 0, row)  # None: an empty cell
    sheet.set_column(0, max(len(columns) - 1, 0), 16)
    book.close()
    return buffer.getvalue()
