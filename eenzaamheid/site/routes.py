"""The site's own pages: / (home, cached), /robots.txt, /gemeente (search), /gemeente/{code}
and its /factsheet and /antwoorden.csv|xlsx, /vragen, /vraag/{vraag_id} with its numbers as a file
(/vraag/{vraag_id}/cijfers.csv|xlsx?onderdeel=), /kaart?jaar= (registered by the plugin's
register_routes; the province pages /provincie and /provincie/{naam} are in provincie.py)."""
from urllib.parse import unquote

from datasette.utils.asgi import Response
from markupsafe import Markup

from eenzaamheid.site.pages import deelname
from eenzaamheid.site.common import POPULATION_LABELS, SHOWN_POPULATIONS, TYPE_LABELS, province_slug
from eenzaamheid.site.pages.gemeente import answers_by_year, fetch_municipality, participation, question_blocks, search_municipalities
from eenzaamheid.site.pages.gemeente_cijfers import municipality_sheet
from eenzaamheid.site.pages.gemeente_kop import build_info, code_life
from eenzaamheid.site.pages.kaart import map_page
from eenzaamheid.site.pages.kerncijfers import question_headline
from eenzaamheid.site.pages.kernantwoorden import glance, predecessors, years_lines
from eenzaamheid.site.page_sheets import SYNTHETIC_NOTICE, sheet_response
from eenzaamheid.site.render import cache_headers, not_found, render, sync_templates
from eenzaamheid.site.store import database, get_store
from eenzaamheid.site.pages.vragen import question_charts, question_list, question_sheet
from eenzaamheid.site.pages.provincie import province_code, provinces
from eenzaamheid.site.pages.zoeken import common_name, did_you_mean, municipality_for


async def robots_txt(datasette):
    store = await get_store(datasette)
    if store.synthetisch:
        body = ("# Synthetische demodata: niet indexeren, zodat verzonnen antwoorden nooit onder\n"
                "# de naam van een echte gemeente worden gevonden.\nUser-agent: *\nDisallow: /\n")
    else:
        body = "User-agent: *\nAllow: /\n"
    return Response.text(body, headers=cache_headers(datasette))


async def gemeente_zoeken(request, datasette):
    """/gemeente?q=: one municipality meant goes to its page, a province to the province page;
    otherwise the matches, or what might have been meant (zoeken.did_you_mean)."""
    store = await get_store(datasette)
    q = (request.args.get("q") or "").strip()[:100]
    hits = search_municipalities(store, q) if q else []
    bedoeld = {"gemeenten": [], "provincies": [], "opgeheven": None}
    if q:
        code = await municipality_for(q)
        provincie = None if code in store.gemeenten else province_code(store, q)
        if provincie:
            return Response.redirect(datasette.urls.path("/provincie/" + province_slug(store.provincies[provincie])))
        code = code if code in store.gemeenten else (hits[0]["gemeente_code"] if len(hits) == 1 else None)
        if code:
            return Response.redirect(datasette.urls.path(f"/gemeente/{code}"))
        bedoeld = did_you_mean(store, q)  # the resolver is loaded by municipality_for
        if hits:
            bedoeld["gemeenten"] = []
    current = sorted((g for g in store.gemeenten.values() if g["geldig_tot"] is None),
                     key=lambda g: (g["provincie"], g["zoek"]))
    per_provincie: dict = {}
    for g in current:
        per_provincie.setdefault(g["provincie"], []).append(g)
    return await render(datasette, request, "gemeente_zoeken.html",
                        {"q": q, "resultaten": hits, "per_provincie": per_provincie, "bedoeld": bedoeld,
                         "provincie_url": datasette.urls.path("/provincie/"), "provincie_slug": province_slug,
                         "provincie_namen": store.provincies,
                         "gemeente_url": datasette.urls.path("/gemeente/"),
                         "aantal_huidig": len(current)})


