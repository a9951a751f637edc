"""Search that understands what people type.

- `fts_query`: what someone typed as a safe FTS5 query. Every word is quoted, so an apostrophe
  (gemeente's), a hyphen, a bracket or an operator word never gives `fts5: syntax error`; text
  between double quotes stays a phrase and a word ending in * stays a prefix search.
- `resolve_municipality`: a name, alias or code ('Den Haag', 'den bosch', 'GM0518', 'den-haag')
  to its CBS code, through the same resolver and alias table (reference/gemeente_aliassen.csv)
  the build uses for the deliveries (eenzaamheid/municipalities.py).
- `did_you_mean`: the closest municipalities to a typo ('Utreht'), by the resolver's own spelling
  match (its candidates), and the provinces that look like what was typed.
- `common_names`, `gemeenten_json`: the resolver's alias table as the common name beside the
  official one ("'s-Gravenhage (Den Haag)") and as suggestions while typing, with former
  municipalities (marked, with their successor) and the provinces.
- `prepare_connection`: both as SQL functions for the canned queries:
  `zoekterm_fts(:zoekterm)` and `gemeente_code_van(:gemeente, :jaar)`.
"""
from __future__ import annotations

import functools
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


def did_you_mean(store, text) -> dict:
    """{'gemeenten': [rows of store.gemeenten], 'provincies': [codes], 'opgeheven': {naam, per} of a
    former municipality typed by name, else None} for what matched nothing.
    A confident spelling guess of the resolver (methode 'spelvariant') gives that municipality
    alone; otherwise its (up to three) nearest candidates. Provinces: the same similarity
    (difflib's ratio) at the resolver's threshold for a spelling guess, or a name containing it."""
    import difflib

    from eenzaamheid.municipalities import FUZZY_MIN, normalize_name, register
    from eenzaamheid.site.pages.gemeente_kop import datum

    text = str(text or "").strip()[:100]
    if not text:
        return {"gemeenten": [], "provincies": [], "opgeheven": None}
    reg = register()
    found = reg.resolve(reg.latest_year, text)
    # a spelling guess or a former municipality: the resolver's reading; else its candidates
    codes = (found.gemeente_code,) if found.methode in ("spelvariant", "voorganger") else found.kandidaten
    key = normalize_name(text)
    provinces = [code for code, name in sorted(store.provincies.items(), key=lambda kv: kv[1])
                 if key in normalize_name(name)
                 or difflib.SequenceMatcher(None, key, normalize_name(name)).ratio() >= FUZZY_MIN]
    if provinces and found.methode == "onbekend":  # a province it resembles beats loose candidates
        codes = ()
    former = None
    if found.methode == "voorganger":  # typed by a former name: say when it merged, into what
        former = next((f for f in reg.former() if normalize_name(f[0]) == key), None)
    return {"gemeenten": [store.gemeenten[c] for c in codes if c in store.gemeenten], "provincies": provinces,
            "opgeheven": {"naam": former[0], "per": datum(former[3])} if former else None}


COMMON_NAME = "Gangbare naam"  # the alias table's toelichting of the name people use for it


@functools.lru_cache(maxsize=1)
def common_names() -> dict:
    """gemeente_code -> the common name from the resolver's alias table ('GM0518' -> 'Den Haag')."""
    from eenzaamheid.municipalities import register

    return {code: alias for alias, code, note in register().aliases if note.startswith(COMMON_NAME)}


async def common_name(code: str) -> str | None:
    """common_names()[code] off the event loop (the first call loads the CBS lists)."""
    import asyncio
    return (await asyncio.get_running_loop().run_in_executor(None, common_names)).get(code)


async def municipality_for(text) -> str | None:
    """resolve_municipality(exact) off the event loop (the first call loads the CBS lists)."""
    import asyncio
    return await asyncio.get_running_loop().run_in_executor(None, lambda: resolve_municipality(text, exact=True))


def prepare_connection(conn) -> None:
    conn.create_function("zoekterm_fts", 1, fts_query, deterministic=True)
    conn.create_function("gemeente_code_van", 2, resolve_municipality, deterministic=True)


async def gemeenten_json(datasette):
    """/gemeenten.json: the suggestions of static/gemeente-zoeken.js. Every municipality of the
    dataset {naam, code, provincie} (current ones first), then with a `soort`: the resolver's
    aliases ('alias', with the official name), the provinces ('provincie') and every former
    municipality ('opgeheven', with its successor on the latest boundaries)."""
    import asyncio

    from datasette.utils.asgi import Response

    from eenzaamheid.site.render import cache_headers
    from eenzaamheid.site.store import get_store

    store = await get_store(datasette)
    out = store.cache.get("gemeenten_json")
    if out is None:  # the first call loads the CBS lists (~2 s): off the event loop
        out = await asyncio.get_running_loop().run_in_executor(None, suggestions, store)
        store.cache["gemeenten_json"] = out
    return Response.json(out, headers=cache_headers(datasette))


def suggestions(store) -> list:
    """The rows of /gemeenten.json (see gemeenten_json)."""
    from eenzaamheid.municipalities import normalize_name, register
    from eenzaamheid.site.common import normalize

    reg = register()
    current = sorted(store.gemeenten.values(), key=lambda g: (g["geldig_tot"] is not None, g["zoek"]))
    out = [{"naam": g["naam"], "code": g["gemeente_code"], "provincie": g["provincie"]}
           for g in current if g["geldig_tot"] is None]
    for alias, code, _note in reg.aliases:
        g = store.gemeenten.get(code)
        if g and normalize_name(alias) != normalize_name(g["naam"]) and normalize(alias) != g["zoek"]:
            out.append({"naam": alias, "code": code, "provincie": g["provincie"], "soort": "alias",
                        "officieel": g["naam"]})
    out += [{"naam": name, "code": code, "provincie": name, "soort": "provincie"}
            for code, name in sorted(store.provincies.items(), key=lambda kv: kv[1])]
    for name, code, successor, _ended in sorted(reg.former(), key=lambda f: normalize(f[0])):
        s = store.gemeenten.get(successor)
        if s:
            out.append({"naam": name, "code": code, "provincie": s["provincie"], "soort": "opgeheven",
                        "opvolger": s["naam"], "opvolger_code": successor})
    return out


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
