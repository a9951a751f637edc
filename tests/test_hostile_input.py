"""Odd and hostile deliveries: each case found by an independent test of the validator (issue 9).

Every case breaks a copy of a real delivery from raw/ in tmp_path and checks that the break is
reported (Dutch message, row and column where there is one), never read silently and never a
traceback. Plus: control characters in a cell never reach the steward's terminal or a saved
report, and the exported CSV cannot be opened as formulas.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from eenzaamheid import build, codebook
from eenzaamheid.validation import report
from eenzaamheid.intake import ingest
from eenzaamheid.publish import export
from eenzaamheid.transform import harmonize
from eenzaamheid.validation.validate import validate_paths
from published import RAW
from test_export import minimal_frames
from test_validate import first_open_column, only, run_cli

CSV_FILE = "2024/benchmark_eenzaamheid_2024_export.csv"
XLSX_FILE = "2023/benchmark_eenzaamheid_2023_export.xlsx"
ENCODING = codebook.load().deliveries[2024].codering
DELIMITER = codebook.load().deliveries[2024].scheidingsteken


@pytest.fixture
def raw(tmp_path) -> Path:
    """A copy of raw/ (deliveries and MANIFEST.csv) to break."""
    shutil.copytree(RAW, tmp_path / "raw")
    return tmp_path / "raw"


def reregister(raw: Path, rel: str) -> Path:
    """Record the changed file's sha256 and size in the copy's manifest, as a steward would on receipt."""
    path = raw / rel
    with open(raw / "MANIFEST.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row["bestand"] == rel:
            row["sha256"], row["bytes"] = hashlib.sha256(path.read_bytes()).hexdigest(), str(path.stat().st_size)
    with open(raw / "MANIFEST.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def csv_lines(raw: Path) -> list[str]:
    """The 2024 delivery as lines (the demo csv has no line breaks inside cells)."""
    return (raw / CSV_FILE).read_bytes().decode(ENCODING).split("\r\n" if b"\r\n" in (raw / CSV_FILE).read_bytes()
                                                                  else "\n")


def write_lines(raw: Path, lines: list[str], encoding: str = ENCODING) -> Path:
    (raw / CSV_FILE).write_bytes("\r\n".join(lines).encode(encoding))
    return reregister(raw, CSV_FILE)


def problems_of(path: Path, regel: str | None = None) -> list:
    found = validate_paths([path]).problems
    return [p for p in found if regel is None or p.regel == regel]


def field_index(header: str) -> int:
    return next(csv.reader([csv_header()], delimiter=DELIMITER)).index(header)


def csv_header() -> str:
    return (RAW / CSV_FILE).read_bytes().decode(ENCODING).splitlines()[0]


def set_cell(line: str, index: int, value: str) -> str:
    cells = next(csv.reader([line], delimiter=DELIMITER))
    cells[index] = value
    out = []
    for c in cells:  # written as the supplier's export would: quotes only where needed
        out.append(f'"{c}"' if DELIMITER in c else c)
    return DELIMITER.join(out)


# --- 1. a duplicated column name ---------------------------------------------------------------

def test_duplicated_column_is_reported_and_the_quarantine_build_goes_on(raw):
    lines = csv_lines(raw)
    header = next(csv.reader([lines[0]], delimiter=DELIMITER))
    doubled = header[8]
    lines = [line + DELIMITER + (doubled if i == 0 else next(csv.reader([line], delimiter=DELIMITER))[8])
             if line else line for i, line in enumerate(lines)]
    path = write_lines(raw, lines)
    found = problems_of(path)
    assert [p.kolom for p in found if p.regel == "kolom_dubbel"] == [doubled]
    assert not [p for p in found if p.regel in ("kolom_ontbreekt", "kolom_onbekend")]
    # before the fix: AttributeError: 'DataFrame' object has no attribute 'str' in harmonize
    data = build.clean_frames(raw, allow_quarantine=True)
    delivered = data.frames["bronbestanden"].set_index("bestand").loc[CSV_FILE, "rijen"]
    assert delivered == len([line for line in lines[1:] if line])


# --- 2. rows silently lost ---------------------------------------------------------------------

@pytest.mark.parametrize("where", ["midden", "eind"])
def test_unclosed_quote_is_an_error_naming_the_row_where_it_opens(raw, where):
    lines = csv_lines(raw)
    data_lines = [i for i, line in enumerate(lines) if line][1:]
    at = data_lines[len(data_lines) // 3] if where == "midden" else data_lines[-3]
    column = first_open_column(2024).header
    cells = next(csv.reader([lines[at]], delimiter=DELIMITER))
    cells[field_index(column)] = '"Nog niet bekend, wordt vervolgd'  # the quote never closes
    lines[at] = DELIMITER.join(cells)
    path = write_lines(raw, lines)
    result = validate_paths([path])
    assert not result.ok
    found = [p for p in result.problems if p.regel == "aanhalingsteken_open"]
    assert [(p.rij, p.kolom) for p in found] == [(at + 1, column)], result.problems
    assert "aanhalingsteken" in found[0].melding and found[0].ernst == "fout"


def test_unclosed_quote_stops_the_build_even_with_quarantine(raw):
    """The rows the quote swallowed never became rows, so quarantine could not account for them."""
    lines = csv_lines(raw)
    at = [i for i, line in enumerate(lines) if line][1:][5]
    column = first_open_column(2024).header
    cells = next(csv.reader([lines[at]], delimiter=DELIMITER))
    cells[field_index(column)] = '"Nog niet bekend, wordt vervolgd'
    lines[at] = DELIMITER.join(cells)
    write_lines(raw, lines)
    with pytest.raises(build.BuildError, match="aanhalingsteken|ook met --allow-quarantine"):
        build.clean_frames(raw, allow_quarantine=True)


def test_truncated_row_is_an_error_naming_the_row(raw):
    lines = csv_lines(raw)
    at = 10
    cells = next(csv.reader([lines[at]], delimiter=DELIMITER))
    header = next(csv.reader([lines[0]], delimiter=DELIMITER))
    lines[at] = DELIMITER.join(f'"{c}"' if DELIMITER in c else c for c in cells[:20])
    path = write_lines(raw, lines)
    found = problems_of(path, "aantal_velden")
    assert [(p.rij, p.kolom, p.ernst) for p in found] == [(at + 1, header[20], "fout")]
    assert "minder velden (20)" in found[0].melding and f"({len(header)})" in found[0].melding


# --- 3. odd files --------------------------------------------------------------------------------

def test_xlsx_formula_without_stored_value_is_an_error_naming_the_cell(raw):
    path = raw / XLSX_FILE
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    column = first_open_column(2023).header
    col = next(c.column for c in ws[1] if c.value == column)
    ws.cell(row=7, column=col, value="=CONCAT(\"Zie \";\"bijlage\")")  # openpyxl stores no result
    wb.save(path)
    reregister(raw, XLSX_FILE)
    found = problems_of(path, "formule_zonder_waarde")
    assert [(p.rij, p.kolom, p.ernst) for p in found] == [(7, column, "fout")]
    assert ws.cell(row=7, column=col).coordinate in found[0].melding


def test_bytes_undefined_in_cp1252_are_an_error_naming_row_and_column(raw):
    assert ENCODING == "cp1252"
    lines = csv_lines(raw)
    column = first_open_column(2024).header
    lines[5] = set_cell(lines[5], field_index(column), "Overleg met buurtteam@UNDEFINED@s en wijkcentra")
    (raw / CSV_FILE).write_bytes("\r\n".join(lines).encode(ENCODING).replace(b"@UNDEFINED@", b"\x81"))
    path = reregister(raw, CSV_FILE)
    found = problems_of(path, "teken_ongeldig")
    assert [(p.rij, p.kolom, p.ernst) for p in found] == [(6, column, "fout")]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32"])
def test_utf16_without_bom_and_utf32_are_refused_as_an_encoding_not_as_spaced_out_columns(raw, encoding):
    text = (raw / CSV_FILE).read_bytes().decode(ENCODING)
    (raw / CSV_FILE).write_bytes(text.encode(encoding))  # utf-16-le: no byte order mark; utf-32: with one
    path = reregister(raw, CSV_FILE)
    found = problems_of(path)
    assert not [p for p in found if p.regel.startswith("kolom_")]
    unreadable = [p for p in found if p.regel == "bestand_onleesbaar"]
    assert len(unreadable) == 1 and "UTF-32 of als UTF-16 zonder byte order mark" in unreadable[0].melding


def test_one_very_long_cell_does_not_make_the_file_unreadable(raw):
    lines = csv_lines(raw)
    column = first_open_column(2024).header
    lines[4] = set_cell(lines[4], field_index(column), "lang " * 40_000)  # 200,000 characters
    path = write_lines(raw, lines)
    result = validate_paths([path])
    assert not [p for p in result.problems if p.regel == "bestand_onleesbaar"], result.problems
    assert result.files[0].rijen_geleverd == len([line for line in lines[1:] if line])


# --- 4. control characters never reach the steward's terminal ------------------------------------

def test_escape_sequences_from_a_delivery_are_shown_escaped_in_every_report(raw, tmp_path):
    lines = csv_lines(raw)
    lines[0] = lines[0] + DELIMITER + "Extra\x1b[31m kolom\x07"  # unknown column: quoted in the message
    path = write_lines(raw, lines)
    result = validate_paths([path])
    assert any("Extra\\x1b[31m kolom\\x07" in p.melding for p in result.problems)  # quoted, escaped
    for fmt in ("json", "markdown", "html"):
        rendered = report.render(result, fmt)
        assert "\x1b" not in rendered and "\x07" not in rendered, fmt
        assert "\\x1b[31m" in rendered.replace("\\\\x1b", "\\x1b"), fmt
    proc = run_cli("validate", path, cwd=tmp_path)  # the terminal table (rich), as the steward sees it
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout and "\\x1b[31m" in proc.stdout
    for suffix in (".md", ".html", ".json"):
        out = tmp_path / f"rapport{suffix}"
        assert run_cli("validate", path, "--report", out, cwd=tmp_path).returncode == 1
        assert "\x1b" not in out.read_text(encoding="utf-8")


# --- 5. formula injection in the exported CSV ------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x.example\";\"klik\")", "+31 6 1234 5678 bellen", "-niet ingevuld",
            "@SUM(A1:A2)", "\tinspringen", "\rregel"]


def test_exported_csv_neutralises_text_that_starts_like_a_formula(tmp_path):
    frames = minimal_frames()
    base = frames["toelichtingen"].iloc[0]
    rows, texts = [], FORMULAS + ["-3", "gewone tekst"]
    for i, text in enumerate(texts):
        row = base.copy()
        row["toelichting_id"], row["tekst"] = f"{base['inzending_id']}:t{i}", text
        rows.append(row)
    frames["toelichtingen"] = type(frames["toelichtingen"])(rows)
    export.export_tables(frames, tmp_path)
    with open(tmp_path / "csv" / "toelichtingen.csv", encoding="utf-8", newline="") as f:
        written = {r["toelichting_id"]: r["tekst"] for r in csv.DictReader(f)}
    by_text = {text: written[f"{base['inzending_id']}:t{i}"] for i, text in enumerate(texts)}
    for text in FORMULAS:
        assert by_text[text] == "'" + text
    assert by_text["-3"] == "-3" and by_text["gewone tekst"] == "gewone tekst"
    # JSON keeps the text as delivered (after redaction)
    kept = {r["tekst"] for r in json.loads((tmp_path / "json" / "toelichtingen.json").read_text(encoding="utf-8"))}
    assert set(FORMULAS) <= kept
    # our own controlled values stay as they are: the operator '=' and negative numbers
    with open(tmp_path / "csv" / "gepubliceerde_cijfers.csv", encoding="utf-8", newline="") as f:
        assert {r["operator"] for r in csv.DictReader(f)} <= {"=", "<=", ">=", "≈"}
    again = tmp_path / "again"
    export.export_tables(frames, again)
    assert (again / "csv" / "toelichtingen.csv").read_bytes() == (tmp_path / "csv" / "toelichtingen.csv").read_bytes()


# --- 6. a file type that is not accepted, named explicitly -------------------------------------

@pytest.mark.parametrize("suffix,what", [(".xls", "oude Excel-formaat"), (".ods", "OpenDocument"),
                                         (".xlsb", "binaire Excel-werkmap")])
def test_unsupported_file_type_named_explicitly_is_a_clear_error(raw, tmp_path, suffix, what):
    path = raw / "2024" / f"benchmark_eenzaamheid_2024_export{suffix}"
    shutil.copy(raw / XLSX_FILE, path)
    proc = run_cli("validate", path, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    proc = run_cli("validate", path, "--format", "json", cwd=tmp_path)
    found = only(json.loads(proc.stdout)["problemen"], "bestand_onleesbaar")
    assert len(found) == 1 and what in found[0]["melding"] and "wordt niet geaccepteerd" in found[0]["melding"]
    assert ".xlsx" in found[0]["melding"]
    # the exact steps, in Excel and in LibreOffice
    assert "Bestand > Opslaan als > Excel-werkmap (*.xlsx)" in found[0]["melding"]
    assert "Bestand > Opslaan als > Excel 2007-365 (.xlsx)" in found[0]["melding"]


# --- 7. every delivered row counts or is named (issue 23) ----------------------------------------

def move_to_other_sheet(raw: Path, rows: tuple[int, ...], sheet: str = "Blad2", header_change: str | None = None
                        ) -> list[list]:
    """Cut `rows` of the 2023 workbook's sheet and append them on a new sheet under the same header (or one
    whose second cell is `header_change`), beside an empty sheet."""
    wb = openpyxl.load_workbook(raw / XLSX_FILE)
    ws = wb.worksheets[0]
    moved = [[c.value for c in ws[r]] for r in rows]
    for r in sorted(rows, reverse=True):
        ws.delete_rows(r)
    other = wb.create_sheet(sheet)
    header = [c.value for c in ws[1]]
    other.append(header if header_change is None else [header[0], header_change, *header[2:]])
    for row in moved:
        other.append(row)
    wb.create_sheet("Leeg")  # nothing on it: a note, nothing to count
    wb.save(raw / XLSX_FILE)
    reregister(raw, XLSX_FILE)
    return moved


def as_unicode_text(raw: Path, encoding: str = "utf-16-le", bom: bytes = b"\xff\xfe", delimiter: str = "\t") -> None:
    """The 2024 csv as Excel's 'Unicode-tekst' (UTF-16 LE with BOM, tab-separated), or as asked."""
    records = list(csv.reader(io.StringIO((raw / CSV_FILE).read_bytes().decode(ENCODING), newline=""),
                              delimiter=DELIMITER))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(records)
    (raw / CSV_FILE).write_bytes(bom + out.getvalue().encode(encoding))
    reregister(raw, CSV_FILE)


