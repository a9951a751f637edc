"""Validate raw deliveries against their year's contract: structure, values, cross-field rules, manifest.

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

import csv
import difflib
import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import codebook, contract, ingest
from .municipalities import register
from .problems import FOUT, WAARSCHUWING, Problem, display_path, problem
from .privacy import PERSONAL, mask as mask_personal_data

YEARS = codebook.YEARS
DELIVERY_SUFFIXES = {".csv", ".xlsx", ".xlsm"}
NOT_DELIVERIES = {"manifest.csv", "demo_vervuiling.csv"}  # compared case-insensitively; *.md too
MANIFEST_NAME = "MANIFEST.csv"
MANIFEST_COLUMNS = ("bestand", "jaar", "sha256", "bytes", "ontvangen", "synthetisch")
_YEAR = re.compile(r"(?<!\d)(2019|202[0-4])(?!\d)")
RENAME_MIN_RATIO = 0.8
# Municipality methods that resolve, but not by the official name or code of that year.
VARIANT_METHODS = {
    "alias": "een gangbare andere naam",
    "spelvariant": "een spelvariant",
    "voorganger": "een opgeheven gemeente",
    "naam_zonder_provinciesuffix": "de naam zonder provincieaanduiding",
}


class UsageError(Exception):
    """Wrong invocation (missing path, unknown year, ...); the message is Dutch."""


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


def discover(paths: list[Path]) -> list[Path]:
    """Delivery files behind the given paths: a file, a year folder, or the raw root."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise UsageError(f"Pad '{p}' bestaat niet.")
        if p.is_file():
            if _is_delivery(p, explicit=True):
                found.append(p)
            continue
        found += sorted(f for f in p.iterdir() if f.is_file() and _is_delivery(f))
        for sub in sorted(d for d in p.iterdir() if d.is_dir() and re.fullmatch(r"\d{4}", d.name)):
            found += sorted(f for f in sub.iterdir() if f.is_file() and _is_delivery(f))
    unique = list(dict.fromkeys(found))
    if not unique:
        raise UsageError("Geen leveringen (.xlsx of .csv) gevonden in: " + ", ".join(map(str, paths)))
    return unique


def _is_delivery(path: Path, explicit: bool = False) -> bool:
    name = path.name.lower()
    if name in NOT_DELIVERIES or name.endswith(".md") or name.startswith((".", "~$")):
        return False
    return explicit or path.suffix.lower() in DELIVERY_SUFFIXES


def year_of(path: Path) -> int:
    """The survey year from the folder name (raw/2024/...) or else the file name."""
    for text in (path.parent.name, path.name):
        if m := _YEAR.search(text):
            return int(m.group(1))
    raise UsageError(f"Kan het jaar van '{path}' niet bepalen: zet het bestand in raw/<jaar>/ "
                     "of geef het jaar op met --jaar.")


# --- one file -------------------------------------------------------------------------

def validate_file(path: Path, year: int, manifests: "_Manifests") -> tuple[list[Problem], FileSummary]:
    started = time.perf_counter()
    raw = ingest.read_delivery(path, year)
    name = display_path(path)
    d = raw.detected
    summary = FileSummary(name, year, d["formaat"], d["codering"], d["scheidingsteken"], list(d["werkbladen"]))
    problems = list(raw.problems) + manifests.check(path, name)
    if raw.readable:
        problems += _check_table(raw.frame, year, name, summary)
    summary.fouten = sum(p.ernst == FOUT for p in problems)
    summary.waarschuwingen = len(problems) - summary.fouten
    summary.duur_s = round(time.perf_counter() - started, 3)
    return problems, summary


def _check_table(frame: pd.DataFrame, year: int, name: str, summary: FileSummary) -> list[Problem]:
    spec = contract.load_contract(year)
    problems, columns = _check_structure(list(frame.columns), spec, name, year)
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


