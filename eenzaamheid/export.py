"""Export the clean tables as CSV, JSON and Parquet, and describe them in datapackage.json.

Everything written here is deterministic: the same frames give byte-identical files on every run
(rows sorted by primary key, columns in schema order, fixed number formatting, no timestamps).
The column types and meanings come from the Table Schemas (`cleanschema`), the package metadata
from the `datapackage:` block of metadata.yml.

Value formatting, the same in every format:
- missing → empty CSV cell / JSON null / Parquet null; in tables whose schema has
  `missingValues: []` (antwoordopties, antwoorden) an empty string is a value, and a missing
  string is written as "" in every format, so that CSV, JSON and Parquet agree;
- integer → digits without '.0'; number → the shortest text that reads back as the same float
  ('59', '0.1', '33.33333333333333'); date/datetime → the ISO strings as they are in the frame.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import numbers
import os
import re
from pathlib import Path

import pandas as pd
import yaml

from . import cleanschema
from .paths import RAW, ROOT

METADATA_PATH = ROOT / "metadata.yml"

# Frames a build may hold that are not published as files: `build` (provenance: git commit,
# library versions) changes with every commit and would make the export non-reproducible.
NOT_EXPORTED = frozenset({"build"})


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


def rows(table: str, frame: pd.DataFrame) -> list[tuple]:
    """The table's rows as tuples of plain Python values in schema column order, sorted by
    primary key (then by the whole row, so even duplicate keys come out in a fixed order)."""
    schema = cleanschema.load(table)
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    absent = [n for n in names if n not in frame.columns]
    extra = [c for c in frame.columns if c not in names]
    if absent or extra:
        raise ValueError(f"{table}: kolommen wijken af van het schema (ontbreken: {absent}, extra: {extra})")
    empty_is_missing = "" in cleanschema.missing_values(table)
    converters = [_CONVERT[f["type"]] for f in fields]
    out = []
    for record in frame[names].itertuples(index=False, name=None):
        row = []
        for name, convert, value in zip(names, converters, record):
            if _missing(value) or (empty_is_missing and isinstance(value, str) and value == ""):
                # where "" is not a missing value (missingValues: []), CSV cannot hold a missing
                # string, so every format gets "" (those schemas make non-string fields required)
                row.append("" if not empty_is_missing and convert is _string else None)
                continue
            try:
                row.append(convert(value))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{table}.{name}: waarde {value!r} past niet bij het schema ({exc})") from None
        out.append(tuple(row))
    positions = [names.index(c) for c in cleanschema.primary_key(table)]

    def order(row):
        def part(value):
            return (1, "") if value is None else (0, value)
        return tuple(part(row[i]) for i in positions), tuple(part(v) for v in row)

    return sorted(out, key=order)


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


# --- writers -----------------------------------------------------------------------------------

def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def csv_bytes(table: str, records: list[tuple]) -> bytes:
    buffer = io.StringIO(newline="")
    # QUOTE_MINIMAL quotes cells containing a comma, a quote or a line break (\n or \r)
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(cleanschema.field_names(table))
    writer.writerows([_text(v) for v in row] for row in records)
    return buffer.getvalue().encode("utf-8")


def json_bytes(table: str, records: list[tuple]) -> bytes:
    """A JSON array of objects, one object per line, keys in schema order."""
    names = cleanschema.field_names(table)
    lines = [json.dumps(dict(zip(names, map(_json_value, row))), ensure_ascii=False, allow_nan=False)
             for row in records]
    body = "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    return body.encode("utf-8")


def arrow_table(table: str, records: list[tuple]):
    """A pyarrow Table with types from the Table Schema (date → date32, datetime → timestamp[ms],
    naive local time: Parquet has no seconds unit)
    and every title and description as field metadata."""
    import pyarrow as pa

    schema = cleanschema.load(table)
    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
             "date": pa.date32(), "datetime": pa.timestamp("ms")}
    parse = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat}
    pk = set(cleanschema.primary_key(table))
    fields, arrays = [], []
    for i, f in enumerate(schema["fields"]):
        required = f["name"] in pk or bool((f.get("constraints") or {}).get("required"))
        values = [row[i] for row in records]
        if f["type"] in parse:
            values = [None if v is None else parse[f["type"]](v) for v in values]
        metadata = {"title": f.get("title", ""), "description": f.get("description", "")}
        fields.append(pa.field(f["name"], types[f["type"]], nullable=not required,
                               metadata={k: v.encode("utf-8") for k, v in metadata.items()}))
        arrays.append(pa.array(values, type=types[f["type"]]))
    meta = {"title": schema.get("title", ""), "description": schema.get("description", ""),
            "primary_key": json.dumps(cleanschema.primary_key(table))}
    arrow_schema = pa.schema(fields, metadata={k: v.encode("utf-8") for k, v in meta.items()})
    result = pa.Table.from_arrays(arrays, schema=arrow_schema)
    result.validate(full=True)
    return result


def parquet_bytes(table: str, records: list[tuple]) -> bytes:
    """Parquet of the table. Deterministic: no pandas index or pandas metadata, fixed
    compression, no timestamps; `created_by` names the pyarrow version, so the bytes are
    identical for identical input and the same pyarrow."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(arrow_table(table, records), sink, compression="zstd", compression_level=9,
                   write_statistics=True, use_dictionary=True, data_page_version="1.0")
    return sink.getvalue().to_pybytes()


