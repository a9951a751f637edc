"""One number style for every page a person reads: Dutch decimal comma and thousands dot.

Used by our pages (Jinja filter `getal`), by the rows of Datasette's table and query pages
(eenzaamheid/site/datasette/rows.py) and by the counts in our copies of Datasette's templates. JSON and
CSV are not touched: they keep machine numbers.
"""
from __future__ import annotations

import re

# Integers in these columns are identifiers, years or row numbers: never grouped (2024, not 2.024).
_NOT_GROUPED = re.compile(r"(^|_)(id|jaar|jaren|code|rij|regel|nummer|versie|rowid)($|_)|^(rowid|pk)$")
_TO_DUTCH = str.maketrans({",": ".", ".": ","})


def getal(value, decimals: int | None = None, group: bool = True) -> str:
    """12345.6 -> '12.345,6'; 0.5 -> '0,5'; 1234 -> '1.234'; None -> ''. Text is returned as is."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and decimals is None:
        text = repr(value)
        if "e" in text or "inf" in text or "nan" in text:
            return text.replace(".", ",")
        decimals = len(text.split(".")[1]) if "." in text else 0
    english = f"{value:{',' if group else ''}.{decimals or 0}f}"
    return english.translate(_TO_DUTCH)


def cell_number(column: str, value) -> str | None:
    """The Dutch form of a number in a table cell, or None when the cell is left as Datasette wrote it."""
    return number_style(column)(value)


def grouped(column: str) -> bool:
    """Whether the integers of this column are grouped by thousands (not identifiers or years)."""
    return not _NOT_GROUPED.search(column.lower())


def number_style(column: str):
    """cell_number for one column (its name read once, for a table's many rows)."""
    grouped_ = grouped(column)

    def dutch(value) -> str | None:
        kind = type(value)
        if kind is int:
            return getal(value) if grouped_ and abs(value) >= 1000 else None
        if kind is float:
            return getal(value, group=grouped_)
        if kind is bool or not isinstance(value, (int, float)):
            return None
        if isinstance(value, int):  # subclasses of int and float, as the types themselves
            return getal(value) if grouped_ and abs(value) >= 1000 else None
        return getal(value, group=grouped_)
    return dutch
