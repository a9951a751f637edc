"""The build's change record: the `wijzigingen` table and WIJZIGINGEN.md, from the diff between the
live publication (read before the switch replaces it) and the build's checked frames.

A rebuild whose data equals the live publication's (the diff is empty) carries the live
publication's `wijzigingen` rows over unchanged, so identical inputs give identical outputs, byte
for byte, and the record keeps describing the last publication whose data did change. The live
publication is its database, or, when the folder has none, its data package: a fresh clone has
the committed CSV files and datapackage.json but no benchmark.db (not committed), and its first
build compares with those, so it rewrites no committed file. The package counts too when the
database beside it is not of the same build (their records differ: committed files beside an
earlier local build's database). Without either the record says it is the first publication.

Every database records the fingerprint of the frames it was built from (`build` table, key
FINGERPRINT_KEY). When the next build's frames have the same fingerprint, nothing can have changed
and the record is carried over without the diff (which reads and compares every value: most of a
rebuild's waiting). Any other fingerprint, or none, gets the full diff.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pandas as pd

from ..atomic import write_atomic
from . import diff, diff_read, diff_report
from ..tables import cleanschema
from .diff_report import CHANGELOG_NAME  # noqa: F401 - the build adds it to the zip under this name

TABLE = diff.CHANGES_TABLE
FINGERPRINT_KEY = "vingerafdruk_tabellen"


def fingerprint(frames: dict[str, pd.DataFrame]) -> str:
    """sha256 of the compared clean tables as the build holds them: per table its name, columns
    and dtypes and pandas' hash of every row (not `wijzigingen` itself, nor `build`)."""
    h = hashlib.sha256()
    for name in cleanschema.TABLES:
        if name == TABLE or name not in frames:
            continue
        frame = frames[name]
        h.update(repr((name, [(str(c), str(t)) for c, t in frame.dtypes.items()])).encode("utf-8"))
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _recorded_fingerprint(db: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT waarde FROM build WHERE sleutel = ?", (FINGERPRINT_KEY,)).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def first_publication() -> pd.DataFrame:
    return diff_report.frame(diff_report.first_publication_rows())


def against_previous(previous_db: Path, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The checked `wijzigingen` frame of a build whose clean tables are `frames`. The previous
    publication is the database `previous_db`, else the data package beside it (a publication
    without its database: the committed files of a fresh clone), else there is none."""
    package = previous_db.with_name(diff_read.PACKAGE_NAME)
    if previous_db.exists() and not _other_builds(previous_db, package):
        if _recorded_fingerprint(previous_db) == fingerprint(frames):  # built from these very frames
            kept = _usable(diff.read_changes(previous_db))
            if kept is not None:
                return kept
        source, read, read_kept = previous_db, diff.read_database, diff.read_changes
    elif package.is_file():
        source, read, read_kept = package, diff.read_package, read_package_changes
    else:
        return cleanschema.check(TABLE, diff_report.frame(diff_report.first_publication_rows()))
    try:
        old = read(source)
    except diff.PublicationError as exc:
        rows = diff_report.unreadable_previous_rows(str(exc).partition(": ")[2])  # no machine path
    else:
        result = diff.compare(old, diff.from_frames(frames))
        kept = _usable(read_kept(source)) if result.identical else None
        if kept is not None:
            return kept
        rows = diff_report.change_rows(result)
    return cleanschema.check(TABLE, diff_report.frame(rows))


def _other_builds(db: Path, package: Path) -> bool:
    """True when the folder's data package was not written by the build that wrote its database:
    their change records differ (a checkout whose committed files came from git, beside the
    benchmark.db of an earlier local build). What was published, the files, is then the previous
    publication, and a rebuild of the same data keeps the committed record instead of a local one."""
    if not package.is_file():
        return False
    return _record_texts(db) != _record_texts(package)


def _record_texts(source: Path) -> list[str] | None:
    """The descriptions (`omschrijving`) of a publication's change record, row by row: they say
    everything the record says, and are quick to read from a database or the package's CSV file."""
    try:
        if source.suffix == ".json":
            column = pd.read_csv(source.parent / _changes_resource(source)["path"], usecols=["omschrijving"], dtype=str,
                                 keep_default_na=False)["omschrijving"]
            return column.tolist()
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            return [r[0] or "" for r in conn.execute(f"SELECT omschrijving FROM [{TABLE}] ORDER BY rowid")]
        finally:
            conn.close()
    except (OSError, ValueError, KeyError, TypeError, StopIteration, sqlite3.Error, pd.errors.ParserError):
        return None


def _usable(kept: pd.DataFrame | None) -> pd.DataFrame | None:
    """The previous publication's record, checked, when it has one in the current layout."""
    if kept is not None and len(kept) and list(kept.columns) == cleanschema.field_names(TABLE):
        return cleanschema.check(TABLE, kept)
    return None


def read_package_changes(package: Path) -> pd.DataFrame | None:
    """The `wijzigingen` table of a data package (its CSV file), typed as the database holds it."""
    try:
        resource = _changes_resource(package)
        frame = pd.read_csv(package.parent / resource["path"], dtype=str, keep_default_na=False)
    except (OSError, ValueError, KeyError, TypeError, StopIteration, pd.errors.ParserError):
        return None
    frame = frame.replace("", None)
    for f in resource.get("schema", {}).get("fields", []):
        if f.get("type") == "integer" and f.get("name") in frame:
            frame[f["name"]] = pd.to_numeric(frame[f["name"]]).astype("Int64")
    return frame


def _changes_resource(package: Path) -> dict:
    """The `wijzigingen` resource of a datapackage.json (KeyError, ValueError or StopIteration without it)."""
    return next(r for r in json.loads(package.read_bytes())["resources"] if r.get("name") == TABLE)


def records(frame: pd.DataFrame) -> list[dict]:
    values = frame.astype(object)
    return values.where(values.notna(), None).to_dict("records")


def write_changelog(frame: pd.DataFrame, folder: Path) -> Path:
    path = folder / CHANGELOG_NAME
    write_atomic(path, diff_report.changelog_markdown(records(frame)))
    return path
