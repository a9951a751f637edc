"""`eenzaamheid nieuw-jaar` finds every change of a delivery against the latest year, and nothing else.

Two synthetic fixtures (tests/fixtures/jaar2025/ and jaar2025b/, made by jaar2025/maak_fixture.py) change
different things. For each, the draft's year file is compared with what the fixture changed: the changed
questions get the codebook key that records the change, every other question continues exactly as in
2024. The second fixture is then applied with only its TODOs filled and its delivery validates.
"""
from __future__ import annotations

import hashlib

import pytest
import yaml

from newyear_steps import CLI, REPO, data_copy, fill, run, shown, todo_paths

A = "tests/fixtures/jaar2025/benchmark_eenzaamheid_2025_export.csv"
B = "tests/fixtures/jaar2025b/benchmark_eenzaamheid_2025_export.csv"
CHANGED = {  # fixture -> the report's headings (one finding each) and the TODOs the draft must leave
    A: ({"Nieuwe vragen", "Vragen zonder kolom (niet meer gesteld)", "Kolommen die waarschijnlijk zijn hernoemd",
         "Antwoordopties die anders zijn geformuleerd"},
        {"nieuwe_vragen > 0 > sectie", "nieuwe_vragen > 0 > onderwerp", "nieuwe_vragen > 0 > kerncijfer",
         "versies > coalitie > reden", "jaargang > uitgenodigd"}),
    B: ({"Antwoordopties die waarschijnlijk zijn vervallen", "Nieuwe rijen of keuzes bij een bestaande vraag",
         "Verplaatste kolommen", "Nieuwe kolommen van het enquêtesysteem"},
        {"versies > instrumenten > reden", "jaargang > uitgenodigd"}),
}


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    """Per fixture: its data copy, the command's result, the draft's data, and the 2024 versions."""
    out = {}
    from eenzaamheid import codebook
    book = codebook.load()
    before = {q: book.version(q, 2024) for q in book.questions if book.version(q, 2024)}
    for delivery in (A, B):
        root = data_copy(tmp_path_factory.mktemp("concept"))
        result = run(CLI + ["nieuw-jaar", delivery, "--jaar", "2025"], root)
        concept = root / "schemas/jaren/2025.concept.yaml"
        out[delivery] = (root, result, yaml.safe_load(concept.read_text(encoding="utf-8")) if concept.exists() else None)
    return out, before, book


def _headings(report: str) -> dict[str, int]:
    """Report section -> number of findings under it, between "Gevonden wijzigingen" and the TODOs."""
    part = report.split("## Gevonden wijzigingen", 1)[1].split("## Nog te beslissen", 1)[0]
    counts, current = {}, None
    for line in part.splitlines():
        if line.startswith("### "):
            current = line[4:]
            counts[current] = 0
        elif line.startswith("- ") and current:
            counts[current] += 1
    return counts


@pytest.mark.parametrize("delivery", [A, B])
def test_the_draft_reports_each_change_once_and_nothing_else(drafts, delivery):
    found, _, _ = drafts
    _, result, data = found[delivery]
    assert result.returncode == 0 and data is not None, result.stderr
    headings, todos = CHANGED[delivery]
    assert _headings(result.stdout) == {h: 1 for h in headings}
    assert {shown(p) for p in todo_paths(data)} == todos


def _unchanged(before: dict, version: dict) -> bool:
    """A continued question's 2025 version: the 2024 columns, comparable, no option changes."""
    keys = ("kolom", "kolommen")
    return all(version.get(k) == before.get(k) for k in keys) and version["vergelijkbaar_met_vorig_jaar"] == "ja" \
        and not {"optielabels", "vervallen_opties", "nieuwe_opties", "nieuwe_items"} & set(version)


