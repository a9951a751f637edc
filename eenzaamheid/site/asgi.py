"""The site's ASGI wrapper: X-Robots-Tag while synthetic, the home page warmed before the
server reports ready, an empty table search dropped (zoeken.py), the Excel download of a table
(excel_csv.py), Cache-Control on static files (assets.py), gzip (compression.py), and outermost
the hardening of security.py."""
from eenzaamheid.site.datasette import downloads
from eenzaamheid.site.hardening import security
from eenzaamheid.site.datasette.assets import static_cache_middleware
from eenzaamheid.site.datasette.compression import gzip_middleware
from eenzaamheid.site.datasette.excel_csv import excel_csv_middleware
from eenzaamheid.site.common import STATIC_DOWNLOADS
from eenzaamheid.site.store import current_store
from eenzaamheid.site.pages.zoeken import without_empty_table_search


def wrapper(datasette):
    """While the data is synthetic every response (CSV and JSON too) tells search engines not
    to index it. And the server reports itself ready only after the home page has been
    rendered once, so that no visitor waits for Datasette's first table counts."""

    def warm_before_ready(send):
        async def wrapped_send(event):
            if event.get("type") == "lifespan.startup.complete":
                try:
                    await datasette.client.get("/")
                except Exception:  # noqa: BLE001 - warming is an optimisation only
                    pass
            await send(event)
        return wrapped_send

    def wrap(app):
        async def add_header(scope, receive, send):
            if scope["type"] == "lifespan":
                return await app(scope, receive, warm_before_ready(send))
            if scope["type"] != "http":
                return await app(scope, receive, send)
            query_string = without_empty_table_search(scope.get("query_string", b""))
            if query_string != scope.get("query_string", b""):
                scope = {**scope, "query_string": query_string}
            store = current_store()
            if store is None or not store.synthetisch:
                return await app(scope, receive, send)

            async def wrapped_send(event):
                if event["type"] == "http.response.start":  # noindex and X-Synthetische-Data: ja
                    event = {**event, "headers": security.with_synthetic_headers(event.get("headers"))}
                await send(event)
            return await app(scope, receive, wrapped_send)
        # gzip outside every layer that sets a body or a content type, inside the hardening
        inner = excel_csv_middleware(downloads.downloads_middleware(add_header, STATIC_DOWNLOADS))
        return security.security_middleware(gzip_middleware(static_cache_middleware(inner)), STATIC_DOWNLOADS)
    return wrap
