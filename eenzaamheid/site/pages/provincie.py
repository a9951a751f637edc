"""The province pages: /provincie (the 12 provinces) and /provincie/<naam>.

A province page answers "which municipalities in this province took part, and how do they
answer?":
- participation per survey year on that year's boundaries: municipalities with an accepted
  submission under their own code that year / municipalities that existed on 1 January (the map's
  count, store.kaart);
- the province's municipalities on the latest boundaries with, per year, whether a submission
  counts (table `deelname`, on successor codes: a merged predecessor's submission counts for its
  successor, and the page names the predecessor);
- the latest year's headline figures (the codebook's `kerncijfer`, as on the municipality glance)
  of the province beside the country, from the views `aandelen_per_provincie` and `aandelen`.

The address takes the name in any case, with spaces or hyphens, or the CBS province code (PV25);
every spelling redirects to one canonical address, /provincie/<slug> ('noord-holland').
"""
from urllib.parse import unquote

from datasette.utils.asgi import Response

from eenzaamheid.site.common import normalize, pct
from eenzaamheid.site.common import province_slug as slug
from eenzaamheid.site.pages.kernantwoorden import headline_definitions, headline_share, questions_shown
from eenzaamheid.site.page_sheets import SYNTHETIC_NOTICE, sheet_response
from eenzaamheid.site.render import cache_headers, not_found, render
from eenzaamheid.site.store import Store, database, get_store, rows

# Names people use that are not the CBS name of the province (compared without spaces).
OTHER_NAMES = {"friesland": "fryslan"}
YES, NO_SUBMISSION = "ja", "geen inzending"
PREFIX = "provincie "


def province_code(store: Store, text: str) -> str | None:
    """The CBS province code of a name in any case, spaced or hyphenated ('noord holland',
    'NoordHolland'), or of a code ('pv27'); None when it is no province."""
    typed = unquote(str(text or "")).strip()
    if typed.casefold().startswith(PREFIX):  # 'provincie Utrecht', the suggestion's wording
        typed = typed[len(PREFIX):].strip()
    if typed.upper() in store.provincies:
        return typed.upper()
    compact = normalize(typed).replace(" ", "")
    compact = OTHER_NAMES.get(compact, compact)
    return next((code for code, name in store.provincies.items()
                 if normalize(name).replace(" ", "") == compact), None) if compact else None


def provinces(store: Store, base: str) -> list:
    """[{code, naam, url}] of every province, by name."""
    return [{"code": code, "naam": name, "url": base + slug(name)}
            for code, name in sorted(store.provincies.items(), key=lambda kv: normalize(kv[1]))]


def participation(store: Store, name: str) -> list:
    """Per survey year, latest first: {jaar, deelgenomen, gemeenten, percentage} on that year's
    boundaries (every municipality that existed on 1 January, as the map counts them)."""
    out = []
    for jaar in reversed(store.jaren):
        dots = [d for d in store.kaart[jaar] if d["provincie"] == name]
        taken = sum(1 for d in dots if d["deelgenomen"])
        out.append({"jaar": jaar, "deelgenomen": taken, "gemeenten": len(dots),
                    "percentage": pct(100 * taken / len(dots)) if dots else "–"})
    return out


def fetch_participation(conn) -> dict:
    """(successor code, jaar) -> the codes of that year whose accepted submission counts (table deelname)."""
    return {(r["gemeente_code"], r["jaar"]): [c for c in (r["gemeente_codes_dat_jaar"] or "").split(",") if c]
            for r in rows(conn, "select gemeente_code, jaar, gemeente_codes_dat_jaar from deelname "
                                "where deelgenomen = 1")}


def municipalities(store: Store, code: str, counted: dict) -> list:
    """The province's municipalities on the latest boundaries, by name, each with per year (latest
    first, so a phone shows it beside the name) {jaar, telt, tekst}; a year counted through merged
    predecessors names them."""
    out = []
    current = [g for g in store.gemeenten.values() if g["geldig_tot"] is None and g["provincie_code"] == code]
    for g in sorted(current, key=lambda g: g["zoek"]):
        cells = []
        for jaar in reversed(store.jaren):
            codes = counted.get((g["gemeente_code"], jaar), [])
            others = [store.gemeenten[c]["naam"] for c in codes if c != g["gemeente_code"] and c in store.gemeenten]
            text = YES + (f" (als {', '.join(others)})" if others else "") if codes else NO_SUBMISSION
            cells.append({"jaar": jaar, "telt": bool(codes), "tekst": text})
        out.append({"code": g["gemeente_code"], "naam": g["naam"], "jaren": cells,
                    "voorgangers": sorted(p["naam"] for p in store.voorgangers.get(g["gemeente_code"], []))})
    return out