def _per_value(s: pd.Series, fn: Callable[[pd.Index], np.ndarray | list]) -> pd.Series:
    """fn evaluated once per distinct value of a categorical column, broadcast to its rows (None if empty)."""
    cat = s.array
    values = np.empty(len(cat.categories) + 1, dtype=object)  # last slot: code -1, the empty cell
    values[:-1] = list(fn(cat.categories)) if len(cat.categories) else []
    return pd.Series(values[cat.codes], index=s.index, name=s.name)


def _skipped(data: pd.DataFrame, year: int) -> dict[str, int]:
    """Per question: submissions that left all of its columns empty."""
    by_question: dict[str, list[str]] = {}
    for col in codebook.load().answer_columns(year):
        if col.header in data.columns:
            by_question.setdefault(col.vraag_id, []).append(col.header)
    return {q: int(data[cols].isna().all(axis=1).sum()) for q, cols in by_question.items()}


# --- structure ------------------------------------------------------------------------

def _check_structure(headers: list[str], spec: dict, name: str, year: int) -> tuple[list[Problem], dict[str, int]]:
    """Compare delivered headers with the contract; return problems and contract name -> column position."""
    problems: list[Problem] = []
    expected = [f["name"] for f in spec["fields"]]
    position: dict[str, int] = {}
    for i, h in enumerate(headers):
        if h in position:
            problems.append(problem(name, "kolom_dubbel", f"Kolom '{h}' komt meer dan één keer voor; alleen de "
                                    "eerste is gecontroleerd. Vraag de leverancier om een levering zonder dubbele "
                                    "kolommen.", kolom=h))
        else:
            position[h] = i
    missing = [h for h in expected if h not in position]
    unknown = [h for h in position if h not in set(expected)]
    renamed = _match_renames(unknown, missing)
    columns = {h: position[h] for h in expected if h in position}
    for delivered, (wanted, ratio) in renamed.items():
        columns[wanted] = position[delivered]
        how = "alleen hoofdletters of spaties anders" if ratio == 1 else f"{ratio:.0%} gelijk"
        problems.append(problem(
            name, "kolom_hernoemd", f"Kolom '{delivered}' lijkt de contractkolom '{wanted}' met een andere naam "
            f"({how}). De waarden zijn gecontroleerd als '{wanted}'; vraag de leverancier om de "
            "kolomnaam uit het contract, of leg de nieuwe naam vast in schemas/codebook.yaml.", kolom=delivered))
    for h in missing:
        if h not in {w for w, _ in renamed.values()}:
            problems.append(problem(name, "kolom_ontbreekt", f"Kolom '{h}' uit het contract voor {year} ontbreekt. "
                                    f"Vraag de leverancier om een levering met deze kolom (zie schemas/raw/{year}.yaml).",
                                    kolom=h))
    for h in unknown:
        if h not in renamed:
            label = f"Kolom '{h}'" if h else "Een kolom zonder naam"
            problems.append(problem(name, "kolom_onbekend", f"{label} staat niet in het contract voor {year}. Is de "
                                    "vragenlijst gewijzigd, pas dan eerst schemas/codebook.yaml aan; anders vraag de "
                                    "leverancier om een levering volgens het contract.", kolom=h))
    return problems, columns


def _match_renames(unknown: list[str], missing: list[str]) -> dict[str, tuple[str, float]]:
    """Pair unknown with missing headers that differ only a little (case, spaces, a typo); best pairs first."""
    def key(h: str) -> str:
        return " ".join(h.split()).casefold()
    pairs = []
    for u in unknown:
        sm = difflib.SequenceMatcher(None, key(u), autojunk=False)
        for m in missing:
            sm.set_seq2(key(m))
            if sm.real_quick_ratio() >= RENAME_MIN_RATIO and sm.quick_ratio() >= RENAME_MIN_RATIO:
                ratio = sm.ratio()
                if ratio >= RENAME_MIN_RATIO:
                    pairs.append((-ratio, u, m))
    matched: dict[str, tuple[str, float]] = {}
    for neg_ratio, u, m in sorted(pairs):
        if u not in matched and m not in {w for w, _ in matched.values()}:
            matched[u] = (m, -neg_ratio)
    return matched