def export_tables(frames: dict[str, pd.DataFrame], out_dir: Path) -> None:
    """Write out_dir/csv/<t>.csv, out_dir/json/<t>.json and out_dir/parquet/<t>.parquet for every
    clean table in `frames` (frames are expected to have passed `cleanschema.check`). The
    `build` table is skipped on purpose; any other name outside cleanschema.TABLES is an error."""
    unknown = sorted(set(frames) - set(cleanschema.TABLES) - NOT_EXPORTED)
    if unknown:
        raise KeyError(f"Geen schema voor tabel(len): {', '.join(unknown)}")
    out_dir = Path(out_dir)
    for table in cleanschema.TABLES:
        if table not in frames:
            continue
        records = rows(table, frames[table])
        _write_atomic(out_dir / "csv" / f"{table}.csv", csv_bytes(table, records))
        _write_atomic(out_dir / "json" / f"{table}.json", json_bytes(table, records))
        _write_atomic(out_dir / "parquet" / f"{table}.parquet", parquet_bytes(table, records))


# --- datapackage.json ----------------------------------------------------------------------------

def package_metadata(metadata_path: Path = METADATA_PATH) -> dict:
    with open(metadata_path, encoding="utf-8") as f:
        metadata = yaml.safe_load(f)
    block = dict(metadata.get("datapackage") or {})
    block.setdefault("title", metadata.get("title"))
    return block


def any_synthetic(manifest: Path = RAW / "MANIFEST.csv") -> bool:
    """True while any delivery in raw/MANIFEST.csv is flagged synthetic."""
    with open(manifest, encoding="utf-8", newline="") as f:
        return any(row["synthetisch"].strip().lower() in ("true", "1", "ja") for row in csv.DictReader(f))


def resource_schema(table: str) -> dict:
    """The Table Schema as it goes into datapackage.json (keys in a fixed order)."""
    schema = cleanschema.load(table)
    out = {"fields": schema["fields"]}
    for key in ("primaryKey", "foreignKeys", "missingValues"):
        if key in schema:
            out[key] = schema[key]
    return out


def datapackage(csv_dir_relative: str = "clean/csv", synthetic: bool | None = None,
                metadata_path: Path = METADATA_PATH) -> dict:
    meta = package_metadata(metadata_path)
    if synthetic is None:
        synthetic = any_synthetic()
    description = meta["description"].strip()
    if synthetic and meta.get("synthetisch_melding"):
        description = meta["synthetisch_melding"].strip() + "\n\n" + description
    prefix = csv_dir_relative.strip("/")
    resources = []
    for table in cleanschema.TABLES:
        schema = cleanschema.load(table)
        resources.append({
            "name": table,
            "path": f"{prefix}/{table}.csv" if prefix else f"{table}.csv",
            "profile": "tabular-data-resource",
            "title": schema["title"],
            "description": " ".join(schema["description"].split()),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": resource_schema(table),
        })
    package = {"profile": "tabular-data-package", "name": meta["name"], "title": meta["title"],
               "description": description}
    for key in ("version", "homepage", "licenses", "sources", "contributors", "keywords"):
        if meta.get(key):
            package[key] = meta[key]
    package["resources"] = resources
    return package


def write_datapackage(path: Path, csv_dir_relative: str = "clean/csv", synthetic: bool | None = None) -> dict:
    """Write datapackage.json (resource paths relative to its folder) and return it as a dict.
    `synthetic=None` reads raw/MANIFEST.csv: the synthetic-data notice is in the description
    while any delivery is synthetic."""
    package = datapackage(csv_dir_relative, synthetic)
    text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    _write_atomic(Path(path), text.encode("utf-8"))
    return package
