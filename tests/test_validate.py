"""`eenzaamheid validate` catches every kind of bad delivery, on real files through the real CLI.

Each test starts from a small valid delivery generated straight from the contract (so no
question or label is typed here), breaks exactly one thing, and checks the rule, row,
column and severity the steward gets, plus the exit code. Most runs call the CLI in this process
(`run_cli`); a few run it as a real process (`run_process`) for the exit status the shell sees.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from eenzaamheid import codebook, contract
from eenzaamheid.municipalities import register

from conftest import cli_in_process

CSV_YEAR, XLSX_YEAR = 2024, 2023


# --- building deliveries ---------------------------------------------------------------

def valid_rows(year: int, n: int = 3) -> tuple[list[str], list[list[str | None]]]:
    """Header and n valid rows for a year, from the contract and the codebook."""
    book, spec = codebook.load(), contract.load_contract(year)
    fmt = book.deliveries[year].datumformaat
    reg = register()
    names = [r.naam for r in reg.municipalities(year).itertuples()
             if reg.resolve(year, r.naam).methode == "officiele_naam"][:n]
    columns = {c.header: c for c in book.answer_columns(year)}
    # skip rules: answer the condition question with an option that opens the dependent question
    opening = {}
    for rule in book.skip_rules():
        for c in columns.values():
            if c.vraag_id == rule["als_vraag"] and c.item_code is None:
                opening[c.header] = c.labels[c.codes.index(rule["als_opties"][0])]
    header = [f["name"] for f in spec["fields"]]
    rows = []
    for i in range(n):
        start = dt.datetime(year, 3, 1, 9, 0) + dt.timedelta(days=i)
        meta = {"respons_id": f"R_{year}_{i + 1:03d}", "starttijd": start.strftime(fmt),
                "eindtijd": (start + dt.timedelta(minutes=25)).strftime(fmt), "gemeente": names[i],
                "contact_naam": "Test Persoon", "contact_email": "test@example.org",
                "contact_telefoon": "0612345678", "contact_functie": "Beleidsmedewerker"}
        row = []
        for f in spec["fields"]:
            if "veld" in f:
                row.append(meta[f["veld"]])
            elif f["name"] in opening:
                row.append(opening[f["name"]])
            elif columns[f["name"]].labels:
                labels = columns[f["name"]].labels
                row.append(labels[i % len(labels)])
            else:
                row.append("Geen bijzonderheden.")
        rows.append(row)
    return header, rows


def write_delivery(path: Path, year: int, header, rows, *, encoding=None, delimiter=None, sheets=None):
    delivery = codebook.load().deliveries[year]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        with open(path, "w", encoding=encoding or delivery.codering, newline="") as f:
            w = csv.writer(f, delimiter=delimiter or delivery.scheidingsteken)
            w.writerow(header)
            w.writerows(rows)
    else:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = delivery.werkblad
        ws.append(header)
        for row in rows:
            ws.append(row)
        for extra in sheets or []:
            wb.create_sheet(extra).append(["notities"])
        wb.save(path)
    return path


def delivery_path(root: Path, year: int) -> Path:
    ext = codebook.load().deliveries[year].formaat
    return root / "raw" / str(year) / f"benchmark_eenzaamheid_{year}.{ext}"


def write_manifest(root: Path, *paths: Path) -> Path:
    manifest = root / "raw" / "MANIFEST.csv"
    with open(manifest, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["bestand", "jaar", "sha256", "bytes", "ontvangen", "synthetisch"])
        for p in paths:
            w.writerow([p.relative_to(manifest.parent).as_posix(), p.parent.name,
                        hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, "2025-01-15", "true"])
    return manifest


@pytest.fixture(params=[CSV_YEAR, XLSX_YEAR], ids=["csv2024", "xlsx2023"])
def year(request) -> int:
    return request.param


@pytest.fixture
def make(tmp_path):
    """make(year, edit=None, **write options) -> path of a registered delivery in tmp_path/raw/<year>/."""
    def build(year: int, edit=None, register_it=True, **options) -> Path:
        header, rows = valid_rows(year)
        if edit:
            edit(header, rows)
        path = write_delivery(delivery_path(tmp_path, year), year, header, rows, **options)
        if register_it:
            write_manifest(tmp_path, path)
        return path
    return build


# --- running the CLI -----------------------------------------------------------------

def run_cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return cli_in_process(*args, cwd=cwd)


def run_process(*args, cwd: Path) -> subprocess.CompletedProcess:
    """`eenzaamheid ARGS` as a real process: where the exit status the shell sees is what is tested."""
    return subprocess.run([sys.executable, "-m", "eenzaamheid.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


def validate_json(path: Path, *extra, cwd: Path) -> tuple[int, list[dict], dict]:
    proc = run_cli("validate", path, "--format", "json", *extra, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    return proc.returncode, report["problemen"], report


def only(problems: list[dict], regel: str) -> list[dict]:
    return [p for p in problems if p["regel"] == regel]


def header_of(year: int, veld: str) -> str:
    return codebook.load().deliveries[year].metadata_kolommen[veld]


def answer_column(year: int, vraag_id: str, item: bool = False) -> codebook.AnswerColumn:
    return next(c for c in codebook.load().answer_columns(year) if c.vraag_id == vraag_id
                and (c.item_code is not None) == item)


def first_enum_column(year: int) -> codebook.AnswerColumn:
    return next(c for c in codebook.load().answer_columns(year) if c.type == "ja_nee")


def first_open_column(year: int) -> codebook.AnswerColumn:
    return next(c for c in codebook.load().answer_columns(year) if c.type == "open")


# --- the clean case ----------------------------------------------------------------------

def test_clean_delivery_passes(make, year, tmp_path):
    path = make(year)
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 0
    assert problems == []
    assert report["bestanden"][0]["rijen_geleverd"] == 3
    assert report["samenvatting"]["fouten"] == 0


def test_clean_year_folder_and_raw_root_text_output(make, tmp_path):
    path24, path23 = make(CSV_YEAR), make(XLSX_YEAR)
    write_manifest(tmp_path, path24, path23)
    (tmp_path / "raw" / "README.md").write_text("niet een levering", encoding="utf-8")
    proc = run_process("validate", "raw/", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "benchmark_eenzaamheid_2024.csv" in proc.stdout and "benchmark_eenzaamheid_2023.xlsx" in proc.stdout
    assert run_cli("validate", "raw/2024", cwd=tmp_path).returncode == 0


# --- reading the file ------------------------------------------------------------------

def test_wrong_delimiter(make, tmp_path):
    path = make(CSV_YEAR, delimiter=",")
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    [p] = only(problems, "scheidingsteken")
    assert (p["rij"], p["kolom"], p["ernst"], p["waarde"]) == (None, None, "fout", ",")
    assert not only(problems, "kolom_ontbreekt"), "the file is still read with the detected delimiter"


def test_wrong_encoding(make, tmp_path):
    def add_accent(header, rows):
        rows[0][header.index(first_open_column(CSV_YEAR).header)] = "Café-ontmoetingen in de wijk"
    path = make(CSV_YEAR, add_accent, encoding="utf-8")
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    [p] = only(problems, "codering")
    assert p["ernst"] == "fout" and "UTF-8" in p["melding"] and "cp1252" in p["melding"]
    assert [q["regel"] for q in problems] == ["codering"], "read as UTF-8, nothing else is wrong"


def test_empty_file(make, tmp_path):
    path = make(CSV_YEAR)
    path.write_bytes(b"")
    write_manifest(tmp_path, path)
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["ernst"]) for p in problems] == [("bestand_onleesbaar", "fout")]


def test_header_only_file(make, year, tmp_path):
    path = make(year, lambda header, rows: rows.clear())
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["rij"], p["ernst"]) for p in problems] == [("geen_rijen", None, "fout")]


def test_xlsx_extra_sheet_is_a_warning(make, tmp_path):
    path = make(XLSX_YEAR, sheets=["Toelichting"])
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 0
    [p] = problems
    assert (p["regel"], p["ernst"]) == ("extra_werkblad", "waarschuwing")
    assert "Toelichting" in p["melding"]


def test_xlsx_without_contract_sheet_is_an_error(make, tmp_path):
    path = make(XLSX_YEAR)
    wb = openpyxl.load_workbook(path)
    wb.active.title = "Blad1"
    wb.create_sheet("Toelichting")
    wb.save(path)
    write_manifest(tmp_path, path)
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    p, note = problems
    assert (p["regel"], p["ernst"]) == ("extra_werkblad", "fout")
    assert "Blad1" in p["melding"] and codebook.load().deliveries[XLSX_YEAR].werkblad in p["melding"]
    assert (note["regel"], note["ernst"], note["waarde"]) == ("extra_werkblad", "waarschuwing", "Toelichting")


def test_trailing_empty_row_is_a_warning(make, year, tmp_path):
    path = make(year, lambda header, rows: rows.append([None] * len(header) if year == XLSX_YEAR
                                                        else [""] * len(header)))
    if year == XLSX_YEAR:  # openpyxl does not store a row without values: give it an empty-string cell
        wb = openpyxl.load_workbook(path)
        wb.active.cell(row=5, column=1).value = " "
        wb.save(path)
        write_manifest(tmp_path, path)
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 0
    assert [(p["regel"], p["rij"], p["ernst"]) for p in problems] == [("lege_rij", 5, "waarschuwing")]
    assert report["bestanden"][0]["lege_rijen"] == 1


# --- structure -------------------------------------------------------------------------

def test_missing_column(make, year, tmp_path):
    gone = first_enum_column(year).header

    def drop(header, rows):
        i = header.index(gone)
        for r in [header, *rows]:
            del r[i]
    code, problems, _ = validate_json(make(year, drop), cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["kolom"], p["rij"], p["ernst"]) for p in problems] == \
        [("kolom_ontbreekt", gone, None, "fout")]


def test_renamed_column(make, year, tmp_path):
    old = header_of(year, "gemeente")

    def rename(header, rows):
        header[header.index(old)] = old.lower() + " "
    code, problems, _ = validate_json(make(year, rename), cwd=tmp_path)
    assert code == 1
    [p] = problems
    assert (p["regel"], p["kolom"], p["ernst"]) == ("kolom_hernoemd", old.lower() + " ", "fout")
    assert f"'{old}'" in p["melding"]


def test_unknown_column(make, year, tmp_path):
    def add(header, rows):
        header.append("Q99_extra")
        for r in rows:
            r.append("x")
    code, problems, _ = validate_json(make(year, add), cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["kolom"]) for p in problems] == [("kolom_onbekend", "Q99_extra")]


# --- values ----------------------------------------------------------------------------

def test_unknown_option(make, year, tmp_path):
    col = first_enum_column(year).header
    code, problems, _ = validate_json(make(year, lambda h, rows: rows[1].__setitem__(h.index(col), "Misschien")),
                                      cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["rij"], p["kolom"], p["waarde"], p["ernst"]) for p in problems] == \
        [("antwoord_onbekend", 3, col, "Misschien", "fout")]


def test_whitespace_and_case_variant_is_only_a_warning(make, year, tmp_path):
    col = first_enum_column(year)

    def vary(header, rows):
        i = header.index(col.header)
        rows[0][i] = f" {rows[0][i].upper()}  "
    code, problems, _ = validate_json(make(year, vary), cwd=tmp_path)
    assert code == 0
    [p] = problems
    assert (p["regel"], p["rij"], p["kolom"], p["ernst"]) == ("antwoord_opmaak", 2, col.header, "waarschuwing")
    assert "genormaliseerd naar" in p["melding"]


def test_required_value_missing(make, tmp_path):
    col = header_of(CSV_YEAR, "starttijd")
    code, problems, _ = validate_json(make(CSV_YEAR, lambda h, rows: rows[2].__setitem__(h.index(col), "")),
                                      cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["rij"], p["kolom"]) for p in problems] == [("verplicht", 4, col)]


def test_invalid_date(make, year, tmp_path):
    col = header_of(year, "eindtijd")
    code, problems, _ = validate_json(make(year, lambda h, rows: rows[0].__setitem__(h.index(col), "2024-13-45")),
                                      cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["rij"], p["kolom"], p["ernst"]) for p in problems] == \
        [("datum_ongeldig", 2, col, "fout")]


def test_duplicate_response_id(make, year, tmp_path):
    col = header_of(year, "respons_id")
    code, problems, _ = validate_json(make(year, lambda h, rows: rows[2].__setitem__(h.index(col), rows[0][h.index(col)])),
                                      cwd=tmp_path)
    assert code == 1
    [p] = problems
    assert (p["regel"], p["rij"], p["kolom"], p["ernst"]) == ("respons_id_dubbel", 4, col, "fout")
    assert "rij 2" in p["melding"]


# --- cross-field rules -----------------------------------------------------------------

def test_skip_logic_violation(make, tmp_path):
    kartrekker, coalitie = answer_column(CSV_YEAR, "kartrekker"), answer_column(CSV_YEAR, "coalitie")
    no_coalition = coalitie.labels[coalitie.codes.index("nee")]
    assert no_coalition == "Nee, we hebben (nog) geen lokale coalitie"

    def violate(header, rows):
        rows[1][header.index(coalitie.header)] = no_coalition
        rows[1][header.index(kartrekker.header)] = kartrekker.labels[0]
    code, problems, _ = validate_json(make(CSV_YEAR, violate), cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["rij"], p["kolom"], p["ernst"]) for p in problems] == \
        [("overslaglogica", 3, kartrekker.header, "fout")]
    assert no_coalition in problems[0]["melding"]


def test_unknown_municipality(make, year, tmp_path):
    col = header_of(year, "gemeente")
    code, problems, _ = validate_json(make(year, lambda h, rows: rows[0].__setitem__(h.index(col), "Atlantis")),
                                      cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["rij"], p["kolom"], p["waarde"], p["ernst"]) for p in problems] == \
        [("gemeente_onbekend", 2, col, "Atlantis", "fout")]


def test_ambiguous_municipality(make, year, tmp_path):
    col = header_of(year, "gemeente")
    code, problems, _ = validate_json(make(year, lambda h, rows: rows[1].__setitem__(h.index(col), "Bergen")),
                                      cwd=tmp_path)
    assert code == 1
    [p] = problems
    assert (p["regel"], p["rij"], p["kolom"], p["ernst"]) == ("gemeente_dubbelzinnig", 3, col, "fout")
    assert "GM0373" in p["melding"] and "GM0893" in p["melding"]


def test_municipality_variant_is_a_warning(make, tmp_path):
    col = header_of(CSV_YEAR, "gemeente")
    code, problems, _ = validate_json(make(CSV_YEAR, lambda h, rows: rows[0].__setitem__(h.index(col), "Den Haag")),
                                      cwd=tmp_path)
    assert code == 0
    [p] = problems
    assert (p["regel"], p["rij"], p["ernst"]) == ("gemeente_variant", 2, "waarschuwing")
    assert "GM0518" in p["melding"]


def test_duplicate_submission(make, year, tmp_path):
    gemeente, eind = header_of(year, "gemeente"), header_of(year, "eindtijd")

    def duplicate(header, rows):
        rows[2][header.index(gemeente)] = rows[0][header.index(gemeente)]  # row 4 repeats row 2's municipality,
        rows[0][header.index(eind)] = rows[2][header.index(eind)].replace("09:25", "23:59")  # row 2 ends later
    code, problems, _ = validate_json(make(year, duplicate), cwd=tmp_path)
    assert code == 0
    [p] = problems
    assert (p["regel"], p["rij"], p["kolom"], p["ernst"]) == ("dubbele_inzending", 4, gemeente, "waarschuwing")
    assert "rij 2" in p["melding"] and "vervangen_duplicaat" in p["melding"]


def test_email_in_free_text(make, year, tmp_path):
    col = first_open_column(year).header
    text = "Neem contact op met jan.jansen@gemeente.nl of 06-12345678"
    code, problems, _ = validate_json(make(year, lambda h, rows: rows[2].__setitem__(h.index(col), text)),
                                      cwd=tmp_path)
    assert code == 0
    [p] = problems
    assert (p["regel"], p["rij"], p["kolom"], p["ernst"]) == \
        ("persoonsgegevens_in_vrije_tekst", 4, col, "waarschuwing")
    assert "jan.jansen@gemeente.nl" not in json.dumps(p) and "12345678" not in p["waarde"]


# --- manifest --------------------------------------------------------------------------

def test_sha256_mismatch(make, tmp_path):
    path = make(CSV_YEAR)
    path.write_bytes(path.read_bytes().replace(b"Test Persoon", b"Test Persoom"))  # edited after registration
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    [p] = problems
    assert (p["regel"], p["ernst"]) == ("sha256_afwijkend", "fout")
    assert "gewijzigd na ontvangst" in p["melding"]


def test_file_not_in_manifest(make, tmp_path):
    path = make(CSV_YEAR)
    write_manifest(tmp_path)  # a manifest without this file
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 1
    assert [(p["regel"], p["ernst"]) for p in problems] == [("manifest_ontbreekt", "fout")]


def test_no_manifest_is_one_warning(make, tmp_path):
    path = make(CSV_YEAR, register_it=False)
    code, problems, _ = validate_json(path, cwd=tmp_path)
    assert code == 0
    assert [(p["regel"], p["ernst"]) for p in problems] == [("geen_manifest", "waarschuwing")]


# --- output and usage ------------------------------------------------------------------

def broken(make, tmp_path) -> Path:
    """A delivery with several problems of both severities."""
    gemeente, col = header_of(CSV_YEAR, "gemeente"), first_enum_column(CSV_YEAR).header

    def edit(header, rows):
        rows[0][header.index(gemeente)] = "Bergen"
        rows[1][header.index(col)] = "ja "
        rows[2][header.index(col)] = "<b>Misschien</b>"
    return make(CSV_YEAR, edit)


def test_json_and_text_report_the_same_problems(make, tmp_path):
    path = broken(make, tmp_path)
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 1
    assert list(report) == ["bestanden", "problemen", "samenvatting"]
    assert {p["regel"] for p in problems} == {"gemeente_dubbelzinnig", "antwoord_opmaak", "antwoord_onbekend"}
    text = run_cli("validate", path, cwd=tmp_path)
    assert text.returncode == 1
    for p in problems:
        assert p["regel"] in text.stdout


@pytest.mark.parametrize("suffix", [".md", ".html", ".json"])
def test_report_files_contain_every_problem(make, tmp_path, suffix):
    path = broken(make, tmp_path)
    _, problems, _ = validate_json(path, cwd=tmp_path)
    out = tmp_path / "rapporten" / f"x{suffix}"
    proc = run_cli("validate", path, "--report", out, cwd=tmp_path)
    assert proc.returncode == 1
    written = out.read_text(encoding="utf-8")
    for p in problems:
        assert p["regel"] in written and str(p["rij"]) in written
    if suffix == ".html":
        assert "<b>Misschien</b>" not in written and "&lt;b&gt;Misschien&lt;/b&gt;" in written
        assert "http" not in written.lower().replace("http-equiv", ""), "self-contained: no external assets"


def test_report_inside_raw_is_refused(make, tmp_path):
    path = make(CSV_YEAR)
    proc = run_cli("validate", path, "--report", tmp_path / "raw" / "rapport.md", cwd=tmp_path)
    assert proc.returncode == 2
    assert not (tmp_path / "raw" / "rapport.md").exists()


def test_nonexistent_path_is_a_usage_error(tmp_path):
    proc = run_process("validate", tmp_path / "raw" / "2024" / "bestaat_niet.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert "bestaat niet" in proc.stderr + proc.stdout


def test_unknown_year_is_a_usage_error(make, tmp_path):
    path = make(CSV_YEAR)
    target = tmp_path / "levering" / "export.csv"
    target.parent.mkdir()
    target.write_bytes(path.read_bytes())
    assert run_process("validate", target, cwd=tmp_path).returncode == 2
    assert run_cli("validate", target, "--jaar", "2024", cwd=tmp_path).returncode == 0  # only geen_manifest
    assert run_cli("validate", path, "--jaar", "1999", cwd=tmp_path).returncode == 2


def test_help_explains_the_steward_workflow(tmp_path):
    proc = run_cli("validate", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    for phrase in ("raw/", "MANIFEST.csv", "sha256", "eenzaamheid valideer", "0", "1", "2"):
        assert phrase in proc.stdout


def test_validate_leaves_the_input_untouched(make, tmp_path):
    path24, path23 = make(CSV_YEAR), make(XLSX_YEAR)
    write_manifest(tmp_path, path24, path23)
    raw = tmp_path / "raw"

    def snapshot():
        return {p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
                for p in sorted(raw.rglob("*"))}
    before = snapshot()
    run_cli("validate", raw, "--report", tmp_path / "rapport.html", cwd=tmp_path)
    run_cli("validate", raw, "--format", "json", cwd=tmp_path)
    assert snapshot() == before


# --- in-process checks of details the CLI tests do not reach -------------------------------

def test_xlsx_real_dates_and_numbers_read_as_excel_shows_them(make, tmp_path):
    """Excel exports carry datetime and numeric cells; they must read as the contract's text."""
    path = make(XLSX_YEAR)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    fmt = codebook.load().deliveries[XLSX_YEAR].datumformaat
    for col in ("starttijd", "eindtijd"):
        cell = ws.cell(row=2, column=header.index(header_of(XLSX_YEAR, col)) + 1)
        cell.value = dt.datetime.strptime(cell.value, fmt)
    ws.cell(row=2, column=header.index(header_of(XLSX_YEAR, "respons_id")) + 1).value = 12345.0
    wb.save(path)
    write_manifest(tmp_path, path)

    from eenzaamheid.intake.ingest import read_delivery
    from eenzaamheid.validation.validate import validate_paths
    frame = read_delivery(path, XLSX_YEAR).frame
    assert frame.loc[2, header_of(XLSX_YEAR, "respons_id")] == "12345"
    assert frame.loc[2, header_of(XLSX_YEAR, "starttijd")] == valid_rows(XLSX_YEAR)[1][0][1]
    assert validate_paths([path]).problems == []


