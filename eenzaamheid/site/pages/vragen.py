"""The question pages (/vragen, /vraag/{vraag_id}): per item the shares per year for all
respondents and the fixed panel, comparability breaks marked."""
from markupsafe import Markup

from eenzaamheid.site.charts import legend, svg_stacked
from eenzaamheid.site.common import (NOT_COMPARABLE, POPULATION_LABELS, POPULATION_SHORT, SHOWN_POPULATIONS, TYPE_LABELS,
                                     years_text)
from eenzaamheid.site.store import Store


def question_list(store: Store) -> list:
    """The sections of /vragen: every question with its type and its comparability breaks."""
    secties = []
    for sectie, label, vs in store.secties:
        out = []
        for v in vs:
            breaks = [(j, store.versies[(v["vraag_id"], j)]["vergelijkbaar_met_vorig_jaar"])
                      for j in store.jaren if (v["vraag_id"], j) in store.versies
                      and store.versies[(v["vraag_id"], j)]["vergelijkbaar_met_vorig_jaar"] in NOT_COMPARABLE]
            out.append({**v, "type_label": TYPE_LABELS.get(v["type"], v["type"]), "breuken": breaks,
                        "heeft_cijfers": v["vraag_id"] in store.aandelen})
        secties.append({"sectie": sectie, "label": label, "vragen": out})
    return secties

def question_charts(store: Store, vraag_id: str) -> dict:
    """Per item (matrix row; for a multiple-choice question every option) the shares per year
    for all respondents and the fixed panel: rows for the SVG and the table."""
    cached = store.cache.get(("vraag", vraag_id))
    if cached is not None:
        return cached
    v = store.vraag[vraag_id]
    versies = [store.versies[(vraag_id, j)] for j in store.jaren if (vraag_id, j) in store.versies]
    breaks = {r["jaar"]: (r["vergelijkbaar_met_vorig_jaar"], r["reden"]) for r in versies
              if r["vergelijkbaar_met_vorig_jaar"] in NOT_COMPARABLE}
    data: dict = {}
    for r in store.aandelen.get(vraag_id, []):
        data.setdefault(r["item_code"], {}).setdefault((r["jaar"], r["populatie"]), {
            "jaar": r["jaar"], "populatie": r["populatie"], "basis": r["basis"], "waarden": {}}
        )["waarden"][r["optie_code"]] = (r["aantal"], r["percentage"])
    items, seen = [], set()
    for o in store.opties.get(vraag_id, []):
        if o["item_code"] in seen or o["item_code"] not in data:
            continue
        seen.add(o["item_code"])
        options = _chart_options(store, v, o["item_code"])
        for r in data[o["item_code"]].values():  # the tooltip's and the table's words: the year's own
            r["labels"] = {code: label if v["type"] == "meervoudig" else
                           store.label(vraag_id, o["item_code"], code, r["jaar"]) or label for code, label in options}
        pop_order = {p: i for i, p in enumerate(SHOWN_POPULATIONS)}
        rows = sorted(data[o["item_code"]].values(), key=lambda r: (r["jaar"], pop_order[r["populatie"]]))
        first_year = rows[0]["jaar"]
        item_breaks = {j: b for j, b in breaks.items() if j != first_year}
        title = f"{v['onderwerp']}" + (f" – {o['item_label']}" if o["item_label"] else "")
        notes, marks = _rewordings(options, rows)
        table, previous = [], None
        for r in rows:
            first_of_year = r["jaar"] != previous
            previous = r["jaar"]
            table.append({"jaar": r["jaar"], "populatie": POPULATION_SHORT[r["populatie"]],
                          "populatie_code": r["populatie"], "basis": r["basis"],
                          "cellen": [r["waarden"].get(code) for code, _ in options],
                          "jaarlabels": [r["labels"][code] for code, _ in options],  # the year's wording
                          "noten": [marks.get((r["jaar"], code)) for code, _ in options],  # its note's number
                          "jaar_breuk": item_breaks.get(r["jaar"], (None,))[0],  # every row of the year
                          "breuk": item_breaks.get(r["jaar"], (None,))[0] if first_of_year else None})
        items.append({"item_code": o["item_code"], "item_label": o["item_label"], "opties": options,
                      "svg": svg_stacked(rows, options, item_breaks, title),
                      "legenda": legend(options) if v["type"] != "meervoudig" else Markup(""),
                      "tabel": table, "anders_geformuleerd": notes})
    result = {"items": items, "versies": versies, "breuken": breaks}
    store.cache[("vraag", vraag_id)] = result
    return result


