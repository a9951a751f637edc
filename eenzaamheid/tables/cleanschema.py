"""The clean tables' contract: one Frictionless Table Schema per table, and checks derived from it.

`schemas/clean/<table>.yaml` is the single source of every clean column's meaning (Dutch titles
and descriptions, shown in the data package and in Datasette) and of its type, constraints and
keys. The table `gepubliceerde_cijfers` is `checks/published_figures.csv` as is, so its schema is
`schemas/published_figures.yaml` itself rather than a copy in `schemas/clean/`. A text that names
the survey years says `{jaren}` (eenzaamheid/years.py), filled in from the codebook on loading.
Every file is checked against its model (eenzaamheid/model/tableschema.py) when read; the project's own
keys (`indexen`, a field's `redactie`) are read aside (`indexes`, `redacted_columns`) and never reach a
published schema.

The pandera model of a table is converted from its Table Schema with
`contract.pandera_from_table_schema` (the mapping of `pandera.io.pandas_io.from_frictionless_schema`,
without importing frictionless) and only adjusted where the converter's choices
do not fit frames built by pandas (nullable integers, enums kept as their values instead of
categoricals, dates kept as ISO strings). Foreign keys are not expressible in pandera; they are
checked across tables by `check_foreign_keys`.

Conventions of the clean tables (see the schemas):
- booleans are integers 0/1;
- dates and datetimes are ISO strings ('YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS'), kept as strings in
  the frames and in every export; the Table Schema types (date, datetime) tell consumers how
  to parse them;
- an empty optional value is None/NaN in a frame and an empty cell in CSV (`missingValues: [""]`),
  except in tables whose schema has `missingValues: []` (antwoordopties, antwoorden): there the
  empty string is a real value (`item_code` "" = the question has no items) and part of a key.
"""
from __future__ import annotations

import copy
import importlib
import functools
import math
import re
from pathlib import Path

import pandas as pd
from .. import yamlfile

from ..paths import SCHEMAS

CLEAN_SCHEMAS = SCHEMAS / "clean"

# Load order: every table comes after the tables its foreign keys point to (a self-reference,
# gemeenten.opvolger_code, excepted).
TABLES: tuple[str, ...] = (
    "gemeenten",
    "jaargangen",
    "vragen",
    "vraagversies",
    "antwoordopties",
    "optielabels_per_jaar",
    "bronbestanden",
    "inzendingen",
    "antwoorden",
    "antwoorden_quarantaine",
    "antwoorden_niet_meegeteld",
    "antwoorden_breed",
    "toelichtingen",
    "deelname",
    "opschoonlog",
    "gepubliceerde_cijfers",
    "reconciliatie",
    "kerncijfers",
    "verantwoording",
    "wijzigingen",
)

# The one table whose schema lives outside schemas/clean/: it is published as delivered in
# checks/published_figures.csv, so that file's schema is reused instead of typed twice.
_SCHEMA_PATHS = {"gepubliceerde_cijfers": SCHEMAS / "published_figures.yaml"}
# Tables with a column per question or item: their fields after the fixed ones are generated from the
# codebook (module, function), so a new question or year needs no schema edit.
_GENERATED_FIELDS = {"antwoorden_breed": ("..transform.wide", "fields")}

_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$"
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


class CleanTableError(Exception):
    """A clean table breaks its schema. `.failure_cases` holds every failure (pandera's frame)."""

    def __init__(self, table: str, message: str, failure_cases: pd.DataFrame):
        super().__init__(message)
        self.table = table
        self.failure_cases = failure_cases


def schema_path(table: str) -> Path:
    if table not in TABLES:
        raise KeyError(f"Onbekende tabel: {table!r} (bekend: {', '.join(TABLES)})")
    return _SCHEMA_PATHS.get(table, CLEAN_SCHEMAS / f"{table}.yaml")


def may_be_empty(field: dict) -> bool:
    """A field whose pattern allows "" (item_code): exported as null when empty, so not required there."""
    pattern = (field.get("constraints") or {}).get("pattern")
    return pattern is not None and re.fullmatch(pattern, "") is not None


