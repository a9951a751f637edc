"""Export the clean tables as CSV, JSON and Parquet (datapackage.json: publish/descriptor.py).

Everything written here is deterministic: the same frames give byte-identical files on every run
(rows sorted by primary key, columns in schema order, fixed number formatting, no timestamps).
The column types and meanings come from the Table Schemas (`cleanschema`), the package metadata
from the `datapackage:` block of metadata.yml.

Value formatting, the same in every format:
- missing, and the empty string, → empty CSV cell / JSON null / Parquet null, in every table: one
  representation of "nothing" that pandas reads alike from every format (NaN/None). Tables whose
  clean schema has `missingValues: []` (antwoorden, antwoordopties, ...) keep item_code "" as a key
  value in the frames and the database; their exported Table Schema says `missingValues: [""]` and
  does not require a field whose pattern allows "" (item_code: null = the question has no items);
- integer → digits without '.0'; number → the shortest text that reads back as the same float
  ('59', '0.1', '33.33333333333333'); date/datetime → the ISO strings as they are in the frame.
- CSV only: a text cell that starts with =, +, -, @, tab or carriage return gets a leading ' (OWASP's
  advice against formula injection: Excel would run it as a formula). Numbers, and text that is a plain
  number ('-3'), are left alone, and so are fields whose schema lists the allowed values (the
  operator '=' of gepubliceerde_cijfers is ours, not delivered text). JSON and Parquet keep the text.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd

from ..atomic import write_atomic_with
from . import spreadsheet
from ..tables import cleanschema
from ..tables.cleanschema import may_be_empty
from .exportrows import PARQUET_ROWS, _json_value, _objects, _Rows, _table_rows, _text


# Frames a build may hold that are not published as files: `build` (provenance: git commit,
# library versions) changes with every commit and would make the export non-reproducible.
NOT_EXPORTED = frozenset({"build"})


# --- writers -----------------------------------------------------------------------------------

# every file goes through the project's one atomic writer (eenzaamheid/atomic.py)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _neutralised(value):
    """A text cell as written to CSV: a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _free_text_fields(table: str) -> list[bool]:
    """Per field: a string whose values are not fixed by an enum or a pattern in the schema."""
    return [f["type"] == "string" and not {"enum", "pattern"} & set(f.get("constraints", {}))
            for f in cleanschema.load(table)["fields"]]


def _write_csv(rows: _Rows, f) -> None:
    buffer = io.StringIO(newline="")
    # QUOTE_MINIMAL quotes cells containing a comma, a quote or a line break (\n or \r)
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(cleanschema.field_names(rows.table))
    free_text = _free_text_fields(rows.table)
    if len(rows.columns) < 2:  # a row of one empty cell is written as "": leave it to the writer
        for chunk in rows.chunks():
            writer.writerows(zip(*([_neutralised(v) for v in c.take(chunk)] if text else c.take(chunk)
                                   for c, text in zip(rows.columns, free_text))))
        f.write(buffer.getvalue().encode("utf-8"))
        return
    f.write(buffer.getvalue().encode("utf-8"))

    def cell(value) -> str:
        """The cell as the writer writes it in a row of several cells (quoted on its own)."""
        buffer.seek(0)
        buffer.truncate()
        text = _text(value)
        writer.writerow([text, ""])
        written = buffer.getvalue()[:-2]  # without the empty last cell: ",\n"
        if "\r" in text and not written.startswith('"'):
            # the writer quotes only for the line terminator (\n): a lone \r would end the record for readers
            written = '"' + text.replace('"', '""') + '"'
        return written

    cells = [[cell(_neutralised(v) if text else v) for v in c.values] for c, text in zip(rows.columns, free_text)]
    # as UTF-8 bytes per run of columns (exportrows._Rows.segments): a row is one join of bytes
    runs = [(_objects([",".join(cells[m][v] for m, v in zip(members, combo)).encode("utf-8") for combo in combos]),
             ids) for members, ids, combos in rows.segments()]
    for chunk in rows.chunks():
        lines = [b",".join(row) for row in zip(*(texts[ids[chunk]].tolist() for texts, ids in runs))]
        lines.append(b"")
        f.write(b"\n".join(lines))


def _write_json(rows: _Rows, f) -> None:
    """A JSON array of objects, one object per line, keys in schema order: each line exactly
    json.dumps(dict(zip(names, map(_json_value, row))), ensure_ascii=False, allow_nan=False)."""
    names = cleanschema.field_names(rows.table)
    if len(rows) == 0:
        f.write(b"[]\n")
        return
    if len(set(names)) != len(names):  # a dict keeps one of them: never the case in the schemas
        lines = [json.dumps(dict(zip(names, map(_json_value, row))), ensure_ascii=False, allow_nan=False)
                 for row in zip(*(c.take(rows.order) for c in rows.columns))]
        f.write(("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8"))
        return
    parts = [[f"{json.dumps(n, ensure_ascii=False)}: {json.dumps(_json_value(v), ensure_ascii=False, allow_nan=False)}"
              for v in c.values] for n, c in zip(names, rows.columns)]
    # as UTF-8 bytes per run of columns (exportrows._Rows.segments), the braces in the first and last run
    segments = rows.segments()
    runs = [(_objects([("{" * (i == 0) + ", ".join(parts[m][v] for m, v in zip(members, combo))
                        + "}" * (i == len(segments) - 1)).encode("utf-8") for combo in combos]), ids)
            for i, (members, ids, combos) in enumerate(segments)]
    f.write(b"[\n")
    first = True
    for chunk in rows.chunks():
        lines = [b", ".join(row) for row in zip(*(texts[ids[chunk]].tolist() for texts, ids in runs))]
        f.write((b"" if first else b",\n") + b",\n".join(lines))
        first = False
    f.write(b"\n]\n")


