"""The codebook is complete and honest, and the delivery contracts derive from it."""
import pytest
from frictionless import Schema

from eenzaamheid import codebook as cb
from eenzaamheid import contract

BOOK = cb.load()


@pytest.mark.parametrize("year", cb.YEARS)
def test_committed_contract_matches_codebook(year):
    assert contract.contract_path(year).read_text(encoding="utf-8") == contract.dump(contract.build_contract(year)), \
        "schemas/raw is stale: run scripts/write_contracts.py"


@pytest.mark.parametrize("year", cb.YEARS)
def test_contract_is_a_valid_table_schema(year):
    schema = Schema.from_descriptor(contract.load_contract(year))
    names = [f.name for f in schema.fields]
    assert len(names) == len(set(names)), "column headers must be unique"
    assert schema.primary_key == [BOOK.deliveries[year].metadata_kolommen["respons_id"]]
    assert all(f.constraints.get("enum") for f in schema.fields if f.custom.get("rol") == "antwoord"
               and BOOK.questions[f.custom["vraag_id"]]["type"] != "open")


def test_every_version_says_where_its_wording_comes_from():
    for q in BOOK.data["vragen"]:
        for v in q["versies"]:
            if v["formulering"] is None:
                assert v["formulering_status"] == "niet_gepubliceerd", (q["vraag_id"], v["jaar"])
            else:
                assert v["formulering_status"] == "gepubliceerd" and v["bron"] in BOOK.sources, (q["vraag_id"], v["jaar"])
            assert v["vergelijkbaar_met_vorig_jaar"] in (None, "ja", "nee", "onzeker")
            if v["vergelijkbaar_met_vorig_jaar"] in ("nee", "onzeker"):
                assert v["reden"], (q["vraag_id"], v["jaar"])


def test_codes_are_unique_and_stable_snake_case():
    import re
    assert len(BOOK.questions) == len(BOOK.data["vragen"])
    for q in BOOK.data["vragen"]:
        for key, codes in (("opties", [o["optie_code"] for o in q.get("opties", [])]),
                           ("items", [i["item_code"] for i in q.get("items", [])])):
            assert len(codes) == len(set(codes)), (q["vraag_id"], key)
            assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in codes)


def test_types_and_sections_cover_the_questionnaire():
    types = {q["type"] for q in BOOK.data["vragen"]}
    assert {"ja_nee", "enkelvoudig", "meervoudig", "matrix", "open"} <= types
    sections = {q["sectie"] for q in BOOK.data["vragen"]}
    assert sections == {s["sectie"] for s in BOOK.data["secties"]}


def _break(vraag_id, year):
    v = BOOK.version(vraag_id, year)
    return v["vergelijkbaar_met_vorig_jaar"], v["reden"] or ""


def test_known_comparability_breaks_are_recorded():
    state, why = _break("meldpunt", 2024)
    assert state == "nee" and "signaalpunt" in why and "meldpunt" in why
    state, why = _break("betrokkenheid_eenzamen", 2024)
    assert state == "nee" and "vertegenwoordigers" in why
    state, why = _break("coalitie_samenstelling", 2024)
    assert state == "nee" and "Bibliotheek" in why and "Betrokken inwoners" in why
    state, why = _break("uitdagingen", 2024)
    assert state == "nee" and "signaleren" in why and "fysieke leefomgeving" in why
    state, why = _break("doelgroepen", 2023)
    assert state == "nee" and "definitief" in why
    state, why = _break("betrokkenheid_eenzamen", 2023)
    assert state == "onzeker" and "75-plussers" in why
    new_2024 = {i["item_code"] for i in BOOK.items("coalitie_samenstelling") if i["jaren"] == [2024]}
    assert {"bibliotheek", "betrokken_inwoners", "goede_doelen"} <= new_2024
    assert {i["item_code"] for i in BOOK.items("uitdagingen") if i["jaren"] == [2024]} == {"signaleren_inrichten", "fysieke_leefomgeving"}


def test_wording_differs_where_the_reports_say_it_changed():
    assert "signaalpunt" in BOOK.version("meldpunt", 2023)["formulering"]
    assert "meldpunt" in BOOK.version("meldpunt", 2024)["formulering"]
    assert "vertegenwoordigers" in BOOK.version("betrokkenheid_eenzamen", 2023)["formulering"]
    assert "vertegenwoordigers" not in BOOK.version("betrokkenheid_eenzamen", 2024)["formulering"]


def test_skip_rule_for_kartrekker():
    rule = next(r for r in BOOK.skip_rules() if r["vraag_id"] == "kartrekker")
    assert rule["als_vraag"] == "coalitie" and "nee" not in rule["als_opties"] and "ja_levend" in rule["als_opties"]


def test_year_fields_refer_to_what_the_codebook_defines():
    """What a new year adds (versions, reworded option labels, options of some years) points at existing things."""
    years = set(BOOK.years)
    assert years == {d["jaar"] for d in BOOK.data["leveringen"]} == {j["jaar"] for j in BOOK.data["jaargangen"]}
    for q in BOOK.data["vragen"]:
        codes = {o["optie_code"] for o in q.get("opties", [])}
        for v in q["versies"]:
            assert v["jaar"] in years, (q["vraag_id"], v["jaar"])
            assert set(v.get("optielabels") or {}) <= codes, (q["vraag_id"], v["jaar"])
        for o in q.get("opties", []):
            assert set(o.get("jaren", [])) <= set(BOOK.years_asked(q["vraag_id"])), (q["vraag_id"], o["optie_code"])
