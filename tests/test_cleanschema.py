"""The clean tables' Table Schemas are valid, documented in Dutch, and their pandera models
(converted, not written twice) catch what the schemas forbid."""
from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from frictionless import Schema

from eenzaamheid import codebook
from eenzaamheid.tables import cleanschema, codebook_tables, foreignkeys
from eenzaamheid.transform import wide
from eenzaamheid.paths import SCHEMAS
from test_export import gemeenten, minimal_frames

# The published names of every clean table, in order (the contract with Datasette users and the
# harmonize/panel/load stages).
COLUMNS = {
    "gemeenten": "gemeente_code naam provincie_code provincie geldig_van geldig_tot opvolger_code latitude longitude",
    "jaargangen": "jaar uitgenodigd geleverde_rijen respondenten responspercentage synthetisch notitie",
    "vragen": "vraag_id sectie sectie_label type onderwerp alleen_als jaren noot",
    "vraagversies": "vraag_id jaar formulering formulering_status bron vindplaats ruwe_kolommen "
                    "vergelijkbaar_met_vorig_jaar reden",
    "antwoordopties": "vraag_id item_code item_label optie_code label jaren",
    "optielabels_per_jaar": "vraag_id item_code optie_code jaar label",
    "bronbestanden": "bestand jaar formaat sha256 bytes rijen codering werkbladen ontvangen schema synthetisch actief vervangen_door",
    "inzendingen": "inzending_id jaar bestand rij respons_id starttijd eindtijd gemeente_geleverd gemeente_code "
                   "opvolger_code provincie_code resolutie status reden telt_in_vast_panel_2022_2024 telt_in_groep_2022_2023 "
                   "synthetisch",
    "antwoorden": "inzending_id jaar gemeente_code opvolger_code vraag_id item_code optie_code waarde ruwe_waarde "
                  "bron_kolom telt_in_vast_panel_2022_2024 telt_in_groep_2022_2023 synthetisch",
    "antwoorden_quarantaine": "inzending_id jaar gemeente_code opvolger_code vraag_id item_code bron_kolom ruwe_waarde "
                              "regel reden synthetisch",
    "antwoorden_niet_meegeteld": "inzending_id jaar gemeente_code opvolger_code vraag_id item_code optie_code waarde "
                                 "ruwe_waarde bron_kolom status synthetisch",
    # the fixed columns, then one per question or item, generated from the codebook
    "antwoorden_breed": "inzending_id jaar gemeente_code gemeente provincie opvolger_code telt_in_vast_panel_2022_2024 "
                        "telt_in_groep_2022_2023 synthetisch " + " ".join(c.name for c in wide.columns()),
    "toelichtingen": "toelichting_id inzending_id jaar vraag_id gemeente_code tekst aantal_redacties bron_kolom "
                     "telt_mee synthetisch",
    "deelname": "gemeente_code jaar deelgenomen aantal_inzendingen inzending_ids gemeente_codes_dat_jaar "
                "lid_vast_panel_2022_2024 lid_groep_2022_2023 synthetisch",
    "opschoonlog": "log_id regel bestand rij kolom voor na inzending_id",
    "gepubliceerde_cijfers": "cijfer_id jaar populatie vraag_id item_code optie_code maat operator waarde basis "
                             "vergelijkingsjaar document vindplaats citaat kenmerk toelichting",
    "reconciliatie": "cijfer_id berekend berekende_basis verschil status reden synthetisch",
    "kerncijfers": "vraag_id jaar populatie item_code optie_code opties label formulering aantal basis percentage "
                   "vorig_jaar verschil_procentpunt vergelijkbaar_met_vorig_jaar synthetisch",
    "verantwoording": "bestand geleverd geaccepteerd vervangen_duplicaat in_quarantaine antwoorden_geleverd "
                      "antwoorden_geteld antwoorden_vervangen antwoorden_in_quarantaine sluitend",
    "wijzigingen": "wijziging_id soort tabel toegevoegd verwijderd gewijzigd jaar gemeente_code vraag_id item_code "
                   "cijfer_id oud nieuw omschrijving",
}

DUTCH = {"de", "het", "een", "van", "en", "of", "als", "bij", "die", "dat", "met", "waarin", "naar", "niet",
         "op", "is", "zijn", "voor", "uit", "aantal", "leeg", "jaar", "waarop", "waaruit", "tot", "soort",
         "cijfer", "gemeente", "gemeenten", "vraag", "rij", "zie"}
ENGLISH = {"the", "which", "when", "where", "empty", "with", "from", "year", "number", "whether"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-zà-ÿ]+", text.lower()))


def test_tables_are_exactly_the_published_ones_in_load_order():
    assert list(cleanschema.TABLES) == list(COLUMNS)
    seen = set()
    for table in cleanschema.TABLES:
        for fk in cleanschema.foreign_keys(table):
            assert fk["resource"] in seen | {table}, f"{table} refers to {fk['resource']} before it is loaded"
        seen.add(table)