def test_duplicate_header_is_reported_once(make, tmp_path):
    from eenzaamheid.validation.validate import validate_paths
    col = first_enum_column(CSV_YEAR).header

    def repeat(header, rows):
        header.append(col)
        for r in rows:
            r.append("Ja")
    problems = validate_paths([make(CSV_YEAR, repeat)]).problems
    assert [(p.regel, p.kolom, p.ernst) for p in problems] == [("kolom_dubbel", col, "fout")]


def test_values_under_a_renamed_column_are_still_checked(make, tmp_path):
    from eenzaamheid.validation.validate import validate_paths
    col = first_enum_column(CSV_YEAR).header

    def rename_and_break(header, rows):
        header[header.index(col)] = col.upper()
        rows[0][header.index(col.upper())] = "Misschien"
    problems = validate_paths([make(CSV_YEAR, rename_and_break)]).problems
    assert sorted((p.regel, p.rij, p.kolom) for p in problems) == \
        [("antwoord_onbekend", 2, col.upper()), ("kolom_hernoemd", None, col.upper())]


def test_delimiter_detection_ignores_commas_inside_headers():
    from eenzaamheid.intake.ingest import _detect_delimiter
    header = [f["name"] for f in contract.load_contract(CSV_YEAR)["fields"]]
    assert any("," in h for h in header), "the case csv.Sniffer gets wrong"
    for delimiter in (";", ",", "\t", "|"):
        line = csv_line(header, delimiter)
        assert _detect_delimiter(line + csv_line(["a"] * len(header), delimiter)) == delimiter


