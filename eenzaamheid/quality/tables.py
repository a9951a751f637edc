"""The two result tables, kwaliteitscontroles and kwaliteitsresultaten: their Table Schemas and
how they are written into the (staged) database."""
from __future__ import annotations

from pathlib import Path

from .model import ERNSTEN, HERKOMSTEN, QualityResult

# Frictionless Table Schemas of the tables write_tables adds; the same shape as schemas/clean/*.yaml
# (these could move there; they live here because this module is their only writer).
TABLE_SCHEMAS: dict[str, dict] = {
    "kwaliteitscontroles": {
        "title": "Kwaliteitscontroles",
        "description": (
            "Eén rij per kwaliteitscontrole (Great Expectations) op de gebouwde database: wat er wordt "
            "gecontroleerd, hoe ernstig een afwijking is en wat die betekent. Gegenereerd uit het codeboek, "
            "uit de Table Schemas van de tabellen en uit checks/handmatige_controles.yml."),
        "fields": [
            {"name": "controle_id", "type": "string", "title": "Controle",
             "description": "Vaste sleutel van de controle, bijvoorbeeld codeboek.optie_geldig.week_deelname.2024.",
             "constraints": {"required": True}},
            {"name": "suite", "type": "string", "title": "Suite",
             "description": "De Great Expectations-suite (één tabel of query) waarin de controle draait.",
             "constraints": {"required": True}},
            {"name": "tabel", "type": "string", "title": "Tabel",
             "description": "De tabel of view waarover de controle gaat.", "constraints": {"required": True}},
            {"name": "kolom", "type": "string", "title": "Kolom",
             "description": "De gecontroleerde kolom(men), met + gescheiden. Leeg bij een controle op de hele tabel."},
            {"name": "expectation", "type": "string", "title": "Expectation",
             "description": "De Great Expectations-klasse, bijvoorbeeld ExpectColumnValuesToBeInSet of "
                            "UnexpectedRowsExpectation (een SQL-query die de foute rijen teruggeeft).",
             "constraints": {"required": True}},
            {"name": "parameters", "type": "string", "title": "Parameters",
             "description": "De parameters van de expectation als JSON (toegestane waarden, grenzen, de query, "
                            "de rijfilter 'waar' en waar een waarde vandaan komt: 'herleiding').",
             "constraints": {"required": True}},
            {"name": "ernst", "type": "string", "title": "Ernst",
             "description": "fataal (niet publiceren), fout (uitzoeken en herstellen) of waarschuwing "
                            "(de databeheerder bevestigt of het klopt).",
             "constraints": {"required": True, "enum": list(ERNSTEN)}},
            {"name": "betekenis", "type": "string", "title": "Betekenis",
             "description": "Wat de controle betekent en wat u doet als zij faalt.", "constraints": {"required": True}},
            {"name": "herkomst", "type": "string", "title": "Herkomst",
             "description": "codeboek (uit schemas/codebook.yaml), schema (uit schemas/clean) of handmatig "
                            "(uit checks/handmatige_controles.yml).",
             "constraints": {"required": True, "enum": list(HERKOMSTEN)}},
        ],
        "primaryKey": ["controle_id"],
        "missingValues": [""],
    },
    "kwaliteitsresultaten": {
        "title": "Kwaliteitsresultaten",
        "description": (
            "Eén rij per kwaliteitscontrole: geslaagd of niet, hoeveel rijen zijn getoetst en welke rijen "
            "afwijken (alle, met hun sleutel)."),
        "fields": [
            {"name": "controle_id", "type": "string", "title": "Controle",
             "description": "De controle (zie kwaliteitscontroles).", "constraints": {"required": True}},
            {"name": "geslaagd", "type": "integer", "title": "Geslaagd",
             "description": "1 als de controle slaagde, anders 0.", "constraints": {"required": True, "enum": [0, 1]}},
            {"name": "getoetst", "type": "integer", "title": "Getoetst",
             "description": "Aantal getoetste rijen. Leeg als de controle niet kon worden uitgevoerd.",
             "constraints": {"minimum": 0}},
            {"name": "afwijkend", "type": "integer", "title": "Afwijkend",
             "description": "Aantal afwijkende rijen; bij een controle op de tabel als geheel (bijvoorbeeld een "
                            "aantal rijen) 1 als zij faalt en anders 0.",
             "constraints": {"required": True, "minimum": 0}},
            {"name": "afwijkende_rijen", "type": "string", "title": "Afwijkende rijen",
             "description": "Alle afwijkende rijen als JSON-lijst van objecten met hun sleutel (en de afwijkende "
                            "waarde); vrije tekst gemaskeerd. [] als er geen zijn.",
             "constraints": {"required": True}},
            {"name": "waargenomen", "type": "string", "title": "Waargenomen",
             "description": "Samenvatting van wat is waargenomen als JSON, bijvoorbeeld het getelde aantal of de "
                            "afwijkende waarden met hun aantal, of de foutmelding als de controle niet kon draaien.",
             "constraints": {"required": True}},
        ],
        "primaryKey": ["controle_id"],
        "foreignKeys": [{"fields": ["controle_id"],
                         "reference": {"resource": "kwaliteitscontroles", "fields": ["controle_id"]}}],
        "missingValues": [""],
    },
}
CONTROLE_COLUMNS = [f["name"] for f in TABLE_SCHEMAS["kwaliteitscontroles"]["fields"]]
RESULTAAT_COLUMNS = [f["name"] for f in TABLE_SCHEMAS["kwaliteitsresultaten"]["fields"]]


def write_tables(db_path: Path, result: QualityResult) -> None:
    """Add (or replace) kwaliteitscontroles and kwaliteitsresultaten in the (staged) database."""
    import sqlite_utils

    db = sqlite_utils.Database(Path(db_path))
    try:
        with db.atomic():
            for name in ("kwaliteitsresultaten", "kwaliteitscontroles"):  # child first
                if db[name].exists():
                    db[name].drop()
            for name, frame, columns in (("kwaliteitscontroles", result.controles, CONTROLE_COLUMNS),
                                         ("kwaliteitsresultaten", result.resultaten, RESULTAAT_COLUMNS)):
                schema = TABLE_SCHEMAS[name]
                types = {f["name"]: int if f["type"] == "integer" else str for f in schema["fields"]}
                fks = [(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
                       for fk in schema.get("foreignKeys", [])]
                db[name].create(types, pk=schema["primaryKey"][0], foreign_keys=fks, not_null=[
                    f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required")])
                rows = frame[columns].sort_values("controle_id").astype(object)
                rows = rows.where(rows.notna(), None).to_dict("records")
                db[name].insert_all(rows)
        dangling = db.execute("PRAGMA foreign_key_check(kwaliteitsresultaten)").fetchall()
        if dangling:
            raise ValueError(f"kwaliteitsresultaten verwijst naar onbekende controles: {dangling[:5]}")
    finally:
        db.conn.close()
