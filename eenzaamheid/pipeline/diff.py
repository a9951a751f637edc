"""The publication diff: what changed between two publications of the clean tables.

A publication is read from a built database (benchmark.db), a data package (datapackage.json, a
folder holding one, or the zip the build writes) or, during a build, from the checked frames.
Every value is brought to one canonical form per Table Schema type (integer -> int, number ->
float, anything else -> text, an empty value -> None), so a database and the CSV package of the
same build compare equal.

Three views of the difference:
- per table the rows added, removed and changed, matched on the table's primary key
  (schemas/clean; a table whose key columns are not in both publications is matched on whole rows);
- per municipality, year and question the counted answers that changed (old -> new option), and
  the municipality-years that gained or lost a counted submission;
- per published figure the computed value (table `reconciliatie`) that moved.

Rendering (Dutch text, Markdown, JSON, the `wijzigingen` table) is in diff_report.py.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd

from . import cleanschema

CHANGES_TABLE = "wijzigingen"   # the diff itself: never part of a comparison
ACCEPTED = "geaccepteerd"
SQLITE_MAGIC = b"SQLite format 3\x00"
PACKAGE_NAME = "datapackage.json"
# Keys that only number the rows in order (log_id counts the cleaning log of all deliveries): one row
# more in an early delivery renumbers everything after it. Such tables are matched on their other
# columns (rows added and removed, never "changed"), and the number itself is not compared.
SEQUENCE_KEYS = {"opschoonlog": "log_id"}
DB_NAME = "benchmark.db"


class PublicationError(Exception):
    """A path that is not a readable publication; the message (Dutch) names the file and what is wrong."""


@dataclass
class Table:
    columns: list[str]
    types: dict[str, str]
    rows: list[tuple]          # canonical values, in `columns` order

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass
class Publication:
    label: str
    tables: dict[str, Table]


@dataclass
class TableChange:
    tabel: str
    sleutel: list[str]
    toegevoegd: list[tuple] = field(default_factory=list)   # keys
    verwijderd: list[tuple] = field(default_factory=list)
    gewijzigd: list[tuple[tuple, dict]] = field(default_factory=list)  # key, {column: (old, new)}
    kolommen_toegevoegd: list[str] = field(default_factory=list)
    kolommen_verwijderd: list[str] = field(default_factory=list)
    alleen_in: str | None = None   # 'oud' or 'nieuw' when the table is in one publication only

    @property
    def changed(self) -> bool:
        return bool(self.toegevoegd or self.verwijderd or self.gewijzigd or self.kolommen_toegevoegd
                    or self.kolommen_verwijderd or self.alleen_in)


@dataclass
class AnswerChange:
    jaar: int
    gemeente_code: str
    vraag_id: str
    item_code: str
    oud: str | None     # option code(s), None = not answered
    nieuw: str | None


@dataclass
class SubmissionChange:
    jaar: int
    gemeente_code: str
    soort: str          # 'nieuw' (now counted) or 'vervallen' (no longer counted)


@dataclass
class FigureChange:
    cijfer_id: str
    oud: float | None
    nieuw: float | None
    status_oud: str | None
    status_nieuw: str | None
    gepubliceerd: float | None


@dataclass
class Diff:
    oud: str
    nieuw: str
    tabellen: list[TableChange]
    inzendingen: list[SubmissionChange]
    antwoorden: list[AnswerChange]
    cijfers: list[FigureChange]
    gemeentenamen: dict[str, str] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return not (any(t.changed for t in self.tabellen) or self.inzendingen or self.antwoorden or self.cijfers)


# --- canonical values -------------------------------------------------------------------------

def canonical(value, ftype: str, missing: frozenset[str]):
    """One form per type. In a table where "" is a value (missingValues: []), CSV cannot tell an empty
    text from a missing one, so a missing text is "" there in every source."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "" if ftype == "string" and "" not in missing else None
    if isinstance(value, str) and value in missing:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    try:
        if ftype in ("integer", "boolean"):
            number = float(value)
            return int(number) if number.is_integer() else number
        if ftype == "number":
            return round(float(value), 9)
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, str) else str(value)