@functools.lru_cache(maxsize=None)
def _read(table: str) -> tuple[dict, dict]:
    """(the schema file as a plain Table Schema, the project's own keys: `indexen` and per field
    `redactie`), after checking the file against its model (MetadataError: file, line, key)."""
    from ..model.base import MetadataError, check
    from ..model.tableschema import TableSchema

    path = schema_path(table)
    data = yamlfile.load(path)
    problems = check(data, TableSchema, path.relative_to(SCHEMAS.parent).as_posix(), path)[1]
    if problems:
        raise MetadataError(problems)
    own = {"indexen": data.pop("indexen", None) or [],
           "redactie": {f["name"]: f.pop("redactie") for f in data["fields"] if "redactie" in f}}
    return data, own


@functools.lru_cache(maxsize=None)
def _load(table: str) -> dict:
    from .. import codebook, years  # the codebook is read only when a schema is

    # texts say {jaren} where they name the survey years (eenzaamheid/years.py): the codebook's years
    schema = years.fill(copy.deepcopy(_read(table)[0]), codebook.load().years)
    if table in _GENERATED_FIELDS:  # the fixed fields are in the file, the rest come from the codebook
        module, function = _GENERATED_FIELDS[table]
        schema["fields"] += getattr(importlib.import_module(module, __package__), function)()
    for field in schema["fields"]:
        # schemas/published_figures.yaml carries its explanations in the (long) titles; the data
        # package shows a description for every field, so the title stands in where none is given.
        if not field.get("description") and field.get("title"):
            field["description"] = field["title"]
        _follow_codebook(field)
    return schema


def indexes(table: str) -> list[list[str]]:
    """The database's indexes of a table (its schema's own key `indexen`), each a list of columns."""
    return [list(cols) for cols in _read(table)[1]["indexen"]]


def redacted_columns() -> list[tuple[str, str, str]]:
    """(table, column, level) of every column whose schema field says `redactie`: delivered text
    that is redacted before publication (eenzaamheid/privacy.py), in table order."""
    return [(table, column, level) for table in TABLES for column, level in _read(table)[1]["redactie"].items()]


def _follow_codebook(field: dict) -> None:
    """The survey years and source documents come from the codebook, so a new year needs no schema edit:
    a `jaar` field's range is the codebook's years, a `bron` enum its `bronnen`."""
    from .. import codebook  # the codebook is read only when a schema is
    constraints = field.get("constraints") or {}
    book = codebook.load()
    if field["name"] == "jaar" and "maximum" in constraints:
        constraints["minimum"], constraints["maximum"] = book.years[0], book.years[-1]
    if field["name"] == "bron" and "enum" in constraints:
        constraints["enum"] = list(book.sources)


def load(table: str) -> dict:
    """The Table Schema of a clean table as a dict (a fresh copy; the parsed file is cached)."""
    return copy.deepcopy(_load(table))


def field_names(table: str) -> list[str]:
    return [f["name"] for f in _load(table)["fields"]]


def primary_key(table: str) -> list[str]:
    pk = _load(table).get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def missing_values(table: str) -> list[str]:
    return list(_load(table).get("missingValues", [""]))


def foreign_keys(table: str) -> list[dict]:
    """foreignKeys with `fields` as lists and the resource named (a self-reference '' → the table)."""
    out = []
    for fk in _load(table).get("foreignKeys") or []:
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        out.append({"fields": fields, "resource": ref.get("resource") or table, "reference_fields": ref_fields})
    return out