def headlines(store: Store, code: str, jaar: int) -> list:
    """Per question with a headline answer asked in `jaar`: the province's and the country's share
    ((aantal, basis, percentage) of the respondents who answered its headline row)."""
    out = []
    definitions = headline_definitions(store)
    for v in questions_shown(store):
        d = definitions.get(v["vraag_id"])
        if d is None or (v["vraag_id"], jaar) not in store.versies:
            continue
        shares = {"provincie": headline_share(store.provincie, (jaar, code), v["vraag_id"], d),
                  "nederland": headline_share(store.nederland, (jaar,), v["vraag_id"], d)}
        out.append({"vraag_id": v["vraag_id"], "label": d["label"], "formulering": d["formulering"],
                    **{scope: _share(s) for scope, s in shares.items()}})
    return out


def _share(share) -> dict | None:
    return {"percentage": pct(share[2]), "aantal": share[0], "basis": share[1]} if share else None


async def _province(request, datasette, tail: str = ""):
    """(store, code, counted participation, None) of the address's province, or (…, response) with the
    redirect to its canonical address (/provincie/<slug><tail>) or a Dutch 404."""
    store = await get_store(datasette)
    typed = request.url_vars["naam"]
    code = province_code(store, typed)
    base = datasette.urls.path("/provincie/")
    if code is None:
        return store, None, None, await not_found(
            datasette, request, "Provincie niet gevonden", f"Er is geen provincie ‘{unquote(typed)}’. Kies een van "
            "de twaalf provincies.", [(p["naam"], p["url"]) for p in provinces(store, base)])
    name = store.provincies[code]
    if typed != slug(name) or request.path.endswith("/"):
        return store, code, None, Response.redirect(base + slug(name) + tail)
    counted = store.cache.get("provincie_deelname")
    if counted is None:
        counted = store.cache.setdefault("provincie_deelname",
                                         await database(datasette).execute_fn(fetch_participation))
    return store, code, counted, None


async def province_page(request, datasette):
    """/provincie/<naam>: redirects every spelling to /provincie/<slug>."""
    store, code, counted, response = await _province(request, datasette)
    if response is not None:
        return response
    name, latest = store.provincies[code], store.jaren[-1]
    return await render(datasette, request, "provincie.html", {
        "code": code, "naam": name, "deelname": participation(store, name), "jaren": list(reversed(store.jaren)),
        "gemeenten": municipalities(store, code, counted), "laatste_jaar": latest, "slug": slug(name),
        "kerncijfers": headlines(store, code, latest), "provincies": provinces(store, datasette.urls.path("/provincie/"))})


async def province_download(request, datasette):
    """/provincie/<naam>/gemeenten.csv|xlsx: the page's list of municipalities and their participation."""
    fmt = request.url_vars["fmt"]
    store, code, counted, response = await _province(request, datasette, f"/gemeenten.{fmt}")
    if response is not None:
        return response
    name = store.provincies[code]
    rows_ = [[g["naam"], g["code"], ", ".join(g["voorgangers"])] + [c["tekst"] for c in g["jaren"]]
             for g in municipalities(store, code, counted)]
    columns = ["Gemeente", "CBS-code", "Ontstaan uit (herindeling)"] + [f"Inzending telt mee {j}"
                                                                         for j in reversed(store.jaren)]
    page = datasette.absolute_url(request, datasette.urls.path(f"/provincie/{slug(name)}"))
    return sheet_response(fmt, f"provincie-{slug(name)}-gemeenten",
                          f"Provincie {name}: gemeenten op de indeling van nu en hun deelname per jaar, "
                          "Benchmark Eén tegen eenzaamheid", columns, rows_,
                          SYNTHETIC_NOTICE if store.synthetisch else None,
                          f"Bron: {page} (dataset Benchmark Eén tegen eenzaamheid)", headers=cache_headers(datasette))


async def province_index(request, datasette):
    """/provincie: the twelve provinces with the latest year's participation."""
    store = await get_store(datasette)
    latest = store.jaren[-1]
    items = [{**p, **participation(store, p["naam"])[0]} for p in provinces(store, datasette.urls.path("/provincie/"))]
    return await render(datasette, request, "provincies.html", {"provincies": items, "laatste_jaar": latest})