def year_of_file(raw: Path, rel: str, year: int) -> tuple[tuple[dict, set], list]:
    """(respons_id -> status of one delivery's submissions, its counted answers keyed by respons_id) as the
    build harmonizes that file (its validation problems deciding each row's fate), and those problems."""
    result = validate_paths([raw / rel])
    h = harmonize.harmonize(result.tables[(raw / rel).resolve()], result.problems, rel, True)
    return answers_by_response({"inzendingen": h.inzendingen, "antwoorden": h.antwoorden}, year), result.problems


def answers_by_response(frames: dict, year: int) -> tuple[dict, set]:
    subs = frames["inzendingen"][frames["inzendingen"]["jaar"] == year]
    status = dict(zip(subs["respons_id"], subs["status"]))
    respons = dict(zip(subs["inzending_id"], subs["respons_id"]))
    a = frames["antwoorden"][frames["antwoorden"]["jaar"] == year]
    a = a[a["inzending_id"].map(status_of(subs)) == harmonize.ACCEPTED]  # the build keeps only these
    return status, {(respons[i], q, it, o) for i, q, it, o in zip(a["inzending_id"], a["vraag_id"], a["item_code"],
                                                                   a["optie_code"])}


def status_of(subs: pd.DataFrame) -> dict:
    return dict(zip(subs["inzending_id"], subs["status"]))