# --- pandera ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def pandera_model(table: str, categorical: frozenset[str] = frozenset()):
    """The pandera DataFrameSchema of a clean table, converted from its Table Schema by
    `contract.pandera_from_table_schema` (the mapping of `pandera.io`'s frictionless converter).

    Adjustments to the converter's mapping (types only; constraints come from the schema):
    integer → nullable Int64 (frames carry None/NaN for empty values), number → float64,
    string/enum → pandas string (an enum stays an `isin` check, not a categorical),
    date/datetime → string with an ISO pattern and a parse check. The text columns named in
    `categorical` stay categorical (compact.py): the same checks, on their codes' texts.
    """
    import pandera.pandas as pa

    from ..contract import pandera_from_table_schema

    schema = _load(table)
    dtypes = {"integer": "Int64", "number": "float64", "string": "string", "date": "string",
              "datetime": "string"}
    plain: dict = {"fields": [], "primaryKey": primary_key(table)}
    for f in schema["fields"]:
        if f["type"] not in dtypes:
            raise ValueError(f"{table}.{f['name']}: type {f['type']!r} wordt in de schone tabellen niet gebruikt")
        g = {"name": f["name"], "title": f.get("title", ""), "description": f.get("description", "")}
        constraints = dict(f.get("constraints") or {})
        if f["type"] in ("date", "datetime"):
            # kept as ISO strings (a datetime64 column would not be)
            constraints.setdefault("pattern", _ISO_DATE if f["type"] == "date" else _ISO_DATETIME)
        if "pattern" in constraints:
            # the converter anchors the pattern itself (^…$); a Table Schema pattern matches the
            # whole value anyway, so drop our anchors and group alternatives
            constraints["pattern"] = f"(?:{constraints['pattern'].removeprefix('^').removesuffix('$')})"
        if constraints:
            g["constraints"] = constraints
        plain["fields"].append(g)
    model = pandera_from_table_schema(plain, {f["name"]: "category" if f["name"] in categorical else dtypes[f["type"]]
                                              for f in schema["fields"]}, coerce=True)

    updates = {}
    for f in schema["fields"]:
        if f["type"] in ("date", "datetime"):
            fmt = "%Y-%m-%d" if f["type"] == "date" else f.get("format", _DATETIME_FORMAT)
            if fmt in ("default", "any"):
                fmt = _DATETIME_FORMAT
            updates[f["name"]] = {"checks": list(model.columns[f["name"]].checks) + [
                pa.Check(functools.partial(_parses, fmt=fmt), element_wise=False,
                         name=f"iso_{f['type']}", error=f"geen geldige {f['type']} ({fmt})")]}
    return model.update_columns(updates) if updates else model


def _parses(series: pd.Series, fmt: str) -> pd.Series:
    parsed = pd.to_datetime(series.astype(object), format=fmt, errors="coerce")
    return parsed.notna()