def csv_line(cells, delimiter) -> str:
    import io
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerow(cells)
    return out.getvalue()


@pytest.mark.parametrize("text, found", [
    ("Mail j.jansen@gemeente.nl", True), ("Bel 06-12345678", True), ("Bel +31 6 12345678", True),
    ("Bel 010 123 45 67", True), ("Periode 2019-2024", False), ("Budget 1.500.000 euro", False),
    ("0,5 fte", False), ("Zie www.eentegeneenzaamheid.nl", False),
])
def test_personal_data_pattern(text, found):
    from eenzaamheid.privacy import PERSONAL, mask as mask_personal_data
    assert (PERSONAL.search(text) is not None) == found
    if found:
        masked = mask_personal_data(text)
        assert PERSONAL.search(masked) is None and "jansen" not in masked and "12345678" not in masked


def test_validate_loads_only_what_it_uses(make, tmp_path):
    """Validation uses pandera's checks, not its data synthesis (which would import hypothesis), and no
    pydantic plugins: pydantic would search the metadata of every installed package for them first."""
    path = make(CSV_YEAR)
    probe = ("import sys\nfrom eenzaamheid.cli import app\n"
             "sys.argv = ['eenzaamheid', 'validate', sys.argv[1], '--format', 'json']\n"
             "try:\n    app()\nexcept SystemExit:\n    pass\n"
             "loader = sys.modules.get('pydantic.plugin._loader')\n"
             "print(('hypothesis' in sys.modules, getattr(loader, '_plugins', None) is not None), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=tmp_path, capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert json.loads(proc.stdout)["problemen"] == [], proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "(False, False)"
