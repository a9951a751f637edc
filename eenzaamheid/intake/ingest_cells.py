"""Problems that only show in the cells of a delivery, found after `ingest` has read it.

csv: an unclosed quote that swallowed the records after it (the csv module reads on to the next
quote or the end of the file, without an error), and bytes cp1252 leaves undefined. xlsx: formula
cells without a stored result (openpyxl reads them as empty).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..problems import Problem, problem


# --- csv ------------------------------------------------------------------------------

def _check_csv_cells(frame: pd.DataFrame, text: str, detected: dict, name: str) -> list[Problem]:
    """What only shows in the cells: an unclosed quote that swallowed records, bytes cp1252 leaves undefined."""
    found = []
    undefined = detected["codering"] == "cp1252" and "\ufffd" in text
    delimiter = detected["scheidingsteken"]
    last = _last_cell(frame)
    for i, header in enumerate(frame.columns):
        values = frame.iloc[:, i]
        distinct = [v for v in pd.unique(values.to_numpy(dtype=object)) if v is not None
                    and (("\n" in v or "\r" in v) or (undefined and "\ufffd" in v))]
        for value in distinct:
            rows = values.index[(values == value).to_numpy()]
            runs_to_end = (rows[-1], i) == last and text.endswith(value)  # the csv module read on to EOF
            if ("\n" in value or "\r" in value) and (_holds_records(value, delimiter, frame.shape[1]) or runs_to_end):
                lines = value.splitlines()
                found += [problem(
                    name, "aanhalingsteken_open", f"In kolom '{header}' opent een aanhalingsteken (\") dat niet (op "
                    f"tijd) wordt gesloten: de cel loopt door over {len(lines)} regels van het bestand en heeft zo "
                    "waarschijnlijk de rijen daarna opgeslokt; die zijn niet als inzending gelezen. Vraag de "
                    "leverancier om een correcte levering.", rij=rij, kolom=header, waarde=value) for rij in rows]
            if undefined and "\ufffd" in value:
                found += [problem(
                    name, "teken_ongeldig", f"Kolom '{header}' bevat een byte die in cp1252 (Windows-1252) geen "
                    "teken is (0x81, 0x8D, 0x8F, 0x90 of 0x9D); die is als \ufffd gelezen. Vraag de leverancier om "
                    "een levering in UTF-8 of geldig cp1252.", rij=rij, kolom=header, waarde=value) for rij in rows]
    return found


def _holds_records(value: str, delimiter: str, width: int) -> bool:
    """A cell with a line in it that splits like a record: the quote before it was never closed."""
    return any(line.count(delimiter) >= max(2, (width - 1) // 2) for line in value.splitlines()[1:])


def _last_cell(frame: pd.DataFrame) -> tuple | None:
    """(row, column position) of the last filled cell of the last row: where an unclosed quote ends."""
    if frame.empty:
        return None
    filled = [i for i, v in enumerate(frame.iloc[-1].tolist()) if v is not None]
    return (frame.index[-1], filled[-1]) if filled else None


# --- xlsx -----------------------------------------------------------------------------

def _has_formulas(path: Path) -> bool:
    """Whether any worksheet holds a formula (<f>), read from the zip without a second workbook load."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        return any(re.search(rb"<(?:\w+:)?f[\s>/]", z.read(n)) for n in z.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _formulas_without_value(path: Path, sheet: str, header: list, name: str) -> list[Problem]:
    """Formula cells whose result was never stored (saved by a program that does not calculate):
    openpyxl reads them as empty, so the answer would silently be missing. A stored empty text
    (a formula that gives "") is a result and is not reported."""
    import itertools

    import openpyxl

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    results = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        found = []
        rows = itertools.zip_longest(formulas[sheet].iter_rows(), results[sheet].iter_rows(values_only=True),
                                     fillvalue=())
        for r, (cells, values) in enumerate(rows, start=1):
            for c, cell in enumerate(cells):
                if cell.data_type == "f" and (c >= len(values) or values[c] is None):
                    found.append(problem(
                        name, "formule_zonder_waarde", f"Cel {cell.coordinate} bevat een formule zonder opgeslagen "
                        "uitkomst; de cel is als leeg gelezen. Open het bestand in Excel, laat het herberekenen en "
                        "sla het opnieuw op (of vraag de leverancier om waarden in plaats van formules).",
                        rij=r if r > 1 else None, kolom=header[c] if r > 1 and c < len(header) else None,
                        waarde=cell.value))
        return found
    finally:
        formulas.close()
        results.close()
