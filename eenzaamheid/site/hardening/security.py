"""The site's hardening, in one place: an ASGI middleware around the whole Datasette app and the
classification of Datasette's exceptions into HTTP statuses.

The middleware
- answers 405 to every method but GET and HEAD: the site is read-only (Datasette itself would
  fail with a 500 on a POST to a table: "You may only POST to a canned query");
- answers 404 to every path with a component that starts with '.' (a staging folder such as
  clean/.bouw-<pid>/ left by a killed build, '..', dotfiles), and, under the downloads mount, to
  everything that is not a published export file;
- adds the security headers (nosniff, referrer policy, content security policy) to every
  response, Datasette's as well as ours.

The content security policy allows scripts only from this site: Datasette's inline scripts are
replaced by static files through template overrides (templates/_close_open_menus.html,
_codemirror_foot.html, table.html; static/*.js). Styles may be inline: Datasette writes a
per-table <style> block and style attributes (database colour), and CSS cannot run code.
"""
from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

READ_ONLY_METHODS = ("GET", "HEAD")

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",        # CodeMirror's resize handle is a data: SVG
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
)
_REPLACED = {name for name, _ in SECURITY_HEADERS}

# What the downloads mount (the clean folder) publishes: the exports per format, the package,
# its description and the quality report. Nothing else in that folder is served there.
EXPORT_FORMATS = ("csv", "json", "parquet", "xlsx")
PEOPLE_SHEETS, PEOPLE_SHEET_FORMATS = "spreadsheets", ("xlsx", "csv")  # publish/people_sheets.py
PUBLISHED_TOP_LEVEL = ("benchmark-eenzaamheid.zip", "datapackage.json", "kwaliteitsrapport.html",
                       "kwaliteitsrapport.json", "dcat.ttl")
_EXPORT_FILE = re.compile(r"(?P<fmt>[a-z]+)/[A-Za-z0-9_\-]+\.(?P<ext>[a-z]+)")


def is_published_download(relative: str) -> bool:
    """'csv/gemeenten.csv', 'spreadsheets/antwoorden_2024.xlsx' yes; '.bouw-123/csv/gemeenten.csv', 'metadata.json', 'benchmark.db' no."""
    if relative in PUBLISHED_TOP_LEVEL:
        return True
    m = _EXPORT_FILE.fullmatch(relative)
    return bool(m) and ((m["fmt"] == m["ext"] and m["fmt"] in EXPORT_FORMATS)
                        or (m["fmt"] == PEOPLE_SHEETS and m["ext"] in PEOPLE_SHEET_FORMATS))


def has_hidden_component(path: str) -> bool:
    """True for '/x/.bouw-1/y', '/x/../y', '/.env': a path component that starts with '.'."""
    return any(part.startswith(".") for part in path.split("/"))


def is_valid_through(value: str) -> bool:
    """Datasette reads ?_through= as a JSON object with table, column and value, and fails with a
    KeyError (500) on any other JSON."""
    try:
        through = json.loads(value)
    except ValueError:
        return False
    return isinstance(through, dict) and all(isinstance(through.get(k), (str, int, float))
                                             for k in ("table", "column", "value"))


def refusal(path: str, method: str, downloads_mount: str, query_string: bytes = b"") -> tuple[int, str] | None:
    """(status, Dutch message) when the request must not reach Datasette, else None."""
    if method not in READ_ONLY_METHODS:
        return 405, "Deze site is alleen-lezen: alleen GET- en HEAD-verzoeken zijn toegestaan.\n"
    if has_hidden_component(path):
        return 404, "Niet gevonden.\n"
    prefix = f"/{downloads_mount}/"
    if path.startswith(prefix) and not is_published_download(path[len(prefix):]):
        return 404, "Niet gevonden: dit bestand hoort niet bij de gepubliceerde downloads.\n"
    if b"_through" in query_string:
        pairs = parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True)
        if any(k == "_through" and not is_valid_through(v) for k, v in pairs):
            return 400, ("Ongeldige waarde voor _through: verwacht een JSON-object met table, column en "
                         "value.\n")
    return None


# While the data is synthetic every response says so, to people (the banner) and to programs: search
# engines get noindex, and every response (HTML, JSON, CSV, downloads) the header X-Synthetische-Data: ja,
# so that a synthetic number fetched through the API cannot travel without its label. Exposed to
# scripts on other sites (CORS), which may read only the headers listed in Access-Control-Expose-Headers.
SYNTHETIC_HEADERS = (
    (b"x-robots-tag", b"noindex"),
    (b"x-synthetische-data", b"ja"),
    (b"access-control-expose-headers", b"X-Synthetische-Data"),
)
_SYNTHETIC_REPLACED = {name for name, _ in SYNTHETIC_HEADERS}


def with_synthetic_headers(headers) -> list:
    """The response headers marked as synthetic data (see SYNTHETIC_HEADERS)."""
    kept = [h for h in headers or [] if bytes(h[0]).lower() not in _SYNTHETIC_REPLACED]
    return kept + [list(h) for h in SYNTHETIC_HEADERS]


