"""A clean table's values in the form every export format writes them (publish/export.py).

Per column the Table Schema's type (`cleanschema`) decides the conversion: integer → int (a float
that is not whole is an error), number → float, date/datetime → the ISO text, string → str; missing
and "" → None. Rows come out sorted by primary key (then by the whole row, so even duplicate keys
have a fixed order). A table is converted column by column: per column the distinct converted
values and, per row, which one it has, so that a value is converted, quoted and JSON-encoded once,
not once per row, and the writers can stream the rows in chunks without holding them as tuples.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
import re

import numpy as np
import pandas as pd

from ..tables import cleanschema

# --- values ------------------------------------------------------------------------------------

def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _integer(value) -> int:
    if isinstance(value, str):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if not float(value).is_integer():
            raise ValueError(f"geen geheel getal: {value!r}")
    return int(value)


def _number(value) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"geen eindig getal: {value!r}")
    return number


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\Z")


def _date(value) -> str:
    if isinstance(value, str):
        if not _ISO_DATE.match(value):
            raise ValueError(f"geen ISO-datum JJJJ-MM-DD: {value!r}")
        dt.date.fromisoformat(value)  # a real day
        return value
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise ValueError(f"geen datum: {value!r}")


def _datetime(value) -> str:
    if isinstance(value, str):
        if not _ISO_DATETIME.match(value):
            raise ValueError(f"geen ISO-datum-tijd JJJJ-MM-DDTUU:MM:SS: {value!r}")
        dt.datetime.fromisoformat(value)  # a real moment
        return value
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    raise ValueError(f"geen datum-tijd: {value!r}")


def _string(value) -> str:
    return value if isinstance(value, str) else str(value)


_CONVERT = {"integer": _integer, "number": _number, "date": _date, "datetime": _datetime, "string": _string}


# --- rows -----------------------------------------------------------------------------------
# A table is converted column by column: per column the distinct converted values and, per row,
# which one it has, so that a value is converted, quoted and JSON-encoded once, not once per row,
# and the writers below can stream the rows in chunks without holding them as Python tuples.

# Rows per chunk of CSV/JSON text: ~750 bytes a row of a long table; below glibc's 32 MB mmap
# threshold a chunk's buffers are reused instead of mapped and faulted in again (100x: 3.7 -> 1.2 s
# of system time for the two writers). Parquet writes a row group per PARQUET_ROWS.
CHUNK_ROWS = 10_000
PARQUET_ROWS = 50_000


class _Column:
    """One converted column: `values[codes[i]]` is the value of frame row i (None = missing)."""
    __slots__ = ("values", "codes")

    def __init__(self, values: list, codes: np.ndarray | None = None):
        self.values = _objects(values)
        self.codes = np.arange(len(values)) if codes is None else codes

    def take(self, rows: np.ndarray) -> list:
        return self.values[self.codes[rows]].tolist()


class _Rows:
    """A table's converted columns (schema order) and the row order of the export."""

    def __init__(self, table: str, columns: list[_Column], order: np.ndarray):
        self.table, self.columns, self.order = table, columns, order

    def __len__(self) -> int:
        return len(self.order)

    def chunks(self, size: int = 0):
        size = size or CHUNK_ROWS
        for start in range(0, len(self.order), size):
            yield self.order[start:start + size]

    def segments(self) -> list[tuple[list[int], np.ndarray, list[tuple]]]:
        """The columns as runs of neighbours whose combinations of values are few (an answer's
        question, item and source column; a submission's id, year and municipality), so that a
        writer joins a run's texts once per combination and per row only the runs:
        (column positions, per frame row its combination, per combination the value codes)."""
        limit = max(64, len(self.order) // 8)
        runs: list[tuple[list[int], np.ndarray, list[tuple]]] = []
        for i, column in enumerate(self.columns):
            if runs and len(runs[-1][2]) <= limit:
                members, combined, combos = runs[-1]
                base = len(column.values) + 1
                ids, distinct = pd.factorize(combined.astype(np.int64) * base + column.codes)
                if len(distinct) <= limit:
                    runs[-1] = (members + [i], ids, [combos[k] + (v,) for k, v in
                                                     zip((distinct // base).tolist(), (distinct % base).tolist())])
                    continue
            ids, distinct = pd.factorize(column.codes)
            runs.append(([i], ids, [(v,) for v in distinct.tolist()]))
        return runs

    @classmethod
    def from_records(cls, table: str, records: list[tuple]) -> "_Rows":
        width = len(cleanschema.field_names(table))
        columns = [_Column([row[i] for row in records]) for i in range(width)]
        return cls(table, columns, np.arange(len(records)))


def _objects(values) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _convert_column(table: str, name: str, ftype: str, series: pd.Series, empty_is_missing: bool):
    """The column converted as the schema says; or, at the first value that does not fit, (row, error)."""
    convert = _CONVERT[ftype]
    missing = "" if not empty_is_missing and convert is _string else None
    # where "" is not a missing value (missingValues: []), CSV cannot hold a missing string, so every
    # format gets "" (those schemas make non-string fields required)

    def one(value):
        if _missing(value) or (empty_is_missing and isinstance(value, str) and value == ""):
            return missing
        try:
            return convert(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{table}.{name}: waarde {value!r} past niet bij het schema ({exc})") from None

    dtype = series.dtype
    if ftype == "number" and dtype == np.float64:
        numbers = series.to_numpy()
        if np.isfinite(numbers[~np.isnan(numbers)]).all():  # -0.0 stays -0.0: no factorize here
            return _Column([None if v != v else v for v in numbers.tolist()])
    elif _factorizable(series, ftype):
        # equal values convert equally: convert each distinct value once
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        values, bad = [], {}
        for k, value in enumerate(uniques.tolist() if dtype != object else uniques):
            try:
                values.append(one(value))
            except ValueError as exc:
                bad[k] = exc
                values.append(None)
        if bad:
            row = int(np.flatnonzero(np.isin(codes, list(bad)))[0])
            return row, bad[int(codes[row])]
        codes = codes.copy()
        codes[codes == -1] = len(values)
        return _Column(values + [missing], codes)
    out = []
    for row, value in enumerate(series):  # the general case, value by value as itertuples gives them
        try:
            out.append(one(value))
        except ValueError as exc:
            return row, exc
    return _Column(out)


def _factorizable(series: pd.Series, ftype: str) -> bool:
    """Whether equal values under pd.factorize are the same value to the converters: text columns
    (str, or object with only str and missing values) and nullable integers in integer fields."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return True
    if isinstance(dtype, pd.CategoricalDtype):  # text codes (compact.py)
        return ftype == "string" and pd.api.types.is_string_dtype(dtype.categories.dtype)
    if str(dtype) in ("Int64", "Int32", "Int16", "Int8"):
        return ftype == "integer"
    if dtype != object:
        return False
    na = series.isna().to_numpy()
    return (pd.api.types.infer_dtype(series[~na], skipna=False) in ("string", "empty")
            and all(_missing(v) for v in series[na]))


def _ranks(column: _Column) -> np.ndarray:
    """Per row the rank of its value in Python's order, missing last (as the key (1, '') does)."""
    codes, uniques = pd.factorize(column.values, use_na_sentinel=True)  # None -> -1
    order = sorted(range(len(uniques)), key=uniques.__getitem__)
    rank = np.empty(len(uniques) + 1, dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    rank[-1] = len(uniques)
    return rank[codes][column.codes]


def _table_rows(table: str, frame: pd.DataFrame) -> _Rows:
    schema = cleanschema.load(table)
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    absent = [n for n in names if n not in frame.columns]
    extra = [c for c in frame.columns if c not in names]
    if absent or extra:
        raise ValueError(f"{table}: kolommen wijken af van het schema (ontbreken: {absent}, extra: {extra})")
    empty_is_missing = True  # in every export "" is written as missing (see the module docstring)
    frame = frame[names]
    columns, first_error = [], None
    for i, f in enumerate(fields):
        converted = _convert_column(table, f["name"], f["type"], frame.iloc[:, i], empty_is_missing)
        if isinstance(converted, tuple):  # report the first offending value row by row, as a reader meets it
            if first_error is None or converted[0] < first_error[0]:
                first_error = converted
            continue
        columns.append(converted)
    if first_error is not None:
        raise first_error[1]
    # sorted by primary key, then by the whole row (np.lexsort is stable, like sorted())
    positions = [names.index(c) for c in cleanschema.primary_key(table)]
    pk_keys = [_ranks(columns[i]) for i in positions]
    order = np.lexsort(pk_keys[::-1]) if pk_keys else np.arange(len(frame))
    if len(order) > 1:
        stacked = np.stack([k[order] for k in pk_keys]) if pk_keys else np.zeros((1, len(order)))
        if not pk_keys or (stacked[:, 1:] == stacked[:, :-1]).all(axis=0).any():  # equal keys: whole row decides
            keys = pk_keys + [_ranks(c) for c in columns]
            order = np.lexsort(keys[::-1])
    return _Rows(table, columns, order)


def rows(table: str, frame: pd.DataFrame) -> list[tuple]:
    """The table's rows as tuples of plain Python values in schema column order, sorted by
    primary key (then by the whole row, so even duplicate keys come out in a fixed order)."""
    converted = _table_rows(table, frame)
    return list(zip(*(c.take(converted.order) for c in converted.columns)))


def _text(value) -> str:
    """CSV text of a converted value."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def _json_value(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value