def _schema_types(table: str, schema: dict | None) -> tuple[dict[str, str], frozenset[str]]:
    """Field types and missing values: the table's own schema (a package's), else schemas/clean."""
    if schema is None and table in cleanschema.TABLES:
        schema = cleanschema.load(table)
    schema = schema or {}
    types = {f["name"]: f.get("type", "string") for f in schema.get("fields", [])}
    return types, frozenset(schema.get("missingValues", [""]))


def canonical_column(values: list, ftype: str, missing: frozenset[str]) -> list:
    """`canonical` over a column, with the common cases (a value already in its form) inline."""
    if ftype == "string":
        return [v if type(v) is str and v not in missing else canonical(v, ftype, missing) for v in values]
    if ftype in ("integer", "boolean"):
        return [v if type(v) is int else canonical(v, ftype, missing) for v in values]
    if ftype == "number":
        return [round(v, 9) if type(v) is float and v == v else canonical(v, ftype, missing) for v in values]
    return [canonical(v, ftype, missing) for v in values]


def _table(table: str, columns: list[str], raw_rows, schema: dict | None = None) -> Table:
    types, missing = _schema_types(table, schema)
    kinds = [types.get(c, "string") for c in columns]
    raw = list(raw_rows)
    cells = [canonical_column([r[i] for r in raw], k, missing) for i, k in enumerate(kinds)]
    return Table(columns, dict(zip(columns, kinds)), list(zip(*cells)) if raw else [])


# --- reading ----------------------------------------------------------------------------------

def _compared(names) -> list[str]:
    return [n for n in names if n != CHANGES_TABLE]


def from_frames(frames: dict[str, pd.DataFrame], label: str = "nieuwe build") -> Publication:
    """The clean tables of a build in progress (checked frames)."""
    tables = {}
    for name in _compared(cleanschema.TABLES):
        if name not in frames:
            continue
        columns = cleanschema.field_names(name)
        frame = frames[name]
        cells = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in columns]
        tables[name] = _table(name, columns, zip(*cells))
    return Publication(label, tables)


