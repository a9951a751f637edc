"""A survey year is one file: schemas/codebook.yaml holds the questionnaire, schemas/jaren/<jaar>.yaml
each year, and the loader merges them into the codebook the rest of the code reads (fast, no build).

Expectations come from the year files read as plain YAML, or from small synthetic codebooks whose
merged result is worked out by hand below."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eenzaamheid import codebook as cb
from eenzaamheid import contract
from eenzaamheid.codebook_years import CodebookError, merge

ROOT = Path(__file__).resolve().parent.parent
YEAR_FILES = sorted((ROOT / "schemas" / "jaren").glob("[0-9][0-9][0-9][0-9].yaml"))


def _plain(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------ the committed files

def test_the_years_are_the_year_files_and_their_contracts_are_in_date():
    book = cb.load()
    assert list(book.years) == [int(p.stem) for p in YEAR_FILES]
    for year in book.years:
        assert contract.out_of_date(year) is None, year


def test_the_questionnaire_has_no_years_in_it():
    text = _plain(ROOT / "schemas" / "codebook.yaml")
    assert not {"jaargangen", "leveringen"} & set(text)
    assert all("versies" not in q and all("jaren" not in i for i in q.get("items", [])) for q in text["vragen"])


def test_each_year_file_becomes_that_years_delivery_versions_and_item_years():
    book = cb.load()
    files = {int(p.stem): _plain(p) for p in YEAR_FILES}
    for year, data in files.items():
        assert next(d for d in book.data["leveringen"] if d["jaar"] == year) == {"jaar": year, **data["levering"]}
        assert next(j for j in book.data["jaargangen"] if j["jaar"] == year) == {"jaar": year, **data["jaargang"]}
        for vraag_id, version in data["versies"].items():
            assert book.version(vraag_id, year) == {"jaar": year, **version}
    for q in book.data["vragen"]:
        assert [v["jaar"] for v in q["versies"]] == [y for y in files if q["vraag_id"] in files[y]["versies"]]
        for item in q.get("items", []):
            asked = [y for y in files if item["item_code"] in
                     ((files[y]["versies"].get(q["vraag_id"]) or {}).get("kolommen") or {})]
            assert item["jaren"] == asked, (q["vraag_id"], item["item_code"])


# ------------------------------------------------------------------ the merge, on a synthetic codebook

BASE = {
    "bronnen": {"R1": {"titel": "Rapport", "bestand": "r1.txt"}},
    "secties": [{"sectie": "s", "label": "S"}],
    "typen": [{"type": t, "label": t} for t in ("enkelvoudig", "matrix", "open")],
    "vragen": [
        {"vraag_id": "keuze", "sectie": "s", "type": "enkelvoudig", "onderwerp": "Keuze",
         "opties": [{"optie_code": "a", "label": "A"}, {"optie_code": "b", "label": "B"},
                    {"optie_code": "c", "label": "C"}]},
        {"vraag_id": "rijen", "sectie": "s", "type": "matrix", "onderwerp": "Rijen", "noot": "Een noot.",
         "opties": [{"optie_code": "ja", "label": "Ja"}],
         "items": [{"item_code": "x", "label": "X"}, {"item_code": "y", "label": "Y"}]},
    ],
}
# what every version says besides its columns (the model requires it)
V = {"formulering": None, "bron": "R1", "vindplaats": None, "formulering_status": "niet_gepubliceerd",
     "vergelijkbaar_met_vorig_jaar": None, "reden": None}
DELIVERY = {"formaat": "csv", "metadata_kolommen": {"respons_id": "id", "gemeente": "g"}, "datumformaat": "%Y"}


def _year(year: int, versies: dict, **more) -> tuple[str, int, dict]:
    return (f"schemas/jaren/{year}.yaml", year,
            {"jaar": year, "jaargang": {"uitgenodigd": None, "notitie": "n"}, "levering": DELIVERY,
             "versies": versies, **more})


def _synthetic() -> dict:
    return merge(BASE, [
        _year(2030, {"keuze": {**V, "kolom": "K"}, "rijen": {**V, "kolommen": {"x": "RX", "y": "RY"}}}),
        _year(2031, {"keuze": {**V, "kolom": "K", "nieuwe_opties": [{"optie_code": "d", "label": "D", "na": "a"}],
                               "vervallen_opties": ["c"]},
                     "rijen": {**V, "kolommen": {"x": "RX", "z": "RZ"},
                               "nieuwe_items": [{"item_code": "z", "label": "Z", "na": "x"}]},
                     "nieuw": {**V, "kolom": "N"}},
              nieuwe_vragen=[{"vraag_id": "nieuw", "na": "keuze", "sectie": "s", "type": "open", "onderwerp": "Nieuw"}],
              bronnen={"R2": {"titel": "Rapport 2", "bestand": "r2.txt"}}),
        _year(2032, {"keuze": {**V, "kolom": "K"}, "nieuw": {**V, "kolom": "N"}}, niet_gevraagd={"rijen": "niet gesteld."}),
    ])


def test_merge_places_new_questions_options_and_items_and_gives_their_years():
    data = _synthetic()
    assert [q["vraag_id"] for q in data["vragen"]] == ["keuze", "nieuw", "rijen"]
    keuze, nieuw, rijen = data["vragen"]
    # d is offered from 2031 on, c not in 2031; a and b every year, so they carry no `jaren`
    assert keuze["opties"] == [{"optie_code": "a", "label": "A"}, {"optie_code": "d", "label": "D", "jaren": [2031, 2032]},
                               {"optie_code": "b", "label": "B"}, {"optie_code": "c", "label": "C", "jaren": [2030, 2032]}]
    assert rijen["items"] == [{"item_code": "x", "label": "X", "jaren": [2030, 2031]},
                              {"item_code": "z", "label": "Z", "jaren": [2031]},
                              {"item_code": "y", "label": "Y", "jaren": [2030]}]
    assert [v["jaar"] for v in nieuw["versies"]] == [2031, 2032] and "na" not in nieuw
    assert rijen["noot"] == "Een noot. 2032: niet gesteld."
    assert list(keuze["versies"][1]) == ["jaar", *V, "kolom"]  # the year's additions went to the question
    assert set(data["bronnen"]) == {"R1", "R2"}
    assert [d["jaar"] for d in data["leveringen"]] == [d["jaar"] for d in data["jaargangen"]] == [2030, 2031, 2032]
    assert BASE["vragen"][0]["opties"][1]["optie_code"] == "b"  # the input is left as it was


def test_the_merged_codebook_offers_each_year_its_own_options_and_columns():
    book = cb.Codebook(_synthetic())
    assert [o["optie_code"] for o in book.options("keuze", 2030)] == ["a", "b", "c"]
    assert [o["optie_code"] for o in book.options("keuze", 2031)] == ["a", "d", "b"]
    assert [c.header for c in book.answer_columns(2031)] == ["K", "N", "RX", "RZ"]
    assert [c.header for c in book.answer_columns(2032)] == ["K", "N"]


# ------------------------------------------------------------------ errors: Dutch, file and key named

@pytest.fixture
def schemas(tmp_path) -> Path:
    """A copy of schemas/codebook.yaml and schemas/jaren/ to break."""
    target = tmp_path / "schemas"
    target.mkdir()
    shutil.copy(ROOT / "schemas" / "codebook.yaml", target)
    shutil.copytree(ROOT / "schemas" / "jaren", target / "jaren")
    return target


def _edit(schemas: Path, year: int, change) -> None:
    path = schemas / "jaren" / f"{year}.yaml"
    data = _plain(path)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(schemas: Path) -> list[str]:
    with pytest.raises(CodebookError) as caught:
        cb.load(schemas / "codebook.yaml")
    assert str(caught.value).startswith("Het codeboek klopt niet:")
    return caught.value.problems


NEW_QUESTION = {"vraag_id": "nieuw", "sectie": "pijler_1", "type": "open", "onderwerp": "Nieuw"}
BROKEN = {
    "jaar_anders": (lambda d: d.update(jaar=2023), "schemas/jaren/2024.yaml: jaar: is 2023, maar de bestandsnaam zegt 2024."),
    "onbekende_vraag": (lambda d: d["versies"].update(bestaat_niet={**V, "bron": "R2024", "kolom": "X"}),
                        "schemas/jaren/2024.yaml: versies > bestaat_niet: een versie voor een onbekende vraag"),
    "vraag_dubbel": (lambda d: d.update(nieuwe_vragen=[{**NEW_QUESTION, "vraag_id": "meldpunt"}]),
                     "schemas/jaren/2024.yaml: nieuwe_vragen > 1 > vraag_id: vraag 'meldpunt' is al eerder gedefinieerd."),
    "na_vraag": (lambda d: d.update(nieuwe_vragen=[{**NEW_QUESTION, "na": "bestaat_niet"}]),
                 "schemas/jaren/2024.yaml: nieuwe_vragen > 1 > na: onbekende vraag 'bestaat_niet'."),
    "na_item": (lambda d: d["versies"]["instrumenten"].update(nieuwe_items=[{"item_code": "n", "label": "N",
                                                                             "na": "bestaat_niet"}]),
                ("schemas/jaren/2024.yaml: versies > instrumenten > nieuwe_items > 1 > na: 'bestaat_niet' komt in "
                 "deze vraag niet voor.")),
    "bron_dubbel": (lambda d: d.update(bronnen={"R2024": {"titel": "t", "bestand": "b"}}),
                    "schemas/jaren/2024.yaml: bronnen > R2024: bron 'R2024' is al eerder gedefinieerd."),
    "sleutel": (lambda d: d.update(versie={}), ("schemas/jaren/2024.yaml: versie: onbekende sleutel; toegestaan zijn "
                                                "jaar, jaargang, levering, bronnen, nieuwe_vragen, versies, niet_gevraagd.")),
    "sleutel_versie": (lambda d: d["versies"]["meldpunt"].update(formulring="x"),
                       ("schemas/jaren/2024.yaml: versies > meldpunt > formulring: onbekende sleutel; toegestaan "
                        "zijn formulering,")),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_year_file_is_named_with_its_key(schemas, case):
    change, message = BROKEN[case]
    _edit(schemas, 2024, change)
    problems = _problems(schemas)
    file, rest = message.split(": ", 1)  # the message names the line in the file too
    assert len(problems) == 1 and re.match(re.escape(file) + r", regel \d+: " + re.escape(rest), problems[0]), problems


def test_every_todo_left_in_a_year_file_is_listed(schemas):
    def todo(d):
        d["versies"]["meldpunt"]["reden"] = "TODO: vergelijkbaar of niet?"
        d["jaargang"]["notitie"] = "TODO"
    _edit(schemas, 2024, todo)
    lines = (schemas / "jaren" / "2024.yaml").read_text(encoding="utf-8").splitlines()
    notitie = 1 + next(n for n, line in enumerate(lines) if line.strip().startswith("notitie: TODO"))
    assert _problems(schemas)[0] == f"schemas/jaren/2024.yaml, regel {notitie}: jaargang > notitie is nog TODO: TODO"
    assert re.fullmatch(r"schemas/jaren/2024\.yaml, regel \d+: versies > meldpunt > reden is nog TODO: "
                        r"TODO: vergelijkbaar of niet\?", _problems(schemas)[1])


def test_drafts_and_notes_beside_the_year_files_are_ignored(schemas):
    (schemas / "jaren" / "2025.concept.yaml").write_text("jaar: [niet af\n", encoding="utf-8")
    (schemas / "jaren" / "LEESMIJ.md").write_text("# notities\n", encoding="utf-8")
    assert cb.load(schemas / "codebook.yaml").years == cb.load().years


def test_the_cli_says_what_is_wrong_in_one_dutch_message_and_exits_2(schemas, tmp_path):
    """A real process: the message instead of a traceback is the process boundary's job."""
    _edit(schemas, 2024, lambda d: d["versies"].update(bestaat_niet={**V, "bron": "R2024", "kolom": "X"}))
    delivery = tmp_path / "raw" / "2024" / "levering_2024.csv"
    delivery.parent.mkdir(parents=True)
    delivery.write_text("a;b\n1;2\n", encoding="utf-8")
    env = {**os.environ, "EENZAAMHEID_ROOT": str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "eenzaamheid.cli", "validate", str(delivery)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert re.match(r"Fout: Het codeboek klopt niet:\n- schemas/jaren/2024\.yaml, regel \d+: versies > bestaat_niet",
                    proc.stderr), proc.stderr
