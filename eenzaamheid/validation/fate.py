"""What the validation problems of one delivery do to its rows and answers: one place, so that what
`validate` reports as "telt niet mee" is exactly what `harmonize` does in the build.

- An error tied to one answer cell (an answer outside the options, an answer that the skip logic
  forbids, an invalid number or date in an answer column) quarantines only that answer.
- Any other error on a row (the municipality, required metadata, respons-ID, ...) quarantines
  the row whole: it cannot be attributed with certainty.
- An error about the file (structure, encoding, manifest) quarantines every row.
- A replaced duplicate (`dubbele_inzending`) and an empty row (`lege_rij`) do not count either.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import codebook
from ..problems import FOUT, Problem

# Rules that judge the value of a single cell: in an answer column they quarantine only that answer.
ANSWER_RULES = ("antwoord_onbekend", "overslaglogica", "getal_ongeldig", "datum_ongeldig")

# Reasons a delivered row does not count, as listed in the validate summary ("telt niet mee").
REPLACED, EMPTY, QUARANTINE = "vervangen_duplicaat", "lege_rij", "quarantaine"


def answer_headers(year: int) -> set[str]:
    """Headers of the closed answer columns (free text goes to toelichtingen and has no option)."""
    return {c.header for c in codebook.load().answer_columns(year) if c.type != "open"}


def is_answer_problem(p: Problem, answers: set[str]) -> bool:
    return p.ernst == FOUT and p.rij is not None and p.regel in ANSWER_RULES and p.kolom in answers


@dataclass
class Fate:
    """The validation problems of one file, sorted by what they do."""
    file_errors: list[Problem] = field(default_factory=list)
    row_errors: dict[int, list[Problem]] = field(default_factory=dict)       # row quarantined whole
    answer_errors: dict[tuple[int, str], list[Problem]] = field(default_factory=dict)  # (row, header)
    replaced: dict[int, Problem] = field(default_factory=dict)
    empty: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, problems: list[Problem], year: int) -> "Fate":
        answers = answer_headers(year)
        fate = cls()
        for p in problems:
            if p.rij is None:
                if p.ernst == FOUT:
                    fate.file_errors.append(p)
            elif p.regel == "lege_rij":
                fate.empty.add(p.rij)
            elif is_answer_problem(p, answers):
                fate.answer_errors.setdefault((p.rij, p.kolom), []).append(p)
            elif p.ernst == FOUT:
                fate.row_errors.setdefault(p.rij, []).append(p)
            elif p.regel == "dubbele_inzending":
                fate.replaced[p.rij] = p
        return fate

    def not_counted(self, rows: list[int]) -> dict[str, list[int]]:
        """Reason -> rows, for every delivered row (Excel row numbers) that does not count.

        Each row is listed once, under the first reason that applies (the order of the build)."""
        out: dict[str, list[int]] = {}
        file_rule = sorted({p.regel for p in self.file_errors})
        for rij in rows:
            if rij in self.empty:
                reason = EMPTY
            elif file_rule:
                reason = f"{QUARANTINE}: {file_rule[0]}"
            elif rij in self.row_errors:
                reason = f"{QUARANTINE}: {sorted(p.regel for p in self.row_errors[rij])[0]}"
            elif rij in self.replaced:
                reason = REPLACED
            else:
                continue
            out.setdefault(reason, []).append(int(rij))
        return dict(sorted(out.items()))