def _prepare(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Make a frame comparable with its CSV form before validation.

    - Empty strings become missing where the schema counts "" as missing (as CSV readers do).
    - Numeric text in integer/number columns ('157', as read from a CSV with dtype=str) becomes
      a number; a column with any non-numeric text is left alone so that pandera reports the
      offending value instead of it silently turning into a missing value.
    """
    empty_is_missing = "" in missing_values(table)
    types = {f["name"]: f["type"] for f in _load(table)["fields"]}
    frame = frame.copy(deep=False)  # copy-on-write: replacing a column below leaves the caller's frame alone
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):  # text codes (compact.py): "" is one category
            if empty_is_missing and "" in column.cat.categories:
                frame[name] = column.cat.remove_categories([""])
            continue
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        if empty_is_missing:
            empty = column.eq("").fillna(False).astype(bool)
            if empty.any():
                column = column.astype(object).where(~empty, None)
        if types.get(name) in ("integer", "number"):
            numbers = pd.to_numeric(column, errors="coerce")
            if not (numbers.isna() & column.notna()).any():
                column = numbers
        frame[name] = column
    return frame


def check(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a clean table against its schema, all failures at once.

    Returns the frame with empty strings made missing (where the schema says "" is missing) and
    types coerced (Int64, float64, string). Raises CleanTableError naming table, column, check
    and the first failing rows.
    """
    from pandera.errors import SchemaErrors

    frame = _prepare(table, frame)
    text = {f["name"] for f in _load(table)["fields"] if f["type"] == "string"}
    categorical = frozenset(c for c in frame.columns if c in text and isinstance(frame[c].dtype, pd.CategoricalDtype))
    try:
        return pandera_model(table, categorical).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        raise CleanTableError(table, _describe(table, frame, cases), cases) from None


def _describe(table: str, frame: pd.DataFrame, cases: pd.DataFrame, per_check: int = 3) -> str:
    """One readable Dutch line per failed check: column, what the check means, how many rows
    (and in which years), and a few example values named by the row's key."""
    pk = [c for c in primary_key(table) if c in frame.columns]
    rows = cases["index"].dropna().nunique() if "index" in cases else 0
    lines = [f"Tabel {table} voldoet niet aan zijn schema ({schema_path(table).relative_to(SCHEMAS.parent).as_posix()})"
             + (f": {rows} rij(en) afgekeurd." if rows else ":")]
    checks = cases["check"].astype(str)
    columns = cases["column"].astype(object).where(cases["column"].notna(), "<tabel>").astype(str)
    # a key over several columns fails once per column: one line for the key
    combined = checks.eq("multiple_fields_uniqueness")
    if combined.any():
        columns = columns.where(~combined, " + ".join(pk) or "sleutel")
    for (column, check_name), group in cases.groupby([columns, checks], sort=True, dropna=False):
        indexes = [i for i in dict.fromkeys(group["index"]) if not _is_missing(i)] if "index" in group else []
        count = len(indexes) or len(group)
        years = ""
        if "jaar" in frame.columns and indexes:
            found = sorted({_key_value(frame.at[i, "jaar"]) for i in indexes if i in frame.index} - {None}, key=str)
            years = f" (jaar {', '.join(map(str, found[:6]))})" if found else ""
        examples = []
        for _, case in group.drop_duplicates("index").head(per_check).iterrows():
            index = case.get("index")
            where = ""
            if index is not None and not _is_missing(index) and index in frame.index and pk != [column]:
                key = ", ".join(f"{c}={_key_value(frame.at[index, c])!r}" for c in pk)
                where = f" ({key})" if key else f" (rij {index})"
            value = case["failure_case"]
            key_only = check_name == "multiple_fields_uniqueness" and where  # the key says it all
            examples.append(where.strip(" ()") if key_only else f"{_key_value(value)!r}{where}")
        more = f" … en nog {count - per_check}" if count > per_check else ""
        short = check_name if len(check_name) <= 60 else check_name[:57] + "…"
        lines.append(f"  kolom {column}, check {short}: {explain_check(check_name)} — {count} rij(en){years}; "
                     f"bijvoorbeeld {'; '.join(examples)}{more}")
    return "\n".join(lines)


_CHECK_MEANING = {
    "field_uniqueness": "dezelfde waarde staat in meer dan één rij, maar moet uniek zijn",
    "unique": "dezelfde waarde staat in meer dan één rij, maar moet uniek zijn",
    "multiple_fields_uniqueness": "dezelfde sleutel staat in meer dan één rij (dubbele rijen)",
    "not_nullable": "de waarde ontbreekt, maar is verplicht",
    "isin": "de waarde staat niet in de lijst van toegestane waarden",
    "str_matches": "de waarde heeft niet de vorm die het schema vraagt",
    "column_in_dataframe": "de kolom ontbreekt",
    "column_in_schema": "de kolom staat niet in het schema",
    "iso_date": "geen geldige datum (JJJJ-MM-DD)",
    "iso_datetime": "geen geldig tijdstip (JJJJ-MM-DDTUU:MM:SS)",
}


def explain_check(check_name: str) -> str:
    """pandera's check name (e.g. 'in_range(0, 100)') in the steward's words."""
    name, _, arg = check_name.partition("(")
    arg = arg.removesuffix(")")
    if name in _CHECK_MEANING:
        return _CHECK_MEANING[name]
    if name == "in_range":
        return f"de waarde ligt buiten het toegestane bereik ({arg.replace(', ', ' t/m ')})"
    if name in ("greater_than_or_equal_to", "ge"):
        return f"de waarde is kleiner dan {arg}"
    if name in ("less_than_or_equal_to", "le"):
        return f"de waarde is groter dan {arg}"
    if name in ("greater_than", "gt"):
        return f"de waarde moet groter zijn dan {arg}"
    if name in ("less_than", "lt"):
        return f"de waarde moet kleiner zijn dan {arg}"
    if name == "str_length":
        return f"de tekst is te kort of te lang ({arg})"
    if name == "dtype":
        return f"de kolom heeft het verkeerde type (verwacht {arg})"
    return "de waarde voldoet niet aan deze controle"


# --- key values (also used by foreignkeys.py) ---------------------------------------------------

def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _key_value(value):
    """Comparable form of a key cell: numpy scalars → Python, integral floats → int."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

