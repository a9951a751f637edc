"""Property-based tests: mutated real deliveries never crash `validate` and never lose a row unseen.

Hypothesis edits the bytes of the csv deliveries in raw/ (replace, delete, insert, truncate, with a
bias to the bytes that matter to a csv reader: quotes, delimiters, line breaks, NUL, ESC, bytes
cp1252 leaves undefined) and the cells of an xlsx delivery (text, numbers, dates, formulas without
a stored value, empty). For every mutated file:
- validate runs to the end (in process: no exception; through the CLI: exit 0, 1 or 2, no traceback);
- every delivered row is accounted for: rijen_geleverd = inzendingen + lege_rijen, as many lege_rij
  problems as empty rows, every reported row number is a row of the file, and where the file parses
  with a separate, strict reader, it holds exactly rijen_geleverd data rows;
- no report carries a raw control character.
The number of examples is bounded so the file runs in about half a minute; the runs are
derandomized, so a failure reproduces.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eenzaamheid.validation import report
from eenzaamheid.validation.validate import validate_paths
from published import RAW, ROOT

CSV_DELIVERIES = {2022: RAW / "2022" / "benchmark_eenzaamheid_2022_export.csv",
                  2024: RAW / "2024" / "benchmark_eenzaamheid_2024_export.csv"}
XLSX_YEAR, XLSX_DELIVERY = 2019, RAW / "2019" / "benchmark_eenzaamheid_2019_export.xlsx"
SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # \t \n \r may stand in the file layout

SPECIAL = [b'"', b";", b",", b"\n", b"\r", b"\r\n", b"\x00", b"\x1b[31m", b"\x81", b"\x8d", b"\xff\xfe",
           b"\xc3", b"=", b"\t", b'""', b";;;;;;;;;;", b'"\n"']


@st.composite
def byte_edits(draw):
    """A list of (kind, relative position, bytes) edits of a file."""
    edit = st.tuples(st.sampled_from(["vervang", "verwijder", "voeg_in", "kap_af"]),
                     st.floats(0, 1, allow_nan=False),
                     st.one_of(st.sampled_from(SPECIAL), st.binary(min_size=1, max_size=40)))
    return draw(st.lists(edit, min_size=1, max_size=4))


def mutate(data: bytes, edits) -> bytes:
    for kind, where, chunk in edits:
        at = int(where * len(data))
        if kind == "vervang":
            data = data[:at] + chunk + data[at + len(chunk):]
        elif kind == "verwijder":
            data = data[:at] + data[at + len(chunk) * 50:]
        elif kind == "voeg_in":
            data = data[:at] + chunk + data[at:]
        else:
            data = data[:at]
    return data


def assert_accounted_for(result, rows_by_reader: int | None) -> None:
    assert len(result.files) == 1
    summary = result.files[0]
    assert summary.rijen_geleverd == summary.inzendingen + summary.lege_rijen
    assert summary.lege_rijen == sum(p.regel == "lege_rij" for p in result.problems)
    last_row = summary.rijen_geleverd + 1  # the header is row 1
    for p in result.problems:
        assert p.rij is None or 1 <= p.rij <= last_row, (p, summary)
    if rows_by_reader is not None and not any(p.regel == "bestand_onleesbaar" for p in result.problems):
        assert summary.rijen_geleverd == rows_by_reader, (summary, result.problems[:5])
    for fmt in ("json", "markdown", "html"):
        assert not CONTROL.search(report.render(result, fmt).replace("\r\n", "\n")), fmt


def strict_csv_rows(data: bytes, summary) -> int | None:
    """Data records by the csv module in strict mode, with what validate detected; None if it refuses."""
    if not summary.codering or not summary.scheidingsteken:
        return None
    try:
        text = data.decode(summary.codering)
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=summary.scheidingsteken, strict=True))
    except (UnicodeDecodeError, csv.Error, LookupError):
        return None
    if any('"' in field and ("\n" in field or "\r" in field) for r in records for field in r):
        return None  # a quoted line break: the strict reader joins what an unclosed quote may have swallowed
    return max(len(records) - 1, 0)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=30, **SETTINGS)
@given(year=st.sampled_from(sorted(CSV_DELIVERIES)), edits=byte_edits())
def test_mutated_csv_is_validated_and_every_row_accounted_for(workdir, year, edits):
    data = mutate(CSV_DELIVERIES[year].read_bytes(), edits)
    path = workdir / str(year) / CSV_DELIVERIES[year].name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    result = validate_paths([path], year=year)
    assert_accounted_for(result, strict_csv_rows(data, result.files[0]) if data else None)


CELL_VALUES = st.one_of(
    st.sampled_from(["=1+1", "=SUM(A1:A3)", '=CONCAT("a";"b")']),  # saved without a result by openpyxl
    st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(), st.datetimes(),
    st.sampled_from(["Ja", "Nee", "Weet ik niet", " ", "'=2",
                     "Utrecht", "Utreht", "@SUM(1)", "-3"]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=2000, max_size=3000),
)


@settings(max_examples=25, **SETTINGS)
@given(cells=st.lists(st.tuples(st.integers(1, 130), st.integers(1, 22), CELL_VALUES), min_size=1, max_size=8),
       extra_rows=st.integers(0, 3))
def test_mutated_xlsx_is_validated_and_every_row_accounted_for(workdir, cells, extra_rows):
    wb = openpyxl.load_workbook(XLSX_DELIVERY)
    ws = wb.worksheets[0]
    for row, column, value in cells:
        ws.cell(row=row, column=column, value=value)
    for _ in range(extra_rows):
        ws.append([None] * 3 + ["tekst na de laatste rij"])
    path = workdir / str(XLSX_YEAR) / XLSX_DELIVERY.name
    path.parent.mkdir(exist_ok=True)
    wb.save(path)
    read = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = sum(1 for _ in read.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        read.close()
    result = validate_paths([path], year=XLSX_YEAR)
    assert_accounted_for(result, rows)
    final = {(r, c): v for r, c, v in cells}  # a later edit of the same cell wins
    formulas = [v for v in final.values() if isinstance(v, str) and v.startswith("=")]
    if formulas:  # a formula openpyxl wrote has no stored result: reported, never read as an empty answer
        assert any(p.regel == "formule_zonder_waarde" for p in result.problems)


@settings(max_examples=3, **SETTINGS)
@given(edits=byte_edits())
def test_cli_on_a_mutated_delivery_exits_0_1_or_2_without_traceback(workdir, edits):
    path = workdir / "cli" / "2024" / CSV_DELIVERIES[2024].name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mutate(CSV_DELIVERIES[2024].read_bytes(), edits))
    proc = subprocess.run([sys.executable, "-m", "eenzaamheid.cli", "validate", str(path), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert proc.returncode in (0, 1, 2), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "\x1b" not in proc.stdout