def with_security_headers(headers) -> list:
    kept = [h for h in headers or [] if bytes(h[0]).lower() not in _REPLACED]
    return kept + [list(h) for h in SECURITY_HEADERS]


def without_undecodable_cookies(scope: dict) -> dict:
    """The scope without Cookie headers that are not UTF-8: Datasette's CSRF layer decodes them
    and fails with a 500. This site sets no cookie it needs, so a broken one is simply ignored."""
    headers = scope.get("headers") or []
    kept = []
    for name, value in headers:
        if bytes(name).lower() == b"cookie":
            try:
                bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                continue
        kept.append((name, value))
    return scope if len(kept) == len(headers) else {**scope, "headers": kept}


def security_middleware(app, downloads_mount: str):
    """Wrap an ASGI app: refuse writes and unpublished paths, add the security headers. Must be
    the outermost wrapper (the plugin's asgi_wrapper is trylast), so that it also sees the
    redirects of datasette-hashed-urls."""

    async def secured(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                event = {**event, "headers": with_security_headers(event.get("headers"))}
            await send(event)

        scope = without_undecodable_cookies(scope)
        refused = refusal(scope.get("path", ""), scope.get("method", "GET"), downloads_mount,
                          scope.get("query_string", b""))
        if refused is None:
            return await app(scope, receive, send_with_headers)
        status, message = refused
        if scope.get("path", "").endswith(".json"):  # as Datasette's JSON errors
            body = json.dumps({"ok": False, "error": message.strip(), "status": status, "title": None}).encode()
            headers = [[b"content-type", b"application/json; charset=utf-8"]]
        else:
            body = message.encode()
            headers = [[b"content-type", b"text/plain; charset=utf-8"]]
        if status == 405:
            headers.append([b"allow", ", ".join(READ_ONLY_METHODS).encode()])
        await send_with_headers({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body})

    return secured


# --------------------------------------------------------------------------- errors

# Datasette 0.65 raises DatasetteError without a status (so 500) for requests it rejects, such
# as a sort on a column that does not exist. Every DatasetteError is such a deliberate refusal of
# the request, never a crash, so it is a 400. (A malformed _through= is refused by the
# middleware before it reaches Datasette, which would fail on it with a KeyError.)

DUTCH_MESSAGES = (
    (re.compile(r"Cannot sort table by (?P<x>.*)", re.S), "Kan niet sorteren op ‘{x}’: die kolom bestaat niet."),
    (re.compile(r"Cannot use _sort and _sort_desc at the same time"),
     "Sorteer op één kolom: _sort en _sort_desc kunnen niet samen."),
    (re.compile(r"_size must be a positive integer"), "_size moet een positief geheel getal zijn."),
    (re.compile(r"_size must be <= (?P<x>\d+)"), "_size mag hoogstens {x} zijn."),
    (re.compile(r"Invalid _through.*", re.S), "Ongeldige waarde voor _through."),
    (re.compile(r"Invalid _facet.*|.*is not a valid facet.*", re.S), "Ongeldige facet."),
    (re.compile(r"(?P<x>_n?o?col)=(?P<y>.*) - invalid columns", re.S), "{x}: deze kolommen bestaan niet: {y}."),
    (re.compile(r"Table not found"), "Deze tabel bestaat niet."),
    (re.compile(r"Database not found"), "Deze database bestaat niet."),
    (re.compile(r"Record not found"), "Deze rij bestaat niet."),
    (re.compile(r"Cannot search by that column"), "Op deze kolom kan niet worden gezocht."),
)


def error_status(exception, base400, datasette_error) -> int | None:
    """The status for an exception Datasette passes to handle_exception, or None for a real
    server error (500). base400 and datasette_error are Datasette's exception classes."""
    if isinstance(exception, base400):
        return exception.status
    if isinstance(exception, datasette_error):
        return exception.status if exception.status != 500 else 400
    return None


def without_inline_scripts(html: str) -> str:
    """Datasette's HTML error messages without their inline <script> (the "SQL Interrupted"
    message sizes its textarea with one), which the content security policy would block."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S | re.I)


def dutch_message(message: str) -> str:
    """Datasette's English message for a rejected request in Dutch, when we know it."""
    for pattern, text in DUTCH_MESSAGES:
        m = pattern.fullmatch(str(message))
        if m:
            return text.format(**m.groupdict())
    return message


def remove_default_exception_handler(plugin_manager) -> None:
    """Datasette's own handle_exception hook always runs beside ours and prints a traceback with
    the locals of every frame for every 404 or 400 (rich), filling the log with tracebacks of
    harmless requests. Ours answers every exception (HTML and JSON) and prints real errors."""
    default = plugin_manager.get_plugin("datasette.handle_exception")
    if default is not None:
        plugin_manager.unregister(default)