def test_submissions_on_another_sheet_with_the_same_header_all_count(raw, tmp_path):
    before, problems = year_of_file(raw, XLSX_FILE, 2023)
    variant = next(p.rij for p in problems if p.regel == "gemeente_variant")  # a warning that moves with its row
    header = [c.value for c in openpyxl.load_workbook(raw / XLSX_FILE, read_only=True).worksheets[0][1]]
    respons_col = header.index(codebook.load().deliveries[2023].metadata_kolommen["respons_id"])
    delivered = len(before[0])
    moved = move_to_other_sheet(raw, (variant, variant + 1, variant + 2))
    as_unicode_text(raw)
    proc = run_cli("validate", raw / XLSX_FILE, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:]
    [summary] = json.loads(proc.stdout)["bestanden"]
    assert summary["rijen_geleverd"] == delivered and summary["werkbladen"][1:] == ["Blad2", "Leeg"]
    notes = [p for p in json.loads(proc.stdout)["problemen"] if p["regel"] == "extra_werkblad"]
    assert [(p["ernst"], p["waarde"]) for p in notes] == [("waarschuwing", "Leeg")]
    # the problem moved with its row: numbered on, and named by sheet and row
    [p] = [p for p in json.loads(proc.stdout)["problemen"] if p["regel"] == "gemeente_variant"
           and p["melding"].startswith("Werkblad ")]
    assert p["rij"] == delivered - 1 and p["melding"].startswith(f"Werkblad 'Blad2', rij 2 (rij {delivered - 1} van ")

    after = build.clean_frames(raw, allow_quarantine=True).frames
    assert answers_by_response(after, 2023) == before  # every row and every answer, with the same fate
    files = after["bronbestanden"].set_index("bestand")
    assert files.loc[XLSX_FILE, "rijen"] == delivered
    assert after["verantwoording"].set_index("bestand").loc[XLSX_FILE, "sluitend"] == 1  # rows add up
    assert files.loc[XLSX_FILE, "werkbladen"].endswith(f"'Blad2' rij 2–4 (als rij {delivered - 1}–{delivered + 1})")
    # traceable: the cleaning log names sheet and row of each moved row, under the submission it became
    log = after["opschoonlog"][after["opschoonlog"]["regel"] == "werkblad"]
    subs = after["inzendingen"].set_index("inzending_id")
    assert [(v, subs.loc[i, "respons_id"]) for v, i in zip(log["voor"], log["inzending_id"])] == \
        [(f"werkblad 'Blad2', rij {k}", row[respons_col]) for k, row in enumerate(moved, start=2)]
    # the UTF-16 csv beside it: every row read, its encoding reported (the contract's cp1252 is a reported error)
    assert (files.loc[CSV_FILE, "codering"], files.loc[CSV_FILE, "rijen"]) == \
        ("utf-16-le", len(csv_lines_of_original()))