def _arrow_parts(rows: _Rows):
    """The Arrow schema of the table and per column its distinct values as an Arrow array (the
    rows of a chunk are taken from them: `_arrow_chunk`)."""
    import pyarrow as pa

    schema = cleanschema.load(rows.table)
    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
             "date": pa.date32(), "datetime": pa.timestamp("ms")}
    parse = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat}
    pk = set(cleanschema.primary_key(rows.table))
    fields, distinct = [], []
    for f, column in zip(schema["fields"], rows.columns):
        required = (f["name"] in pk or bool((f.get("constraints") or {}).get("required"))) and not may_be_empty(f)
        values = column.values.tolist()
        if f["type"] in parse:
            values = [None if v is None else parse[f["type"]](v) for v in values]
        metadata = {"title": f.get("title", ""), "description": f.get("description", "")}
        fields.append(pa.field(f["name"], types[f["type"]], nullable=not required,
                               metadata={k: v.encode("utf-8") for k, v in metadata.items()}))
        distinct.append(pa.array(values, type=types[f["type"]]))
    meta = {"title": schema.get("title", ""), "description": schema.get("description", ""),
            "primary_key": json.dumps(cleanschema.primary_key(rows.table))}
    return pa.schema(fields, metadata={k: v.encode("utf-8") for k, v in meta.items()}), distinct


def _arrow_chunk(rows: _Rows, parts, order):
    """The rows at positions `order` of the export as a pyarrow Table."""
    import pyarrow as pa

    arrow_schema, distinct = parts
    arrays = [values.take(pa.array(column.codes[order])) for values, column in zip(distinct, rows.columns)]
    result = pa.Table.from_arrays(arrays, schema=arrow_schema)
    result.validate(full=True)
    return result


def _arrow_table(rows: _Rows):
    return _arrow_chunk(rows, _arrow_parts(rows), rows.order)


def _write_parquet(rows: _Rows, f) -> None:
    """Parquet of the table. Deterministic: no pandas index or pandas metadata, fixed
    compression, no timestamps; `created_by` names the pyarrow version, so the bytes are
    identical for identical input and the same pyarrow."""
    import pyarrow.parquet as pq

    # one row group per chunk of rows, converted one at a time: a million answers as one Arrow
    # table cost ~1 GB. A table of one chunk (every table of the demo) is written as pq.write_table would.
    parts = _arrow_parts(rows)
    with pq.ParquetWriter(f, parts[0], compression="zstd", compression_level=9, write_statistics=True,
                          use_dictionary=True, data_page_version="1.0") as writer:
        for chunk in rows.chunks(PARQUET_ROWS) if len(rows) else [rows.order]:
            writer.write_table(_arrow_chunk(rows, parts, chunk))


def _to_bytes(write, rows: _Rows) -> bytes:
    buffer = io.BytesIO()
    write(rows, buffer)
    return buffer.getvalue()


def csv_bytes(table: str, records: list[tuple]) -> bytes:
    return _to_bytes(_write_csv, _Rows.from_records(table, records))


def json_bytes(table: str, records: list[tuple]) -> bytes:
    """A JSON array of objects, one object per line, keys in schema order."""
    return _to_bytes(_write_json, _Rows.from_records(table, records))


def arrow_table(table: str, records: list[tuple]):
    """A pyarrow Table with types from the Table Schema (date → date32, datetime → timestamp[ms],
    naive local time: Parquet has no seconds unit)
    and every title and description as field metadata."""
    return _arrow_table(_Rows.from_records(table, records))


def parquet_bytes(table: str, records: list[tuple]) -> bytes:
    return _to_bytes(_write_parquet, _Rows.from_records(table, records))


def export_tables(frames: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Write out_dir/csv/<t>.csv, out_dir/json/<t>.json and out_dir/parquet/<t>.parquet for every
    clean table in `frames` (frames are expected to have passed `cleanschema.check`). The
    `build` table is skipped on purpose; any other name outside cleanschema.TABLES is an error.
    Rows are converted once per table and streamed into the files in chunks."""
    unknown = sorted(set(frames) - set(cleanschema.TABLES) - NOT_EXPORTED)
    if unknown:
        raise KeyError(f"Geen schema voor tabel(len): {', '.join(unknown)}")
    out_dir = Path(out_dir)
    for table in cleanschema.TABLES:
        if table not in frames:
            continue
        converted = _table_rows(table, frames[table])
        write_atomic_with(out_dir / "csv" / f"{table}.csv", lambda f: _write_csv(converted, f))
        write_atomic_with(out_dir / "json" / f"{table}.json", lambda f: _write_json(converted, f))
        write_atomic_with(out_dir / "parquet" / f"{table}.parquet", lambda f: _write_parquet(converted, f))
        if table in spreadsheet.TABLES:
            spreadsheet.write(out_dir / "xlsx" / f"{table}.xlsx", table, converted, write_atomic_with)