def test_fixture_a_changes_are_recorded_where_the_codebook_keeps_them(drafts):
    found, before, book = drafts
    data = found[A][2]
    versions = data["versies"]
    [new] = data["nieuwe_vragen"]
    assert new["type"] == "ja_nee" and new["na"] == "week_deelname" and new["vraag_id"] in versions
    assert versions[new["vraag_id"]]["kolom"].startswith("Voert uw gemeente buiten de Week")
    assert set(data["niet_gevraagd"]) == {"week_communicatiemateriaal"} and "week_communicatiemateriaal" not in versions
    assert versions["meldpunt"]["kolom"] == "meldpunt_toegankelijk"
    assert versions["meldpunt"]["vergelijkbaar_met_vorig_jaar"] == "ja"
    assert versions["coalitie"]["optielabels"] == {"ja_doorontwikkelen": "Ja, we ontwikkelen de samenwerking door of "
                                                                         "bouwen haar af"}
    assert versions["coalitie"]["vergelijkbaar_met_vorig_jaar"] == "onzeker"
    rest = set(before) - {"week_communicatiemateriaal", "meldpunt", "coalitie"}
    assert rest <= set(versions) and all(_unchanged(before[q], versions[q]) for q in rest)
    assert data["levering"]["metadata_kolommen"] == book.deliveries[2024].metadata_kolommen
    assert "overige_kolommen" not in data["levering"]


def test_fixture_b_changes_are_recorded_where_the_codebook_keeps_them(drafts):
    found, before, book = drafts
    data = found[B][2]
    versions = data["versies"]
    assert "nieuwe_vragen" not in data and "niet_gevraagd" not in data
    doelgroepen = versions["doelgroepen"]
    [item] = doelgroepen["nieuwe_items"]
    assert item["label"] == "Nieuwe inwoners" and doelgroepen["kolommen"][item["item_code"]].endswith("- Nieuwe inwoners")
    assert {k: v for k, v in doelgroepen["kolommen"].items() if k != item["item_code"]} == before["doelgroepen"]["kolommen"]
    assert doelgroepen["vergelijkbaar_met_vorig_jaar"] == "ja"
    assert versions["instrumenten"]["vervallen_opties"] == ["onbekend"]
    assert versions["instrumenten"]["vergelijkbaar_met_vorig_jaar"] == "onzeker"
    assert data["levering"]["overige_kolommen"] == {"Voortgang": "Voortgang in procenten (enquêtesysteem)"}
    rest = set(before) - {"doelgroepen", "instrumenten"}
    assert set(versions) == set(before) and all(_unchanged(before[q], versions[q]) for q in rest)  # moved: no change


def test_fixture_b_applies_with_only_its_todos_filled_and_validates(drafts):
    found, _, _ = drafts
    root, _, _ = found[B]
    (root / "schemas/jaren/2025.concept.yaml").write_text(  # the number of invited municipalities, as the README's
        (root / "schemas/jaren/2025.concept.yaml").read_text(encoding="utf-8").replace(  # --uitgenodigd would give
            "uitgenodigd: 'TODO: het aantal uitgenodigde gemeenten (een getal), of null als het niet bekend is'",
            "uitgenodigd: 270"), encoding="utf-8")
    fill(root / "schemas/jaren/2025.concept.yaml", REPO / "tests/fixtures/jaar2025b/invullingen.yaml")
    applied = run(CLI + ["nieuw-jaar", B, "--jaar", "2025", "--toepassen"], root)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr
    assert (root / "schemas/jaren/2025.yaml").read_text(encoding="utf-8") == \
        (REPO / "tests/fixtures/jaar2025b/2025.yaml").read_text(encoding="utf-8")
    # the contract lists the survey system's column (its values are never published: tests/test_other_columns.py)
    fields = {f["name"]: f for f in yaml.safe_load((root / "schemas/raw/2025.yaml").read_text("utf-8"))["fields"]}
    assert fields["Voortgang"]["rol"] == "overig"


def test_applying_with_a_todo_left_changes_nothing(drafts):
    found, _, _ = drafts
    root, _, _ = found[A]
    schemas = {p: hashlib.sha256(p.read_bytes()).digest() for p in (root / "schemas").rglob("*") if p.is_file()}
    out = run(CLI + ["nieuw-jaar", A, "--jaar", "2025", "--toepassen"], root)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "nog 5 TODO" in out.stderr and "regel " in out.stderr
    assert {p: hashlib.sha256(p.read_bytes()).digest() for p in (root / "schemas").rglob("*") if p.is_file()} == schemas


def test_a_known_year_or_an_existing_draft_is_refused(drafts):
    found, _, _ = drafts
    root, _, _ = found[A]
    known = run(CLI + ["nieuw-jaar", A, "--jaar", "2024"], root)
    assert known.returncode == 2 and "al bekend" in known.stderr and "Traceback" not in known.stderr
    again = run(CLI + ["nieuw-jaar", A, "--jaar", "2025"], root)
    assert again.returncode == 2 and "--overschrijf" in again.stderr