async def _municipality(request, datasette, partial_template: str | None):
    store = await get_store(datasette)
    code = request.url_vars["code"].strip().upper()
    g = store.gemeenten.get(code)
    if g is None:  # a name or alias in the address (/gemeente/den-haag): redirect to the code's page
        typed = unquote(request.url_vars["code"])
        found = await municipality_for(typed)
        if found not in store.gemeenten:
            hits = search_municipalities(store, typed)
            found = hits[0]["gemeente_code"] if len(hits) == 1 else None
        if found:
            raw = request.url_vars["code"]
            tail = request.path[request.path.index(raw) + len(raw):].rstrip("/")  # /factsheet, /antwoorden.csv
            return store, None, Response.redirect(datasette.urls.path(f"/gemeente/{found}{tail}"))
        return store, None, await not_found(
            datasette, request, "Gemeente niet gevonden",
            f"Er is geen gemeente met CBS-code ‘{request.url_vars['code']}’ in deze dataset. "
            "Zoek een gemeente op naam of code.", [("Gemeente zoeken", datasette.urls.path("/gemeente"))])
    if code != request.url_vars["code"]:
        return store, None, Response.redirect(request.path.replace(request.url_vars["code"], code))

    voorgangers = sorted(store.voorgangers.get(code, []), key=lambda x: x["zoek"])
    deelname, answers, notes, predecessor_answers = await database(datasette).execute_fn(
        lambda conn: fetch_municipality(conn, code, g["opvolger_code"], [v["gemeente_code"] for v in voorgangers]))
    # the page's sections per year (the factsheet and the downloads show the years lines only)
    jaren = answers_by_year(store, answers, notes, charts=True) if partial_template else []
    # the page's overview tables (macros shared with the factsheet), also rendered synchronously
    overview = sync_templates(datasette).get_template("_gemeente_overzicht.html").make_module(
        {"urls": datasette.urls, "synthetisch": store.synthetisch})
    vraag_url = datasette.urls.path("/vraag/")
    for j in jaren:
        j["html"] = Markup(sync_templates(datasette).get_template(partial_template).render(
            j=j, g=g, vraag_url=vraag_url, vraagblokken=question_blocks))
    context = {
        "g": g,
        "ov": overview,
        "opvolger": store.gemeenten.get(g["opvolger_code"]) if g["opvolger_code"] != code else None,
        "voorgangers": voorgangers,
        "deelname": participation(store, g, deelname),
        "jaren": jaren,
        "panel_jaren": store.panel_jaren,
        "code": code_life(store, g, await common_name(code)),
        "overzicht": glance(store, g, answers),
        "regels": years_lines(store, answers) if answers else None,
        "antwoorden": answers,
        "voorganger_antwoorden": predecessors(store, g, predecessor_answers),
        "build": await build_info(datasette, store),
        "pagina_url": datasette.absolute_url(request, datasette.urls.path(f"/gemeente/{code}")),
    }
    return store, context, None


async def gemeente(request, datasette):
    _store, context, response = await _municipality(request, datasette, "_gemeente_jaar.html")
    if response is not None:
        return response
    return await render(datasette, request, "gemeente.html", context)


async def factsheet(request, datasette):
    _store, context, response = await _municipality(request, datasette, None)
    if response is not None:
        return response
    return await render(datasette, request, "factsheet.html", context)


async def gemeente_cijfers(request, datasette):
    """/gemeente/<code>/antwoorden.csv|xlsx: the municipality's answers over the years, in words."""
    store, context, response = await _municipality(request, datasette, None)
    if response is not None:
        return response
    g = context["g"]
    title, columns, rows = municipality_sheet(store, g, context["antwoorden"])
    return sheet_response(request.url_vars["fmt"], f"{g['gemeente_code']}-antwoorden", title, columns, rows,
                          SYNTHETIC_NOTICE if store.synthetisch else None,
                          f"Bron: {context['pagina_url']} (dataset Benchmark Eén tegen eenzaamheid)",
                          headers=cache_headers(datasette))


async def vragen(request, datasette):
    store = await get_store(datasette)
    return await render(datasette, request, "vragen.html", {"secties": question_list(store)})


