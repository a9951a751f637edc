"""Exports are deterministic, typed by the Table Schemas, and form a valid Frictionless package.

The frames are small but real: municipalities from the CBS reference data, the codebook tables
from schemas/codebook.yaml, the manifest of raw/, the published figures of checks/, and a handful
of submissions consistent with them (the full build is not needed).
"""
from __future__ import annotations

import csv
import datetime
import decimal
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from frictionless import Resource, Schema

from eenzaamheid import codebook, yamlfile
from eenzaamheid.changes import changes
from eenzaamheid.publish import descriptor, export, exportrows, spreadsheet
from eenzaamheid.tables import cleanschema, codebook_tables, foreignkeys
from eenzaamheid.transform import counted, wide
from eenzaamheid.municipalities import register
from eenzaamheid.paths import CHECKS, RAW, REFERENCE, ROOT

FRICTIONLESS = Path(sys.executable).with_name("frictionless")

# free text with everything CSV has to quote: comma, quote, \n, \r\n and a lone \r
TRICKY_TEXT = 'Zie [e-mailadres verwijderd], of bel "de wethouder";\nregel 2\r\nregel 3\rregel 4 — één'


def gemeenten() -> pd.DataFrame:
    frame = register().validity()
    centroids = pd.read_csv(REFERENCE / "cbs" / "municipality_centroids.csv", dtype={"gm_code": str})
    centroids = centroids.rename(columns={"gm_code": "gemeente_code"})[["gemeente_code", "latitude", "longitude"]]
    return frame.merge(centroids, on="gemeente_code", how="left")


