"""Headline figures (kerncijfers): per question where the reports print one, the share of
municipalities giving the headline answer, per year and population, with the change since the
previous comparable year.

The definition is the codebook's (`kerncijfer` of a question: an option or an option group, on
one matrix row if the question has rows); the counting is the reconciliation's (`Calculator`),
so a headline figure and the printed figure it is reconciled with are one computation.

A change is given only when the year's version of the question is marked comparable with the
previous year the question was asked (`vergelijkbaar_met_vorig_jaar` = 'ja'): never across a
break ('nee') nor across an uncertain comparison ('onzeker'); the reader sees why in the column
`vergelijkbaar_met_vorig_jaar`.
"""
from __future__ import annotations

from fractions import Fraction

import pandas as pd

from .. import codebook as cb
from .reconcile import POPULATIONS, Calculator, round_half_up

COLUMNS = ["vraag_id", "jaar", "populatie", "item_code", "optie_code", "opties", "label", "formulering",
           "aantal", "basis", "percentage", "vorig_jaar", "verschil_procentpunt", "vergelijkbaar_met_vorig_jaar"]


def _one_decimal(x: Fraction) -> float:
    return float(round_half_up(x, 1))


def kerncijfers(frames: dict[str, pd.DataFrame], calc: Calculator | None = None) -> pd.DataFrame:
    """The `kerncijfers` table (schemas/clean/kerncijfers.yaml)."""
    calc = calc or Calculator(frames)
    book = cb.load()
    rows = []
    for k in book.headlines():
        vraag = k["vraag_id"]
        asked = book.years_asked(vraag)
        for populatie in POPULATIONS:
            previous: dict | None = None
            for jaar in asked:
                fig = {"populatie": populatie, "vraag_id": vraag, "item_code": k["item_code"] or "",
                       "optie_code": k["optie"], "kenmerk": ""}
                count, base = calc.count_and_base(fig, jaar)
                comparable = book.version(vraag, jaar)["vergelijkbaar_met_vorig_jaar"]
                if not base:
                    previous = None  # not asked of this population (or row) that year: no bridge over it
                    continue
                share = Fraction(100 * count, base)
                row = {"vraag_id": vraag, "jaar": jaar, "populatie": populatie, "item_code": k["item_code"],
                       "optie_code": k["optie"], "opties": ",".join(k["opties"]), "label": k["label"],
                       "formulering": k["formulering"], "aantal": count, "basis": base,
                       "percentage": _one_decimal(share), "vorig_jaar": None, "verschil_procentpunt": None,
                       "vergelijkbaar_met_vorig_jaar": comparable}
                if previous is not None and previous["jaar"] == _year_before(asked, jaar) and comparable == "ja":
                    row["vorig_jaar"] = previous["jaar"]
                    row["verschil_procentpunt"] = _one_decimal(share - previous["share"])
                rows.append(row)
                previous = {"jaar": jaar, "share": share}
    out = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("aantal", "basis", "vorig_jaar"):
        out[column] = out[column].astype("Int64")
    return out


def _year_before(asked: list[int], jaar: int) -> int | None:
    earlier = [y for y in asked if y < jaar]
    return max(earlier) if earlier else None
