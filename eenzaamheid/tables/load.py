"""Load the checked clean tables into SQLite with sqlite-utils: keys, indexes, full-text search, views."""
from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import subprocess
import sqlite3
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np
import pandas as pd
import sqlite_utils

from .. import __version__

from ..paths import CODE_ROOT, ROOT
from .. import yamlfile
from ..codebook_years import year_files
from . import cleanschema

VIEWS_SQL = Path(__file__).with_name("views.sql")
SQL_TYPES = {"integer": int, "number": float, "boolean": int}
# Views too slow to compute per request (every aggregate over all answers), stored as tables with
# their rows in key order: the database is immutable once built, so they cannot go stale.
# views.sql stays their definition; name -> row order, primary key, indexes for the questions people ask.
# The primary key makes Datasette show and export the table by its key: without one it adds SQLite's
# internal `rowid` as a column to every JSON and CSV export.
MATERIALIZED_VIEWS = {
    "gemeente_vergelijking": {"order": ["jaar", "gemeente_code", "vraag_id", "item_code", "optie_code"],
                              "pk": ["inzending_id", "vraag_id", "item_code"],
                              "indexes": [["gemeente_code", "jaar"], ["vraag_id", "jaar"], ["inzending_id"]]},
    "deelname_per_provincie": {"order": ["jaar", "provincie_code"], "pk": ["jaar", "provincie_code"], "indexes": []},
    # a table page (sort, filter, facets, 100 rows a page) instead of one page of 342 query rows
    "deelname_per_gemeente": {"order": ["naam", "gemeente_code"], "pk": ["gemeente_code"], "indexes": []},
    "gepubliceerd_naast_berekend": {"order": ["cijfer_id"], "pk": ["cijfer_id"], "indexes": []},
}
YEAR_COLUMNS = "/* jaarkolommen */"  # in views.sql: one column per year of `deelname`
LIBRARIES = ("pandas", "pandera", "frictionless", "sqlite-utils", "datasette", "pyarrow", "openpyxl", "great-expectations")


CHUNK_ROWS = 50_000  # rows converted to dicts at a time: memory stays flat however large a table is
_NATIVE_DTYPES = ("Int64", "float64", "str", "string", "category")  # astype(object) gives Python values already


def _records(frame: pd.DataFrame, schema: dict) -> Iterator[list | tuple]:
    """The column names, then the rows as tuples of Python values (None for missing) in primary-key
    order, chunk by chunk (sqlite-utils' list mode): the values of
    `frame.sort_values(pk).astype(object).where(notna, None).to_dict('records')`, without holding
    them all at once."""
    from pandas.core.dtypes.cast import maybe_box_native

    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else list(pk)
    names = [f["name"] for f in schema["fields"]]
    yield names
    frame = frame.reset_index(drop=True)
    order = frame[pk].sort_values(pk, kind="stable").index.to_numpy() if pk else np.arange(len(frame))
    for start in range(0, len(order), CHUNK_ROWS):
        part = frame.iloc[order[start:start + CHUNK_ROWS]]
        columns = []
        for name in names:
            column = part[name]
            values = column.astype(object).where(column.notna(), None).tolist()
            if str(column.dtype) not in _NATIVE_DTYPES:  # e.g. numpy scalars in an object column
                values = [maybe_box_native(v) for v in values]
            columns.append(values)
        yield from zip(*columns)


