"""Our static files (static/, mounted at /static/) under URLs that change with their content.

`static_url('site.css')` -> '/static/site.css?h=<first 12 hex of its sha256>', the hashes computed
once per process from the file bytes. A response for that exact URL may be cached for a year
(`cache_control`, applied by the middleware in compression.py): a changed file gets a new URL.
Any other /static/ URL (an old hash, none) is cached as briefly as our pages.
"""
from __future__ import annotations

import functools
import hashlib
from urllib.parse import parse_qsl

from jinja2 import pass_context

from eenzaamheid.paths import CODE_ROOT

STATIC_DIR = CODE_ROOT / "static"
STATIC_PREFIX = "/static/"
DATASETTE_STATIC_PREFIX = "/-/static/"  # Datasette's own CSS and scripts: short, like our pages
HASH_PARAM = "h"
IMMUTABLE = b"public, max-age=31536000, immutable"
SHORT = b"public, max-age=3600"  # as default_cache_ttl (serve.py): like our pages


@functools.cache
def static_hashes() -> dict[str, str]:
    """{'site.css': '3f2a…'} for every file in static/ (flat folder), read once per process."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(STATIC_DIR.iterdir()) if path.is_file()}


@pass_context
def static_url(context, name: str) -> str:
    """The URL of static/<name> for a template, with the content hash (and Datasette's base_url)."""
    digest = static_hashes().get(name)
    if digest is None:
        raise KeyError(f"static/{name} does not exist")
    return f"{context['urls'].path(STATIC_PREFIX + name)}?{HASH_PARAM}={digest}"


def cache_control(path: str, query_string: bytes) -> bytes | None:
    """The Cache-Control of a /static/ response: a year for the current hashed URL, else short;
    None for every other path."""
    if path.startswith(DATASETTE_STATIC_PREFIX):
        return SHORT
    if not path.startswith(STATIC_PREFIX):
        return None
    name = path[len(STATIC_PREFIX):]
    wanted = static_hashes().get(name)
    given = dict(parse_qsl(query_string.decode("latin-1"))).get(HASH_PARAM)
    return IMMUTABLE if wanted is not None and given == wanted else SHORT


def static_cache_middleware(app):
    """Cache-Control on /static/ and /-/static/ responses (Datasette's static handler sends none)."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        value = cache_control(scope.get("path", ""), scope.get("query_string", b""))
        if value is None:
            return await app(scope, receive, send)

        async def send_with_cache_control(event):
            if event["type"] == "http.response.start" and event.get("status", 200) == 200:
                headers = [h for h in event.get("headers") or [] if bytes(h[0]).lower() != b"cache-control"]
                event = {**event, "headers": headers + [[b"cache-control", value]]}
            await send(event)
        return await app(scope, receive, send_with_cache_control)
    return wrapped
