"""Validate raw deliveries against their year's contract: the entry point and the per-file summary.

The checks live beside this module: `manifest` (which files, which year, registration),
`ingest` (reading), `structure` (headers), `values` (the pandera model) and `crossfield`.

Everything the checks know about the questionnaire comes from the contract
(schemas/raw/<year>.yaml) and the codebook; this module types no question or label.
Values are checked by the pandera model built from the contract's Table Schema
(`contract.pandera_schema`); the rules a Table Schema cannot express (skip logic,
municipality, one submission per municipality, personal data in free text, dates in the
contract's format) are pandera checks built next to it, per delivery. All checks are
vectorized; Python loops only run once per *problem* found.

Whitespace-only cells count as empty: in Excel they look empty and nobody answered them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook, contract
from ..problems import FOUT, WAARSCHUWING, Problem, display_path, problem
from . import ingest
from .crossfield import _check_cross_field, _per_value
from .manifest import (MANIFEST_COLUMNS, MANIFEST_NAME, UsageError, _Manifests, discover,  # noqa: F401 (API)
                       sha256, year_of)
from .structure import _check_structure
from .values import _check_values

YEARS = codebook.YEARS
@dataclass
class FileSummary:
    bestand: str
    jaar: int
    formaat: str | None
    codering: str | None
    scheidingsteken: str | None
    werkbladen: list[str]
    rijen_geleverd: int = 0          # data rows in the file, empty ones included
    lege_rijen: int = 0
    inzendingen: int = 0             # rows with at least one value
    fouten: int = 0
    waarschuwingen: int = 0
    overgeslagen_antwoorden: dict[str, int] = field(default_factory=dict)  # vraag_id -> rows without answer
    duur_s: float = 0.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ValidationResult:
    problems: list[Problem]
    files: list[FileSummary]
    duur_s: float = 0.0

    @property
    def fouten(self) -> int:
        return sum(p.ernst == FOUT for p in self.problems)

    @property
    def waarschuwingen(self) -> int:
        return sum(p.ernst == WAARSCHUWING for p in self.problems)

    @property
    def ok(self) -> bool:
        return self.fouten == 0


# --- entry point ----------------------------------------------------------------------

def validate_paths(paths: list[Path], manifest: Path | None = None, year: int | None = None) -> ValidationResult:
    """Validate every delivery found under `paths` (files, year folders or the raw root)."""
    started = time.perf_counter()
    if year is not None and year not in YEARS:
        raise UsageError(f"Onbekend jaar {year}: kies uit {YEARS[0]}-{YEARS[-1]}.")
    if manifest is not None and not Path(manifest).is_file():
        raise UsageError(f"Manifest '{manifest}' bestaat niet.")
    files = [(p, year or year_of(p)) for p in discover([Path(p) for p in paths])]
    manifests = _Manifests(Path(manifest) if manifest else None)
    problems, summaries = [], []
    for path, y in files:
        found, summary = validate_file(path, y, manifests)
        problems += found
        summaries.append(summary)
    return ValidationResult(problems, summaries, round(time.perf_counter() - started, 3))


# --- one file -------------------------------------------------------------------------

def validate_file(path: Path, year: int, manifests: "_Manifests") -> tuple[list[Problem], FileSummary]:
    started = time.perf_counter()
    raw = ingest.read_delivery(path, year)
    name = display_path(path)
    d = raw.detected
    summary = FileSummary(name, year, d["formaat"], d["codering"], d["scheidingsteken"], list(d["werkbladen"]))
    problems = list(raw.problems) + manifests.check(path, name)
    if raw.readable:
        problems += _check_table(raw.frame, year, name, summary, raw.duplicate_headers)
    summary.fouten = sum(p.ernst == FOUT for p in problems)
    summary.waarschuwingen = len(problems) - summary.fouten
    summary.duur_s = round(time.perf_counter() - started, 3)
    return problems, summary


def _check_table(frame: pd.DataFrame, year: int, name: str, summary: FileSummary,
                 duplicate_headers: list[str] = ()) -> list[Problem]:
    spec = contract.load_contract(year)
    # repeated headers after the frame's own: reported as kolom_dubbel, never given a position
    problems, columns = _check_structure(list(frame.columns) + list(duplicate_headers), spec, name, year)
    table, blank = _categorical(frame)
    empty = pd.Series(blank.all(axis=1), index=frame.index)  # over all delivered columns, unknown ones too
    summary.rijen_geleverd, summary.lege_rijen = len(frame), int(empty.sum())
    summary.inzendingen = summary.rijen_geleverd - summary.lege_rijen
    for rij in frame.index[empty.to_numpy()]:
        problems.append(problem(name, "lege_rij", "De rij is helemaal leeg; wordt als lege rij geregistreerd "
                                "en niet meegeteld.", rij=rij))
    if summary.inzendingen == 0:
        problems.append(problem(name, "geen_rijen", "Het bestand bevat geen inzendingen, alleen een kopregel"
                                + (" en lege rijen" if summary.lege_rijen else "")
                                + ". Vraag de leverancier om een volledige levering."))
    # the checked table: contract names (renamed columns under their contract name), non-empty rows only
    data = table.iloc[:, list(columns.values())]
    data.columns = pd.Index(list(columns), dtype=object)
    data = data[~empty.to_numpy()]
    delivered = {contract_name: frame.columns[i] for contract_name, i in columns.items()}
    problems += _check_values(data, year, name, delivered)
    problems += _check_cross_field(data, year, name, delivered)
    summary.overgeslagen_antwoorden = _skipped(data, year)
    return problems


def _categorical(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every column as a Categorical, whitespace-only values dropped; plus the blank-cell mask.

    A delivery has few distinct values per column (labels, municipalities), so every check
    below works on the distinct values and broadcasts through the category codes.
    """
    columns, blank = {}, np.empty(frame.shape, dtype=bool)
    for i in range(frame.shape[1]):
        codes, values = pd.factorize(frame.iloc[:, i].to_numpy(dtype=object))  # None -> code -1
        spaces = [k for k, v in enumerate(values) if v.isspace()]
        if spaces:
            codes[np.isin(codes, spaces)] = -1
        # object categories: pandas 3 would otherwise convert every column to its Arrow string type
        columns[i] = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(values, dtype=object)))
        blank[:, i] = codes == -1
    return pd.DataFrame(columns, index=frame.index), blank


def _skipped(data: pd.DataFrame, year: int) -> dict[str, int]:
    """Per question: submissions that left all of its columns empty."""
    by_question: dict[str, list[str]] = {}
    for col in codebook.load().answer_columns(year):
        if col.header in data.columns:
            by_question.setdefault(col.vraag_id, []).append(col.header)
    return {q: int(data[cols].isna().all(axis=1).sum()) for q, cols in by_question.items()}

