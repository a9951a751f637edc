"""The codebook as tables (vragen, vraagversies, antwoordopties, optielabels_per_jaar) for the database and exports."""
from __future__ import annotations

import json

import pandas as pd

from .. import codebook as cb


def vragen(book: cb.Codebook) -> pd.DataFrame:
    sections = {s["sectie"]: s["label"] for s in book.data["secties"]}
    return pd.DataFrame([{
        "vraag_id": q["vraag_id"], "sectie": q["sectie"], "sectie_label": sections[q["sectie"]],
        "type": q["type"], "onderwerp": q["onderwerp"],
        "alleen_als": json.dumps(q["alleen_als"], ensure_ascii=False) if q.get("alleen_als") else None,
        "jaren": ",".join(str(y) for y in book.years_asked(q["vraag_id"])),
        "noot": q.get("noot"),
    } for q in book.data["vragen"]])


def vraagversies(book: cb.Codebook) -> pd.DataFrame:
    rows = []
    for q in book.data["vragen"]:
        for v in q["versies"]:
            columns = v.get("kolommen") or {"": v["kolom"]}
            rows.append({
                "vraag_id": q["vraag_id"], "jaar": v["jaar"], "formulering": v["formulering"],
                "formulering_status": v["formulering_status"], "bron": v["bron"], "vindplaats": v["vindplaats"],
                "ruwe_kolommen": json.dumps(columns, ensure_ascii=False),
                "vergelijkbaar_met_vorig_jaar": v["vergelijkbaar_met_vorig_jaar"], "reden": v["reden"],
            })
    return pd.DataFrame(rows)


def antwoordopties(book: cb.Codebook) -> pd.DataFrame:
    """One row per question × option (and per matrix row/multiple-choice item: `item_code`)."""
    rows = []
    for q in book.data["vragen"]:
        years = book.years_asked(q["vraag_id"])
        items = q.get("items") or [None]
        for item in items:
            item_years = item["jaren"] if item else years
            for o in q.get("opties", []):
                label = item["label"] if q["type"] == "meervoudig" else o["label"]
                option_years = [y for y in item_years if y in o.get("jaren", item_years)]  # an option of some years only
                rows.append({"vraag_id": q["vraag_id"], "item_code": item["item_code"] if item else "",
                             "item_label": item["label"] if item else None, "optie_code": o["optie_code"],
                             "label": label, "jaren": ",".join(map(str, option_years))})
    return pd.DataFrame(rows)


def optielabels_per_jaar(book: cb.Codebook) -> pd.DataFrame:
    """One row per antwoordopties row and year it was offered: the option's wording that year.

    A version may reword an option (`optielabels`) while its code, and so its meaning for the
    counts, stays; this table is where the reworded label is published. Long (one row per year)
    rather than a column per year, so a new year adds rows, not a schema change.
    """
    rows = []
    for r in antwoordopties(book).itertuples(index=False):
        multiple = book.questions[r.vraag_id]["type"] == "meervoudig"  # a ticked box carries the item's label
        for year in map(int, r.jaren.split(",")):
            rows.append({"vraag_id": r.vraag_id, "item_code": r.item_code, "optie_code": r.optie_code, "jaar": year,
                         "label": r.label if multiple else book.option_label(r.vraag_id, r.optie_code, year)})
    return pd.DataFrame(rows, columns=["vraag_id", "item_code", "optie_code", "jaar", "label"])
