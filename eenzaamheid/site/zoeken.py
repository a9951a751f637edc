"""Search that understands what people type.

- `fts_query`: what someone typed as a safe FTS5 query. Every word is quoted, so an apostrophe
  (gemeente's), a hyphen, a bracket or an operator word never gives `fts5: syntax error`; text
  between double quotes stays a phrase and a word ending in * stays a prefix search.
- `resolve_municipality`: a name, alias or code ('Den Haag', 'den bosch', 'GM0518', 'den-haag')
  to its CBS code, through the same resolver and alias table (reference/gemeente_aliassen.csv)
  the build uses for the deliveries (eenzaamheid/municipalities.py).
- `prepare_connection`: both as SQL functions for the canned queries:
  `zoekterm_fts(:zoekterm)` and `gemeente_code_van(:gemeente, :jaar)`.
"""
from __future__ import annotations

import re

_PHRASE_OR_WORD = re.compile(r'"([^"]*)"?|(\S+)')


def fts_query(text) -> str:
    """'gemeente's "tijd en geld" ggd*' -> '"gemeente's" "tijd en geld" "ggd"*'. Nothing to
    search for gives '""', which matches nothing (and is no error)."""
    parts = []
    for phrase, word in _PHRASE_OR_WORD.findall(str(text or "")):
        if phrase.strip():
            parts.append('"' + phrase.strip() + '"')
        elif word:
            prefix = word.endswith("*") and len(word.rstrip("*")) > 0
            word = word.rstrip("*").replace('"', "")
            if word:
                parts.append('"' + word + '"' + ("*" if prefix else ""))
    return " ".join(parts) or '""'


EXACT_METHODS = ("cbs_code", "officiele_naam", "naam_zonder_provinciesuffix", "alias")


def resolve_municipality(text, year=None, exact: bool = False) -> str | None:
    """The CBS code valid in `year` (default: the latest) of what someone typed, or None when it
    is unknown or ambiguous ('Bergen'). exact: only a code, a name or an alias, no spelling guess."""
    from eenzaamheid.municipalities import register  # loads the CBS lists once (~2 s), on first use

    text = str(text or "").strip()[:100]
    if not text:
        return None
    reg = register()
    try:
        year = int(year) if year not in (None, "") else reg.latest_year
    except (TypeError, ValueError):
        year = reg.latest_year
    if year not in reg.years:
        year = min(max(year, reg.years[0]), reg.years[-1])
    found = reg.resolve(year, text)
    if exact and found.methode not in EXACT_METHODS:
        return None
    return found.gemeente_code


async def municipality_for(text) -> str | None:
    """resolve_municipality(exact) off the event loop (the first call loads the CBS lists)."""
    import asyncio
    return await asyncio.get_running_loop().run_in_executor(None, lambda: resolve_municipality(text, exact=True))


def prepare_connection(conn) -> None:
    conn.create_function("zoekterm_fts", 1, fts_query, deterministic=True)
    conn.create_function("gemeente_code_van", 2, resolve_municipality, deterministic=True)


async def gemeenten_json(datasette):
    """/gemeenten.json: name, code and province of every municipality, for the suggestions of
    static/gemeente-zoeken.js (current municipalities first)."""
    from datasette.utils.asgi import Response

    from eenzaamheid.site.render import cache_headers
    from eenzaamheid.site.store import get_store

    store = await get_store(datasette)
    rows = sorted(store.gemeenten.values(), key=lambda g: (g["geldig_tot"] is not None, g["zoek"]))
    return Response.json([{"naam": g["naam"], "code": g["gemeente_code"], "provincie": g["provincie"]} for g in rows],
                         headers=cache_headers(datasette))


def without_empty_table_search(query_string: bytes) -> bytes:
    """Datasette's table search (`_search`, `_search_<column>`) quotes every term itself, but an
    empty search (`?_search=`, only spaces or quotes) becomes `MATCH ''`, an fts5 syntax error:
    such a parameter is dropped, as if nothing was searched for."""
    from urllib.parse import parse_qsl, urlencode

    if b"_search" not in query_string:
        return query_string
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not (k.startswith("_search") and not v.replace('"', "").strip())]
    return query_string if len(kept) == len(pairs) else urlencode(kept).encode("latin-1")
