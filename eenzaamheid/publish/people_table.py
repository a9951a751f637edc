"""The answers as tables for people (spreadsheets/: publish/people_sheets.py).

A year's table: one row per counted submission of the year, one column per question (or matrix row /
multiple-choice option) asked that year, in questionnaire order, headed by that year's wording. The
all-years table: one row per counted submission of any year (with the year), one column per question
or item of any year, headed by its latest wording. A reader sees words, not codes:

- the header is that year's question wording from the codebook (the topic when the report did not
  publish the wording), followed by the item's label for a matrix row or a multiple-choice option;
- a cell holds the label of the chosen option valid that year, the (redacted) free text of an open
  question, or for a multiple-choice option "aangevinkt" / "niet aangevinkt";
- an empty answer is never an empty cell but one of three markers: NIET_GEVRAAGD (the question or
  item was not in that year's questionnaire, which only the all-years table shows, or its skip logic,
  codebook `alleen_als`, did not put it to this municipality), TELT_NIET_MEE (the answer is held back
  in antwoorden_quarantaine) and NIET_BEANTWOORD (asked, left empty).

The codes behind each header are in `Column` (the sheet "Kolommen").
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from .. import codebook as cb
from ..tables import cleanschema

NIET_GEVRAAGD = "niet gevraagd"
NIET_BEANTWOORD = "niet beantwoord"
TELT_NIET_MEE = "telt niet mee"
TICKED, NOT_TICKED = "aangevinkt", "niet aangevinkt"
# What each marker means, for the first sheet of the workbook (one place, used by the writer).
MARKERS = (
    (NIET_GEVRAAGD, "De vraag is deze gemeente niet gesteld: zij stond dat jaar niet in de vragenlijst (alleen "
                    "in het overzicht van alle jaren; een blad van één jaar heeft voor zo'n vraag geen kolom), "
                    "of zij hoorde alleen bij een bepaald antwoord op een eerdere vraag (bijvoorbeeld alleen "
                    "gemeenten met een lokale coalitie)."),
    (NIET_BEANTWOORD, "De vraag is gesteld, maar de gemeente liet het antwoord leeg."),
    (TELT_NIET_MEE, "De gemeente gaf een antwoord dat niet meetelt: het is ongeldig (bijvoorbeeld geen "
                    "toegestaan antwoord, of een antwoord op een vraag die niet gesteld had mogen worden) en "
                    "staat apart, met de reden, in de tabel antwoorden_quarantaine."),
    (TICKED, "Bij een vraag met meerdere antwoorden: deze optie is aangevinkt."),
    (NOT_TICKED, "Bij een vraag met meerdere antwoorden: deze optie is niet aangevinkt, terwijl de gemeente "
                 "wel een andere optie van die vraag aanvinkte."),
)
MULTIPLE, OPEN = "meervoudig", "open"
CHOSEN = "gekozen"  # the option code of a ticked box in antwoorden
# The first columns (municipality, code, province, [year,] synthetic flag): named by the wide table's schema.
FIXED_FIELDS = ("gemeente", "gemeente_code", "provincie", "jaar", "synthetisch")
YES_NO = {1: "ja", 0: "nee"}


@dataclass(frozen=True)
class Column:
    """One answer column and what it stands for (a row of the sheet "Kolommen")."""

    header: str
    vraag_id: str
    item_code: str      # "" for a question without items
    onderwerp: str      # the question's topic (codebook `onderwerp`)
    formulering: str    # the wording (that year, or the latest); "" when the report did not publish it
    item_label: str
    type: str
    opties: str         # the answer labels valid that year, "; "-separated
    jaren: tuple[int, ...]  # the years it was asked


@dataclass(frozen=True)
class Table:
    year: int | None            # None: all years (a column "Jaar" after the province)
    headers: list[str]          # fixed headers, then one per Column
    columns: list[Column]
    rows: list[list]


def _one_line(text) -> str:
    return " ".join(str(text or "").split())


def fixed_headers(all_years: bool) -> list[str]:
    titles = {f["name"]: f.get("title") or f["name"] for f in cleanschema.load("antwoorden_breed")["fields"]}
    return [titles[name] for name in FIXED_FIELDS if all_years or name != "jaar"]


def year_columns(book: cb.Codebook, year: int | None) -> list[Column]:
    """The answer columns of `year` (None: of every year, worded as in the latest year that asked
    them), in questionnaire order, headers unique."""
    out, seen = [], set()
    for q in book.data["vragen"]:
        asked = [v["jaar"] for v in q["versies"] if year in (None, v["jaar"])]
        if not asked:
            continue
        for item in book.items(q["vraag_id"], year) if q.get("items") else [None]:
            years = tuple(y for y in asked if item is None or y in item["jaren"])
            if not years:
                continue
            version = book.version(q["vraag_id"], years[-1])
            wording = _one_line(version.get("formulering"))
            item_label = _one_line(item["label"]) if item else ""
            header = (wording or _one_line(q["onderwerp"])) + (f" – {item_label}" if item else "")
            base, n = header, 2
            while header in seen:  # an Excel table needs unique headers
                header, n = f"{base} ({n})", n + 1
            seen.add(header)
            labels = "; ".join(_one_line(o["label"]) for o in book.options(q["vraag_id"], years[-1]))
            out.append(Column(header, q["vraag_id"], item["item_code"] if item else "", _one_line(q["onderwerp"]),
                              wording, item_label, q["type"],
                              f"{TICKED}; {NOT_TICKED}" if q["type"] == MULTIPLE else labels, years))
    return out


def sort_key(name: str) -> str:
    """Alphabetical as a reader expects it: accents, case and punctuation ignored ('s-Gravenhage under s)."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


class _Answers:
    """The answers of every year, looked up by submission, question and item."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        counted = frames["antwoorden"]
        self.chosen: dict[tuple, str] = {}
        self.answered: set[tuple] = set()  # (submission, question) with at least one counted answer
        for sub, q, item, code in zip(*(counted[c].tolist() for c in ("inzending_id", "vraag_id")),
                                      counted["item_code"].fillna("").tolist(), counted["optie_code"].tolist()):
            self.chosen.setdefault((sub, q, item), code)
            self.answered.add((sub, q))
        held = frames["antwoorden_quarantaine"]
        self.held = set(zip(held["inzending_id"].tolist(), held["vraag_id"].tolist(),
                            held["item_code"].fillna("").tolist()))
        self.held_questions = {(s, q) for s, q, _ in self.held}
        texts = frames["toelichtingen"]
        texts = texts[texts["telt_mee"].astype(int) == 1]
        self.texts = dict(zip(zip(texts["inzending_id"].tolist(), texts["vraag_id"].tolist()), texts["tekst"].tolist()))


def _asked(book: cb.Codebook, answers: _Answers):
    """fn(submission, question) -> whether the skip logic put the question to them.
    A held-back answer to the deciding question gives the benefit of the doubt (asked)."""
    rules = defaultdict(list)
    for rule in book.skip_rules():
        rules[rule["vraag_id"]].append(rule)

    def asked(sub, vraag_id) -> bool:
        return all(answers.chosen.get((sub, r["als_vraag"], "")) in r["als_opties"]
                   or (sub, r["als_vraag"]) in answers.held_questions for r in rules.get(vraag_id, ()))
    return asked


def _cell(answers: _Answers, asked, labels: dict, sub: str, year: int, c: Column) -> str:
    key = (sub, c.vraag_id, c.item_code)
    if year not in c.jaren:
        return NIET_GEVRAAGD
    if key in answers.held:
        return TELT_NIET_MEE
    if c.type == OPEN:
        text = answers.texts.get((sub, c.vraag_id))
        if text is not None:
            return text
    elif c.type == MULTIPLE:
        if answers.chosen.get(key) == CHOSEN:
            return TICKED
        if (sub, c.vraag_id) in answers.answered:
            return NOT_TICKED
    elif key in answers.chosen:
        code = answers.chosen[key]
        return labels[year][c.vraag_id].get(code, code)
    return NIET_BEANTWOORD if asked(sub, c.vraag_id) else NIET_GEVRAAGD


def tables(frames: dict[str, pd.DataFrame], book: cb.Codebook | None = None) -> list[Table]:
    """Every year's table (newest first), then the all-years table, from the clean frames
    (antwoorden holds only counted answers)."""
    book = book or cb.load()
    subs = frames["inzendingen"]
    subs = subs[subs["status"] == "geaccepteerd"]
    subs = list(zip(subs["inzending_id"].tolist(), subs["gemeente_code"].tolist(), subs["jaar"].astype(int).tolist(),
                    subs["synthetisch"].astype(int).tolist()))
    places = frames["gemeenten"]
    places = dict(zip(places["gemeente_code"].tolist(), zip(places["naam"].tolist(), places["provincie"].tolist())))
    answers = _Answers(frames)
    asked = _asked(book, answers)
    labels = {y: {q["vraag_id"]: {o["optie_code"]: _one_line(o["label"]) for o in book.options(q["vraag_id"], y)}
                  for q in book.data["vragen"]} for y in book.years}
    out = []
    for year in [*sorted(book.years, reverse=True), None]:
        columns = year_columns(book, year)
        rows = []
        for sub, code, jaar, synthetic in subs:
            if year not in (None, jaar):
                continue
            name, province = places[code]
            fixed = [name, code, province, *([jaar] if year is None else []), YES_NO[synthetic]]
            rows.append(fixed + [_cell(answers, asked, labels, sub, jaar, c) for c in columns])
        rows.sort(key=lambda r: (sort_key(r[0]), r[1], r[3] if year is None else 0))
        out.append(Table(year, fixed_headers(year is None) + [c.header for c in columns], columns, rows))
    return out
