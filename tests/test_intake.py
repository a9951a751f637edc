"""Intake and re-delivery on real files: `eenzaamheid ontvang`, the manifest's own checks, files in a
year folder that are not read, and a renamed column recognised by its answers.

Each test copies the demo raw/ (or writes a small delivery from the contract) into tmp_path, breaks
or extends the copy as a steward would, and runs the real CLI.
"""
from __future__ import annotations

import csv
import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from eenzaamheid import codebook
from published import RAW, read_rows
from test_validate import CSV_YEAR, first_enum_column, make, run_cli, validate_json  # noqa: F401 (fixture)

OLD_2024 = "2024/benchmark_eenzaamheid_2024_export.csv"


@pytest.fixture
def raw(tmp_path) -> Path:
    """A copy of the demo raw/ (deliveries and MANIFEST.csv) in tmp_path."""
    shutil.copytree(RAW, tmp_path / "raw")
    return tmp_path / "raw"


def corrected_2024(tmp_path: Path) -> Path:
    """The 2024 delivery with one municipality name corrected, as the supplier would send it again."""
    data = (RAW / OLD_2024).read_bytes()
    assert data.count(b";Hengelo;") == 1
    path = tmp_path / "gecorrigeerd.csv"
    path.write_bytes(data.replace(b";Hengelo;", b";Hengelo (O.);"))
    return path


