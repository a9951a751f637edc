"""Publications read for the diff (diff.py): a built database, a data package (datapackage.json, a
folder holding one, or the zip the build writes) or a build's checked frames, as tables of
canonical values.

Every value is brought to one form per Table Schema type (integer -> int, number -> float rounded
to 9 decimals, anything else -> text, an empty value -> None), so a database and the CSV package of
the same build compare equal. Only the clean tables are read (schemas/clean), never `wijzigingen`.
"""
from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from ..publish import people_sheets
from ..tables import cleanschema

CHANGES_TABLE = "wijzigingen"   # the diff itself: never part of a comparison
SQLITE_MAGIC = b"SQLite format 3\x00"
PACKAGE_NAME = "datapackage.json"
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


# --- canonical values -------------------------------------------------------------------------

def canonical(value, ftype: str, missing: frozenset[str]):
    """One form per type. An empty text is the same as a missing one: the exports write both as null
    (CSV: an empty cell), while the database keeps "" where it is part of a key (item_code)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and (value == "" or value in missing):
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
        # one object per distinct text: codes and ids repeat on every answer row, and a large
        # publication read twice (old and new) would otherwise hold each copy
        seen: dict[str, str] = {}
        return [seen.setdefault(v, v) if type(v) is str and v and v not in missing else canonical(v, ftype, missing)
                for v in values]
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
    n = len(raw)
    del raw  # the delivered values, before the rows are built from the canonical ones
    return Table(columns, dict(zip(columns, kinds)), list(zip(*cells)) if n else [])


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
        if PurePosixPath(rel).parent.name == people_sheets.FOLDER:  # answers again, in words: the tables' diff covers them
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