def minimal_frames() -> dict[str, pd.DataFrame]:
    """One consistent set of all clean tables (every foreign key resolves)."""
    book = codebook.load()
    manifest = pd.read_csv(RAW / "MANIFEST.csv", dtype=str)
    bron = pd.DataFrame({
        "bestand": manifest["bestand"], "jaar": manifest["jaar"].astype(int),
        "formaat": manifest["bestand"].str.rsplit(".", n=1).str[1], "sha256": manifest["sha256"],
        "bytes": manifest["bytes"].astype(int), "rijen": [126, 104, 110, 162, 175, 157],
        "codering": ["cp1252" if b.endswith(".csv") else None for b in manifest["bestand"]], "werkbladen": None,
        "ontvangen": manifest["ontvangen"], "schema": "schemas/raw/" + manifest["jaar"] + ".yaml",
        "synthetisch": manifest["synthetisch"].str.lower().eq("true").astype(int),
        "actief": 1, "vervangen_door": None,
    })
    file_of = dict(zip(bron["jaar"], bron["bestand"]))
    jaargangen = pd.DataFrame([{
        "jaar": j["jaar"], "uitgenodigd": j["uitgenodigd"], "geleverde_rijen": r, "respondenten": n,
        "responspercentage": None if j["uitgenodigd"] is None else 100 * n / j["uitgenodigd"],
        "synthetisch": 1, "notitie": j["notitie"],
    } for j, r, n in zip(book.data["jaargangen"], [126, 104, 110, 162, 175, 157], [125, 103, 110, 162, 174, 157])])

    def submission(year, row, delivered, code, successor, province, how, status, reason=None, panel=0):
        return {"inzending_id": f"{year}-{row:05d}", "jaar": year, "bestand": file_of[year], "rij": row,
                "respons_id": None if how == "leeg" else f"R{year}{row:04d}",
                "starttijd": None if how == "leeg" else f"{year}-11-0{row % 9 + 1}T09:15:00",
                "eindtijd": None if how == "leeg" else f"{year}-11-0{row % 9 + 1}T09:41:07",
                "gemeente_geleverd": None if how == "leeg" else delivered, "gemeente_code": code,
                "opvolger_code": successor, "provincie_code": province, "resolutie": how, "status": status,
                "reden": reason, "telt_in_vast_panel_2022_2024": panel, "telt_in_groep_2022_2023": panel,
                "synthetisch": 1}

    inzendingen = pd.DataFrame([
        submission(2024, 17, "Den Haag", "GM0518", "GM0518", "PV28", "alias", "geaccepteerd", panel=1),
        submission(2024, 3, "GM0363", "GM0363", "GM0363", "PV27", "cbs_code", "geaccepteerd"),
        submission(2023, 40, "Hellevoetsluis", "GM1992", "GM1992", "PV28", "voorganger", "geaccepteerd"),
        submission(2023, 12, "Voorne aan Zee", "GM1992", "GM1992", "PV28", "officiele_naam", "vervangen_duplicaat",
                   "Dezelfde gemeente zond later opnieuw in (rij 40); de laatste inzending telt."),
        submission(2020, 105, None, None, None, None, "leeg", "in_quarantaine", "Lege rij."),
    ])
    antwoorden = pd.DataFrame([
        {"inzending_id": "2024-00017", "jaar": 2024, "vraag_id": "week_deelname", "item_code": "", "optie_code": "ja",
         "waarde": "Ja", "ruwe_waarde": " ja", "bron_kolom": "Doet uw gemeente mee aan de landelijke Week tegen Eenzaamheid?"},
        {"inzending_id": "2024-00017", "jaar": 2024, "vraag_id": "instrumenten", "item_code": "adviseur",
         "optie_code": "gebruik", "waarde": "We maken gebruik van deze tool",
         "ruwe_waarde": "We maken gebruik van deze tool", "bron_kolom": "Instrumenten: Adviseur Eén tegen eenzaamheid"},
        {"inzending_id": "2023-00040", "jaar": 2023, "vraag_id": "week_deelname", "item_code": "", "optie_code": "nee",
         "waarde": "Nee", "ruwe_waarde": "Nee", "bron_kolom": "Doet uw gemeente mee aan de landelijke Week tegen Eenzaamheid?"},
        {"inzending_id": "2023-00012", "jaar": 2023, "vraag_id": "week_deelname", "item_code": "", "optie_code": "ja",
         "waarde": "Ja", "ruwe_waarde": "Ja", "bron_kolom": "Doet uw gemeente mee aan de landelijke Week tegen Eenzaamheid?"},
        {"inzending_id": "2024-00017", "jaar": 2024, "vraag_id": "uitdagingen", "item_code": "ondernemers",
         "optie_code": "gekozen", "waarde": "Ondernemers", "ruwe_waarde": "Ondernemers", "bron_kolom": "Uitdagingen"},
    ])
    antwoorden_quarantaine = pd.DataFrame([
        {"inzending_id": "2024-00003", "jaar": 2024, "vraag_id": "week_deelname", "item_code": "",
         "bron_kolom": "Doet uw gemeente mee aan de landelijke Week tegen Eenzaamheid?", "ruwe_waarde": "Weet ik niet",
         "regel": "antwoord_onbekend", "reden": "antwoord_onbekend: 'Weet ik niet' is geen toegestaan antwoord."}])
    toelichtingen = pd.DataFrame([{
        "toelichting_id": "2024-00017:week_toelichting", "inzending_id": "2024-00017", "jaar": 2024,
        "vraag_id": "week_toelichting", "gemeente_code": "GM0518", "tekst": TRICKY_TEXT, "aantal_redacties": 1,
        "bron_kolom": "Toelichting op de Week tegen Eenzaamheid (vrije tekst)"}])
    deelname = pd.DataFrame([
        {"gemeente_code": "GM0518", "jaar": 2024, "deelgenomen": 1, "aantal_inzendingen": 1, "inzending_ids": "2024-00017",
         "gemeente_codes_dat_jaar": "GM0518", "lid_vast_panel_2022_2024": 1, "lid_groep_2022_2023": 1},
        {"gemeente_code": "GM1992", "jaar": 2023, "deelgenomen": 1, "aantal_inzendingen": 1, "inzending_ids": "2023-00040",
         "gemeente_codes_dat_jaar": "GM1992", "lid_vast_panel_2022_2024": 0, "lid_groep_2022_2023": 0},
        {"gemeente_code": "GM1992", "jaar": 2024, "deelgenomen": 0, "aantal_inzendingen": 0, "inzending_ids": None,
         "gemeente_codes_dat_jaar": None, "lid_vast_panel_2022_2024": 0, "lid_groep_2022_2023": 0},
    ])
    opschoonlog = pd.DataFrame([
        {"log_id": 1, "regel": "gemeente_variant", "bestand": file_of[2024], "rij": 17, "kolom": "Gemeente",
         "voor": "Den Haag", "na": "GM0518", "inzending_id": "2024-00017"},
        {"log_id": 2, "regel": "redactie", "bestand": file_of[2024], "rij": 17,
         "kolom": "Toelichting op de Week tegen Eenzaamheid (vrije tekst)", "voor": "[e-mailadres]",
         "na": "[e-mailadres verwijderd]", "inzending_id": "2024-00017"},
        {"log_id": 3, "regel": "lege_rij", "bestand": file_of[2020], "rij": 105, "kolom": None, "voor": None,
         "na": None, "inzending_id": "2020-00105"},
    ])
    cijfers = pd.read_csv(CHECKS / "published_figures.csv", dtype=str, keep_default_na=False)
    reconciliatie = pd.DataFrame([
        {"cijfer_id": "R2024-001", "berekend": 157.0, "berekende_basis": 157, "verschil": 0.0, "status": "gelijk",
         "reden": None},
        {"cijfer_id": "R2024-003", "berekend": 58.582089552238806, "berekende_basis": 268,
         "verschil": -0.4179104477611943, "status": "afrondingsverschil", "reden": "Rapport rondt af op hele procenten."},
        {"cijfer_id": "R2024-002", "berekend": None, "berekende_basis": None, "verschil": None,
         "status": "niet_berekenbaar", "reden": "Aantal aangesloten gemeenten staat niet in de leveringen."},
    ])
    verantwoording = pd.DataFrame({"bestand": bron["bestand"], "geleverd": bron["rijen"],
                                   "geaccepteerd": bron["rijen"], "vervangen_duplicaat": 0, "in_quarantaine": 0,
                                   "antwoorden_geleverd": 0, "antwoorden_geteld": 0, "antwoorden_vervangen": 0,
                                   "antwoorden_in_quarantaine": 0, "sluitend": 1})
    frames = {
        "gemeenten": gemeenten(), "jaargangen": jaargangen, "vragen": codebook_tables.vragen(book),
        "vraagversies": codebook_tables.vraagversies(book), "antwoordopties": codebook_tables.antwoordopties(book),
        "optielabels_per_jaar": codebook_tables.optielabels_per_jaar(book),
        "bronbestanden": bron, "inzendingen": inzendingen, "antwoorden": antwoorden,
        "antwoorden_quarantaine": antwoorden_quarantaine, "toelichtingen": toelichtingen,
        "deelname": deelname, "opschoonlog": opschoonlog, "gepubliceerde_cijfers": cijfers,
        "reconciliatie": reconciliatie,
    }
    # the build's own steps: only counted answers in antwoorden, the synthetic flag, the wide table
    frames["antwoorden"], frames["antwoorden_niet_meegeteld"], frames["antwoorden_quarantaine"] = \
        counted.split_answers(inzendingen, antwoorden, antwoorden_quarantaine)
    from eenzaamheid.transform.kerncijfers import kerncijfers
    frames["kerncijfers"] = kerncijfers(frames)  # computed from the answers above
    counted.label_synthetic(frames)
    counted.mark_counted_texts(frames)
    frames["antwoorden_breed"] = wide.wide_answers(frames, book)
    frames["verantwoording"] = verantwoording
    frames["wijzigingen"] = changes.first_publication()
    assert set(frames) == set(cleanschema.TABLES)
    return {t: frames[t] for t in cleanschema.TABLES}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    checked = {t: cleanschema.check(t, f) for t, f in minimal_frames().items()}
    assert foreignkeys.check_foreign_keys(checked) == []
    return checked


