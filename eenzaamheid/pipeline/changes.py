"""The build's change record: the `wijzigingen` table and WIJZIGINGEN.md, from the diff between the
live publication (read before the switch replaces it) and the build's checked frames.

A rebuild whose data equals the live publication's (the diff is empty) carries the live
publication's `wijzigingen` rows over unchanged, so identical inputs give identical outputs, byte
for byte, and the record keeps describing the last publication whose data did change. Without a
previous publication the record says it is the first one.

Every database records the fingerprint of the frames it was built from (`build` table, key
FINGERPRINT_KEY). When the next build's frames have the same fingerprint, nothing can have changed
and the record is carried over without the diff (which reads and compares every value: most of a
rebuild's waiting). Any other fingerprint, or none, gets the full diff.
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pandas as pd

from . import cleanschema, diff, diff_report
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
    """The checked `wijzigingen` frame of a build whose clean tables are `frames`."""
    if not previous_db.exists():
        rows = diff_report.first_publication_rows()
    else:
        if _recorded_fingerprint(previous_db) == fingerprint(frames):  # built from these very frames
            kept = diff.read_changes(previous_db)
            if kept is not None and len(kept) and list(kept.columns) == cleanschema.field_names(TABLE):
                return cleanschema.check(TABLE, kept)
        try:
            old = diff.read_database(previous_db)
        except diff.PublicationError as exc:
            rows = diff_report.unreadable_previous_rows(str(exc).partition(": ")[2])  # no machine path
        else:
            result = diff.compare(old, diff.from_frames(frames))
            kept = diff.read_changes(previous_db) if result.identical else None
            if kept is not None and len(kept) and list(kept.columns) == cleanschema.field_names(TABLE):
                return cleanschema.check(TABLE, kept)
            rows = diff_report.change_rows(result)
    return cleanschema.check(TABLE, diff_report.frame(rows))


def records(frame: pd.DataFrame) -> list[dict]:
    values = frame.astype(object)
    return values.where(values.notna(), None).to_dict("records")


def write_changelog(frame: pd.DataFrame, folder: Path) -> Path:
    path = folder / CHANGELOG_NAME
    path.write_bytes(diff_report.changelog_markdown(records(frame)).encode("utf-8"))
    return path