def write_database(frames: dict[str, pd.DataFrame], path: Path, raw_dir: Path,
                   later: Mapping[str, Callable[[], pd.DataFrame]] | None = None) -> None:
    """The database of `frames`. `later`: tables whose frame is still being computed elsewhere
    (the diff with the previous publication, build.py), each waited for when its turn comes and
    then put into `frames`."""
    later = later or {}
    db = sqlite_utils.Database(path)
    # one transaction for all tables: sqlite-utils would otherwise commit (and sync) every batch of
    # rows it inserts, a few hundred rows each
    with db.atomic():
        for table in cleanschema.TABLES:
            schema = cleanschema.load(table)
            columns = {f["name"]: SQL_TYPES.get(f["type"], str) for f in schema["fields"]}
            single_fks = [(fk["fields"][0], fk["reference"]["resource"] or table, fk["reference"]["fields"][0])
                          for fk in schema.get("foreignKeys", []) if len(fk["fields"]) == 1]
            db[table].create(columns, pk=schema.get("primaryKey"), foreign_keys=single_fks, not_null=[
                f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")])
            if table in later:
                frames[table] = later[table]()
            _insert(db.conn, table, _records(frames[table], schema))
            for cols in cleanschema.indexes(table):  # the schema's own key `indexen`
                db[table].create_index(cols)
    db["toelichtingen"].enable_fts(["tekst"], create_triggers=False, tokenize="unicode61")
    if VIEWS_SQL.exists():
        db.executescript(views_sql(db.conn))
        materialize(db)
    db["build"].insert_all(provenance(frames, raw_dir), pk="sleutel")
    # checked once at the end: rows of a table may refer to each other (gemeenten.opvolger_code)
    dangling = db.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise ValueError(f"foreign keys do not resolve in the database: {dangling[:5]}")
    db.conn.commit()
    # no VACUUM: the file is written once, in one transaction, and has no free pages to reclaim
    # (measured: VACUUM made the demo database 1.5 MB larger and cost 0.2-0.4 s of the build)
    db.conn.close()


def _insert(conn: sqlite3.Connection, table: str, records: Iterator[list | tuple]) -> None:
    """The rows of `_records` with one prepared INSERT (sqlite-utils' insert_all would inspect and
    convert every value in Python again: half of the load's time; these are plain Python values)."""
    names = next(records)
    columns = ", ".join(f"[{n}]" for n in names)
    conn.executemany(f"INSERT INTO [{table}] ({columns}) VALUES ({', '.join('?' * len(names))})", records)


def views_sql(conn: sqlite3.Connection) -> str:
    """views.sql with its per-year columns filled in from the years in `deelname`, so a new year
    gets its column without a code change."""
    years = [r[0] for r in conn.execute("SELECT DISTINCT jaar FROM deelname ORDER BY jaar")]
    columns = "".join(f'CAST(max(CASE WHEN d.jaar = {int(y)} THEN d.deelgenomen END) AS INTEGER) AS "{int(y)}",\n       '
                      for y in years)
    return VIEWS_SQL.read_text(encoding="utf-8").replace(YEAR_COLUMNS, columns.rstrip())


def materialize(db: sqlite_utils.Database) -> None:
    """Replace each of MATERIALIZED_VIEWS by a table with the same name, columns and rows, and its
    primary key (the column types are those CREATE TABLE AS gives)."""
    for name, spec in MATERIALIZED_VIEWS.items():
        order = ", ".join(spec["order"])
        pk = ", ".join(f"[{c}]" for c in spec["pk"])
        with db.conn:
            db.execute(f"CREATE TEMP TABLE [_{name}_kolommen] AS SELECT * FROM [{name}] LIMIT 0")
            columns = ", ".join(f"[{c[1]}] {c[2]}".rstrip()
                                for c in db.execute(f"PRAGMA temp.table_info([_{name}_kolommen])").fetchall())
            db.execute(f"DROP TABLE temp.[_{name}_kolommen]")
            db.execute(f"CREATE TABLE [_{name}] ({columns}, PRIMARY KEY ({pk}))")
            db.execute(f"INSERT INTO [_{name}] SELECT * FROM [{name}] ORDER BY {order}")
            db.execute(f"DROP VIEW [{name}]")
            db.execute(f"ALTER TABLE [_{name}] RENAME TO [{name}]")
        for cols in spec["indexes"] + _page_indexes(name, spec["pk"]):
            db[name].create_index(cols)


def _page_indexes(table: str, pk: list[str]) -> list[list[str]]:
    """Indexes for the sort and facets metadata.yml gives the table's page: read from an index,
    not scanned and sorted on every uncached page (12% of a table page's work, measured)."""
    page = (yamlfile.load(ROOT / "metadata.yml")["databases"]["benchmark"]["tables"]).get(table) or {}
    out = [[page["sort"]] + [c for c in pk if c != page["sort"]]] if page.get("sort") and page["sort"] not in pk else []
    return out + [[facet] for facet in page.get("facets", []) if [facet] != pk[:1]]


def provenance(frames: dict[str, pd.DataFrame], raw_dir: Path) -> list[dict]:
    """What produced this database: code version, commit, libraries and input hashes (no clock time,
    so that two builds of the same inputs and code are equal)."""
    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=CODE_ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "onbekend"
    from ..changes.changes import FINGERPRINT_KEY, fingerprint

    rows = [("pakketversie", __version__), ("git_commit", commit), ("python", platform.python_version())]
    rows += [(f"bibliotheek:{lib}", importlib.metadata.version(lib)) for lib in LIBRARIES]
    rows += [(f"invoer:{f['bestand']}", f["sha256"]) for f in frames["bronbestanden"].to_dict("records")]
    years = [p.relative_to(ROOT).as_posix() for p in year_files(ROOT / "schemas" / "jaren")]
    for rel in ("schemas/codebook.yaml", *years, "checks/published_figures.csv", "metadata.yml"):
        rows.append((f"invoer:{rel}", sha(ROOT / rel)))
    rows.append((FINGERPRINT_KEY, fingerprint(frames)))  # the next build skips its diff when equal (changes.py)
    return [{"sleutel": k, "waarde": v} for k, v in rows]