@pytest.fixture(scope="module")
def exported(frames, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "clean"
    export.export_tables(frames, out)
    return out


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_exports_are_byte_identical_on_every_run(frames, exported, tmp_path):
    # a second run from a fresh check of shuffled input gives the same bytes in every format
    shuffled = {t: cleanschema.check(t, f.sample(frac=1, random_state=7)) for t, f in minimal_frames().items()}
    again = tmp_path / "clean"
    export.export_tables(shuffled, again)
    first, second = _files(exported), _files(again)
    assert sorted(first) == sorted(
        [f"{kind}/{t}.{kind}" for t in cleanschema.TABLES for kind in ("csv", "json", "parquet")]
        + [f"xlsx/{t}.xlsx" for t in spreadsheet.TABLES])
    assert first == second
    # and a third run over the same folder overwrites with identical bytes
    export.export_tables(frames, again)
    assert _files(again) == first


def test_csv_layout(exported, frames):
    text = (exported / "csv" / "gemeenten.csv").read_bytes().decode("utf-8")
    assert "\r\n" not in text and text.endswith("\n")
    header, first = text.split("\n")[:2]
    assert header.split(",") == cleanschema.field_names("gemeenten")
    assert first.startswith("GM0003,Appingedam,PV20,Groningen,2019-01-01,2021-01-01,GM1979,53.318251,6.851015")
    rows = list(csv.DictReader((exported / "csv" / "gemeenten.csv").open(encoding="utf-8", newline="")))
    assert [r["gemeente_code"] for r in rows] == sorted(r["gemeente_code"] for r in rows)
    assert next(r for r in rows if r["gemeente_code"] == "GM0014")["geldig_tot"] == ""

    jaargangen = list(csv.DictReader((exported / "csv" / "jaargangen.csv").open(encoding="utf-8", newline="")))
    assert [r["jaar"] for r in jaargangen] == ["2019", "2020", "2021", "2022", "2023", "2024"]
    assert jaargangen[0]["uitgenodigd"] == "" and jaargangen[5]["uitgenodigd"] == "268"  # no '268.0'
    assert jaargangen[5]["responspercentage"] == repr(100 * 157 / 268)
    cijfers = list(csv.DictReader((exported / "csv" / "gepubliceerde_cijfers.csv").open(encoding="utf-8", newline="")))
    assert [c["cijfer_id"] for c in cijfers] == sorted(c["cijfer_id"] for c in cijfers)
    first_2024 = next(c for c in cijfers if c["cijfer_id"] == "R2024-001")
    assert first_2024["waarde"] == "157" and first_2024["basis"] == ""  # not '157.0'; empty stays empty
    # the CSV columns of gepubliceerde_cijfers are those of checks/published_figures.csv
    with open(CHECKS / "published_figures.csv", encoding="utf-8") as f:
        assert next(csv.reader(f)) == list(cijfers[0])

    opties = list(csv.DictReader((exported / "csv" / "antwoordopties.csv").open(encoding="utf-8", newline="")))
    assert any(o["item_code"] == "" for o in opties)
    toelichting = next(csv.DictReader((exported / "csv" / "toelichtingen.csv").open(encoding="utf-8", newline="")))
    assert toelichting["tekst"] == TRICKY_TEXT


def test_json_is_an_array_of_objects_in_schema_order(exported):
    lines = (exported / "json" / "jaargangen.json").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 6 + 2
    records = json.loads("\n".join(lines))
    assert list(records[0]) == cleanschema.field_names("jaargangen")
    assert records[0]["uitgenodigd"] is None and records[5]["uitgenodigd"] == 268
    assert isinstance(records[0]["jaar"], int) and records[0]["synthetisch"] == 1
    toelichting = json.loads((exported / "json" / "toelichtingen.json").read_text(encoding="utf-8"))[0]
    assert toelichting["tekst"] == TRICKY_TEXT
    assert "één" in (exported / "json" / "toelichtingen.json").read_text(encoding="utf-8")  # ensure_ascii=False
    opties = json.loads((exported / "json" / "antwoordopties.json").read_text(encoding="utf-8"))
    week = next(o for o in opties if o["vraag_id"] == "week_deelname")
    assert week["item_code"] is None and week["item_label"] is None  # "no item" is null in every format


def test_parquet_has_the_schema_types(exported, frames):
    import pyarrow as pa

    table = pq.read_table(exported / "parquet" / "inzendingen.parquet")
    assert table.column_names == cleanschema.field_names("inzendingen")
    assert table.schema.field("jaar").type == pa.int64()
    assert table.schema.field("starttijd").type == pa.timestamp("ms")
    assert table.schema.field("gemeente_code").type == pa.string()
    assert table.schema.field("inzending_id").metadata[b"description"].decode().startswith("Sleutel van de inzending")
    assert b"pandas" not in (table.schema.metadata or {})
    ids = table.column("inzending_id").to_pylist()
    assert ids == sorted(ids)
    gemeenten = pq.read_table(exported / "parquet" / "gemeenten.parquet")
    assert gemeenten.schema.field("geldig_van").type == pa.date32()
    assert gemeenten.schema.field("latitude").type == pa.float64()
    assert gemeenten.num_rows == len(frames["gemeenten"])


@pytest.mark.parametrize("table", cleanschema.TABLES)
def test_csv_round_trips_through_frictionless(exported, frames, table):
    # one resource on its own: foreign keys need the package (checked in the datapackage test)
    table_schema = {k: v for k, v in descriptor.resource_schema(table).items() if k != "foreignKeys"}
    schema = Schema.from_descriptor(table_schema)
    report = Resource(path=f"csv/{table}.csv", basepath=str(exported), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    with Resource(path=f"csv/{table}.csv", basepath=str(exported), schema=schema) as r:
        read = r.read_rows()
    # every value reads back as what was exported (typed by the schema: int, float, date, datetime)
    names = cleanschema.field_names(table)
    assert [tuple(_plain(row[n]) for n in names) for row in read] == exportrows.rows(table, frames[table])
    if table == "antwoordopties":
        assert any(row["item_code"] is None for row in read), "no item: null, as in JSON and Parquet"
    if table == "toelichtingen":
        assert read[0]["tekst"] == TRICKY_TEXT


def _plain(value):
    """A value read by frictionless in the form exportrows.rows gives it."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _package(tmp_path: Path, frames) -> Path:
    export.export_tables(frames, tmp_path / "clean")
    descriptor.write_datapackage(tmp_path / "datapackage.json")
    return tmp_path / "datapackage.json"


def test_datapackage_validates_with_the_frictionless_cli(tmp_path, frames):
    path = _package(tmp_path, frames)
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", str(path.name)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert json.loads(result.stdout)["valid"] is True


def test_frictionless_cli_catches_a_dangling_reference(tmp_path, frames):
    broken = dict(frames)
    broken["deelname"] = frames["deelname"].assign(gemeente_code=["GM0518", "GM1992", "GM9999"])
    path = _package(tmp_path, broken)
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", str(path.name)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    errors = [e for task in report["tasks"] for e in task["errors"]]
    assert [(e["type"], e["cells"]) for e in errors] == [("foreign-key", ["GM9999", "2024", "0", "0", "", "", "0", "0", "1"])]


def test_datapackage_content(tmp_path, frames):
    package = json.loads(_package(tmp_path, frames).read_text(encoding="utf-8"))
    assert package["name"] == "benchmark-eenzaamheid"
    assert [r["name"] for r in package["resources"]] == list(cleanschema.TABLES)
    assert "build" not in [r["name"] for r in package["resources"]]
    assert "tabel build" in package["description"]  # says why it is missing
    assert package["description"].startswith("LET OP: de antwoorden in dit pakket zijn synthetische demodata")
    assert {lic["name"] for lic in package["licenses"]} >= {"CC0-1.0"}
    assert any("CBS" in lic["title"] for lic in package["licenses"])
    assert {s["title"].split(" (")[0] for s in package["sources"]} >= {
        "Benchmark Eén tegen eenzaamheid 2024", "Benchmark Eén tegen eenzaamheid 2023"}
    assert package["keywords"] and package["contributors"] and package["version"]
    antwoorden = next(r for r in package["resources"] if r["name"] == "antwoorden")
    assert antwoorden["path"] == "clean/csv/antwoorden.csv" and antwoorden["mediatype"] == "text/csv"
    assert antwoorden["format"] == "csv" and antwoorden["encoding"] == "utf-8"
    assert {"fields": ["vraag_id", "item_code", "optie_code"],
            "reference": {"resource": "antwoordopties", "fields": ["vraag_id", "item_code", "optie_code"]}} \
        in antwoorden["schema"]["foreignKeys"]
    # every export writes "" as missing: the published schema says so, and "no item" is not required
    assert antwoorden["schema"]["missingValues"] == [""]
    item = next(f for f in antwoorden["schema"]["fields"] if f["name"] == "item_code")
    assert "required" not in item["constraints"] and item["constraints"]["pattern"]
    # without synthetic deliveries the notice disappears; nothing else changes
    real = descriptor.datapackage(synthetic=False)
    assert not real["description"].startswith("LET OP") and real["resources"] == package["resources"]
    # deterministic: writing again gives the same bytes
    before = (tmp_path / "datapackage.json").read_bytes()
    descriptor.write_datapackage(tmp_path / "datapackage.json")
    assert (tmp_path / "datapackage.json").read_bytes() == before


def test_build_table_is_not_exported_and_unknown_tables_are_refused(tmp_path, frames):
    export.export_tables({"build": pd.DataFrame({"git_commit": ["abc"]}), "vragen": frames["vragen"]}, tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["vragen.csv", "vragen.json", "vragen.parquet",
                                                                      "vragen.xlsx"]
    with pytest.raises(KeyError, match="kapot"):
        export.export_tables({"kapot": frames["vragen"]}, tmp_path)


def test_export_refuses_columns_that_differ_from_the_schema(tmp_path, frames):
    with pytest.raises(ValueError, match="extra"):
        export.export_tables({"vragen": frames["vragen"].assign(geheim="x")}, tmp_path)


def test_metadata_with_datapackage_block_still_starts_datasette(tmp_path):
    """Datasette 0.65 accepts metadata.yml with the extra top-level `datapackage:` key."""
    import sqlite3
    db = tmp_path / "benchmark.db"
    sqlite3.connect(db).execute("create table vragen (vraag_id text primary key)").connection.commit()
    result = subprocess.run([sys.executable, "-m", "datasette", "serve", str(db), "--metadata",
                             str(ROOT / "metadata.yml"), "--get", "/-/metadata.json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    # served as typed ({jaren} unfilled): the site serves the build's clean/metadata.json, filled in
    assert json.loads(result.stdout)["title"] == yamlfile.load(ROOT / "metadata.yml")["title"]


def test_no_item_reads_the_same_from_every_format(exported):
    """An answer without item reads as missing from CSV, JSON and Parquet alike (pandas defaults),
    and the rows with an item read the same codes: one representation of "no item"."""
    for table in ("antwoorden", "antwoordopties", "antwoorden_quarantaine", "antwoorden_niet_meegeteld"):
        from_csv = pd.read_csv(exported / "csv" / f"{table}.csv")
        from_json = pd.read_json(exported / "json" / f"{table}.json", dtype=False)
        from_parquet = pd.read_parquet(exported / "parquet" / f"{table}.parquet")
        forms = [f["item_code"] for f in (from_csv, from_json, from_parquet)]
        assert forms[0].isna().any(), table  # the fixture has questions without items in every table
        for other in forms[1:]:
            assert other.isna().tolist() == forms[0].isna().tolist(), table
            assert other.dropna().tolist() == forms[0].dropna().tolist(), table


def test_xlsx_opens_with_pandas_and_keeps_text_as_text(exported, frames):
    for table in spreadsheet.TABLES:
        book = pd.read_excel(exported / "xlsx" / f"{table}.xlsx", sheet_name=None)
        data = book[table[:31]]
        assert list(data.columns) == cleanschema.field_names(table)
        assert len(data) == len(frames[table])
        assert set(book["kolommen"].astype(str).stack()) >= set(cleanschema.field_names(table))
    wide_table = pd.read_excel(exported / "xlsx" / "antwoorden_breed.xlsx", sheet_name="antwoorden_breed")
    row = wide_table.set_index("inzending_id").loc["2024-00017"]
    assert row["week_deelname"] == "ja" and row["instrumenten__adviseur"] == "gebruik"
    assert row["uitdagingen__ondernemers"] == 1 and row["uitdagingen__anders"] == 0 and row["synthetisch"] == 1


def test_categorical_text_in_small_chunks_writes_the_same_files(frames, exported, tmp_path, monkeypatch):
    # a long table as the build holds it (text as categoricals, compact.py), written in chunks of
    # 2 rows and Parquet row groups of 3: the same CSV and JSON bytes and the same Parquet rows as the
    # plain frames written in one chunk
    monkeypatch.setattr(exportrows, "CHUNK_ROWS", 2)
    monkeypatch.setattr(export, "PARQUET_ROWS", 3)
    tables = [t for t in ("antwoorden", "inzendingen", "toelichtingen", "gemeenten") if len(frames[t]) > 3]
    assert "antwoorden" in tables and len(tables) >= 3  # several chunks and row groups
    compacted = {}
    for t in tables:
        frame = frames[t]
        text = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)]
        compacted[t] = frame.astype({c: "category" for c in text})
    out = tmp_path / "clean"
    export.export_tables(compacted, out)
    for t in tables:
        for kind in ("csv", "json"):
            assert (out / kind / f"{t}.{kind}").read_bytes() == (exported / kind / f"{t}.{kind}").read_bytes(), t
        chunked = pq.ParquetFile(out / "parquet" / f"{t}.parquet")
        assert chunked.metadata.num_row_groups == -(-len(frames[t]) // 3)
        assert chunked.read().equals(pq.read_table(exported / "parquet" / f"{t}.parquet")), t
