"""Read a delivered workbook for `ingest`: the contract's worksheet, then the other worksheets.

A row on another worksheet counts when that sheet has the delivery's header: it is read after the
rows before it (numbered on, so every row of the file has one row number and inzending_id) and
`RawTable.sheets` keeps where it came from, so every report names it as "werkblad 'X', rij N".
Another sheet with data under another header is an error naming the sheet and its rows, never a
warning behind exit 0; an empty sheet, or one with only a first row, is a note.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..problems import FOUT, Problem, problem
from .ingest_cells import _formulas_without_value, _has_formulas

if TYPE_CHECKING:
    from .ingest import RawTable

FIRST_DATA_ROW = 2  # Excel: header in row 1


def read_xlsx(path: Path, delivery, table: "RawTable", name: str) -> list[list]:
    """The contract's sheet, then every other sheet with the same header (its rows numbered on)."""
    import openpyxl  # only xlsx years pay for the import

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = list(wb.sheetnames)
        table.detected["werkbladen"] = sheets
        used = _contract_sheet(sheets, delivery.werkblad, table, name)
        fmt = delivery.datumformaat
        by_sheet = {s: [[_cell_text(v, fmt) for v in row] for row in wb[s].iter_rows(values_only=True)]
                    for s in [used, *(s for s in sheets if s != used)]}
    finally:
        wb.close()
    rows = by_sheet.pop(used)
    table.sheets = [(used, FIRST_DATA_ROW, len(rows), 0)]
    formulas = _has_formulas(path)
    if formulas:
        table.problems += _formulas_without_value(path, used, rows[0] if rows else [], name)
    for sheet, sheet_rows in by_sheet.items():
        if _same_header(sheet_rows, rows) and len(sheet_rows) > 1:
            offset = len(rows) - 1  # the sheet's row 2 follows the last row read so far
            rows += sheet_rows[1:]
            table.sheets.append((sheet, FIRST_DATA_ROW + offset, len(rows), offset))
            if formulas:
                table.problems += [replace(p, rij=p.rij + offset) if p.rij else p for p in
                                   _formulas_without_value(path, sheet, sheet_rows[0], name)]
        else:
            table.problems.append(_other_sheet(sheet, sheet_rows, used, rows, name))
    return rows


def _contract_sheet(sheets: list[str], expected: str, table: "RawTable", name: str) -> str:
    """The sheet to read first: the contract's, else the first (an error: the contract's is missing)."""
    if expected in sheets:
        return expected
    table.problems.append(problem(
        name, "extra_werkblad", f"Het werkblad '{expected}' uit het contract ontbreekt; het bestand bevat "
        f"{_quoted(sheets)}. Voor de overige controles is '{sheets[0]}' gelezen. Vraag de leverancier om een "
        f"levering met werkblad '{expected}'.", waarde=", ".join(sheets), ernst=FOUT))
    return sheets[0]


def _same_header(sheet_rows: list[list], rows: list[list]) -> bool:
    def trimmed(row: list) -> list:
        row = list(row)
        while row and row[-1] is None:
            row.pop()
        return row
    return bool(sheet_rows and rows) and trimmed(sheet_rows[0]) == trimmed(rows[0]) and any(trimmed(rows[0]))


def _other_sheet(sheet: str, sheet_rows: list[list], used: str, rows: list[list], name: str) -> Problem:
    """Another sheet that is not read: a note when nothing is under its first row, else an error naming
    the rows (they would not count, and a warning behind exit 0 must never hide that)."""
    filled = [r for r, row in enumerate(sheet_rows, start=1) if r > 1 and any(v not in (None, "") for v in row)]
    if not filled:
        what = "is leeg" if not any(v not in (None, "") for row in sheet_rows for v in row) else \
            "heeft alleen een eerste rij, geen gegevensrijen"
        return problem(name, "extra_werkblad", f"Naast werkblad '{used}' bevat het bestand werkblad '{sheet}'; dat "
                       f"{what} en is niet gelezen.", waarde=sheet)
    why = ("heeft een andere kopregel dan" if any(v not in (None, "") for v in sheet_rows[0])
           else "heeft geen kopregel zoals")
    return problem(name, "werkblad_andere_kopregel", f"Werkblad '{sheet}' {why} werkblad '{used}' en bevat "
                   f"gegevens in rij {_row_ranges(filled)} ({len(filled)} rij(en)). Die rijen zijn niet gelezen en "
                   f"tellen niet mee. Zet ze op werkblad '{used}' (of geef het werkblad dezelfde kopregel), of "
                   "verwijder het werkblad als het geen inzendingen bevat, en lever het bestand opnieuw.",
                   waarde=sheet)


def _row_ranges(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> '2–4, 7'."""
    parts, start = [], rows[0]
    for prev, cur in zip(rows, rows[1:] + [None]):
        if cur != prev + 1:
            parts.append(f"{start}–{prev}" if prev > start else str(start))
            start = cur
    return ", ".join(parts)


def _cell_text(value, date_format: str) -> str | None:
    """The text Excel shows for a cell, with dates in the contract's format."""
    if value is None or value.__class__ is str:
        return value if value != "" else None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime(date_format)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "WAAR" if value else "ONWAAR"  # how Dutch Excel shows booleans
    return str(value)


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names) or "geen werkbladen"
