"""Read a delivery of a year the codebook does not know yet, and detect its format from the file."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..codebook import Delivery
from ..intake import ingest

# Date formats survey systems write, tried after the previous year's own format.
DATE_FORMATS = ("%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%Y-%m-%d")


class Unreadable(Exception):
    """The file cannot be read as a delivery at all; the message (Dutch) says why."""


@dataclass
class Delivered:
    """A delivery as found: its format and, per column, the distinct answers with their counts."""

    path: Path
    formaat: str
    codering: str | None
    scheidingsteken: str | None
    werkblad: str | None
    werkbladen: list[str]
    headers: list[str]
    frame: pd.DataFrame
    duplicate_headers: list[str] = dataclasses.field(default_factory=list)   # read once, the first of each

    @property
    def rows(self) -> int:
        return len(self.frame)

    def values(self, header: str) -> Counter:
        """The column's filled cells, as delivered (not trimmed: a stray space is validate's business)."""
        cells = self.frame[header].dropna()
        return Counter(v for v in cells.tolist() if str(v).strip())


def read_new(path: Path, year: int, previous: Delivery) -> Delivered:
    """Read `path` with the previous year's delivery as the guess for what the file does not say."""
    formaat = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "csv"}.get(path.suffix.lower(), previous.formaat)
    guess = dataclasses.replace(previous, jaar=year, formaat=formaat, scheidingsteken=None, codering=None)
    table = ingest.read_delivery(path, year, guess)
    if not table.readable:
        raise Unreadable(" ".join(p.melding for p in table.problems if p.regel == "bestand_onleesbaar"))
    detected = table.detected
    sheets = list(detected.get("werkbladen") or [])
    sheet = None
    if detected["formaat"] == "xlsx":
        sheet = previous.werkblad if previous.werkblad in sheets else sheets[0]
    return Delivered(path, detected["formaat"], detected.get("codering"), detected.get("scheidingsteken"), sheet,
                     sheets, [str(h) for h in table.frame.columns], table.frame, list(table.duplicate_headers))


def date_format(values: list[str], preferred: str) -> str | None:
    """The first format (the previous year's first) that reads every value, or None."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return preferred
    for fmt in dict.fromkeys((preferred, *DATE_FORMATS)):
        try:
            for v in values:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt
    return None