def _chart_options(store: Store, v: dict, item_code: str) -> list:
    """[(optie_code, label)] of one chart, as its legend and table header show them: a chart spans
    years, so each option in its latest wording (a ticked box of a multiple-choice item: 'aangekruist')."""
    codes = [x["optie_code"] for x in store.opties[v["vraag_id"]] if x["item_code"] == item_code]
    if v["type"] == "meervoudig":
        return [(code, "aangekruist") for code in codes]
    return [(code, store.latest_label(v["vraag_id"], item_code, code)) for code in codes]


def _rewordings(options: list, rows: list) -> tuple[list, dict]:
    """The table's header words each option as its latest year; a year that worded it otherwise gets
    a numbered note under the table: ([{nummer, label, kop, jaren}], (jaar, optie_code) -> nummer)."""
    notes, marks = [], {}
    for code, header in options:
        years_by_label: dict = {}
        for r in rows:
            if r["labels"][code] != header:
                years_by_label.setdefault(r["labels"][code], set()).add(r["jaar"])
        for label, years in years_by_label.items():
            notes.append({"nummer": len(notes) + 1, "label": label, "kop": header, "jaren": years_text(sorted(years))})
            marks.update({(y, code): len(notes) for y in years})
    return notes, marks


BREAK_WORDS = {"nee": "niet vergelijkbaar", "onzeker": "mogelijk niet vergelijkbaar"}
# what a person reads (DESIGN.md, "Meaning first"): the question's wording, the answer's words,
# and what a share is a share of
SHEET_COLUMNS = ("Jaar", "Populatie", "Vraag (formulering van dat jaar)", "Onderdeel", "Antwoord",
                 "Aantal gemeenten met dit antwoord", "Basis (gemeenten die de vraag beantwoordden)",
                 "Percentage van de basis", "Vergelijkbaarheid met het jaar ervoor")


def question_sheet(store: Store, vraag_id: str, item_code: str | None) -> tuple[str, list, list] | None:
    """The numbers the page's chart(s) draw, one row per year, population and answer: (title,
    columns, rows) for page_sheets.sheet_response. item_code None: every chart of the page; an
    item_code the page has no chart for: None. 'Onderdeel' only for questions with items."""
    v = store.vraag[vraag_id]
    items = [it for it in question_charts(store, vraag_id)["items"] if item_code is None or it["item_code"] == item_code]
    if not items:
        return None
    with_items = any(it["item_label"] for it in items)
    columns = [c for c in SHEET_COLUMNS if with_items or c != "Onderdeel"]
    rows = []
    for it in items:
        for r in it["tabel"]:
            wording = (store.versies.get((vraag_id, r["jaar"])) or {}).get("formulering") or "niet gepubliceerd"
            for label, c in zip(r["jaarlabels"], r["cellen"]):  # the answer as worded that year
                if c is not None:
                    rows.append([r["jaar"], POPULATION_LABELS[r["populatie_code"]], wording,
                                 *([it["item_label"]] if with_items else []),
                                 label, c[0], r["basis"], c[1], BREAK_WORDS.get(r["jaar_breuk"], "")])
    title = f"Benchmark Eén tegen eenzaamheid – {v['onderwerp']}" + (
        f" – {items[0]['item_label']}" if item_code is not None and items[0]["item_label"] else "") + (
        ": aandeel van de respondenten per antwoord, per jaar en populatie")
    return title, columns, rows