def read_database(path: Path) -> Publication:
    """The clean tables (those of schemas/clean, and no others) of a built database."""
    try:
        with open(path, "rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise PublicationError(f"{path}: kan het bestand niet lezen ({exc.strerror}).") from None
    if magic != SQLITE_MAGIC:
        raise PublicationError(f"{path}: geen SQLite-database (benchmark.db) en geen datapakket.")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            present = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
            tables = {}
            for name in _compared(cleanschema.TABLES):
                if name not in present:
                    continue
                columns = [r[1] for r in conn.execute(f"pragma table_info([{name}])")]
                select = ", ".join(f"[{c}]" for c in columns)
                tables[name] = _table(name, columns, conn.execute(f"select {select} from [{name}]"))
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise PublicationError(f"{path}: de database is niet te lezen ({exc}).") from None
    if not tables:
        raise PublicationError(f"{path}: de database bevat geen tabellen van de benchmark "
                               f"(verwacht onder meer {', '.join(cleanschema.TABLES[:3])}).")
    return Publication(str(path), tables)


def read_changes(path: Path) -> pd.DataFrame | None:
    """The `wijzigingen` table of a built database as stored, or None when it has none (or cannot be read)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return pd.read_sql_query(f"select * from [{CHANGES_TABLE}]", conn)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, pd.errors.DatabaseError):
        return None


def _read_package(label: str, descriptor: bytes, read_file) -> Publication:
    """A data package: `read_file(relative path)` gives a resource's bytes."""
    try:
        package = json.loads(descriptor)
        resources = package["resources"]
        assert isinstance(resources, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise PublicationError(f"{label}: geen geldig datapakket (datapackage.json zonder lijst 'resources').") from None
    tables = {}
    for resource in resources:
        name, rel = resource.get("name"), resource.get("path")
        if name == CHANGES_TABLE or not isinstance(rel, str) or not name:
            continue
        try:
            data = read_file(rel)
        except (OSError, KeyError):
            raise PublicationError(f"{label}: het bestand '{rel}' van tabel {name} ontbreekt.") from None
        try:
            reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
            header = next(reader, [])
            rows = [r for r in reader]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PublicationError(f"{label}: '{rel}' (tabel {name}) is geen leesbare UTF-8 CSV ({exc}).") from None
        short = [i for i, r in enumerate(rows, start=2) if len(r) != len(header)]
        if short:
            raise PublicationError(f"{label}: '{rel}' rij {short[0]} heeft {len(rows[short[0] - 2])} cellen, "
                                   f"de kopregel {len(header)}.")
        schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else None
        tables[name] = _table(name, header, rows, schema)
    if not tables:
        raise PublicationError(f"{label}: het datapakket beschrijft geen tabellen.")
    return Publication(label, tables)


def read_package(path: Path) -> Publication:
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if PACKAGE_NAME not in names:
                    raise PublicationError(f"{path}: het zip-bestand bevat geen {PACKAGE_NAME}.")
                return _read_package(str(path), z.read(PACKAGE_NAME),
                                     lambda rel: z.read(str(PurePosixPath(rel))))
        except zipfile.BadZipFile as exc:
            raise PublicationError(f"{path}: het zip-bestand is beschadigd ({exc}).") from None
    base = path.parent
    return _read_package(str(path), path.read_bytes(), lambda rel: (base / rel).read_bytes())


def read_publication(path: Path) -> Publication:
    """A database, a datapackage.json, a zip with one, or a publication folder (its benchmark.db,
    else its datapackage.json). PublicationError (Dutch) for anything else."""
    path = Path(path)
    if not path.exists():
        raise PublicationError(f"{path}: bestaat niet.")
    if path.is_dir():
        for candidate in (path / DB_NAME, path / PACKAGE_NAME):
            if candidate.is_file():
                return read_publication(candidate)
        raise PublicationError(f"{path}: de map bevat geen {DB_NAME} en geen {PACKAGE_NAME}.")
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise PublicationError(f"{path}: kan het bestand niet lezen ({exc.strerror}).") from None
    if head == SQLITE_MAGIC:
        return read_database(path)
    if zipfile.is_zipfile(path) or path.suffix.lower() == ".json":
        return read_package(path)
    raise PublicationError(f"{path}: geen gebouwde database (benchmark.db), geen datapackage.json en geen "
                           "zip van een datapakket.")


# --- comparing --------------------------------------------------------------------------------

def _common_columns(name: str, old: Table, new: Table) -> list[str]:
    return [c for c in old.columns if c in new.columns and c != SEQUENCE_KEYS.get(name)]


def _key_columns(name: str, old: Table, new: Table) -> list[str]:
    key = cleanschema.primary_key(name) if name in cleanschema.TABLES and name not in SEQUENCE_KEYS else []
    if key and all(c in old.columns and c in new.columns for c in key):
        return key
    return _common_columns(name, old, new)  # whole rows: only added and removed


def _keyed(table: Table, columns: list[str], key: list[str]) -> dict[tuple, tuple]:
    at = [table.columns.index(c) for c in columns]
    rows = table.rows if at == list(range(len(table.columns))) else [tuple(r[i] for i in at) for r in table.rows]
    k = [columns.index(c) for c in key]
    out: dict[tuple, tuple] = {}
    if len(k) == 1:
        i = k[0]
        for row in rows:
            out.setdefault((row[i],), row)
    else:
        for row in rows:
            out.setdefault(tuple(row[i] for i in k), row)
    return out


def compare_table(name: str, old: Table | None, new: Table | None) -> TableChange:
    if old is None or new is None:
        only = new or old
        return TableChange(name, [], alleen_in="nieuw" if old is None else "oud",
                           **({"toegevoegd": [()] * len(only.rows)} if old is None else
                              {"verwijderd": [()] * len(only.rows)}))
    key = _key_columns(name, old, new)
    common = _common_columns(name, old, new)
    change = TableChange(name, key, kolommen_toegevoegd=[c for c in new.columns if c not in old.columns],
                         kolommen_verwijderd=[c for c in old.columns if c not in new.columns])
    a, b = _keyed(old, common, key), _keyed(new, common, key)
    change.toegevoegd = sorted((k for k in b if k not in a), key=_sort_key)
    change.verwijderd = sorted((k for k in a if k not in b), key=_sort_key)
    for k in sorted((k for k in a if k in b and a[k] != b[k]), key=_sort_key):
        change.gewijzigd.append((k, {c: (x, y) for c, x, y in zip(common, a[k], b[k]) if x != y}))
    return change


def _sort_key(key: tuple) -> tuple:
    return tuple(("" if v is None else str(v)) if not isinstance(v, (int, float)) else f"{v:020.6f}" for v in key)


def counted_answers(pub: Publication) -> dict[tuple, dict[tuple, str]] | None:
    """(jaar, gemeente_code) -> {(vraag_id, item_code): option code(s)} over counted submissions;
    None when the publication lacks the tables or columns."""
    subs, answers = pub.tables.get("inzendingen"), pub.tables.get("antwoorden")
    need_s, need_a = {"inzending_id", "jaar", "gemeente_code", "status"}, {"inzending_id", "vraag_id", "item_code",
                                                                           "optie_code"}
    if subs is None or answers is None or not need_s <= set(subs.columns) or not need_a <= set(answers.columns):
        return None
    sid, year, code, status = (subs.columns.index(c) for c in ("inzending_id", "jaar", "gemeente_code", "status"))
    whose = {r[sid]: (r[year], r[code]) for r in subs.rows if r[status] == ACCEPTED and r[code]}
    out: dict[tuple, dict[tuple, str]] = {k: {} for k in whose.values()}
    aid, question, item, option = (answers.columns.index(c) for c in ("inzending_id", "vraag_id", "item_code",
                                                                       "optie_code"))
    for r in answers.rows:
        owner = whose.get(r[aid])
        if owner is None:
            continue
        given, key, code = out[owner], (r[question], r[item] or ""), str(r[option])
        before = given.get(key)  # two counted submissions of one municipality and year: both options
        given[key] = code if before is None else ", ".join(sorted({*before.split(", "), code}))
    return out


def compare_answers(old: Publication, new: Publication) -> tuple[list[SubmissionChange], list[AnswerChange]]:
    a, b = counted_answers(old), counted_answers(new)
    if a is None or b is None:
        return [], []
    subs = [SubmissionChange(j, g, "nieuw") for j, g in b if (j, g) not in a]
    subs += [SubmissionChange(j, g, "vervallen") for j, g in a if (j, g) not in b]
    answers = []
    for owner in a.keys() & b.keys():
        before, after = a[owner], b[owner]
        for q in before.keys() | after.keys():
            if before.get(q) != after.get(q):
                answers.append(AnswerChange(owner[0], owner[1], q[0], q[1], before.get(q), after.get(q)))
    subs.sort(key=lambda s: (s.jaar, s.gemeente_code))
    answers.sort(key=lambda c: (c.jaar, c.gemeente_code, c.vraag_id, c.item_code))
    return subs, answers


def compare_figures(old: Publication, new: Publication) -> list[FigureChange]:
    def figures(pub):
        t = pub.tables.get("reconciliatie")
        if t is None or not {"cijfer_id", "berekend", "status"} <= set(t.columns):
            return None
        return {r["cijfer_id"]: (r["berekend"], r["status"]) for r in t.records()}
    a, b = figures(old), figures(new)
    if a is None or b is None:
        return []
    published = {}
    for pub in (old, new):
        t = pub.tables.get("gepubliceerde_cijfers")
        if t is not None and {"cijfer_id", "waarde"} <= set(t.columns):
            published.update({r["cijfer_id"]: r["waarde"] for r in t.records()})
    out = []
    for cid in sorted(a.keys() | b.keys()):
        (x, sx), (y, sy) = a.get(cid, (None, None)), b.get(cid, (None, None))
        if x != y or sx != sy:
            out.append(FigureChange(cid, x, y, sx, sy, published.get(cid)))
    return out


def municipality_names(*pubs: Publication) -> dict[str, str]:
    names: dict[str, str] = {}
    for pub in pubs:
        t = pub.tables.get("gemeenten")
        if t is not None and {"gemeente_code", "naam"} <= set(t.columns):
            names.update({r["gemeente_code"]: r["naam"] for r in t.records()})
    return names


def compare(old: Publication, new: Publication) -> Diff:
    order = list(dict.fromkeys([*cleanschema.TABLES, *old.tables, *new.tables]))
    tables = [compare_table(n, old.tables.get(n), new.tables.get(n)) for n in order
              if n != CHANGES_TABLE and (n in old.tables or n in new.tables)]
    subs, answers = compare_answers(old, new)
    return Diff(old.label, new.label, tables, subs, answers, compare_figures(old, new),
                municipality_names(old, new))
