"""The answers of one survey year as a table for people (spreadsheets/: pipeline/people_sheets.py).

One row per counted submission of the year, one column per question (or matrix row / multiple-choice
option) asked that year, in questionnaire order. A reader sees words, not codes:

- the header is that year's question wording from the codebook (the topic when the report did not
  publish the wording), followed by the item's label for a matrix row or a multiple-choice option;
- a cell holds the label of the chosen option valid that year, the (redacted) free text of an open
  question, or for a multiple-choice option "aangevinkt" / "niet aangevinkt";
- an empty answer is never an empty cell but one of three markers, in this order of precedence:
  TELT_NIET_MEE (the answer is held back in antwoorden_quarantaine), NIET_GEVRAAGD (the skip logic
  of the questionnaire, codebook `alleen_als`, did not put the question to this municipality) and
  NIET_BEANTWOORD (asked, left empty).

A question not in that year's questionnaire has no column in that year's table at all; the
codes behind each header are in `Column` (the sheet "Kolommen").
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from .. import codebook as cb
from . import cleanschema

NIET_GEVRAAGD = "niet gevraagd"
NIET_BEANTWOORD = "niet beantwoord"
TELT_NIET_MEE = "telt niet mee"
TICKED, NOT_TICKED = "aangevinkt", "niet aangevinkt"
# What each marker means, for the first sheet of the workbook (one place, used by the writer).
MARKERS = (
    (NIET_GEVRAAGD, "De vragenlijst stelde deze vraag niet aan deze gemeente: zij hoorde alleen bij een "
                    "bepaald antwoord op een eerdere vraag (bijvoorbeeld alleen gemeenten met een lokale "
                    "coalitie). Een vraag die dat jaar helemaal niet in de vragenlijst stond, heeft geen kolom."),
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
# The first columns (municipality, code, province, synthetic flag): named by the wide table's schema.
FIXED_FIELDS = ("gemeente", "gemeente_code", "provincie", "synthetisch")
YES_NO = {1: "ja", 0: "nee"}


@dataclass(frozen=True)
class Column:
    """One answer column and what it stands for (a row of the sheet "Kolommen")."""

    header: str
    vraag_id: str
    item_code: str      # "" for a question without items
    onderwerp: str      # the question's topic (codebook `onderwerp`)
    formulering: str    # the wording that year; "" when the report did not publish it
    item_label: str
    type: str
    opties: str         # the answer labels valid that year, "; "-separated


@dataclass(frozen=True)
class YearTable:
    year: int
    headers: list[str]          # fixed headers, then one per Column
    columns: list[Column]
    rows: list[list[str]]


def _one_line(text) -> str:
    return " ".join(str(text or "").split())


def fixed_headers() -> list[str]:
    titles = {f["name"]: f.get("title") or f["name"] for f in cleanschema.load("antwoorden_breed")["fields"]}
    return [titles[name] for name in FIXED_FIELDS]


def year_columns(book: cb.Codebook, year: int) -> list[Column]:
    """The answer columns of `year`, in questionnaire order, headers unique within the year."""
    out, seen = [], set()
    for q in book.data["vragen"]:
        version = book.version(q["vraag_id"], year)
        if version is None:
            continue
        wording = _one_line(version.get("formulering"))
        shown = wording or _one_line(q["onderwerp"])
        items = book.items(q["vraag_id"], year) if q.get("items") else [None]
        labels = "; ".join(_one_line(o["label"]) for o in book.options(q["vraag_id"], year))
        for item in items:
            item_label = _one_line(item["label"]) if item else ""
            header = f"{shown} – {item_label}" if item else shown
            base, n = header, 2
            while header in seen:  # an Excel table needs unique headers
                header, n = f"{base} ({n})", n + 1
            seen.add(header)
            out.append(Column(header, q["vraag_id"], item["item_code"] if item else "", _one_line(q["onderwerp"]),
                              wording, item_label, q["type"],
                              f"{TICKED}; {NOT_TICKED}" if q["type"] == MULTIPLE else labels))
    return out


def sort_key(name: str) -> str:
    """Alphabetical as a reader expects it: accents, case and punctuation ignored ('s-Gravenhage under s)."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


class _Answers:
    """The year's answers, looked up by submission, question and item."""

    def __init__(self, frames: dict[str, pd.DataFrame], year: int):
        counted = frames["antwoorden"]
        counted = counted[counted["jaar"].astype(int) == year]
        self.chosen: dict[tuple, str] = {}
        self.answered: set[tuple] = set()  # (submission, question) with at least one counted answer
        for sub, q, item, code in zip(counted["inzending_id"], counted["vraag_id"],
                                      counted["item_code"].fillna(""), counted["optie_code"]):
            self.chosen.setdefault((sub, q, item), code)
            self.answered.add((sub, q))
        held = frames["antwoorden_quarantaine"]
        held = held[held["jaar"].astype(int) == year]
        self.held = set(zip(held["inzending_id"], held["vraag_id"], held["item_code"].fillna("")))
        self.held_questions = {(s, q) for s, q, _ in self.held}
        texts = frames["toelichtingen"]
        texts = texts[(texts["jaar"].astype(int) == year) & (texts["telt_mee"].astype(int) == 1)]
        self.texts = dict(zip(zip(texts["inzending_id"], texts["vraag_id"]), texts["tekst"]))


def _asked(book: cb.Codebook, answers: _Answers) -> dict[str, object]:
    """Per question with skip logic: fn(submission) -> whether the questionnaire put it to them.
    A held-back answer to the deciding question gives the benefit of the doubt (asked)."""
    rules = defaultdict(list)
    for rule in book.skip_rules():
        rules[rule["vraag_id"]].append(rule)

    def asked(sub, vraag_id) -> bool:
        return all(answers.chosen.get((sub, r["als_vraag"], "")) in r["als_opties"]
                   or (sub, r["als_vraag"]) in answers.held_questions for r in rules.get(vraag_id, ()))
    return asked


def _cell(book, answers: _Answers, asked, labels: dict, sub: str, c: Column) -> str:
    key = (sub, c.vraag_id, c.item_code)
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
        return labels[c.vraag_id].get(code, code)
    return NIET_BEANTWOORD if asked(sub, c.vraag_id) else NIET_GEVRAAGD


def year_table(frames: dict[str, pd.DataFrame], year: int, book: cb.Codebook | None = None) -> YearTable:
    """The table of `year` from the clean frames (antwoorden holds only counted answers)."""
    book = book or cb.load()
    columns = year_columns(book, year)
    subs = frames["inzendingen"]
    subs = subs[(subs["status"] == "geaccepteerd") & (subs["jaar"].astype(int) == year)]
    places = frames["gemeenten"].set_index("gemeente_code")
    answers = _Answers(frames, year)
    asked = _asked(book, answers)
    labels = {q: {o["optie_code"]: _one_line(o["label"]) for o in book.options(q, year)}
              for q in {c.vraag_id for c in columns}}
    rows = []
    for sub, code, synthetic in zip(subs["inzending_id"], subs["gemeente_code"], subs["synthetisch"]):
        place = places.loc[code]
        fixed = [place["naam"], code, place["provincie"], YES_NO[int(synthetic)]]
        rows.append(fixed + [_cell(book, answers, asked, labels, sub, c) for c in columns])
    rows.sort(key=lambda r: (sort_key(r[0]), r[1]))
    return YearTable(year, fixed_headers() + [c.header for c in columns], columns, rows)
