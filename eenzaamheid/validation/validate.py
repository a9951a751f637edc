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

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook, contract
from ..problems import FOUT, WAARSCHUWING, Problem, display_path, problem
from ..intake import ingest
from .. import privacy
from .crossfield import _check_cross_field
from .fate import Fate, answer_headers, is_answer_problem
from ..intake.manifest import (MANIFEST_COLUMNS, MANIFEST_NAME, UsageError, _Manifests, discover,  # noqa: F401 (API)
                       not_accepted, sha256, year_of)
from .structure import _check_structure
from .values import _check_values


def __getattr__(name: str):
    if name == "YEARS":  # the survey years follow the codebook (one file per year in schemas/jaren/)
        return codebook.load().years
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _known_year(year: int, what: str) -> None:
    years = codebook.load().years
    if year not in years:
        raise UsageError(f"Onbekend jaar {year}{what}: het codeboek kent {years[0]}-{years[-1]} (schemas/jaren/). "
                         f"Een nieuw jaar stelt u op uit de levering met `eenzaamheid nieuw-jaar BESTAND --jaar {year}`; "
                         "zie 'Een nieuw jaar toevoegen' in de README.")
    if why := contract.out_of_date(year):
        raise UsageError(why)


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
    # reason -> Excel rows of delivered rows that will not count (see fate.Fate.not_counted)
    telt_niet_mee: dict[str, list[int]] = field(default_factory=dict)
    antwoorden_in_quarantaine: int = 0  # answers set aside on their own; the rest of their row counts
    duur_s: float = 0.0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ValidationResult:
    problems: list[Problem]
    files: list[FileSummary]
    duur_s: float = 0.0
    # the deliveries as read (resolved path -> ingest.RawTable): a build takes them from here instead
    # of reading (and parsing every xlsx) a second time; not part of any report
    tables: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def fouten(self) -> int:
        return sum(p.ernst == FOUT for p in self.problems)

    @property
    def waarschuwingen(self) -> int:
        return sum(p.ernst == WAARSCHUWING for p in self.problems)

    @property
    def ok(self) -> bool:
        return self.fouten == 0

    @property
    def telt_niet_mee(self) -> int:
        """Delivered rows that will not count, over all files: never hidden behind exit 0."""
        return sum(len(rows) for f in self.files for rows in f.telt_niet_mee.values())


# --- entry point ----------------------------------------------------------------------

def validate_paths(paths: list[Path], manifest: Path | None = None, year: int | None = None) -> ValidationResult:
    """Validate every delivery found under `paths` (files, year folders or the raw root)."""
    started = time.perf_counter()
    if year is not None:
        _known_year(year, "")
    if manifest is not None and not Path(manifest).is_file():
        raise UsageError(f"Manifest '{manifest}' bestaat niet.")
    paths = [Path(p) for p in paths]
    files = [(p, year or year_of(p)) for p in discover(paths)]
    for path, y in files:
        _known_year(y, f" van '{display_path(path)}'")
    manifests = _Manifests(Path(manifest) if manifest else None, files)
    problems, summaries, tables = [_not_accepted(p) for p in not_accepted(paths)], [], {}
    for path, y in files:
        found, summary = validate_file(path, y, manifests, tables)
        problems += found
        summaries.append(summary)
    return ValidationResult(problems, summaries, round(time.perf_counter() - started, 3), tables)


# --- one file -------------------------------------------------------------------------

def validate_file(path: Path, year: int, manifests: "_Manifests",
                  tables: dict | None = None) -> tuple[list[Problem], FileSummary]:
    started = time.perf_counter()
    name = display_path(path)
    registration = manifests.check(path, name, year)
    if manifests.replaced_by(path):  # kept in raw/ as history; its contents no longer count
        summary = FileSummary(name, year, path.suffix.lower().lstrip(".") or None, None, None, [])
        summary.fouten = sum(p.ernst == FOUT for p in registration)
        summary.waarschuwingen = len(registration) - summary.fouten
        return registration, summary
    raw = ingest.read_delivery(path, year)
    if tables is not None:
        tables[path.resolve()] = raw
    d = raw.detected
    summary = FileSummary(name, year, d["formaat"], d["codering"], d["scheidingsteken"], list(d["werkbladen"]))
    problems = list(raw.problems) + registration
    if raw.readable:
        problems += _check_table(raw.frame, year, name, summary, raw.duplicate_headers)
    problems = raw.located(problems)  # a row from another worksheet: "werkblad 'X', rij N" in its message
    fate = Fate.of(problems, year)
    summary.telt_niet_mee = fate.not_counted(list(raw.frame.index) if raw.readable else [])
    summary.antwoorden_in_quarantaine = len(fate.answer_errors)
    summary.fouten = sum(p.ernst == FOUT for p in problems)
    summary.waarschuwingen = len(problems) - summary.fouten
    summary.duur_s = round(time.perf_counter() - started, 3)
    return problems, summary


def _not_accepted(path: Path) -> Problem:
    where = ("in een submap van de jaarmap" if not re.fullmatch(r"\d{4}", path.parent.name)
             else f"extensie '{path.suffix or '(geen)'}'")
    return problem(display_path(path), "bestandstype_onbekend", f"Dit bestand wordt niet gelezen: dit bestandstype "
                   f"wordt niet geaccepteerd ({where}). Alleen .csv en .xlsx direct in raw/<jaar>/ zijn leveringen. "
                   f"Vraag de leverancier om de levering als .csv of .xlsx en neem die op met `eenzaamheid ontvang`; "
                   f"zet andere bestanden buiten raw/. {ingest.save_as_xlsx_steps(path)}".rstrip(), waarde=path.name)


def _check_table(frame: pd.DataFrame, year: int, name: str, summary: FileSummary,
                 duplicate_headers: list[str] = ()) -> list[Problem]:
    spec = contract.load_contract(year)
    # repeated headers after the frame's own: reported as kolom_dubbel, never given a position
    problems, columns = _check_structure(list(frame.columns) + list(duplicate_headers), spec, name, year, frame)
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
    found = _check_values(data, year, name, delivered)
    answers = answer_headers(year)
    held = frozenset(p.rij for p in found if p.ernst == FOUT and p.rij is not None and not is_answer_problem(p, answers))
    problems += found + _check_cross_field(data, year, name, delivered, held)
    problems += privacy.control_character_problems(frame, name)
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

