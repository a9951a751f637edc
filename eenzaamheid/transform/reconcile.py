"""Reconciliation: every figure printed in the reports against the same figure computed here.

Input are the clean tables (the frames of `build.clean_frames`), output the table
`reconciliatie` (schemas/clean/reconciliatie.yaml): one row per published figure with the
computed value in the published measure, its base, the difference and a status.

How a figure is computed (the reports' own definitions):

- population: `alle_respondenten` are the accepted submissions of the year; a panel
  (`vast_panel_2022_2024`, `groep_2022_2023`) are the accepted submissions whose flag
  `telt_in_<panel>` is 1 (a member municipality in one of the panel's years);
- base: the submissions of the population that answered the question (matrix: that row);
  for a multiple-choice question, those that ticked at least one of its items;
- count: submissions of the base whose answer is the option or one of the options behind a
  published aggregate (codebook `optiegroepen`, e.g. coalitie 'ja' = all 'ja_*');
- `vrije_tekst`: base = submissions that ticked 'anders' on the parent question, count =
  those whose free-text answer contains the search term quoted in the figure's toelichting.

Rounding decisions are made on exact fractions, so a percentage that is exactly x.5 is
rounded up (half-up, as the reports do) and never lost to binary floating point.

Answers are counted once per (population, year, question, row, option); each figure is then
a dictionary lookup, so the cost grows with the number of answers, not with figures × answers.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from .. import codebook as cb
from .panel import submission_flag

ACCEPTED = "geaccepteerd"
POPULATIONS = ("alle_respondenten", "vast_panel_2022_2024", "groep_2022_2023")
MULTIPLE = "meervoudig"
RESPONSE = "respons"

GELIJK = "gelijk"
AFRONDING = "afrondingsverschil"
AFWIJKEND = "afwijkend"
TEGENSTRIJDIG = "bron_tegenstrijdig"
NIET_BEREKENBAAR = "niet_berekenbaar"

COLUMNS = ["cijfer_id", "berekend", "berekende_basis", "verschil", "status", "reden"]


# --- exact arithmetic -------------------------------------------------------------------------

def round_half_up(x: Fraction, decimals: int = 0) -> Fraction:
    """Round half away from zero, as the reports do (12.5 -> 13, -12.5 -> -13)."""
    scale = Fraction(10) ** decimals
    y = abs(x) * scale
    r = Fraction(math.floor(y + Fraction(1, 2))) / scale
    return r if x >= 0 else -r


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _fmt(x: Fraction | int | float | None, decimals: int = 2) -> str:
    """A number for a Dutch reason text: decimal comma, trailing zeros dropped."""
    if x is None:
        return "?"
    s = f"{float(x):.{decimals}f}".rstrip("0").rstrip(".")
    return s.replace(".", ",")


def _pct(count: int, base: int) -> Fraction | None:
    return Fraction(100 * count, base) if base else None


# --- what the deliveries say ------------------------------------------------------------------

def population_members(inzendingen: pd.DataFrame) -> pd.DataFrame:
    """Accepted submissions per population: columns populatie, jaar, inzending_id."""
    accepted = inzendingen[inzendingen["status"] == ACCEPTED]
    parts = [accepted[["jaar", "inzending_id"]].assign(populatie=POPULATIONS[0])]
    for name in POPULATIONS[1:]:
        flag = submission_flag(name)
        if flag in accepted:
            parts.append(accepted.loc[accepted[flag] == 1, ["jaar", "inzending_id"]].assign(populatie=name))
    out = pd.concat(parts, ignore_index=True)
    out["jaar"] = out["jaar"].astype(int)
    return out[["populatie", "jaar", "inzending_id"]]


@dataclass
class Tallies:
    """Counts and bases, computed once for all figures."""

    sizes: dict[tuple, int]           # (populatie, jaar) -> accepted submissions
    counts: dict[tuple, int]          # (populatie, jaar, vraag_id, item_code, optie_code) -> submissions
    item_bases: dict[tuple, int]      # (populatie, jaar, vraag_id, item_code) -> submissions that answered
    question_bases: dict[tuple, int]  # (populatie, jaar, vraag_id) -> submissions that answered any item
    members: pd.DataFrame

    def member_ids(self, populatie: str, jaar: int) -> set[str]:
        m = self.members
        return set(m.loc[(m["populatie"] == populatie) & (m["jaar"] == jaar), "inzending_id"])

    @classmethod
    def of(cls, frames: dict[str, pd.DataFrame]) -> "Tallies":
        members = population_members(frames["inzendingen"])
        answers = frames["antwoorden"][["inzending_id", "vraag_id", "item_code", "optie_code"]].copy()
        answers["item_code"] = answers["item_code"].fillna("")
        # the year comes from the submission; one answer row may count for several populations
        answers = answers.merge(members, on="inzending_id", how="inner")
        item_keys = ["populatie", "jaar", "vraag_id", "item_code"]
        counts = answers.groupby(item_keys + ["optie_code"], sort=False).size()
        item_bases = answers.groupby(item_keys, sort=False)["inzending_id"].nunique()
        question_bases = answers.groupby(item_keys[:3], sort=False)["inzending_id"].nunique()
        sizes = members.groupby(["populatie", "jaar"], sort=False).size()
        return cls({k: int(v) for k, v in sizes.items()}, {k: int(v) for k, v in counts.items()},
                   {k: int(v) for k, v in item_bases.items()}, {k: int(v) for k, v in question_bases.items()},
                   members)


class Calculator:
    def __init__(self, frames: dict[str, pd.DataFrame]):
        self.frames = frames
        self.tallies = Tallies.of(frames)
        self.types = dict(zip(frames["vragen"]["vraag_id"], frames["vragen"]["type"]))
        self.book = cb.load()
        self._texts: dict[str, pd.DataFrame] = {}
        self._other: dict[str, set[str]] = {}

    def option_codes(self, vraag_id: str, optie_code: str) -> list[str]:
        if vraag_id in self.book.questions:
            return self.book.option_group(vraag_id, optie_code)
        return [optie_code]

    def count_and_base(self, fig: dict, year: int) -> tuple[int, int]:
        t, pop, vraag, item = self.tallies, fig["populatie"], fig["vraag_id"], fig["item_code"] or ""
        if fig["kenmerk"] == "vrije_tekst":
            return self.free_text(fig, year)
        if self.types[vraag] == MULTIPLE:
            base = t.question_bases.get((pop, year, vraag), 0)
            return t.counts.get((pop, year, vraag, item, "gekozen"), 0), base
        codes = self.option_codes(vraag, fig["optie_code"])
        count = sum(t.counts.get((pop, year, vraag, item, c), 0) for c in codes)
        return count, t.item_bases.get((pop, year, vraag, item), 0)

    def free_text(self, fig: dict, year: int) -> tuple[int, int]:
        term = search_term(fig)
        parent = fig["vraag_id"].removesuffix("_anders")
        if term is None or parent == fig["vraag_id"]:
            raise NotComputable("Geen zoekterm of bovenliggende vraag met optie 'anders' gevonden bij dit vrije-tekstcijfer.")
        base_ids = self.chose_other(parent) & self.tallies.member_ids(fig["populatie"], year)
        texts = self.texts(fig["vraag_id"])
        hits = texts[texts["inzending_id"].isin(base_ids) & texts["tekst"].str.casefold().str.contains(term, regex=False)]
        return int(hits["inzending_id"].nunique()), len(base_ids)

    def chose_other(self, vraag_id: str) -> set[str]:
        """Submissions that ticked 'anders' on a multiple-choice question (looked up once per question)."""
        if vraag_id not in self._other:
            answers = self.frames["antwoorden"]
            ticked = answers[(answers["vraag_id"] == vraag_id) & (answers["item_code"] == "anders")
                             & (answers["optie_code"] == "gekozen")]
            self._other[vraag_id] = set(ticked["inzending_id"])
        return self._other[vraag_id]

    def texts(self, vraag_id: str) -> pd.DataFrame:
        if vraag_id not in self._texts:
            tl = self.frames["toelichtingen"]
            self._texts[vraag_id] = tl.loc[tl["vraag_id"] == vraag_id, ["inzending_id", "tekst"]].fillna({"tekst": ""})
        return self._texts[vraag_id]

    def invited(self, year: int) -> int | None:
        jg = self.frames["jaargangen"]
        value = jg.loc[jg["jaar"].astype(int) == year, "uitgenodigd"]
        return int(value.iloc[0]) if len(value) and pd.notna(value.iloc[0]) else None


class NotComputable(Exception):
    """The figure cannot be derived from the deliveries; the message (Dutch) says why."""


def search_term(fig: dict) -> str | None:
    m = re.search(r"zoekterm '([^']+)'", fig["toelichting"] or "")
    return m.group(1).casefold() if m else None


def margin_of(fig: dict) -> int | None:
    m = re.search(r"binnen (\d+) procentpunt", fig["toelichting"] or "")
    return int(m.group(1)) if m else None


# --- judging one figure -----------------------------------------------------------------------

def _bound_ok(op: str, value: Fraction, stated: Fraction) -> bool:
    return value <= stated if op == "<=" else value >= stated


def judge(fig: dict, value: Fraction, rounded: Fraction) -> tuple[str, str]:
    """Status and reason for a computed value; `rounded` is the value as the report would print it.

    For a count `rounded` is the value itself; for a percentage its half-up rounding; for a
    percentage-point difference the difference of the two rounded percentages.
    """
    stated, op, maat = Fraction(fig["waarde"]), fig["operator"], fig["maat"]
    exact = maat in ("aantal", "totaal", "verschil_aantal")
    half = Fraction(1, 2) * Fraction(10) ** -_decimals(fig["waarde"])
    shown = f"berekend {_fmt(value)}, gepubliceerd {'' if op == '=' else op + ' '}{fig['waarde']}"
    if op == "≈":
        margin = margin_of(fig)
        if margin is None:
            return AFWIJKEND, "Benaderend cijfer zonder marge ('binnen N procentpunt') in de toelichting."
        if abs(value - stated) <= margin:
            return GELIJK, ""
        if not exact and abs(rounded - stated) <= margin:
            return AFRONDING, f"Buiten de marge van {margin} procentpunt, maar binnen de afronding ({shown})."
        return AFWIJKEND, f"Buiten de marge van {margin} procentpunt ({shown})."
    if op in ("<=", ">="):
        if _bound_ok(op, rounded, stated):
            return GELIJK, ""
        slack = 0 if exact else half
        if _bound_ok(op, value, stated + slack if op == "<=" else stated - slack):
            return AFRONDING, f"De grens {op} {fig['waarde']} geldt binnen de afronding ({shown})."
        return AFWIJKEND, f"De grens {op} {fig['waarde']} geldt niet ({shown})."
    if rounded == stated:
        return GELIJK, ""
    if not exact and abs(value - stated) <= half:
        return AFRONDING, (f"Afgerond {_fmt(rounded)} in plaats van {fig['waarde']}, maar het onafgeronde cijfer "
                           f"ligt binnen de afronding van het rapport ({shown}).")
    return AFWIJKEND, f"Het berekende cijfer wijkt af ({shown})."


def _row(fig: dict, berekend=None, basis=None, status=NIET_BEREKENBAAR, reden="") -> dict:
    verschil = None if berekend is None else round(float(Fraction(berekend) - Fraction(fig["waarde"])), 2)
    return {"cijfer_id": fig["cijfer_id"], "berekend": None if berekend is None else round(float(berekend), 2),
            "berekende_basis": basis, "verschil": verschil, "status": status, "reden": reden}


def _one(calc: Calculator, fig: dict) -> dict:
    kenmerk, maat, year = fig["kenmerk"], fig["maat"], int(fig["jaar"])
    if kenmerk == "niet_toewijsbaar":
        return _row(fig, reden="Niet toe te wijzen aan één vraag, rij of optie: " + (fig["toelichting"] or "geen toelichting."))
    if kenmerk == "buiten_levering":
        reden = "Niet af te leiden uit de leveringen. " + (fig["toelichting"] or "")
        invited = calc.invited(year) if fig["optie_code"] == "uitgenodigd" else None
        if invited is not None:
            reden += (f" In jaargangen staat {invited} uitgenodigde gemeenten"
                      f"{' (gelijk aan het gepubliceerde cijfer)' if Fraction(invited) == Fraction(fig['waarde']) else ''};"
                      " dat getal komt uit dezelfde rapporten, dus is het geen onafhankelijke controle.")
        return _row(fig, reden=reden.strip())
    try:
        row = _computed(calc, fig, maat, year)
    except NotComputable as e:
        return _row(fig, reden=str(e))
    if kenmerk == TEGENSTRIJDIG:
        row["status"], row["reden"] = TEGENSTRIJDIG, fig["toelichting"] or "De bronnen spreken elkaar tegen."
    return row


def _computed(calc: Calculator, fig: dict, maat: str, year: int) -> dict:
    t, pop = calc.tallies, fig["populatie"]
    if fig["vraag_id"] == RESPONSE:
        n = t.sizes.get((pop, year), 0)
        if maat != "percentage":  # the number of respondents
            return _row(fig, n, None, *judge(fig, Fraction(n), Fraction(n)))
        invited = calc.invited(year)
        denominator, source = (invited, "jaargangen") if invited else \
            (int(fig["basis"]) if fig["basis"] else None, "de basis van het gepubliceerde cijfer")
        if not denominator:
            raise NotComputable("Responspercentage zonder aantal uitgenodigde gemeenten.")
        pct = _pct(n, denominator)
        status, reden = judge(fig, pct, round_half_up(pct, _decimals(fig["waarde"])))
        note = f"{n} respondenten van {denominator} uitgenodigde gemeenten (noemer uit {source})."
        return _row(fig, pct, denominator, status, f"{reden} {note}".strip())
    if fig["vraag_id"] not in calc.types:
        raise NotComputable(f"Vraag '{fig['vraag_id']}' staat niet in het codeboek.")

    if maat in ("aantal", "percentage"):
        count, base = calc.count_and_base(fig, year)
        if maat == "aantal":
            status, reden = judge(fig, Fraction(count), Fraction(count))
        elif not base:
            raise NotComputable(f"Geen gemeenten in de basis ({pop}, {year}).")
        else:
            pct = _pct(count, base)
            status, reden = judge(fig, pct, round_half_up(pct, _decimals(fig["waarde"])))
        if fig["basis"] and int(fig["basis"]) != base:
            status = AFWIJKEND
            reden = f"De basis wijkt af: berekend {base}, gepubliceerd {fig['basis']}. {reden}".strip()
        value = Fraction(count) if maat == "aantal" else _pct(count, base)
        return _row(fig, value, base, status, reden)

    if not fig["vergelijkingsjaar"]:
        raise NotComputable("Verschil zonder vergelijkingsjaar.")
    prev = int(fig["vergelijkingsjaar"])
    (c_now, b_now), (c_prev, b_prev) = calc.count_and_base(fig, year), calc.count_and_base(fig, prev)
    if maat == "verschil_aantal":
        diff = c_now - c_prev
        status, reden = judge(fig, Fraction(diff), Fraction(diff))
        note = f"{year}: {c_now} van {b_now}; {prev}: {c_prev} van {b_prev}."
        return _row(fig, diff, None, status, f"{reden} {note}".strip())
    if not b_now or not b_prev:
        raise NotComputable(f"Geen gemeenten in de basis van {year} of {prev} ({pop}).")
    p_now, p_prev = _pct(c_now, b_now), _pct(c_prev, b_prev)
    diff = p_now - p_prev
    status, reden = judge(fig, diff, round_half_up(p_now) - round_half_up(p_prev))
    note = (f"{year}: {c_now} van {b_now} ({_fmt(p_now)}%); {prev}: {c_prev} van {b_prev} ({_fmt(p_prev)}%); "
            f"verschil van de afgeronde percentages {_fmt(round_half_up(p_now) - round_half_up(p_prev))}.")
    return _row(fig, diff, None, status, f"{reden} {note}".strip())


def reconcile(frames: dict[str, pd.DataFrame], calc: Calculator | None = None) -> pd.DataFrame:
    """The `reconciliatie` table: every published figure against the figure computed from the clean tables."""
    calc = calc or Calculator(frames)
    figures = frames["gepubliceerde_cijfers"].fillna("").astype(str).to_dict("records")
    out = pd.DataFrame([_one(calc, fig) for fig in figures], columns=COLUMNS)
    out["berekende_basis"] = out["berekende_basis"].astype("Int64")
    out["berekend"] = out["berekend"].astype(float)
    out["verschil"] = out["verschil"].astype(float)
    return out
