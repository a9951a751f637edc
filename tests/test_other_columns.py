"""`levering.overige_kolommen`: columns of a delivery that are neither answers nor known metadata (a survey
system's Progress, UserLanguage) are in the contract as `rol: overig`, read and checked as present, and
never published.

The clean tables of the demo on a copy of the project's data (EENZAAMHEID_ROOT) whose 2022 delivery (a CSV)
has two such columns, every value a unique marker; every clean table (what the build loads, checks and
exports) is searched for the markers.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eenzaamheid import codebook as cb
from eenzaamheid import contract

ROOT = Path(__file__).resolve().parent.parent
EENZAAMHEID = str(Path(sys.executable).parent / "eenzaamheid")
YEAR = 2022
OTHER = {"Progress": "Voortgang in het enquêtesysteem (procent)", "UserLanguage": "Taal van de vragenlijst"}


def _marker(header: str, row: int) -> str:
    return f"OVERIG-{header}-{row:04d}-q7z"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the data with 2022's `overige_kolommen`, its contract rewritten, and the 2022 delivery
    with both columns added (every value a marker), registered in raw/MANIFEST.csv in place of the original."""
    root = tmp_path_factory.mktemp("overig")
    for name in ("schemas", "reference", "checks", "metadata.yml"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, root / name)
    year_file = root / "schemas" / "jaren" / f"{YEAR}.yaml"
    data = yaml.safe_load(year_file.read_text(encoding="utf-8"))
    data["levering"]["overige_kolommen"] = OTHER
    year_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    book = cb.load(root / "schemas" / "codebook.yaml")
    (root / "schemas" / "raw" / f"{YEAR}.yaml").write_text(contract.dump(contract.build_contract(YEAR, book)),
                                                            encoding="utf-8")
    source = next((ROOT / "raw" / str(YEAR)).glob("*.csv"))
    delivery = book.deliveries[YEAR]
    rows = list(csv.reader(io.StringIO(source.read_bytes().decode(delivery.codering)), delimiter=delivery.scheidingsteken))
    rows = [[*rows[0], *OTHER]] + [[*r, *(_marker(h, i) for h in OTHER)] for i, r in enumerate(rows[1:], 1) if r]
    out = io.StringIO()
    csv.writer(out, delimiter=delivery.scheidingsteken, lineterminator="\r\n").writerows(rows)
    body = out.getvalue().encode(delivery.codering)
    shutil.copytree(ROOT / "raw", root / "raw")
    target = root / "raw" / str(YEAR) / source.name
    target.write_bytes(body)
    manifest = root / "raw" / "MANIFEST.csv"
    registered = manifest.read_text(encoding="utf-8-sig")
    row = next(line for line in registered.splitlines() if line.startswith(f"{YEAR}/{source.name},"))
    cells = row.split(",")
    cells[2], cells[3] = hashlib.sha256(body).hexdigest(), str(len(body))
    manifest.write_text(registered.replace(row, ",".join(cells)), encoding="utf-8")
    return root


def _run(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EENZAAMHEID_ROOT": str(project), "PYTHONPATH": str(ROOT)}
    return subprocess.run([EENZAAMHEID, *args], capture_output=True, text=True, env=env, cwd=project,
                          check=False)


def test_the_contract_lists_them_as_other_optional_text(project):
    fields = {f["name"]: f for f in yaml.safe_load((project / "schemas" / "raw" / f"{YEAR}.yaml").read_text("utf-8"))
              ["fields"]}
    for header, description in OTHER.items():
        assert fields[header] == {"name": header, "type": "string", "title": description, "rol": "overig"}


# Every table the build loads, checks and exports is one of clean_frames' frames (build/__init__.py), so
# the frames are where a value would leak; the full build around them (gate, exports, zip) costs ~4x more.
PROBE = """
import json
from eenzaamheid.build import clean_frames
data = clean_frames(allow_quarantine=True)
leaked = sorted(f"{t}.{c}" for t, f in data.frames.items() for c in f.columns
                if f[c].astype(str).str.contains("OVERIG-", regex=False).any())
year = {t: int((f["jaar"].astype(str) == "%d").sum()) for t, f in data.frames.items() if "jaar" in f.columns}
print(json.dumps({"leaked": leaked, "rows_of_the_year": year, "problem_columns": [p.kolom for p in data.problems]}))
""" % YEAR


def test_they_validate_and_clean_and_their_values_reach_no_table(project):
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=project,
                          env={**os.environ, "EENZAAMHEID_ROOT": str(project), "PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # the delivery with the columns was read: its year's submissions and answers are there
    assert found["rows_of_the_year"]["inzendingen"] > 0 and found["rows_of_the_year"]["antwoorden"] > 0
    # validation has its planted problems to report (so it looked), none about these columns
    assert found["problem_columns"] and not set(found["problem_columns"]) & set(OTHER)
    assert not found["leaked"], found["leaked"]


def test_a_missing_other_column_is_a_missing_contract_column(project, tmp_path):
    delivery = cb.load(project / "schemas" / "codebook.yaml").deliveries[YEAR]
    source = next((project / "raw" / str(YEAR)).glob("*.csv"))
    rows = csv.reader(io.StringIO(source.read_bytes().decode(delivery.codering)), delimiter=delivery.scheidingsteken)
    out = io.StringIO()
    csv.writer(out, delimiter=delivery.scheidingsteken, lineterminator="\r\n").writerows(r[:-1] for r in rows)
    copy = tmp_path / f"levering_{YEAR}.csv"   # without its last column, UserLanguage
    copy.write_bytes(out.getvalue().encode(delivery.codering))
    checked = _run(project, "validate", str(copy), "--jaar", str(YEAR), "--format", "json")
    assert checked.returncode == 1
    assert any(p.get("regel") == "kolom_ontbreekt" and p.get("kolom") == "UserLanguage"
               for p in _all_problems(json.loads(checked.stdout))), checked.stdout[-2000:]


def _all_problems(report) -> list[dict]:
    """Every problem dict in a validate JSON report, wherever it is nested."""
    if isinstance(report, dict):
        found = [report] if "regel" in report else []
        return found + [p for v in report.values() for p in _all_problems(v)]
    if isinstance(report, list):
        return [p for v in report for p in _all_problems(v)]
    return []
