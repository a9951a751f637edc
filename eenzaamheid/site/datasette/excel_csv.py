"""'Download voor Excel': a table page's rows, filtered as on the page, as a CSV that Dutch Excel
opens in columns: separated by ';', UTF-8 with a byte order mark, decimal commas, and text that
Excel would run as a formula prefixed with ' (the rule of the CSV exports, publish/export.py).

Datasette 0.65's output renderers only see one page of rows, but its CSV can stream every row
(`_stream=on`, allow_csv_stream). So the link is Datasette's CSV URL of the page plus `_excel=1`;
`excel_csv_middleware` takes that marker off, asks Datasette for the whole stream and rewrites it
record by record on the way out.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MARKER = "_excel"
DROPPED = (MARKER, "_next", "_dl", "_stream")  # all rows from the first, as one stream
_DECIMAL = re.compile(r"-?\d+\.\d+")  # 52.035557: Dutch Excel would read the point as thousands
# As FORMULA_START and _PLAIN_NUMBER in eenzaamheid/publish/export.py (not imported: it loads pandas
# into every server process); tests/test_site.py checks both agree on the same cells.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def excel_cell(value: str) -> str:
    """One cell for Dutch Excel: a decimal comma; a leading ' before what would run as a formula."""
    if _DECIMAL.fullmatch(value):
        return value.replace(".", ",")
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def excel_csv_url(url_csv: str) -> str:
    """Datasette's CSV URL of a table page -> the URL of its Excel download (all filtered rows)."""
    parts = urlsplit(url_csv)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in DROPPED]
    return urlunsplit(parts._replace(query=urlencode(pairs + [("_stream", "on"), (MARKER, "1")])))


def _record_end(text: str) -> int:
    """The end of the last whole CSV record in `text` (after a newline outside quotes), or 0."""
    end = text.rfind("\n")
    while end != -1 and text.count('"', 0, end) % 2:
        end = text.rfind("\n", 0, end)
    return end + 1


class ExcelCsv:
    """Rewrites a comma CSV, fed in arbitrary chunks, into Dutch Excel's CSV."""

    def __init__(self):
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._pending = ""
        self._started = False

    def feed(self, data: bytes, final: bool = False) -> bytes:
        self._pending += self._decoder.decode(data, final)
        cut = len(self._pending) if final else _record_end(self._pending)
        whole, self._pending = self._pending[:cut], self._pending[cut:]
        out = io.StringIO()
        if not self._started:
            out.write("\ufeff")
            self._started = True
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        for row in csv.reader(io.StringIO(whole, newline="")):
            writer.writerow([excel_cell(v) for v in row])
        return out.getvalue().encode("utf-8")


def with_marker(location: bytes) -> bytes:
    return location + (b"&" if b"?" in location else b"?") + MARKER.encode() + b"=1"


def _without_marker(scope: dict) -> dict | None:
    """The scope of Datasette's own CSV stream for an Excel download, or None for any other request."""
    if scope["type"] != "http" or not scope.get("path", "").endswith(".csv"):
        return None
    pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    if not any(k == MARKER for k, _ in pairs):
        return None
    kept = [(k, v) for k, v in pairs if k not in DROPPED] + [("_stream", "on")]
    return {**scope, "query_string": urlencode(kept).encode()}


def excel_csv_middleware(app):
    async def wrapped(scope, receive, send):
        inner_scope = _without_marker(scope)
        if inner_scope is None:
            return await app(scope, receive, send)
        name = re.sub(r"[^A-Za-z0-9_-]", "_", PurePosixPath(scope["path"]).stem) + "-excel.csv"
        rewriter = None  # only a successful CSV is rewritten; an error page passes unchanged

        async def excel_send(event):
            nonlocal rewriter
            if event["type"] == "http.response.start" and event.get("status") == 200:
                rewriter = ExcelCsv()
                skip = (b"content-type", b"content-length", b"content-disposition")
                headers = [h for h in event.get("headers") or [] if bytes(h[0]).lower() not in skip]
                event = {**event, "headers": headers + [
                    [b"content-type", b"text/csv; charset=utf-8"],
                    [b"content-disposition", f'attachment; filename="{name}"'.encode()]]}
            elif event["type"] == "http.response.start" and 300 <= event.get("status", 200) < 400:
                # a redirect (datasette-hashed-urls: /benchmark/ -> /benchmark-<hash>/) keeps the marker
                event = {**event, "headers": [[k, with_marker(v) if bytes(k).lower() == b"location" else v]
                                              for k, v in event.get("headers") or []]}
            elif event["type"] == "http.response.body" and rewriter is not None:
                more = event.get("more_body", False)
                event = {**event, "body": rewriter.feed(event.get("body", b""), final=not more)}
            await send(event)
        return await app(inner_scope, receive, excel_send)
    return wrapped