async def vraag(request, datasette):
    store = await get_store(datasette)
    vraag_id = request.url_vars["vraag_id"]
    v = store.vraag.get(vraag_id)
    if v is None:
        return await not_found(datasette, request, "Vraag niet gevonden",
                               f"Er is geen vraag ‘{vraag_id}’ in de benchmark.",
                               [("Alle vragen", datasette.urls.path("/vragen"))])
    charts = question_charts(store, vraag_id)
    return await render(datasette, request, "vraag.html", {
        "v": v, "type_label": TYPE_LABELS.get(v["type"], v["type"]), **charts,
        "kerncijfer": question_headline(store, vraag_id),
        "populaties": [POPULATION_LABELS[p] for p in SHOWN_POPULATIONS]})


async def vraag_cijfers(request, datasette):
    """The numbers a question page draws as CSV or .xlsx: all its charts, or one (?onderdeel=)."""
    store = await get_store(datasette)
    vraag_id, fmt = request.url_vars["vraag_id"], request.url_vars["fmt"]
    item_code = request.args.get("onderdeel")
    sheet = question_sheet(store, vraag_id, item_code) if vraag_id in store.vraag else None
    if sheet is None:
        return await not_found(datasette, request, "Cijfers niet gevonden",
                               f"Er zijn geen cijfers van vraag ‘{vraag_id}’"
                               + (f" en onderdeel ‘{item_code}’" if item_code else "") + " in de benchmark.",
                               [("Alle vragen", datasette.urls.path("/vragen"))])
    title, columns, rows = sheet
    page_url = datasette.absolute_url(request, datasette.urls.path(f"/vraag/{vraag_id}"))
    return sheet_response(fmt, f"{vraag_id}{'-' + item_code if item_code else ''}-cijfers", title, columns, rows,
                          SYNTHETIC_NOTICE if store.synthetisch else None,
                          f"Bron: {page_url} (dataset Benchmark Eén tegen eenzaamheid)",
                          headers=cache_headers(datasette))


async def kaart(request, datasette):
    store = await get_store(datasette)
    if request.args.get("weergave") == deelname.MODE:
        return await kaart_jaren(request, datasette, store)
    raw = request.args.get("jaar") or str(store.jaren[-1])
    try:
        jaar = int(raw)
    except ValueError:
        jaar = None
    if jaar not in store.kaart:
        return await not_found(datasette, request, "Jaar niet gevonden",
                               f"De benchmark heeft geen jaargang ‘{raw}’. Kies een van de jaren "
                               + ", ".join(map(str, store.jaren)) + ".",
                               [(str(j), datasette.urls.path(f"/kaart?jaar={j}")) for j in store.jaren])
    cached = map_page(store, jaar, datasette.urls.path("/gemeente/"))
    links = provinces(store, datasette.urls.path("/provincie/"))  # _provincie_links.html below the map
    return await render(datasette, request, "kaart.html", {"jaar": jaar, "jaren": store.jaren, **cached,
                                                           "jaargang": store.jaargangen[jaar], "provincie_links": links})


async def over_deze_data(request, datasette):
    """/over: what the data is, its version and how to cite it (eenzaamheid/site/pages/over.py)."""
    from eenzaamheid.site.pages import over

    store = await get_store(datasette)
    context = await over.context(datasette, store, database(datasette))
    served = datasette.absolute_url(request, datasette.urls.path("/"))
    return await render(datasette, request, "over.html", {**context, "citaat": over.served_citation(context, served)})


async def kaart_jaren(request, datasette, store):
    """/kaart?weergave=aantal_jaren: how many years each current municipality took part."""
    if ("kaart", deelname.MODE) not in store.cache:
        years = await database(datasette).execute_fn(deelname.years_per_municipality)
    else:
        years = {}
    table_url = datasette.urls.table(database(datasette).name, deelname.TABLE)
    cached = deelname.years_map(store, years, datasette.urls.path("/gemeente/"), table_url)
    return await render(datasette, request, "kaart_jaren.html", {
        **cached, "jaren": store.jaren, "tabel_url": table_url})
