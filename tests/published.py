"""An independent reading of the raw demo deliveries, for recomputing published figures.

Deliberately separate from eenzaamheid's ingest/validate/clean code: it uses only the
codebook (the questionnaire spec) and the municipality resolver, plus openpyxl and csv.
If the cleaning code and this reading disagree, one of them is wrong.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from eenzaamheid import codebook as cb
from eenzaamheid.municipalities import register

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"


def _norm(value) -> str:
    return " ".join(str(value).split()).casefold()


def read_rows(path: Path, delivery: cb.Delivery) -> list[dict]:
    if delivery.formaat == "csv":
        text = path.read_bytes().decode(delivery.codering)
        rows = list(csv.reader(io.StringIO(text), delimiter=delivery.scheidingsteken))
    else:
        ws = load_workbook(path, read_only=True)[delivery.werkblad]
        rows = [["" if v is None else (v.strftime(delivery.datumformaat) if isinstance(v, dt.datetime) else str(v))
                 for v in r] for r in ws.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    return [dict(zip(header, r)) for r in body]


@dataclass
class Year:
    year: int
    rows: list[dict] = field(default_factory=list)  # accepted submissions: {"_code", "_opvolger", (vraag, item): code}


def load_year(year: int) -> Year:
    book = cb.load()
    delivery = book.deliveries[year]
    meta = delivery.metadata_kolommen
    path = next((RAW / str(year)).glob(f"*.{delivery.formaat}"))
    columns = book.answer_columns(year)
    by_code: dict[str, dict] = {}
    for raw in read_rows(path, delivery):
        if not any(str(v).strip() for v in raw.values()):
            continue  # empty row
        answers = {}
        for col in columns:
            value = raw.get(col.header, "")
            if not str(value).strip():
                answers[(col.vraag_id, col.item_code)] = None
            elif col.type == "open":
                answers[(col.vraag_id, col.item_code)] = value
            else:
                match = [c for lab, c in zip(col.labels, col.codes) if _norm(lab) == _norm(value)]
                # an answer outside the options is held back on its own; the rest of the row counts
                answers[(col.vraag_id, col.item_code)] = match[0] if match else None
        res = register().resolve(year, raw[meta["gemeente"]])
        assert res.ok, res
        answers["_code"], answers["_opvolger"], answers["_eind"] = res.gemeente_code, res.opvolger_code, \
            dt.datetime.strptime(raw[meta["eindtijd"]], delivery.datumformaat)
        kept = by_code.get(res.gemeente_code)
        if kept is None or answers["_eind"] > kept["_eind"]:  # latest completed submission counts
            by_code[res.gemeente_code] = answers
    return Year(year, list(by_code.values()))


class Recomputer:
    def __init__(self):
        self.years = {y: load_year(y) for y in cb.YEARS}
        succ = {y: {r["_opvolger"] for r in self.years[y].rows} for y in cb.YEARS}
        self.panels = {"vast_panel_2022_2024": succ[2022] & succ[2023] & succ[2024],
                       "groep_2022_2023": succ[2022] & succ[2023]}
        self.book = cb.load()

    def population(self, year: int, populatie: str) -> list[dict]:
        rows = self.years[year].rows
        if populatie == "alle_respondenten":
            return rows
        return [r for r in rows if r["_opvolger"] in self.panels[populatie]]

    def count_and_base(self, fig: dict, year: int) -> tuple[int, int]:
        rows = self.population(year, fig["populatie"])
        vraag, item, optie = fig["vraag_id"], fig["item_code"] or None, fig["optie_code"]
        if fig["kenmerk"] == "vrije_tekst":
            term = re.search(r"zoekterm '([^']+)'", fig["toelichting"]).group(1)
            parent = vraag[: -len("_anders")]
            base = [r for r in rows if r.get((parent, "anders")) == "gekozen"]
            hits = [r for r in base if term in (r.get((vraag, None)) or "").casefold()]
            return len(hits), len(base)
        q = self.book.questions[vraag]
        if q["type"] == "meervoudig":
            answered = [r for r in rows if any(r.get((vraag, i["item_code"])) for i in q["items"])]
            return sum(r.get((vraag, item)) == "gekozen" for r in answered), len(answered)
        codes = self.book.option_group(vraag, optie)
        answered = [r for r in rows if r.get((vraag, item)) is not None]
        return sum(r[(vraag, item)] in codes for r in answered), len(answered)

    def value(self, fig: dict):
        """The figure as computed from the raw files (same measure as published)."""
        year = int(fig["jaar"])
        if fig["vraag_id"] == "respons":
            n = len(self.population(year, fig["populatie"]))
            return n if fig["maat"] == "totaal" else 100 * n / int(fig["basis"])
        if fig["maat"] in ("aantal", "percentage"):
            count, base = self.count_and_base(fig, year)
            return count if fig["maat"] == "aantal" else 100 * count / base
        prev = int(fig["vergelijkingsjaar"])
        if fig["maat"] == "verschil_aantal":
            return self.count_and_base(fig, year)[0] - self.count_and_base(fig, prev)[0]
        pct = {y: (lambda c, b: 100 * c / b)(*self.count_and_base(fig, y)) for y in (year, prev)}
        return pct[year], pct[prev]


def round_half_up(x: float) -> int:
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def matches(fig: dict, computed) -> bool:
    """Does the computed value reproduce the published one within the report's rounding?"""
    stated, op = float(fig["waarde"]), fig["operator"]
    margin = re.search(r"binnen (\d+) procentpunt", fig["toelichting"] or "")
    if fig["maat"] == "procentpuntverschil":
        now, before = computed
        rounded, raw = round_half_up(now) - round_half_up(before), now - before
        if op == "<=":
            return rounded <= stated
        if op == "≈":
            return abs(raw - stated) <= int(margin.group(1))
        return rounded == stated or abs(raw - stated) < 0.5
    if fig["maat"] == "percentage":
        if op == "≈":
            return abs(computed - stated) <= int(margin.group(1))
        return round_half_up(computed) == stated or abs(computed - stated) <= 0.5
    return computed == stated


def published_figures() -> list[dict]:
    with open(ROOT / "checks" / "published_figures.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def base_of(rc: Recomputer, fig: dict) -> int | None:
    if fig["vraag_id"] == "respons":
        return None
    return rc.count_and_base(fig, int(fig["jaar"]))[1]


__all__ = ["Recomputer", "published_figures", "matches", "base_of", "defaultdict"]
