"""One strict model of the project's metadata (eenzaamheid/model/): every YAML file the build reads.

For each kind of file a copy is broken in one place, as a steward would (a misspelled key, a value of
the wrong kind, a reference to something that does not exist, an id twice), and the problem must name
the file, the line the edit is on and, for a key, the keys that are allowed. Expected lines come from
the edited text; expected allowed keys from the keys the committed files use beside the broken one.
Fast: no build, one subprocess (the CLI's exit code).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eenzaamheid.codebook_years import CodebookError
from eenzaamheid.quality import metadata_check as files
from eenzaamheid.model.reference import render

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def root(tmp_path) -> Path:
    """A copy of every metadata file the build reads, to break."""
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas", ignore=shutil.ignore_patterns("raw"))
    (tmp_path / "checks").mkdir()
    shutil.copy(ROOT / "checks" / "handmatige_controles.yml", tmp_path / "checks")
    shutil.copy(ROOT / "metadata.yml", tmp_path)
    return tmp_path


def _edit(root: Path, relative: str, old: str, new: str, nth: int = 0) -> int:
    """Replace the `nth` line of the file that matches the regex `old` (a whole line, after its indent)
    by `new` with that indent; the 1-based line number."""
    path = root / relative
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    hits = [n for n, line in enumerate(lines) if re.fullmatch(old, line.strip())]
    n = hits[nth]
    indent = lines[n][:len(lines[n]) - len(lines[n].lstrip())]
    lines[n] = indent + new + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return n + 1


def _problems(root: Path) -> list[str]:
    try:
        return files.problems(root)
    except CodebookError as exc:
        return exc.problems


def _one(problems: list[str], file: str, line: int, *texts: str) -> str:
    """The problem about `file` at `line` that says every one of `texts`."""
    found = [p for p in problems if p.startswith(f"{file}, regel {line}: ") and all(t in p for t in texts)]
    assert len(found) == 1, (file, line, texts, problems)
    return found[0]


def _allowed(problem: str) -> set[str]:
    return set(problem.split("toegestaan zijn ", 1)[1].rstrip(".").split(", "))


def _plain(relative: str):
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def test_the_committed_files_pass():
    assert files.problems() == []


def test_the_reference_page_is_what_the_script_writes():
    committed = (ROOT / "docs" / "metadata.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python scripts/write_metadata_reference.py"
    assert "docs/metadata.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ the codebook and a year file

def test_codebook_misspelled_key_wrong_type_and_dangling_references(root):
    f = "schemas/codebook.yaml"
    misspelled = _edit(root, f, r"onderwerp: .*", "onderwerpp: x")
    problem = _one(_problems(root), f, misspelled, "vragen > 1 > onderwerpp: onbekende sleutel")
    assert set(_plain(f)["vragen"][0]) <= _allowed(problem)
    shutil.copy(ROOT / f, root / f)
    wrong = _edit(root, f, r"- optie_code: ja", "- optie_code: [ja]")
    _one(_problems(root), f, wrong, "optie_code", "moet tekst zijn")
    shutil.copy(ROOT / f, root / f)
    section = _edit(root, f, r"sectie: actielijn_1", "sectie: actielijn_9")
    headline = _edit(root, f, r"optie: ja", "optie: bestaat_niet")
    problems = _problems(root)
    _one(problems, f, section, "vragen > 1 > sectie", "onbekende sectie 'actielijn_9'")
    _one(problems, f, headline, "vragen > 1 > kerncijfer > optie", "'bestaat_niet'")


def test_codebook_duplicate_question_and_section(root):
    f = "schemas/codebook.yaml"
    first = _plain(f)["vragen"][0]["vraag_id"]
    line = _edit(root, f, r"- vraag_id: .*", f"- vraag_id: {first}", nth=1)
    _one(_problems(root), f, line, f"vraag '{first}' is al eerder gedefinieerd")
    shutil.copy(ROOT / f, root / f)
    section = _plain(f)["secties"][0]["sectie"]
    line = _edit(root, f, r"- sectie: .*", f"- sectie: {section}", nth=1)
    _one(_problems(root), f, line, f"secties > 2 > sectie: sectie '{section}' komt twee keer voor")


def test_year_file_misspelled_key_wrong_type_and_dangling_references(root):
    f = "schemas/jaren/2024.yaml"
    line = _edit(root, f, r"formulering_status: .*", "formulering_stat: gepubliceerd")
    problem = _one(_problems(root), f, line, "versies > week_deelname > formulering_stat: onbekende sleutel")
    assert {k for v in _plain(f)["versies"].values() for k in v} <= _allowed(problem)
    shutil.copy(ROOT / f, root / f)
    wrong = _edit(root, f, r"uitgenodigd: \d+", "uitgenodigd: veel")
    _one(_problems(root), f, wrong, "jaargang > uitgenodigd", "geheel getal")
    shutil.copy(ROOT / f, root / f)
    source = _edit(root, f, r"bron: R2024", "bron: R2099")
    _one(_problems(root), f, source, "versies > week_deelname > bron", "onbekende bron 'R2099'")


# ------------------------------------------------------------------ Table Schemas

def test_clean_table_schema_misspelled_key_wrong_type_and_dangling_references(root):
    f = "schemas/clean/antwoorden.yaml"
    line = _edit(root, f, r"title: Inzending", "titel: Inzending")
    problem = _one(_problems(root), f, line, "fields > 1 > titel: onbekende sleutel")
    assert {k for field in _plain(f)["fields"] for k in field} <= _allowed(problem)
    shutil.copy(ROOT / f, root / f)
    wrong = _edit(root, f, r"constraints: \{required: true\}", "constraints: {required: ja}")
    _one(_problems(root), f, wrong, "constraints > required", "moet true of false zijn")
    shutil.copy(ROOT / f, root / f)
    index = _edit(root, f, r"indexen: .*", "indexen: [[vraag_id, bestaat_niet]]")
    fk = _edit(root, f, r"reference: \{resource: inzendingen, fields: \[inzending_id\]\}",
               "reference: {resource: inzendingen, fields: [bestaat_niet]}")
    table = _edit(root, f, r"reference: \{resource: vragen, fields: \[vraag_id\]\}",
                  "reference: {resource: vraagjes, fields: [vraag_id]}")
    problems = _problems(root)
    _one(problems, f, index, "indexen > 1 > 2", "onbekende kolom 'bestaat_niet'")
    _one(problems, f, fk, "foreignKeys > 1 > reference > fields > 1", "onbekende kolom 'bestaat_niet' in tabel inzendingen")
    _one(problems, f, table, "foreignKeys", "onbekende tabel 'vraagjes'")


def test_clean_table_schema_duplicate_column_and_unknown_redaction(root):
    f = "schemas/clean/toelichtingen.yaml"
    second = _plain(f)["fields"][1]["name"]
    line = _edit(root, f, r"- name: .*", f"- name: {second}", nth=2)
    redaction = _edit(root, f, r"redactie: vrije_tekst", "redactie: alles")
    problems = _problems(root)
    _one(problems, f, redaction, "redactie", "'alles'", "vrije_tekst")
    # the model is right, so only after fixing the redaction the references are checked
    _edit(root, f, r"redactie: alles", "redactie: vrije_tekst")
    _one(_problems(root), f, line, f"kolom '{second}' komt twee keer voor")


def test_published_figures_schema_the_stray_key_of_an_unquoted_comma(root):
    """The bug of issue 24: a comma in an unquoted flow-mapping title made YAML split it into a key."""
    f = "schemas/published_figures.yaml"
    line = _edit(root, f, r"- \{name: toelichting, .*", "- {name: toelichting, type: string, title: Uitleg, met komma}")
    problem = _one(_problems(root), f, line, "fields > 16 > met komma: onbekende sleutel")
    assert {k for field in _plain(f)["fields"] for k in field} <= _allowed(problem)


# ------------------------------------------------------------------ metadata.yml and the checks

def test_metadata_misspelled_key_wrong_type_and_dangling_references(root):
    f = "metadata.yml"
    line = _edit(root, f, r"gemeenten: \{label_column: naam, sort: naam, facets: \[provincie\]\}",
                 "gemeenten: {label_column: naam, sort: naam, facet: [provincie]}")
    problem = _one(_problems(root), f, line, "databases > benchmark > tables > gemeenten > facet: onbekende sleutel")
    pages = _plain(f)["databases"]["benchmark"]["tables"].values()
    assert {k for page in pages for k in page} <= _allowed(problem)
    shutil.copy(ROOT / f, root / f)
    wrong = _edit(root, f, r"kerncijfers_home: .*", "kerncijfers_home: coalitie")
    _one(_problems(root), f, wrong, "kerncijfers_home", "moet een lijst zijn")
    shutil.copy(ROOT / f, root / f)
    headline = _edit(root, f, r"kerncijfers_home: .*", "kerncijfers_home: [coalitie, bestaat_niet]")
    table = _edit(root, f, r"reconciliatie: \{facets: \[status\]\}", "reconsiliatie: {facets: [status]}")
    column = _edit(root, f, r"jaargangen: \{sort: jaar\}", "jaargangen: {sort: jaartal}")
    year = _edit(root, f, r"jaren: \[2022, 2023\]", "jaren: [2022, 2031]")
    problems = _problems(root)
    _one(problems, f, headline, "kerncijfers_home > 2", "'bestaat_niet'")
    _one(problems, f, table, "onbekende tabel of view 'reconsiliatie'")
    _one(problems, f, column, "jaargangen > sort", "onbekende kolom 'jaartal'")
    _one(problems, f, year, "panels > groep_2022_2023 > jaren > 2", "2031 is geen benchmarkjaar")


def test_manual_checks_misspelled_key_wrong_type_and_dangling_references(root):
    f = "checks/handmatige_controles.yml"
    line = _edit(root, f, r"ernst: fataal", "ernts: fataal")
    problem = _one(_problems(root), f, line, "controles > 1 > ernts: onbekende sleutel")
    assert {k for check in _plain(f)["controles"] for k in check} <= _allowed(problem)
    shutil.copy(ROOT / f, root / f)
    wrong = _edit(root, f, r"ernst: fataal", "ernst: heel_erg")
    _one(_problems(root), f, wrong, "controles > 1 > ernst", "'heel_erg'", "waarschuwing")
    shutil.copy(ROOT / f, root / f)
    first = _plain(f)["controles"][0]["id"]
    table = _edit(root, f, r"tabel: jaargangen", "tabel: jaargangetjes")
    twice = _edit(root, f, r"- id: .*", f"- id: {first}", nth=1)
    problems = _problems(root)
    _one(problems, f, table, "controles > 1 > tabel", "onbekende tabel of view 'jaargangetjes'")
    _one(problems, f, twice, f"controle '{first}' komt twee keer voor")


def test_validate_stops_with_the_dutch_message_and_exit_2(root, tmp_path):
    """A real process: the CLI checks the metadata first and says what is wrong without a traceback."""
    line = _edit(root, "metadata.yml", r"about: .*", "abuot: x")
    env = {**os.environ, "EENZAAMHEID_ROOT": str(root), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eenzaamheid.cli", "validate", str(root / "raw" / "2024")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"Fout: De metadata klopt niet:\n- metadata.yml, regel {line}: abuot: onbekende "
                                  "sleutel; toegestaan zijn title,"), proc.stderr



def test_a_pass_is_remembered_and_a_changed_file_checked_again(root, tmp_path, monkeypatch):
    """The codebook's model check is skipped (no pydantic to import) only for files that passed before."""
    from eenzaamheid import codebook
    from eenzaamheid.model import verified

    monkeypatch.setenv(verified.FOLDER_ENV, str(tmp_path / "cache"))
    codebook.load(root / "schemas" / "codebook.yaml")
    assert len(list((tmp_path / "cache").iterdir())) == 1
    line = _edit(root, "schemas/codebook.yaml", r"onderwerp: .*", "onderwerpp: x")
    with pytest.raises(CodebookError) as caught:
        codebook.load.__wrapped__(root / "schemas" / "codebook.yaml")
    _one(caught.value.problems, "schemas/codebook.yaml", line, "onderwerpp: onbekende sleutel")
    assert len(list((tmp_path / "cache").iterdir())) == 1  # a failure is not remembered