def csv_lines_of_original() -> list[str]:
    return [line for line in (RAW / CSV_FILE).read_bytes().decode(ENCODING).splitlines()[1:] if line]


def test_another_sheet_with_another_header_is_an_error_naming_sheet_and_rows(raw, tmp_path):
    move_to_other_sheet(raw, (10, 11, 12), sheet="Nagekomen", header_change="Begonnen op")
    proc = run_cli("validate", raw / XLSX_FILE, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr
    [p] = only(json.loads(proc.stdout)["problemen"], "werkblad_andere_kopregel")
    assert p["ernst"] == "fout" and p["waarde"] == "Nagekomen"
    assert "Werkblad 'Nagekomen'" in p["melding"] and "rij 2–4 (3 rij(en))" in p["melding"]
    with pytest.raises(build.BuildError, match="ook met --quarantaine"):  # rows quarantine cannot account for
        build.clean_frames(raw, allow_quarantine=True)


@pytest.mark.parametrize("encoding,bom,delimiter", [("utf-16-le", b"\xff\xfe", "\t"), ("utf-16-be", b"\xfe\xff", "\t"),
                                                    ("utf-8", b"\xef\xbb\xbf", ";"), ("utf-8", b"", ";")])
def test_utf16_and_utf8_csv_are_read_row_for_row_as_the_delivered_file(raw, encoding, bom, delimiter):
    """Excel's 'Unicode-tekst' (UTF-16 LE with BOM, tab) and UTF-8 with or without BOM: the same cells."""
    original = ingest.read_delivery(raw / CSV_FILE, 2024)
    as_unicode_text(raw, encoding, bom, delimiter)
    read = ingest.read_delivery(raw / CSV_FILE, 2024)
    shown = encoding + ("-sig" if bom and encoding == "utf-8" else "")
    assert read.readable and read.detected["codering"] == shown
    pd.testing.assert_frame_equal(read.frame, original.frame)  # every row, every cell
    # the contract asks cp1252 and ';': a difference that stays reported, naming the encoding read
    assert {p.regel for p in read.problems} == {"codering"} | ({"scheidingsteken"} if delimiter != ";" else set())