@pytest.mark.parametrize("table", cleanschema.TABLES)
def test_schema_is_valid_frictionless_with_dutch_documentation(table):
    schema = cleanschema.load(table)
    report = Schema.validate_descriptor(schema)
    assert report.valid, report.flatten(["message"])
    assert cleanschema.field_names(table) == COLUMNS[table].split()
    assert schema["title"] and _words(schema["description"]) & DUTCH
    assert schema["description"].strip().startswith(("Eén rij per", "Elk cijfer")), "says what one row is"
    for field in schema["fields"]:
        for key in ("title", "description"):
            assert field.get(key), f"{table}.{field['name']} has no {key}"
        words = _words(field["description"])
        assert words & DUTCH and not words & ENGLISH, f"{table}.{field['name']}: {field['description']!r}"
    for fk in schema.get("foreignKeys", []):
        assert set(fk) == {"fields", "reference"} and set(fk["reference"]) == {"resource", "fields"}
        # a self-reference is "" (Data Package v1), never the table's own name
        assert fk["reference"]["resource"] in set(cleanschema.TABLES) - {table} | {""}
    assert schema["primaryKey"]


@pytest.mark.parametrize("table", cleanschema.TABLES)
def test_booleans_are_0_1_integers_and_keys_cannot_be_missing(table):
    schema = cleanschema.load(table)
    for field in schema["fields"]:
        constraints = field.get("constraints", {})
        if constraints.get("enum") == [0, 1]:
            assert field["type"] == "integer"
        if field["type"] in ("date", "datetime") and table != "gepubliceerde_cijfers":
            assert field["name"] in {"geldig_van", "geldig_tot", "ontvangen", "starttijd", "eindtijd"}
    if cleanschema.missing_values(table) == []:
        # no missing values at all: a non-string field would have no way to be empty in CSV
        for field in schema["fields"]:
            assert field["type"] == "string" or field.get("constraints", {}).get("required"), field["name"]


def test_gepubliceerde_cijfers_reuses_the_published_figures_schema():
    with open(SCHEMAS / "published_figures.yaml", encoding="utf-8") as f:
        source = yaml.safe_load(f)
    schema = cleanschema.load("gepubliceerde_cijfers")
    assert not (SCHEMAS / "clean" / "gepubliceerde_cijfers.yaml").exists()
    assert [f["name"] for f in schema["fields"]] == [f["name"] for f in source["fields"]]
    assert [f.get("constraints") for f in schema["fields"]] == [f.get("constraints") for f in source["fields"]]
    assert schema["primaryKey"] == source["primaryKey"]


def test_load_returns_a_copy():
    cleanschema.load("vragen")["fields"].clear()
    assert cleanschema.load("vragen")["fields"]


def test_pandera_model_is_converted_from_the_table_schema():
    model = cleanschema.pandera_model("antwoordopties")
    assert list(model.columns) == COLUMNS["antwoordopties"].split()
    assert model.unique == ["vraag_id", "item_code", "optie_code"]  # composite primary key
    assert not model.columns["item_code"].nullable and model.columns["item_label"].nullable
    gemeenten_model = cleanschema.pandera_model("gemeenten")
    assert gemeenten_model.columns["gemeente_code"].unique  # single-column primary key
    assert str(cleanschema.pandera_model("jaargangen").columns["uitgenodigd"].dtype) == "Int64"
    assert gemeenten_model.strict


@pytest.fixture(scope="module")
def book():
    return codebook.load()


def test_real_reference_frames_pass(book):
    frame = cleanschema.check("gemeenten", gemeenten())
    assert frame["geldig_tot"].isna().sum() == (gemeenten()["geldig_tot"] == "").sum() > 300  # "" → missing
    assert frame["latitude"].notna().all()
    for table, make in (("vragen", codebook_tables.vragen), ("vraagversies", codebook_tables.vraagversies),
                        ("antwoordopties", codebook_tables.antwoordopties),
                        ("optielabels_per_jaar", codebook_tables.optielabels_per_jaar)):
        checked = cleanschema.check(table, make(book))
        assert len(checked) == len(make(book))
    opties = cleanschema.check("antwoordopties", codebook_tables.antwoordopties(book))
    assert (opties["item_code"] == "").any(), "'' is a value in antwoordopties, not a missing one"


def test_text_numbers_are_coerced_and_types_normalised():
    cijfers = pd.read_csv(SCHEMAS.parent / "checks" / "published_figures.csv", dtype=str, keep_default_na=False)
    checked = cleanschema.check("gepubliceerde_cijfers", cijfers)
    assert str(checked["jaar"].dtype) == "Int64" and checked["waarde"].dtype == "float64"
    assert checked["basis"].isna().any() and checked["kenmerk"].isna().any()


def _failure(table: str, frame: pd.DataFrame) -> cleanschema.CleanTableError:
    with pytest.raises(cleanschema.CleanTableError) as info:
        cleanschema.check(table, frame)
    return info.value


def test_duplicate_primary_key_is_caught():
    frame = gemeenten()
    frame = pd.concat([frame, frame[frame["gemeente_code"] == "GM0363"]], ignore_index=True)
    error = _failure("gemeenten", frame)
    assert error.table == "gemeenten"
    assert "gemeenten" in str(error) and "gemeente_code" in str(error) and "field_uniqueness" in str(error)
    assert set(error.failure_cases["failure_case"]) == {"GM0363"}


