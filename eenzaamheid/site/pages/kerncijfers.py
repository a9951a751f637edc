"""Headline figures on the site: at the top of a question page (per year, all respondents and
the fixed panel, with the change since the previous comparable year) and on the home page (the
latest year's figures of the questions chosen in metadata.yml, `kerncijfers_home`).

The figures are the database's table `kerncijfers` (eenzaamheid/transform/kerncijfers.py, from
the codebook's definitions); here they are only worded and formatted."""
from eenzaamheid.site.common import NOT_COMPARABLE, pct, years_text
from eenzaamheid.site.store import Store

PANEL = "vast_panel_2022_2024"
ALL = "alle_respondenten"
HOME_DEFAULT_COUNT = 5


def points(value) -> str:
    """3.25 -> '+3,3 procentpunt'; 0 -> 'gelijk (0,0 procentpunt)'; with a real minus sign."""
    if value == 0:
        return "gelijk (0,0 procentpunt)"
    return f"{value:+.1f}".replace(".", ",").replace("-", "−") + " procentpunt"


def _previous_asked(store: Store, vraag_id: str, jaar: int) -> int | None:
    earlier = [j for j in store.jaren if j < jaar and (vraag_id, j) in store.versies]
    return max(earlier) if earlier else None


def cell(store: Store, row: dict | None) -> dict | None:
    """One figure: its share and count, and its change or why there is none."""
    if row is None:
        return None
    out = {"percentage": pct(row["percentage"]), "aantal": row["aantal"], "basis": row["basis"],
           "verandering": None, "geen_verandering": None, "richting": None}
    if row["verschil_procentpunt"] is not None:
        out["verandering"] = f"{points(row['verschil_procentpunt'])} sinds {row['vorig_jaar']}"
        out["richting"] = ("gelijk" if row["verschil_procentpunt"] == 0
                           else "omhoog" if row["verschil_procentpunt"] > 0 else "omlaag")
    else:
        previous = _previous_asked(store, row["vraag_id"], row["jaar"])
        comparable = row["vergelijkbaar_met_vorig_jaar"]
        if comparable == "nee":
            out["geen_verandering"] = f"breuk: niet vergelijkbaar met {previous}"
        elif comparable == "onzeker":
            out["geen_verandering"] = f"mogelijk niet vergelijkbaar met {previous}"
        elif previous is None:
            out["geen_verandering"] = "eerste jaar van de vraag"
        elif row["populatie"] == PANEL:
            out["geen_verandering"] = "eerste jaar van het panel"
        else:
            out["geen_verandering"] = f"geen cijfer voor {previous}"
    return out


def question_headline(store: Store, vraag_id: str) -> dict | None:
    """The headline block of /vraag/<id>: per year a row with both populations."""
    found = store.kerncijfers.get(vraag_id)
    if not found:
        return None
    first = found[0]
    by_key = {(r["jaar"], r["populatie"]): r for r in found}
    years = sorted({r["jaar"] for r in found if r["populatie"] == ALL})
    item = next((o["item_label"] for o in store.opties.get(vraag_id, [])
                 if first["item_code"] and o["item_code"] == first["item_code"]), None)
    return {
        "label": first["label"], "formulering": first["formulering"], "item": item,
        "opties": [_option_words(store, vraag_id, first["item_code"] or "", code)
                   for code in first["opties"].split(",")],
        "rijen": [{"jaar": j, "alle": cell(store, by_key.get((j, ALL))), "panel": cell(store, by_key.get((j, PANEL))),
                   "breuk": (store.versies.get((vraag_id, j)) or {}).get("vergelijkbaar_met_vorig_jaar")
                   in NOT_COMPARABLE}
                  for j in reversed(years)],
    }


def _option_words(store: Store, vraag_id: str, item_code: str, optie_code: str) -> str:
    """An option counted in a headline spanning years: its latest wording, and any other wording
    with its years ("Ja (in 2019–2024: ‘Ja, wij …’)")."""
    latest = store.latest_label(vraag_id, item_code, optie_code) or optie_code
    others = "; ".join(f"in {years_text(years)}: ‘{words}’"
                       for words, years in store.other_wordings(vraag_id, item_code, optie_code))
    return f"{latest} ({others})" if others else latest


def home_headlines(store: Store, chosen, base: str) -> dict | None:
    """The latest year's headline figures of the chosen questions (all respondents)."""
    if not store.kerncijfers or not store.jaren:
        return None
    latest = store.jaren[-1]
    if not chosen:
        chosen = [v["vraag_id"] for v in store.vragen if v["vraag_id"] in store.kerncijfers][:HOME_DEFAULT_COUNT]
    figures = []
    for vraag_id in chosen:
        row = next((r for r in store.kerncijfers.get(vraag_id, [])
                    if r["jaar"] == latest and r["populatie"] == ALL), None)
        if row is None:
            continue
        figures.append({"vraag_id": vraag_id, "url": base + vraag_id, "label": row["label"],
                        "formulering": row["formulering"], **cell(store, row)})
    return {"jaar": latest, "cijfers": figures} if figures else None
