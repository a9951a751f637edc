"""Read one raw delivery (xlsx or csv) into a table of text, keeping the Excel row numbers.

Nothing is interpreted here: every cell stays the text the steward would see in Excel
(empty -> None), so `validate` can quote the delivered value and `harmonize` can log
every change. Reading problems (encoding, delimiter, sheet, empty file) are reported,
not raised, and the file is still read with what was detected so the other checks run.

Every delivered row counts or is named: a workbook's other worksheets with the delivery's header
are read after the contract's sheet (their rows numbered on, `RawTable.sheets` says where each
came from); another sheet with data under another header is an error naming the sheet and rows.
A csv's encoding comes from its byte order mark (UTF-8 or UTF-16), else strict UTF-8, else cp1252.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import codebook
from ..problems import Problem, display_path, problem
from .ingest_cells import _check_csv_cells
from .ingest_xlsx import FIRST_DATA_ROW, read_xlsx

ARROW_MIN_BYTES = 1 << 20  # smaller csv files are read as fast by the csv module (no per-column set-up)
DELIMITERS = (";", ",", "\t", "|")
_DELIMITER_NAMES = {";": "puntkomma (;)", ",": "komma (,)", "\t": "tab", "|": "verticale streep (|)"}
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 met BOM", "cp1252": "cp1252 (Windows-1252)",
                   "ascii": "ASCII", "utf-16-le": "UTF-16 LE met BOM", "utf-16-be": "UTF-16 BE met BOM"}
# byte order mark -> codec of the text after it; UTF-32's marks first (UTF-32 LE starts like UTF-16 LE)
_BOMS = ((b"\xff\xfe\x00\x00", None), (b"\x00\x00\xfe\xff", None), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


@dataclass
class RawTable:
    path: Path
    year: int
    frame: pd.DataFrame       # str or None per cell; columns = raw headers; index = Excel row number
    detected: dict            # formaat, codering, scheidingsteken, werkbladen
    problems: list[Problem] = field(default_factory=list)
    # headers that occur again after their first column: `frame` keeps only the first (one column per
    # name, so a header always selects a Series); structure reports them as kolom_dubbel
    duplicate_headers: list[str] = field(default_factory=list)
    # xlsx: per worksheet read, in frame order: (name, first frame row, last frame row, offset); a row
    # of that sheet is frame row = its Excel row on the sheet + offset (0 for the first sheet)
    sheets: list[tuple[str, int, int, int]] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        return not any(p.regel == "bestand_onleesbaar" for p in self.problems)

    def where(self, rij: int) -> str | None:
        """'werkblad 'X', rij N' for a frame row that came from a worksheet after the first, else None."""
        for sheet, first, last, offset in self.sheets[1:]:
            if first <= rij <= last:
                return f"werkblad '{sheet}', rij {rij - offset}"
        return None

    def located(self, problems: list[Problem]) -> list[Problem]:
        """The problems, those on a row from another worksheet saying where that row is in the workbook."""
        if len(self.sheets) < 2:
            return problems
        out = []
        for p in problems:
            where = self.where(p.rij) if p.rij is not None else None
            out.append(replace(p, melding=f"{where[0].upper()}{where[1:]} (rij {p.rij} van de levering): "
                               f"{p.melding}") if where else p)
        return out

    def sheet_summary(self) -> str | None:
        """Which worksheets were read, and as which rows (bronbestanden.werkbladen); None for a csv."""
        parts = []
        for sheet, first, last, offset in self.sheets:
            shown = f"'{sheet}' rij {first - offset}–{last - offset}" if last >= first else f"'{sheet}' geen rijen"
            parts.append(shown + (f" (als rij {first}–{last})" if offset and last >= first else ""))
        return "; ".join(parts) or None


def read_delivery(path: Path, year: int, delivery: "codebook.Delivery | None" = None) -> RawTable:
    """The delivery's cells as text, with every problem of reading it; `delivery` (the year's format
    from the codebook by default) may be a guess, as for a year the codebook does not know yet."""
    path = Path(path)
    delivery = delivery or codebook.load().deliveries[year]
    name = display_path(path)
    fmt = {".xlsx": "xlsx", ".xlsm": "xlsx", ".csv": "csv", ".txt": "csv"}.get(path.suffix.lower())
    detected = {"formaat": fmt, "codering": None, "scheidingsteken": None, "werkbladen": []}
    table = RawTable(path, year, _frame([], []), detected)

    def unreadable(reason: str) -> RawTable:
        table.problems.append(problem(name, "bestand_onleesbaar", f"{reason} Vraag de leverancier om een "
                                      "nieuwe levering; de overige controles zijn niet uitgevoerd."))
        return table

    if fmt is None:
        return unreadable(_NOT_ACCEPTED.get(path.suffix.lower(), f"Bestandstype '{path.suffix}' wordt niet "
                                            "geaccepteerd: alleen .xlsx en .csv worden gelezen."))
    if not path.is_file():
        return unreadable("Het bestand is niet te openen.")
    if path.stat().st_size == 0:
        return unreadable("Het bestand is leeg (0 bytes).")
    if fmt != delivery.formaat:
        table.problems.append(problem(name, "formaat_afwijkend", f"Het contract voor {year} verwacht een "
                                      f"{delivery.formaat}-bestand, geleverd is {fmt}. Het bestand is als {fmt} "
                                      "gelezen; vraag de leverancier om een levering in het afgesproken formaat."))
    text = None
    try:
        if fmt == "xlsx":
            rows = read_xlsx(path, delivery, table, name)
        else:
            rows, text = _read_csv(path, delivery, table, name)
    except _Unreadable as exc:
        return unreadable(str(exc))
    except Exception as exc:  # corrupt zip, not a workbook, ...: report, never crash the run
        return unreadable(f"Het bestand kan niet als {fmt} worden gelezen ({type(exc).__name__}: {exc}).")
    if isinstance(rows, _Columns):
        if not rows or not any(rows.header()):
            return unreadable("Het bestand heeft geen kopregel.")
        table.frame = _first_of_duplicates(_columns_frame(rows), table)
    else:
        if not rows or not any(h not in (None, "") for h in rows[0]):
            return unreadable("Het bestand heeft geen kopregel.")
        table.frame = _first_of_duplicates(_to_frame(rows, table, name), table)
    if text is not None:
        table.problems += _check_csv_cells(table.frame, text, table.detected, name)
    return table


class _Unreadable(Exception):
    """The file cannot be read as a delivery at all; the message (Dutch) says why."""


# What the steward does with an .xls or .ods: the exact menu steps, in every message that refuses one
SAVE_AS_XLSX_STEPS = ("Sla het op als .xlsx: in Excel via Bestand > Opslaan als > Excel-werkmap (*.xlsx), in "
                      "LibreOffice via Bestand > Opslaan als > Excel 2007-365 (.xlsx); of lever een .csv.")
_NOT_ACCEPTED = {
    ".xls": "Het oude Excel-formaat (.xls) wordt niet geaccepteerd. " + SAVE_AS_XLSX_STEPS,
    ".xlsb": "Een binaire Excel-werkmap (.xlsb) wordt niet geaccepteerd. " + SAVE_AS_XLSX_STEPS,
    ".ods": "Een OpenDocument-rekenblad (.ods) wordt niet geaccepteerd. " + SAVE_AS_XLSX_STEPS,
}


def save_as_xlsx_steps(path: Path) -> str:
    """The steps to save a spreadsheet that is not accepted as .xlsx ('' for any other file)."""
    return SAVE_AS_XLSX_STEPS if Path(path).suffix.lower() in _NOT_ACCEPTED else ""


# --- csv ------------------------------------------------------------------------------

def _read_csv(path: Path, delivery, table: RawTable, name: str) -> tuple[list[list], str]:
    data = path.read_bytes()
    encoding, text = _decode(data)
    table.detected["codering"] = encoding
    expected = delivery.codering
    # a UTF-8 BOM only marks the encoding (Excel's 'CSV UTF-8' always writes one): it meets a UTF-8 contract
    if expected and encoding not in ("ascii", expected) and (encoding, expected) != ("utf-8-sig", "utf-8"):
        table.problems.append(problem(
            name, "codering", f"Het bestand is gecodeerd als {_ENCODING_NAMES.get(encoding, encoding)}, het "
            f"contract vraagt {_ENCODING_NAMES.get(expected, expected)}. Het is voor de controles als "
            f"{_ENCODING_NAMES.get(encoding, encoding)} gelezen; vraag de leverancier om een levering in "
            f"{_ENCODING_NAMES.get(expected, expected)}.", waarde=encoding))
    delimiter = _detect_delimiter(text)
    table.detected["scheidingsteken"] = delimiter
    if delivery.scheidingsteken and delimiter != delivery.scheidingsteken:
        table.problems.append(problem(
            name, "scheidingsteken", f"Het scheidingsteken is {_DELIMITER_NAMES[delimiter]}, het contract "
            f"vraagt {_DELIMITER_NAMES.get(delivery.scheidingsteken, delivery.scheidingsteken)}. Het bestand is "
            f"met {_DELIMITER_NAMES[delimiter]} gelezen; vraag de leverancier om een levering volgens het "
            "contract.", waarde=delimiter))
    return _parse_csv(data, encoding, text, delimiter), text


def _parse_csv(data: bytes, encoding: str, text: str, delimiter: str) -> "list[list] | _Columns":
    """The records of the decoded text, the header first; '' becomes None later, in _frame.

    From 1 MiB on, pyarrow's C++ reader parses the usual delivery (every record as wide as the
    header) faster than the csv module and without a Python object per cell. The csv module stays the
    reference: the arrow settings below give the same cells (quotes only at the start of a field,
    "" inside quotes, line breaks inside quotes, \\r, \\n and \\r\\n as record ends), and
    whatever arrow does not read the same way (records of another width, blank lines in a
    multi-column file, a BOM left in the text) makes it refuse, after which the csv module reads.
    """
    # one free-text cell may be long (the csv module refuses fields over 128 KiB by default), but no
    # field can be longer than the file: an unclosed quote is reported by _check_csv_cells instead
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        width = len(next(csv.reader(io.StringIO(text[:1 << 16], newline=""), delimiter=delimiter), []))
        if width > 1 and len(data) >= ARROW_MIN_BYTES and not text.startswith("\ufeff"):
            return _parse_csv_arrow(data if encoding in ("ascii", "utf-8") else text.encode("utf-8"),
                                    delimiter, width)
    except Exception:  # ragged records, a header over 64 KiB, ...: the csv module decides
        pass
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@dataclass
class _Columns:
    """Parsed records by column: per column the distinct texts and, per record, which one it is."""
    values: list[np.ndarray]    # object arrays of str ('' included), one per column
    codes: list[np.ndarray]     # integer arrays, one entry per record (the header is record 0)

    def __len__(self) -> int:
        return len(self.codes[0]) if self.codes else 0

    def header(self) -> list[str]:
        return [str(v[c[0]]) for v, c in zip(self.values, self.codes)]


def _parse_csv_arrow(utf8: bytes, delimiter: str, width: int) -> _Columns:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(width)]
    table = pacsv.read_csv(
        pa.py_buffer(utf8),
        read_options=pacsv.ReadOptions(column_names=names, encoding="utf8"),  # the header is record 0
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                                         newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    values, codes = [], []
    for column in table.columns:
        encoded = column.combine_chunks().dictionary_encode()  # the distinct values, first seen first
        if len(encoded.dictionary) and pc.max(pc.utf8_length(encoded.dictionary)).as_py() > csv.field_size_limit():
            raise ValueError("veld groter dan csv.field_size_limit()")  # the csv module refuses such a file
        values.append(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object))
        codes.append(encoded.indices.to_numpy())
    return _Columns(values, codes)


def _decode(data: bytes) -> tuple[str, str]:
    """The byte order mark decides (UTF-8 or UTF-16); without one strict UTF-8 (a cp1252 file with
    accents is almost never valid UTF-8), else cp1252. UTF-32, UTF-16 without a BOM and a BOM the text
    does not follow are refused: guessing would read every cell wrong."""
    bom, codec = next(((b, c) for b, c in _BOMS if data.startswith(b)), (b"", ""))
    if bom and codec is None or not bom and _utf16(data):
        raise _Unreadable("Het bestand is gecodeerd als UTF-32 of als UTF-16 zonder byte order mark (BOM); dat "
                          "wordt niet gelezen. Sla het op als 'CSV UTF-8 (door komma's gescheiden)' of als "
                          "'Unicode-tekst' (UTF-16 met BOM).")
    if bom:
        try:
            return codec, data[len(bom):].decode(codec.removesuffix("-sig"))
        except UnicodeDecodeError as exc:
            if codec == "utf-8-sig":  # a UTF-8 BOM before cp1252 text: read on as below (codering reports it)
                return "cp1252", data.decode("cp1252", errors="replace")
            raise _Unreadable(f"Het bestand begint met de byte order mark van {_ENCODING_NAMES[codec]}, maar de "
                              f"tekst erna is geen geldige {_ENCODING_NAMES[codec]} (byte {exc.start}). Vraag de "
                              "leverancier om een nieuwe export.") from None
    if data.isascii():
        return "ascii", data.decode("ascii")  # fits every contracted encoding
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        # the five bytes cp1252 leaves undefined become U+FFFD, reported per cell by ingest_cells (teken_ongeldig)
        return "cp1252", data.decode("cp1252", errors="replace")


def _utf16(data: bytes) -> bool:
    """Text without a byte order mark whose every other byte is NUL (UTF-16 without a BOM)."""
    sample = data[:4096]
    return len(sample) >= 4 and sample.count(0) * 3 >= len(sample)


def _detect_delimiter(text: str) -> str:
    """The candidate that splits the header record into the most fields.

    csv.Sniffer is not used: on a single header line it prefers ',' whenever a header
    contains a comma (many questions do), even in a ';' file.
    """
    head = text[:1 << 16]  # the header record; a header longer than 64 KiB is not a survey export

    def fields(d: str) -> int:
        try:
            return len(next(csv.reader(io.StringIO(head, newline=""), delimiter=d), []))
        except csv.Error:
            return 0
    counts = {d: fields(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])  # ties keep the order of DELIMITERS (';' first)


# --- frame ----------------------------------------------------------------------------

def _to_frame(rows: list[list], table: RawTable, name: str) -> pd.DataFrame:
    header = ["" if h is None else str(h) for h in rows[0]]
    body = rows[1:]
    lengths = set(map(len, body))
    if body and min(lengths) < len(header):
        for i, row in enumerate(body):
            if 0 < len(row) < len(header) and any(v not in (None, "") and not v.isspace() for v in row):
                # a record cut short (a line break in an unquoted cell, a truncated export): the cells
                # that follow are missing, not empty answers
                table.problems.append(problem(
                    name, "aantal_velden", f"Deze rij heeft minder velden ({len(row)}) dan de kopregel "
                    f"({len(header)}): de rij is afgebroken, de ontbrekende waarden zijn als leeg gelezen. Vraag de "
                    "leverancier om een correcte levering.", rij=FIRST_DATA_ROW + i, kolom=header[len(row)]))
    if body and max(lengths) > len(header):
        for i, row in enumerate(body):
            extra = [v for v in row[len(header):] if v not in (None, "")]
            if extra:  # more cells than headers: report and ignore the surplus, keep the row
                table.problems.append(problem(
                    name, "aantal_velden", f"Deze rij heeft meer velden ({len(row)}) dan de kopregel "
                    f"({len(header)}). De extra waarden zijn genegeerd; vraag de leverancier om een correcte "
                    "levering.", rij=FIRST_DATA_ROW + i, waarde=extra[0]))
    frame = _frame(header, body, lengths)
    # trailing columns without a header and without any value (Excel formatting, a trailing ';') carry nothing
    n = len(header)
    while n and header[n - 1] == "" and frame.iloc[:, n - 1].isna().all():
        n -= 1
    return frame.iloc[:, :n] if n < len(header) else frame


def _columns_frame(columns: _Columns) -> pd.DataFrame:
    """_to_frame for records parsed by column (all as wide as the header: no surplus fields)."""
    header = columns.header()
    by_column = np.empty((len(header), len(columns) - 1), dtype=object)
    for i, (values, codes) in enumerate(zip(columns.values, columns.codes)):
        values = values.copy()
        values[values == ""] = None  # empty cell -> None
        np.take(values, codes[1:], out=by_column[i])  # one shared str object per distinct value
    frame = _frame(header, by_column.T)
    width = len(header)
    while width and header[width - 1] == "" and frame.iloc[:, width - 1].isna().all():
        width -= 1
    return frame.iloc[:, :width] if width < len(header) else frame


def _frame(header: list[str], body: list[list] | np.ndarray, lengths: set[int] = frozenset()) -> pd.DataFrame:
    width = len(header)
    if isinstance(body, np.ndarray):  # a (rows, width) object array, empty cells None already
        array = body
    elif lengths == {width}:  # the usual case: one C-level copy
        array = np.array(body, dtype=object).reshape(len(body), width)
    else:
        array = np.empty((len(body), width), dtype=object)  # filled with None
        for i, row in enumerate(body):
            cells = row[:width]
            array[i, : len(cells)] = cells
    if not isinstance(body, np.ndarray):
        array[array == ""] = None  # empty cell (csv) or empty string (xlsx) -> None
    # dtype=object everywhere: pandas 3 would otherwise infer its string dtype and turn None into NaN
    return pd.DataFrame(array, columns=pd.Index(header, dtype=object), dtype=object,
                        index=pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(body), name="rij"))


def _first_of_duplicates(frame: pd.DataFrame, table: RawTable) -> pd.DataFrame:
    """One column per header: a repeated header keeps its first column (recorded for kolom_dubbel)."""
    repeated = frame.columns.duplicated()
    if not repeated.any():
        return frame
    table.duplicate_headers = [str(h) for h in frame.columns[repeated]]
    return frame.loc[:, ~repeated]