def test_duplicate_composite_primary_key_is_caught(book):
    frame = codebook_tables.vraagversies(book)
    frame = pd.concat([frame, frame.iloc[[5]]], ignore_index=True)
    error = _failure("vraagversies", frame)
    assert "multiple_fields_uniqueness" in str(error)
    assert set(error.failure_cases["index"]) == {5, len(frame) - 1}


def test_wrong_enum_and_missing_required_value_are_all_reported(book):
    frame = codebook_tables.vragen(book)
    frame.loc[2, "type"] = "ja-nee"
    frame.loc[4, "onderwerp"] = None
    frame.loc[6, "sectie_label"] = ""  # an empty string is a missing value here, as in CSV
    error = _failure("vragen", frame)
    cases = error.failure_cases
    assert set(zip(cases["column"], cases["index"])) == {("type", 2), ("onderwerp", 4), ("sectie_label", 6)}
    message = str(error)
    assert "kolom type, check isin" in message and "'ja-nee'" in message
    assert f"vraag_id='{frame.loc[2, 'vraag_id']}'" in message  # the row is named by its key
    assert "not_nullable" in message


def test_missing_item_code_is_not_the_empty_item_code(book):
    frame = codebook_tables.antwoordopties(book)
    frame.loc[0, "item_code"] = None
    error = _failure("antwoordopties", frame)
    assert list(error.failure_cases["column"]) == ["item_code"]


def test_patterns_dates_and_ranges(book):
    frame = gemeenten()
    frame.loc[0, "gemeente_code"] = "GM363"
    frame.loc[1, "geldig_van"] = "2019-02-30"
    frame.loc[2, "geldig_tot"] = "1-1-2021"
    frame.loc[3, "latitude"] = 12.5
    cases = _failure("gemeenten", frame).failure_cases
    assert set(zip(cases["column"], cases["index"])) == {("gemeente_code", 0), ("geldig_van", 1),
                                                         ("geldig_tot", 2), ("latitude", 3)}
    inzendingen = minimal_frames()["inzendingen"]
    inzendingen.loc[0, "starttijd"] = "2024-11-05 09:15"
    inzendingen.loc[1, "synthetisch"] = 2
    inzendingen.loc[2, "inzending_id"] = "2024-17"
    cases = _failure("inzendingen", inzendingen).failure_cases
    assert set(cases["column"]) == {"starttijd", "synthetisch", "inzending_id"}


def test_missing_and_extra_columns_are_reported(book):
    frame = codebook_tables.vragen(book).drop(columns=["noot"]).assign(geheim=1)
    cases = _failure("vragen", frame).failure_cases
    assert set(cases["failure_case"]) == {"noot", "geheim"}


def test_foreign_keys_across_tables(book):
    frames = {t: cleanschema.check(t, f) for t, f in minimal_frames().items()}
    assert foreignkeys.check_foreign_keys(frames) == []

    broken = dict(frames)
    broken["vraagversies"] = frames["vraagversies"].copy()
    broken["vraagversies"].loc[0, "vraag_id"] = "bestaat_niet"
    broken["antwoorden"] = frames["antwoorden"].copy()
    broken["antwoorden"].loc[0, "optie_code"] = "misschien"  # composite key to antwoordopties
    broken["gemeenten"] = frames["gemeenten"].copy()
    broken["gemeenten"].loc[0, "opvolger_code"] = "GM9999"  # self-reference
    messages = foreignkeys.check_foreign_keys(broken)
    # the broken version also orphans that version's option labels (optielabels_per_jaar -> vraagversies)
    assert len(messages) == 4, messages
    assert any(m.startswith("optielabels_per_jaar.vraag_id+jaar verwijst naar vraagversies") for m in messages)
    assert any(m.startswith("vraagversies.vraag_id verwijst naar vragen.vraag_id: 1 waarde(n)")
               and "'bestaat_niet'" in m for m in messages)
    assert any(m.startswith("antwoorden.vraag_id+item_code+optie_code verwijst naar antwoordopties")
               and "misschien" in m for m in messages)
    assert any(m.startswith("gemeenten.opvolger_code verwijst naar gemeenten.gemeente_code") for m in messages)


def test_empty_references_are_allowed_and_absent_parents_skipped():
    frames = {t: cleanschema.check(t, f) for t, f in minimal_frames().items()}
    inzendingen = frames["inzendingen"].copy()
    inzendingen.loc[inzendingen.index[0], "gemeente_code"] = None  # an unresolved municipality refers to nothing
    only = {"inzendingen": inzendingen, "gemeenten": frames["gemeenten"]}  # bronbestanden absent: skipped
    assert foreignkeys.check_foreign_keys(only) == []
    assert foreignkeys.check_foreign_keys({"inzendingen": inzendingen.assign(gemeente_code="GM0001"),
                                           "gemeenten": frames["gemeenten"]})


def test_unknown_table_is_refused():
    with pytest.raises(KeyError):
        cleanschema.load("build")