# --- values (the pandera model from the Table Schema) ----------------------------------

def _check_values(data: pd.DataFrame, year: int, name: str, delivered: dict[str, str]) -> list[Problem]:
    import pandera.pandas as pa

    spec = contract.load_contract(year)
    schema = contract.pandera_schema(year)
    absent = [c for c in schema.columns if c not in data.columns]
    if absent:
        schema = schema.remove_columns(absent)
    respons_id = _meta_header(spec, "respons_id")
    if respons_id in data.columns:
        # report the second and later use of an id, naming the first, like a duplicate key in a database
        schema = schema.update_column(respons_id, report_duplicates="exclude_first")
    try:
        schema.validate(data, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    labels = {f["name"]: f["constraints"]["enum"] for f in spec["fields"] if "enum" in f.get("constraints", {})}
    first_row = {}
    if respons_id in data.columns and (failures["check"] == "field_uniqueness").any():
        ids = data[respons_id].astype(object)
        first_row = dict(zip(ids[~ids.duplicated()], data.index[~ids.duplicated()]))
    problems = []
    for column, check, value, rij in failures[["column", "check", "failure_case", "index"]].itertuples(index=False):
        kolom = delivered.get(column, column)
        if check == "not_nullable":
            problems.append(problem(name, "verplicht", f"Verplicht veld '{kolom}' is leeg. Vraag de leverancier om "
                                    "de ontbrekende waarde; zonder deze waarde kan de inzending niet worden verwerkt.",
                                    rij=rij, kolom=kolom))
        elif check == "field_uniqueness":
            if pd.isna(value):
                continue  # an empty id is reported as verplicht
            problems.append(problem(name, "respons_id_dubbel", f"Respons-ID '{value}' komt ook voor in rij "
                                    f"{first_row[value]}. "
                                    "Elke inzending hoort een eigen respons-ID te hebben; vraag de leverancier welke "
                                    "rij juist is.", rij=rij, kolom=kolom, waarde=value))
        elif str(check).startswith("isin") and column in labels:
            problems.append(_answer_problem(name, rij, kolom, value, labels[column]))
        else:  # a check the contract may gain later: still report it, in its own words
            problems.append(problem(name, "antwoord_onbekend", f"Waarde voldoet niet aan het contract ({check}). "
                                    "Vraag de leverancier om een correctie.", rij=rij, kolom=kolom, waarde=value))
    return problems


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _answer_problem(name: str, rij: int, kolom: str, value, allowed: list[str]) -> Problem:
    label = {_norm(a): a for a in allowed}.get(_norm(value))
    if label is not None:
        return problem(name, "antwoord_opmaak", f"'{value}' wijkt alleen in spaties of hoofdletters af van het "
                       f"toegestane antwoord; wordt bij het opschonen genormaliseerd naar '{label}'.",
                       rij=rij, kolom=kolom, waarde=value)
    options = "; ".join(f"'{a}'" for a in allowed)
    return problem(name, "antwoord_onbekend", f"'{value}' is geen toegestaan antwoord. Toegestaan: {options}. "
                   "Vraag de leverancier om een correctie; tot dan telt dit antwoord niet mee.",
                   rij=rij, kolom=kolom, waarde=value)


def _meta_header(spec: dict, veld: str) -> str | None:
    return next((f["name"] for f in spec["fields"] if f.get("veld") == veld), None)


# --- cross-field rules (pandera checks next to the schema) ------------------------------

@dataclass
class _Rule:
    """One pandera check on one column, plus how to explain a failing cell to the steward."""
    column: str
    regel: str
    passes: Callable[[pd.Series], pd.Series]   # vectorized: True where the cell is fine
    explain: Callable[[int, str], tuple[str, str | None]]  # (row, value) -> (melding, shown value)


def _check_cross_field(data: pd.DataFrame, year: int, name: str, delivered: dict[str, str]) -> list[Problem]:
    import pandera.pandas as pa

    rules = (_field_format_rules(data, year) + _skip_rules(data, year) + _municipality_rules(data, year)
             + _personal_data_rules(data, year))
    if not rules or data.empty:
        return []
    by_key = {(r.column, r.regel): r for r in rules}
    columns: dict[str, list] = {}
    for r in rules:
        columns.setdefault(r.column, []).append(pa.Check(r.passes, name=r.regel, ignore_na=True))
    schema = pa.DataFrameSchema({c: pa.Column(checks=checks, nullable=True, required=False)
                                 for c, checks in columns.items()}, strict=False)
    try:
        schema.validate(data, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    problems = []
    for column, check, value, rij in failures[["column", "check", "failure_case", "index"]].itertuples(index=False):
        rule = by_key.get((column, check))
        if rule is None:  # a check that crashed instead of answering: a bug here, not a data problem
            raise RuntimeError(f"cross-field check {check!r} on column {column!r} did not run")
        melding, shown = rule.explain(rij, value)
        problems.append(problem(name, rule.regel, melding, rij=rij, kolom=delivered.get(column, column), waarde=shown))
    return problems


def _on_rows(ok: pd.Series) -> Callable[[pd.Series], pd.Series]:
    """A column check from a row-level verdict computed over the whole table."""
    return lambda s: ok.reindex(s.index, fill_value=True).astype(bool)


def _human_format(fmt: str) -> str:
    for code, text in (("%d", "dd"), ("%m", "mm"), ("%Y", "jjjj"), ("%H", "uu"), ("%M", "mm"), ("%S", "ss")):
        fmt = fmt.replace(code, text)
    return fmt


def _dates(s: pd.Series, fmt: str) -> pd.Series:
    """Datetimes parsed with the contract's format, once per distinct value (NaT if empty or invalid)."""
    cat = s.array
    parsed = pd.to_datetime(pd.Series(np.asarray(cat.categories, dtype=object), dtype=object), format=fmt,
                            errors="coerce").to_numpy(dtype="datetime64[ns]")
    values = np.concatenate([parsed, np.array(["NaT"], dtype="datetime64[ns]")])
    return pd.Series(values[cat.codes], index=s.index)


def _field_format_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    """Datetimes in the contract's format, numbers parseable: typed fields the model keeps as text."""
    rules = []
    for f in contract.load_contract(year)["fields"]:
        if f["name"] not in data.columns:
            continue
        if f["type"] == "datetime":
            fmt = f["format"]
            example = pd.Timestamp(2024, 3, 1, 9, 30).strftime(fmt)
            rules.append(_Rule(f["name"], "datum_ongeldig", lambda s, fmt=fmt: _dates(s, fmt).notna(),
                               lambda rij, v, fmt=fmt, example=example: (
                                   f"'{v}' is geen geldig moment in het formaat {_human_format(fmt)} (bijvoorbeeld "
                                   f"{example}). Vraag de leverancier om een correctie.", v)))
        elif f["type"] in ("number", "integer"):
            def numeric(s):
                return _per_value(s, lambda cats: pd.to_numeric(pd.Series(cats, dtype=object).str.replace(
                    ",", ".", regex=False), errors="coerce").notna().to_numpy()).astype(bool)
            rules.append(_Rule(f["name"], "getal_ongeldig", numeric,
                               lambda rij, v: (f"'{v}' is geen getal. Vraag de leverancier om een correctie.", v)))
    return rules


def _skip_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    """Questions only asked after certain answers must stay empty otherwise (codebook `alleen_als`)."""
    book = codebook.load()
    cols = book.answer_columns(year)
    rules = []
    for rule in book.skip_rules():
        dependent = [c.header for c in cols if c.vraag_id == rule["vraag_id"] and c.header in data.columns]
        condition = next((c for c in cols if c.vraag_id == rule["als_vraag"] and c.item_code is None
                          and c.header in data.columns), None)
        if not dependent or condition is None:
            continue
        code_of = {_norm(label): code for label, code in zip(condition.labels, condition.codes)}
        given = data[condition.header]
        code = _per_value(given, lambda cats: [code_of.get(_norm(v)) for v in cats])
        unknown = given.notna() & code.isna()  # an unknown answer is reported already; do not judge on it
        ok = code.isin(rule["als_opties"]) | unknown
        allowed = "; ".join(f"'{label}'" for label, c in zip(condition.labels, condition.codes)
                            if c in rule["als_opties"])

        def explain(rij, v, cond=condition.header, allowed=allowed, given=given):
            answer = given.get(rij)
            shown = f"'{answer}'" if isinstance(answer, str) else "leeg"
            return (f"Deze vraag is beantwoord, maar wordt alleen gesteld als '{cond}' is beantwoord met een van: "
                    f"{allowed}. Daar staat {shown}. Vraag de leverancier welk antwoord klopt.", v)
        rules += [_Rule(h, "overslaglogica", _on_rows(ok), explain) for h in dependent]
    return rules


def _municipality_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    spec = contract.load_contract(year)
    column, end_column = _meta_header(spec, "gemeente"), _meta_header(spec, "eindtijd")
    if column not in data.columns:
        return []
    reg = register()
    given = data[column]
    resolved = {v: reg.resolve(year, v) for v in given.array.categories}  # once per distinct value
    method = _per_value(given, lambda cats: [resolved[v].methode for v in cats])
    code = _per_value(given, lambda cats: [resolved[v].gemeente_code for v in cats])
    names = dict(zip(*reg.municipalities(year)[["gemeente_code", "naam"]].to_dict("list").values()))

    def candidates(res) -> str:
        if all(c in (res.melding or "") for c in res.kandidaten):
            return ""  # the resolver's message names them already
        listed = [f"{names[c]} ({c})" for c in res.kandidaten if c in names]
        return f" Mogelijke gemeenten: {', '.join(listed)}." if listed else ""

    def unknown(rij, v):
        res = resolved[v]
        return (f"{res.melding}{candidates(res)} Vraag de leverancier welke gemeente bedoeld is; een vaste "
                "schrijfwijze kan als alias in reference/gemeente_aliassen.csv.", v)

    def variant(rij, v):
        res = resolved[v]
        note = f" {res.melding}" if res.melding else ""
        return (f"'{v}' is {VARIANT_METHODS[res.methode]}, niet de officiële CBS-naam van {year}; wordt gelezen "
                f"als {res.naam} ({res.gemeente_code}).{note} Klopt dat, dan hoeft u niets te doen.", v)

    rules = [
        _Rule(column, "gemeente_onbekend", _on_rows(method != "onbekend"), unknown),
        _Rule(column, "gemeente_dubbelzinnig", _on_rows(method != "dubbelzinnig"), unknown),
        _Rule(column, "gemeente_variant", _on_rows(~method.isin(list(VARIANT_METHODS))), variant),
    ]
    if end_column in data.columns:
        fmt = next(f["format"] for f in spec["fields"] if f["name"] == end_column)
        winner = _latest_submission(code, _dates(data[end_column], fmt))
        code_at = dict(zip(code.index, code))

        def duplicate(rij, v):
            w, c = winner[rij], code_at[rij]
            return (f"Gemeente {names[c]} ({c}) heeft ook in rij {w} een inzending. Regel: de inzending met de "
                    f"laatste eindtijd ({end_column}) telt, hier rij {w}; deze rij wordt bewaard als "
                    "'vervangen_duplicaat' en niet meegeteld.", v)
        rules.append(_Rule(column, "dubbele_inzending", _on_rows(pd.Series(~data.index.isin(list(winner)), index=data.index)),
                           duplicate))
    return rules


def _latest_submission(code: pd.Series, end: pd.Series) -> dict[int, int]:
    """Row -> winning row, for every row that loses to a later submission of the same municipality.

    The latest end time wins; on a tie (or no valid end time) the row further down the file.
    """
    rows = pd.DataFrame({"code": code.to_numpy(), "end": end.to_numpy(), "rij": code.index.to_numpy()})
    rows = rows.dropna(subset=["code"]).sort_values(["code", "end", "rij"], na_position="first", kind="stable")
    rows["winner"] = rows.groupby("code")["rij"].transform("last")
    losers = rows[rows["rij"] != rows["winner"]]
    return dict(zip(losers["rij"].tolist(), losers["winner"].tolist()))


def _personal_data_rules(data: pd.DataFrame, year: int) -> list[_Rule]:
    """E-mail addresses and phone numbers in free-text answers (type `open`)."""
    open_columns = [c.header for c in codebook.load().answer_columns(year)
                    if c.type == "open" and c.header in data.columns]

    def clean(s):
        return _per_value(s, lambda cats: [PERSONAL.search(v) is None for v in cats]).astype(bool)

    def explain(rij, v):
        return ("De vrije tekst bevat een e-mailadres of telefoonnummer; wordt bij het opschonen afgeschermd. "
                "U hoeft niets te doen.", mask_personal_data(v))
    return [_Rule(h, "persoonsgegevens_in_vrije_tekst", clean, explain) for h in open_columns]


# --- manifest -------------------------------------------------------------------------

class _Manifests:
    """Finds and reads raw/MANIFEST.csv once per run; checks registration and sha256 per file."""

    def __init__(self, explicit: Path | None):
        self.explicit = explicit
        self._read: dict[Path, dict[str, dict] | str] = {}
        self._warned_missing = False  # geen_manifest is said once per run, not once per file

    def locate(self, path: Path) -> Path | None:
        if self.explicit:
            return self.explicit
        for folder in (path.parent, path.parent.parent):
            if (folder / MANIFEST_NAME).is_file():
                return folder / MANIFEST_NAME
        return None

    def entries(self, manifest: Path) -> dict[str, dict] | str:
        """bestand -> row, or a Dutch reason why the manifest cannot be used."""
        if manifest not in self._read:
            try:
                with open(manifest, encoding="utf-8-sig", newline="") as f:
                    reader = csv.DictReader(f)
                    lacking = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
                    self._read[manifest] = (f"kolommen ontbreken: {', '.join(lacking)}" if lacking
                                            else {r["bestand"].strip().replace("\\", "/"): r for r in reader})
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                self._read[manifest] = f"{type(exc).__name__}: {exc}"
        return self._read[manifest]

    def check(self, path: Path, name: str) -> list[Problem]:
        manifest = self.locate(path)
        if manifest is None:
            if self._warned_missing:
                return []
            self._warned_missing = True
            return [problem(name, "geen_manifest", "Geen MANIFEST.csv gevonden in de map van het bestand of de map "
                            "daarboven, dus de herkomst (sha256) is niet gecontroleerd (dit geldt voor elk bestand "
                            "zonder manifest in deze controle). Registreer de levering in raw/MANIFEST.csv of geef "
                            "het manifest op met --manifest.")]
        entries = self.entries(manifest)
        shown = display_path(manifest)
        if isinstance(entries, str):
            return [problem(name, "manifest_onleesbaar", f"{shown} is niet te gebruiken ({entries}). Verwacht: een "
                            f"UTF-8 csv met de kolommen {', '.join(MANIFEST_COLUMNS)}.")]
        digest = sha256(path)
        try:
            key = path.resolve().relative_to(manifest.parent.resolve()).as_posix()
        except ValueError:
            key = path.name
        entry = entries.get(key)
        if entry is None:
            return [problem(name, "manifest_ontbreekt", f"Het bestand staat niet in {shown}. Registreer het daar "
                            f"met bestand={key}, sha256={digest}, bytes={path.stat().st_size}, de ontvangstdatum "
                            "en of het synthetisch is.", waarde=key)]
        if entry["sha256"].strip().lower() != digest:
            return [problem(name, "sha256_afwijkend", f"sha256 is {digest}, in {shown} staat "
                            f"{entry['sha256'].strip()}: het bestand is gewijzigd na ontvangst; vraag de leverancier "
                            "om een nieuwe levering en registreer die in het manifest.", waarde=digest)]
        return []


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
