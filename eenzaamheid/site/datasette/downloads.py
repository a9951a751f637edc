"""Downloads as users expect them: an ASGI middleware (inside security.security_middleware) that

- gives the published files under the downloads mount their real content type (Datasette's static
  handler guesses from Python's mimetypes, which knows no Parquet: it served text/plain) and lets
  CSV, Parquet and the zip arrive as a file with its name (Content-Disposition: attachment);
- allows other sites to read the data (CORS: Access-Control-Allow-Origin: *) on the downloads and
  on Datasette's JSON and CSV API. The data is public and the site read-only and without login, so
  no credentials are involved; a preflight (OPTIONS) stays refused, simple GETs need none.

The nginx front (deploy/nginx.conf.template) passes these headers on unchanged.
"""
from __future__ import annotations

from pathlib import PurePosixPath

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ttl": "text/turtle; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
ATTACHMENT = (".csv", ".parquet", ".zip", ".xlsx")
API_SUFFIXES = (".json", ".csv")
CORS_HEADERS = ((b"access-control-allow-origin", b"*"), (b"access-control-expose-headers", b"Link"))


def download_headers(path: str, downloads_mount: str) -> list[tuple[bytes, bytes]]:
    """The headers a published file under /<mount>/ gets (replacing Datasette's), else []."""
    prefix = f"/{downloads_mount}/"
    if not path.startswith(prefix):
        return []
    name = PurePosixPath(path).name
    suffix = PurePosixPath(name).suffix.lower()
    headers = []
    if suffix in CONTENT_TYPES:
        headers.append((b"content-type", CONTENT_TYPES[suffix].encode()))
    if suffix in ATTACHMENT:
        headers.append((b"content-disposition", f'attachment; filename="{name}"'.encode()))
    return headers


def wants_cors(path: str, content_type: bytes, downloads_mount: str) -> bool:
    return (path.startswith(f"/{downloads_mount}/") or path.endswith(API_SUFFIXES)
            or content_type.split(b";")[0].strip().lower() == b"application/json")


def _replace(headers, new) -> list:
    names = {name for name, _ in new}
    return [h for h in headers or [] if bytes(h[0]).lower() not in names] + [list(h) for h in new]


def downloads_middleware(app, downloads_mount: str):
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        path = scope.get("path", "")

        async def send_with_headers(event):
            if event["type"] == "http.response.start":
                headers = event.get("headers") or []
                status = event.get("status", 200)
                new = download_headers(path, downloads_mount) if status == 200 else []
                content_type = next((bytes(v) for k, v in headers if bytes(k).lower() == b"content-type"), b"")
                if wants_cors(path, content_type, downloads_mount):
                    # keep what an inner layer exposes already (X-Synthetische-Data) beside Link
                    exposed = [bytes(v) for k, v in headers if bytes(k).lower() == b"access-control-expose-headers"]
                    new += [(k, b", ".join([*exposed, v]) if k == b"access-control-expose-headers" else v)
                            for k, v in CORS_HEADERS]
                if new:
                    event = {**event, "headers": _replace(headers, new)}
            await send(event)

        return await app(scope, receive, send_with_headers)

    return wrapped