def manifest_rows(raw: Path) -> list[dict]:
    with open(raw / "MANIFEST.csv", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def append_manifest_row(raw: Path, path: Path, year: int | str) -> None:
    """Register a file by hand, as the README used to say (no `vervangt`)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    key = path.relative_to(raw).as_posix()
    with open(raw / "MANIFEST.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow([key, year, digest, path.stat().st_size, "2025-01-10", "true", ""])


def json_problems(target, cwd: Path, *extra) -> tuple[int, list[dict]]:
    code, problems, _ = validate_json(target, *extra, cwd=cwd)
    return code, problems


# --- re-delivery ------------------------------------------------------------------------

def test_redelivery_via_ontvang_builds_from_the_new_file_and_keeps_the_old_one(raw, tmp_path):
    # the steward's manifest was saved by Excel once: UTF-8 with a BOM and CRLF line endings
    manifest = raw / "MANIFEST.csv"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes().replace(b"\n", b"\r\n"))
    before = manifest.read_bytes()
    old_bytes = (raw / OLD_2024).read_bytes()
    new = corrected_2024(tmp_path)

    proc = run_cli("ontvang", new, "--jaar", "2024", "--vervangt", OLD_2024, "--ontvangen", "2025-01-10",
                   "--synthetisch", "--raw", raw, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    copy = raw / "2024" / new.name
    assert copy.read_bytes() == new.read_bytes() and (raw / OLD_2024).read_bytes() == old_bytes
    after = manifest.read_bytes()
    assert after.startswith(before) and after.count(b"\r\n") == before.count(b"\r\n") + 1  # appended only
    last = manifest_rows(raw)[-1]
    assert last == {"bestand": f"2024/{new.name}", "jaar": "2024", "sha256": hashlib.sha256(new.read_bytes()).hexdigest(),
                    "bytes": str(new.stat().st_size), "ontvangen": "2025-01-10", "synthetisch": "true",
                    "vervangt": OLD_2024}

    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 0
    assert [(p["bestand"], p["regel"]) for p in problems if p["regel"] == "levering_vervangen"] == \
        [(f"raw/{OLD_2024}", "levering_vervangen")]

    out = tmp_path / "out"
    proc = run_cli("build", "--raw", raw, "--uit", out, "--allow-quarantine", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{OLD_2024}: vervangen door 2024/{new.name}" in proc.stdout
    db = sqlite3.connect(out / "benchmark.db")
    files = {r[0]: r[1:] for r in db.execute("select bestand, actief, vervangen_door, rijen from bronbestanden")}
    delivered = len(read_rows(new, codebook.load().deliveries[2024]))
    assert files[OLD_2024] == (0, f"2024/{new.name}", delivered)
    assert files[f"2024/{new.name}"] == (1, None, delivered)
    per_file = dict(db.execute("select bestand, count(*) from inzendingen where jaar = 2024 group by bestand"))
    assert per_file == {f"2024/{new.name}": delivered}
    names = {r[0] for r in db.execute("select gemeente_geleverd from inzendingen where jaar = 2024")}
    assert "Hengelo (O.)" in names and "Hengelo" not in names  # the counts come from the corrected file
    accounted = [r[0] for r in db.execute("select bestand from verantwoording where bestand like '2024/%'")]
    assert accounted == [f"2024/{new.name}"]


def test_two_active_deliveries_for_one_year_are_an_error_that_explains_vervangt(raw, tmp_path):
    new = corrected_2024(tmp_path)
    proc = run_cli("ontvang", new, "--jaar", "2024", "--raw", raw, cwd=tmp_path)  # --vervangt forgotten
    assert proc.returncode == 1, proc.stdout + proc.stderr
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 1
    clashes = [p for p in problems if p["regel"] == "levering_dubbel"]
    assert {p["bestand"] for p in clashes} == {f"raw/{OLD_2024}", f"raw/2024/{new.name}"}
    assert all(p["ernst"] == "fout" for p in clashes)
    hint = clashes[0]["melding"]
    assert f"eenzaamheid ontvang raw/2024/{new.name} --jaar 2024 --vervangt {OLD_2024}" in hint

    # the build names the cause, even when asked to quarantine: both files set aside would empty the year
    proc = run_cli("build", "--raw", raw, "--uit", tmp_path / "out", "--allow-quarantine", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "actieve leveringen" in proc.stderr and f"--vervangt {OLD_2024}" in proc.stderr
    assert not (tmp_path / "out" / "benchmark.db").exists()


def test_a_corrected_file_put_beside_the_original_by_hand_is_an_error(raw, tmp_path):
    placed = raw / "2024" / "gecorrigeerd.csv"
    shutil.copy(corrected_2024(tmp_path), placed)
    append_manifest_row(raw, placed, 2024)
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 1
    assert {p["bestand"] for p in problems if p["regel"] == "levering_dubbel"} == \
        {f"raw/{OLD_2024}", "raw/2024/gecorrigeerd.csv"}


# --- the manifest's own rows ---------------------------------------------------------------

def test_manifest_row_for_a_file_that_does_not_exist(raw, tmp_path):
    (raw / OLD_2024).rename(raw / "2024" / "elders.csv")
    append_manifest_row(raw, raw / "2024" / "elders.csv", 2024)
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 1
    [p] = [p for p in problems if p["regel"] == "manifest_bestand_ontbreekt"]
    assert (p["bestand"], p["waarde"], p["ernst"]) == ("raw/MANIFEST.csv", OLD_2024, "fout")


def test_manifest_year_contradicting_the_folder(raw, tmp_path):
    manifest = raw / "MANIFEST.csv"
    manifest.write_bytes(manifest.read_bytes().replace(b"2022/benchmark_eenzaamheid_2022_export.csv,2022,",
                                                       b"2022/benchmark_eenzaamheid_2022_export.csv,2021,"))
    code, problems = json_problems(raw / "2022", tmp_path)
    assert code == 1
    [p] = [p for p in problems if p["regel"] == "manifest_jaar_afwijkend"]
    assert (p["bestand"], p["waarde"], p["ernst"]) == ("raw/2022/benchmark_eenzaamheid_2022_export.csv", "2021", "fout")


def test_build_with_a_wrong_manifest_year_says_so_without_a_traceback(fatal_build):
    """The 2022 delivery's manifest row says 'twintig' as its year (conftest.WRONG_MANIFEST_YEAR): the
    build, a real process, runs without a traceback. One build with test_quality_gate's planted
    respondent (conftest.fatal_build), which the gate refuses either way."""
    raw = Path(f"{fatal_build.out}_raw")
    assert b"2022/benchmark_eenzaamheid_2022_export.csv,twintig," in (raw / "MANIFEST.csv").read_bytes()
    proc = fatal_build
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr


def test_manifest_with_bom_is_read_by_validate_and_build_code(raw, tmp_path):
    from eenzaamheid.build import _manifest

    manifest = raw / "MANIFEST.csv"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    frame = _manifest(raw)
    assert list(frame["bestand"]) == [r["bestand"] for r in manifest_rows(RAW)]
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 0 and not [p for p in problems if p["regel"].startswith("manifest")]



def _set_synthetic(raw: Path, delivery: str, value: str) -> int:
    """Write `value` in the delivery's `synthetisch` cell; the row number as Excel shows it (header = 1)."""
    rows = manifest_rows(raw)
    [index] = [i for i, r in enumerate(rows) if r["bestand"] == delivery]
    rows[index]["synthetisch"] = value
    with open(raw / "MANIFEST.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return index + 2


@pytest.mark.parametrize("value", ["ja", "1", ""])
def test_manifest_synthetic_flag_outside_the_one_rule_names_file_row_and_value(raw, tmp_path, value):
    """`synthetisch` is true or false (intake/manifest.py); ja, 1 or an empty cell is not guessed."""
    row = _set_synthetic(raw, OLD_2024, value)
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 1
    [p] = [p for p in problems if p["regel"] == "manifest_onleesbaar"]
    assert p["ernst"] == "fout" and "raw/MANIFEST.csv" in p["melding"], p
    assert f"rij {row} ({OLD_2024})" in p["melding"] and f"de waarde '{value}'" in p["melding"], p["melding"]


def test_manifest_synthetic_flag_is_read_in_any_case(raw, tmp_path):
    """Excel, saving the manifest, writes TRUE and FALSE: the same rule, the same meaning."""
    from eenzaamheid.build import _manifest

    _set_synthetic(raw, OLD_2024, "FALSE")
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 0 and not [p for p in problems if p["regel"].startswith("manifest")]
    flags = dict(zip(_manifest(raw)["bestand"], _manifest(raw)["synthetisch"]))
    assert flags[OLD_2024] is False and {v for k, v in flags.items() if k != OLD_2024} == {True}

# --- files in a year folder that are not read ----------------------------------------------

@pytest.mark.parametrize("name", ["benchmark_2024.xls", "benchmark_2024.ods", "export.json"])
def test_a_file_in_a_year_folder_that_is_not_read_is_an_error_naming_it(raw, tmp_path, name):
    path = raw / "2024" / name
    path.write_bytes(b"PK\x03\x04 not a delivery we read")
    append_manifest_row(raw, path, 2024)  # registered, as in the independent test
    code, problems = json_problems(raw / "2024", tmp_path)
    assert code == 1
    [p] = [p for p in problems if p["regel"] == "bestandstype_onbekend"]
    assert (p["bestand"], p["waarde"], p["ernst"]) == (f"raw/2024/{name}", name, "fout")
    assert "dit bestandstype wordt niet geaccepteerd" in p["melding"]


def test_a_year_folder_with_only_an_xls_is_an_error_not_no_deliveries(tmp_path):
    folder = tmp_path / "raw" / "2024"
    folder.mkdir(parents=True)
    (folder / "benchmark_2024.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    proc = run_cli("validate", folder, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "benchmark_2024.xls" in proc.stdout and "Traceback" not in proc.stderr


# --- ontvang refuses wrong use, and writes nothing then --------------------------------------

@pytest.mark.parametrize("case", ["overwrite", "unknown_old", "bad_date", "xls"])
def test_ontvang_refuses_and_leaves_raw_untouched(raw, tmp_path, case):
    new = corrected_2024(tmp_path)
    args = [new, "--jaar", "2024", "--raw", raw]
    if case == "overwrite":  # a different file under the name of the original
        new = tmp_path / "benchmark_eenzaamheid_2024_export.csv"
        new.write_bytes(b"ResponseId\nanders\n")
        args[0] = new
    elif case == "unknown_old":
        args += ["--vervangt", "2024/bestaat_niet.csv"]
    elif case == "bad_date":
        args += ["--ontvangen", "9 januari"]
    elif case == "xls":
        args[0] = tmp_path / "levering.xls"
        args[0].write_bytes(b"\xd0\xcf\x11\xe0")
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    proc = run_cli("ontvang", *args, cwd=tmp_path)
    assert proc.returncode == (1 if case == "xls" else 2), proc.stdout + proc.stderr
    assert proc.stderr.startswith("Fout: ") and "Traceback" not in proc.stderr
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before


def test_ontvang_again_of_the_same_file_only_validates_it(raw, tmp_path):
    """The file already received (same name, same bytes): nothing is taken in twice, no advice to rename it
    (_v2); the command validates it and exits as validate does."""
    before = {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()}
    proc = run_cli("ontvang", raw / OLD_2024, "--jaar", "2024", "--raw", raw, cwd=tmp_path)
    alone = run_cli("validate", raw / OLD_2024, cwd=tmp_path)
    assert proc.returncode == alone.returncode, proc.stdout + proc.stderr
    assert f"{OLD_2024} is al ontvangen" in proc.stdout and "_v2" not in proc.stdout + proc.stderr
    def summary(text):  # the validation's last line, without its timing
        return re.sub(r"\([\d.]+ s\)", "", text.strip().splitlines()[-1])
    assert summary(proc.stdout) == summary(alone.stdout) and "telt niet mee" in summary(alone.stdout)
    assert {p: p.read_bytes() for p in raw.rglob("*") if p.is_file()} == before


def test_ontvang_before_the_years_contract_takes_nothing_in(tmp_path):
    """A year the codebook knows (its year file is in place) but whose delivery contract was not written
    (the steward copied the year file by hand instead of `nieuw-jaar --toepassen`): exit 1, one Dutch
    instruction with the next commands, raw/ and the manifest as they were, no traceback."""
    import os
    import subprocess
    import sys

    from newyear_steps import REPO, data_copy

    FIXTURE, DELIVERY = REPO / "tests" / "fixtures" / "jaar2025", "benchmark_eenzaamheid_2025_export.csv"
    root = data_copy(tmp_path)
    shutil.copy2(FIXTURE / "2025.yaml", root / "schemas" / "jaren" / "2025.yaml")
    assert not (root / "schemas" / "raw" / "2025.yaml").exists()
    before = {p: p.read_bytes() for p in (root / "raw").rglob("*") if p.is_file()}
    proc = subprocess.run([sys.executable, "-m", "eenzaamheid.cli", "ontvang", str(FIXTURE / DELIVERY), "--jaar", "2025",
                           "--ontvangen", "2025-12-08", "--synthetisch"], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "EENZAAMHEID_ROOT": str(root), "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("Fout: ")
    assert "schemas/raw/2025.yaml" in proc.stderr and "write_contracts.py" in proc.stderr
    assert "Er is niets opgenomen" in proc.stderr
    assert f"eenzaamheid ontvang {FIXTURE / DELIVERY} --jaar 2025 --ontvangen 2025-12-08 --synthetisch" in proc.stderr
    assert {p: p.read_bytes() for p in (root / "raw").rglob("*") if p.is_file()} == before


def test_ontvang_help_explains_the_redelivery(tmp_path):
    proc = run_cli("ontvang", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    for phrase in ("raw/", "MANIFEST.csv", "--vervangt", "--jaar", "--ontvangen", "vervangen"):
        assert phrase in proc.stdout


# --- a renamed column ------------------------------------------------------------------------

def test_column_renamed_to_an_unrelated_name_is_recognised_by_its_answers(make, tmp_path):
    col = first_enum_column(CSV_YEAR).header

    def rename(header, rows):
        header[header.index(col)] = "Q7_nieuw"
    code, problems = json_problems(make(CSV_YEAR, rename), tmp_path)
    assert code == 1
    [p] = problems
    assert (p["regel"], p["kolom"], p["ernst"]) == ("kolom_hernoemd", "Q7_nieuw", "fout")
    assert f"'{col}' ontbreekt en lijkt hernoemd naar 'Q7_nieuw'" in p["melding"]


def test_an_unknown_column_with_other_answers_is_not_taken_for_the_missing_one(make, tmp_path):
    col = first_enum_column(CSV_YEAR).header

    def rename_and_change(header, rows):
        i = header.index(col)
        header[i] = "Q7_nieuw"
        for r in rows:
            r[i] = "Misschien"
    code, problems = json_problems(make(CSV_YEAR, rename_and_change), tmp_path)
    assert code == 1
    assert sorted((p["regel"], p["kolom"]) for p in problems) == [("kolom_onbekend", "Q7_nieuw"),
                                                                  ("kolom_ontbreekt", col)]
