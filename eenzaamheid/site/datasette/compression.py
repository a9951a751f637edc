"""gzip for the site served directly (`eenzaamheid serve`), without the nginx front.

No gzip library is pinned (datasette-gzip, asgi-gzip, Starlette: none installed), so this is a
small ASGI middleware. It compresses what nginx's gzip layer compresses (deploy/nginx.conf.template,
gzip_types) when the client accepts gzip; the front asks Datasette without Accept-Encoding, so
behind nginx it never compresses and nginx stays the one that does. A streamed response (CSV
with _stream=on) is compressed chunk by chunk, each chunk flushed so the client gets it at once.
"""
from __future__ import annotations

import zlib

COMPRESSIBLE = (b"text/", b"application/json", b"application/javascript", b"application/geo+json",
                b"image/svg+xml", b"application/xml")
MIN_SIZE = 256  # as nginx's gzip_min_length: smaller bodies grow with the gzip header
LEVEL = 5       # as nginx's gzip_comp_level


def accepts_gzip(headers) -> bool:
    """Whether the request's Accept-Encoding allows gzip ('gzip', 'gzip;q=0.5', '*'; not 'gzip;q=0')."""
    for name, value in headers or []:
        if bytes(name).lower() != b"accept-encoding":
            continue
        for item in bytes(value).decode("latin-1").lower().split(","):
            coding, _, params = item.strip().partition(";")
            quality = params.strip().removeprefix("q=")
            if coding.strip() in ("gzip", "*") and quality not in ("0", "0.0", "0.00", "0.000"):
                return True
    return False


def _header(headers, name: bytes) -> bytes | None:
    return next((bytes(v) for k, v in headers if bytes(k).lower() == name), None)


def is_compressible(headers) -> bool:
    content_type = (_header(headers, b"content-type") or b"").lower()
    return content_type.startswith(COMPRESSIBLE) and _header(headers, b"content-encoding") is None


def with_vary(headers) -> list:
    """The headers with Accept-Encoding added to Vary (Datasette's Vary: Cookie is kept)."""
    vary = _header(headers, b"vary")
    kept = [list(h) for h in headers if bytes(h[0]).lower() != b"vary"]
    return kept + [[b"vary", vary + b", Accept-Encoding" if vary else b"Accept-Encoding"]]


def gzip_middleware(app):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        wanted = scope.get("method") != "HEAD" and accepts_gzip(scope.get("headers"))
        start = None
        compressor = None  # set once the response is being compressed

        async def gzip_send(event):
            nonlocal start, compressor
            if event["type"] == "http.response.start":
                start = event  # held back until the first body part decides
                return
            if event["type"] != "http.response.body" or start is None:
                return await send(event)
            body, more = event.get("body", b""), event.get("more_body", False)
            if compressor is None:
                headers = start.get("headers") or []
                compressible = is_compressible(headers) and start.get("status", 200) not in (204, 304)
                if compressible:
                    headers = with_vary(headers)
                if not (wanted and compressible and (more or len(body) >= MIN_SIZE)):
                    await send({**start, "headers": headers})
                    start = None  # from here on everything passes unchanged
                    return await send(event)
                headers = [h for h in headers if bytes(h[0]).lower() != b"content-length"]
                await send({**start, "headers": headers + [[b"content-encoding", b"gzip"]]})
                compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)  # 31: gzip container
            data = compressor.compress(body) + compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
            await send({"type": "http.response.body", "body": data, "more_body": more})

        return await app(scope, receive, gzip_send)

    return wrapped
