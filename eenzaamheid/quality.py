"""Data quality of the built database: Great Expectations suites on the SQLite file.

Where the checks come from (`herkomst`):

- `codeboek`: generated from schemas/codebook.yaml. Every answer's option was offered for its
  question that year, every matrix row / multiple-choice item was in that year's questionnaire,
  answers only in years the question was asked, and the routing (skip logic) holds: no
  'kartrekker' answer without a coalition 'ja_*' answer.
- `schema`: generated from the clean Table Schemas (schemas/clean/*.yaml): the columns, required
  columns not null, enums, minimum/maximum, primary keys unique, foreign keys resolve.
- `handmatig`: checks/handmatige_controles.yml, written (and editable) by the data steward:
  respondents per year, panel sizes against the published figures, shares plausible, every
  published figure reproduced, the 'nothing lost' balance, year-over-year jumps.

Every check is one expectation with a stable `controle_id`, a severity (`ernst`: fataal = do not
publish, fout = investigate and fix, waarschuwing = the steward confirms) and a Dutch `betekenis`
(what it means, what to do). Checks on the same table (or the same query) form one suite, run by
one ValidationDefinition on one batch, so GE computes their metrics together.

Great Expectations runs fully offline and leaves nothing behind: an ephemeral context with
in-memory stores (no Data Docs, no files), analytics off, progress bars off, and the database
opened read-only (SQLite URI mode=ro). Failing rows are identified by their key columns; all of
them are reported (GE's unexpected_index_list is asked for without the default limit of 20, and
the rows of an UnexpectedRowsExpectation beyond GE's 200 are fetched with
ValidationDefinition.get_unexpected_rows). Free text in reported values is masked
(privacy.mask).
"""
from __future__ import annotations

import contextlib
import csv
import json
import logging
import math
import os
import re
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import quote

import pandas as pd
import yaml

from .pipeline import cleanschema
from . import codebook as cb
from .paths import CHECKS
from .pipeline.privacy import redact_value as mask  # the same redaction as the published tables

FATAAL, FOUT, WAARSCHUWING = "fataal", "fout", "waarschuwing"
ERNSTEN = (FATAAL, FOUT, WAARSCHUWING)
HERKOMSTEN = ("codeboek", "schema", "handmatig")
HANDMATIG_PATH = CHECKS / "handmatige_controles.yml"
PUBLISHED_PATH = CHECKS / "published_figures.csv"
UNEXPECTED_ROWS = "UnexpectedRowsExpectation"
# GE's SQL unexpected_index_list is cut at result_format["partial_unexpected_count"] (default 20);
# a limit above any table's size gives every failing row.
_ALL_ROWS = 2**31 - 1

# --- the two result tables --------------------------------------------------------------------
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


class QualityConfigError(ValueError):
    """checks/handmatige_controles.yml (or a published figure it refers to) is wrong; Dutch message."""


@dataclass(frozen=True)
class Controle:
    """One check: one Great Expectations expectation with its meaning."""

    controle_id: str
    suite: str                         # one suite per data asset (a table, a view or a query)
    tabel: str
    kolom: str | None
    expectation: str                   # GE class name, e.g. ExpectColumnValuesToBeInSet
    parameters: Mapping[str, Any]      # keyword arguments of the expectation (JSON-able)
    ernst: str
    betekenis: str
    herkomst: str
    sleutel: tuple[str, ...] = ()      # key columns that identify a failing row
    waar: Mapping[str, Any] = field(default_factory=dict)   # row filter: column -> value or list (AND)
    bron: str | None = None            # SELECT of a query asset; None: the table itself
    herleiding: Mapping[str, Any] = field(default_factory=dict)  # where parameter values come from

    def parameters_json(self) -> str:
        shown = dict(self.parameters)
        if self.waar:
            shown["waar"] = dict(self.waar)
        if self.bron:
            shown["bron"] = self.bron
        if self.herleiding:
            shown["herleiding"] = dict(self.herleiding)
        return json.dumps(shown, ensure_ascii=False, sort_keys=True)

    def as_row(self) -> dict:
        return {"controle_id": self.controle_id, "suite": self.suite, "tabel": self.tabel, "kolom": self.kolom,
                "expectation": self.expectation, "parameters": self.parameters_json(), "ernst": self.ernst,
                "betekenis": self.betekenis, "herkomst": self.herkomst}


@dataclass
class QualityResult:
    controles: pd.DataFrame    # table kwaliteitscontroles
    resultaten: pd.DataFrame   # table kwaliteitsresultaten
    duur_s: float = 0.0

    def failures(self, ernst: str | None = None) -> pd.DataFrame:
        """Failed checks (controles joined with their results), optionally of one severity."""
        merged = self.controles.merge(self.resultaten, on="controle_id", how="inner")
        failed = merged[merged["geslaagd"] == 0]
        if ernst is not None:
            failed = failed[failed["ernst"] == ernst]
        return failed.sort_values("controle_id").reset_index(drop=True)

    @property
    def fatal_failures(self) -> pd.DataFrame:
        return self.failures(FATAAL)

    @property
    def errors(self) -> pd.DataFrame:
        return self.failures(FOUT)

    @property
    def warnings(self) -> pd.DataFrame:
        return self.failures(WAARSCHUWING)

    @property
    def publiceerbaar(self) -> bool:
        """No fatal check failed: the database may be published."""
        return self.fatal_failures.empty

    @property
    def ok(self) -> bool:
        """No fatal check and no error failed (warnings allowed): `eenzaamheid check` exits 0."""
        return self.fatal_failures.empty and self.errors.empty


# --- the expectations -------------------------------------------------------------------------

def expectations(db_path: Path | None = None) -> list[Controle]:
    """Every check to run, in a stable order: codebook, schemas, then the hand-written ones.

    The checks depend only on the codebook, the clean Table Schemas, checks/handmatige_controles.yml
    and checks/published_figures.csv, so the same list describes every database; `db_path` is
    accepted for symmetry with `run` and not read.
    """
    out = codebook_expectations() + schema_expectations() + manual_expectations()
    seen: dict[str, Controle] = {}
    suites: dict[str, tuple] = {}
    keys: dict[str, tuple] = {}
    for c in out:
        if c.controle_id in seen:
            raise QualityConfigError(f"Controle {c.controle_id!r} komt twee keer voor.")
        seen[c.controle_id] = c
        if c.ernst not in ERNSTEN:
            raise QualityConfigError(f"{c.controle_id}: ernst {c.ernst!r} is onbekend (kies uit {', '.join(ERNSTEN)}).")
        asset = (c.tabel, c.bron)
        if suites.setdefault(c.suite, asset) != asset:
            raise QualityConfigError(f"Suite {c.suite!r} draait op twee verschillende bronnen ({c.controle_id}).")
        # GE takes the key columns of failing rows per run (suite), not per expectation
        if c.expectation != UNEXPECTED_ROWS and keys.setdefault(c.suite, c.sleutel) != c.sleutel:
            raise QualityConfigError(f"{c.controle_id}: sleutel {list(c.sleutel)} wijkt af van de sleutel "
                                     f"{list(keys[c.suite])} van de andere controles op {c.tabel}; laat sleutel weg "
                                     "of gebruik een eigen bron.")
    return out


def _years(years: Iterable[int]) -> str:
    return ", ".join(str(y) for y in years)


def codebook_expectations(book: cb.Codebook | None = None) -> list[Controle]:
    """Checks on `antwoorden` generated from the codebook."""
    book = book or cb.load()
    key = tuple(cleanschema.primary_key("antwoorden"))
    out: list[Controle] = []

    def add(cid: str, kolom: str, expectation: str, parameters: dict, betekenis: str, waar: dict | None = None):
        out.append(Controle(cid, "antwoorden", "antwoorden", kolom, expectation, parameters, FATAAL, betekenis,
                            "codeboek", key, waar or {}))

    answered = [q for q in book.data["vragen"] if q.get("opties")]  # open questions go to toelichtingen
    add("codeboek.vraag_bekend", "vraag_id", "ExpectColumnValuesToBeInSet",
        {"column": "vraag_id", "value_set": [q["vraag_id"] for q in answered]},
        "Elk antwoord hoort bij een vraag met antwoordopties uit het codeboek (open vragen staan in "
        "toelichtingen, niet in antwoorden). Een andere vraag_id betekent dat de harmonisatie een kolom aan de "
        "verkeerde vraag koppelde of dat het codeboek een vraag mist: herstel codeboek of harmonisatie en bouw opnieuw.")
    without_items = [q["vraag_id"] for q in answered if not q.get("items")]
    add("codeboek.zonder_items", "item_code", "ExpectColumnValuesToBeInSet",
        {"column": "item_code", "value_set": [""]},
        "Vragen zonder rijen of aan te vinken opties (ja/nee en enkelvoudige vragen) hebben een lege item_code. "
        "Een item_code bij zo'n vraag betekent dat een matrixkolom aan de verkeerde vraag is gekoppeld: herstel de "
        "kolomkoppen in het codeboek.", {"vraag_id": without_items})
    for q in answered:
        vid, years = q["vraag_id"], book.years_asked(q["vraag_id"])
        add(f"codeboek.jaar_gesteld.{vid}", "jaar", "ExpectColumnValuesToBeInSet", {"column": "jaar", "value_set": years},
            f"Vraag {vid} stond alleen in de vragenlijst van {_years(years)}. Een antwoord uit een ander jaar kan niet "
            "bestaan: de levering van dat jaar heeft een kolom die het codeboek niet kent, of het codeboek mist een "
            "jaar. Zoek de inzending op (antwoorden.bron_kolom) en herstel codeboek of levering; niet publiceren.",
            {"vraag_id": vid})
        for year in years:
            codes = [o["optie_code"] for o in book.options(vid, year)]  # an option may be of some years only
            add(f"codeboek.optie_geldig.{vid}.{year}", "optie_code", "ExpectColumnValuesToBeInSet",
                {"column": "optie_code", "value_set": codes},
                f"Elk antwoord op vraag {vid} in {year} is een antwoordoptie die dat jaar werd aangeboden "
                f"({', '.join(codes)}). Een andere optiecode betekent dat een label verkeerd is vertaald of dat het "
                "codeboek niet klopt: bekijk ruwe_waarde en bron_kolom van de rij in antwoorden, herstel codeboek of "
                "harmonisatie en bouw opnieuw; niet publiceren.", {"vraag_id": vid, "jaar": year})
            if q.get("items"):
                items = [i["item_code"] for i in book.items(vid, year)]
                add(f"codeboek.item_geldig.{vid}.{year}", "item_code", "ExpectColumnValuesToBeInSet",
                    {"column": "item_code", "value_set": items},
                    f"Antwoorden op vraag {vid} in {year} horen bij een rij of aan te vinken optie die dat jaar in de "
                    f"vragenlijst stond ({', '.join(items)}). Een ander item betekent dat een kolom van de levering aan "
                    "het verkeerde item is gekoppeld of dat de jaren van het item in het codeboek niet kloppen: "
                    "herstel het codeboek en bouw opnieuw; niet publiceren.", {"vraag_id": vid, "jaar": year})
    for rule in book.skip_rules():
        vid, cond, allowed = rule["vraag_id"], rule["als_vraag"], rule["als_opties"]
        query = (
            "SELECT a.inzending_id, a.vraag_id, a.item_code, a.jaar FROM {batch} AS a "
            f"WHERE a.vraag_id = {_sql_literal(vid)} AND NOT EXISTS (SELECT 1 FROM antwoorden AS c "
            f"WHERE c.inzending_id = a.inzending_id AND c.vraag_id = {_sql_literal(cond)} "
            f"AND c.optie_code IN ({', '.join(_sql_literal(o) for o in allowed)}))")
        add(f"codeboek.overslaan.{vid}", "vraag_id", UNEXPECTED_ROWS, {"unexpected_rows_query": query},
            f"Vraag {vid} werd alleen gesteld aan gemeenten die bij {cond} antwoordden met {', '.join(allowed)} "
            f"(routing). Een antwoord op {vid} zonder zo'n antwoord op {cond} kan de vragenlijst niet hebben "
            "opgeleverd: de levering is verschoven of de harmonisatie koppelt kolommen verkeerd. Controleer de rij in "
            "de ruwe levering; niet publiceren.")
    return out


def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_expectations() -> list[Controle]:
    """Checks generated from every clean table's Table Schema."""
    out: list[Controle] = []
    for table in cleanschema.TABLES:
        schema = cleanschema.load(table)
        pk = tuple(cleanschema.primary_key(table))
        empty = cleanschema.missing_values(table)
        names = [f["name"] for f in schema["fields"]]

        def add(cid, kolom, expectation, parameters, ernst, betekenis):
            out.append(Controle(cid, table, table, kolom, expectation, parameters, ernst, betekenis, "schema", pk))

        add(f"schema.kolommen.{table}", None, "ExpectTableColumnsToMatchOrderedList", {"column_list": names}, FATAAL,
            f"De tabel {table} heeft precies de kolommen van zijn Table Schema (schemas/clean), in die volgorde. Een "
            "ontbrekende, extra of hernoemde kolom breekt het datapakket en Datasette: herstel de build; niet publiceren.")
        if len(pk) == 1:
            add(f"schema.uniek.{table}", pk[0], "ExpectColumnValuesToBeUnique", {"column": pk[0]}, FATAAL,
                f"De primaire sleutel {pk[0]} van {table} is uniek. Dubbele sleutels maken verwijzingen en cijfers "
                "dubbelzinnig: zoek uit waar de rij dubbel ontstaat; niet publiceren.")
        elif pk:
            # ExpectCompoundColumnsToBeUnique reports at most 200 duplicates on SQL and no keys: as a
            # query, every duplicated key is listed with how often it occurs
            cols = ", ".join(_quote_ident(k) for k in pk)
            add(f"schema.uniek.{table}", "+".join(pk), UNEXPECTED_ROWS,
                {"unexpected_rows_query": f"SELECT {cols}, count(*) AS aantal FROM {{batch}} AS t "
                                          f"GROUP BY {cols} HAVING count(*) > 1"},
                FATAAL, f"De primaire sleutel ({', '.join(pk)}) van {table} is uniek. Dubbele sleutels tellen antwoorden "
                "of cijfers dubbel: zoek uit waar de rij dubbel ontstaat; niet publiceren.")
        for f in schema["fields"]:
            name, cons = f["name"], f.get("constraints") or {}
            title = f.get("title") or name
            if cons.get("required"):
                add(f"schema.verplicht.{table}.{name}", name, "ExpectColumnValuesToNotBeNull", {"column": name}, FATAAL,
                    f"{table}.{name} ({title}) is verplicht volgens het Table Schema en nooit leeg. Een lege waarde "
                    "betekent dat de build een gegeven kwijtraakte: herstel de build; niet publiceren.")
            if cons.get("unique") and (name,) != pk:
                add(f"schema.uniek.{table}.{name}", name, "ExpectColumnValuesToBeUnique", {"column": name}, FATAAL,
                    f"{table}.{name} ({title}) is uniek volgens het Table Schema: zoek de dubbele waarden uit; "
                    "niet publiceren.")
            if "enum" in cons:
                add(f"schema.enum.{table}.{name}", name, "ExpectColumnValuesToBeInSet",
                    {"column": name, "value_set": list(cons["enum"])}, FATAAL,
                    f"{table}.{name} ({title}) heeft alleen de waarden {', '.join(map(str, cons['enum']))}. Een andere "
                    "waarde kennen gebruikers en filters niet: herstel de build of breid het schema bewust uit; "
                    "niet publiceren.")
            if "minimum" in cons or "maximum" in cons:
                params = {"column": name}
                if "minimum" in cons:
                    params["min_value"] = cons["minimum"]
                if "maximum" in cons:
                    params["max_value"] = cons["maximum"]
                bounds = (f"tussen {cons['minimum']} en {cons['maximum']}" if "minimum" in cons and "maximum" in cons
                          else f"minstens {cons['minimum']}" if "minimum" in cons else f"hoogstens {cons['maximum']}")
                add(f"schema.bereik.{table}.{name}", name, "ExpectColumnValuesToBeBetween", params, FOUT,
                    f"{table}.{name} ({title}) ligt {bounds} volgens het Table Schema. Een waarde daarbuiten is "
                    "vrijwel zeker een fout in de levering of de build: zoek de rij uit en herstel.")
        for fk in cleanschema.foreign_keys(table):
            child, parent, ref = fk["fields"], fk["resource"], fk["reference_fields"]
            shown = list(pk) + [c for c in child if c not in pk]
            present = " AND ".join(
                f"c.{_quote_ident(col)} IS NOT NULL" + (f" AND c.{_quote_ident(col)} <> ''" if "" in empty else "")
                for col in child)
            match = " AND ".join(f"p.{_quote_ident(r)} = c.{_quote_ident(col)}" for col, r in zip(child, ref))
            query = (f"SELECT {', '.join('c.' + _quote_ident(col) for col in shown)} FROM {{batch}} AS c "
                     f"WHERE {present} AND NOT EXISTS (SELECT 1 FROM {_quote_ident(parent)} AS p WHERE {match})")
            add(f"schema.fk.{table}.{'+'.join(child)}", "+".join(child), UNEXPECTED_ROWS,
                {"unexpected_rows_query": query}, FATAAL,
                f"Elke waarde van {table}.{'+'.join(child)} verwijst naar een bestaande rij in "
                f"{parent} ({'+'.join(ref)}). Een verwijzing zonder tegenhanger maakt de rij onvindbaar of ontraceerbaar: "
                "herstel de build; niet publiceren.")
    return out


# --- hand-written checks (checks/handmatige_controles.yml) ----------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _camel(name: str) -> str:
    """expect_column_values_to_be_in_set -> ExpectColumnValuesToBeInSet (class names pass unchanged)."""
    return name if "_" not in name and name[:1].isupper() else "".join(p.capitalize() for p in name.split("_"))


def published_value(filters: Mapping[str, Any], path: Path = PUBLISHED_PATH) -> tuple[float | int, list[str]]:
    """The one value the published figures give for `filters` (rows without kenmerk); and their ids."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f)
                if not r.get("kenmerk") and all(r.get(k, "") == str(v) for k, v in filters.items())]
    values = sorted({float(r["waarde"]) for r in rows})
    described = ", ".join(f"{k}={v}" for k, v in filters.items())
    if not rows:
        raise QualityConfigError(f"Geen gepubliceerd cijfer zonder kenmerk met {described} in {path.name}.")
    if len(values) > 1:
        raise QualityConfigError(f"De gepubliceerde cijfers met {described} spreken elkaar tegen ({values}); markeer de "
                                 f"afwijkende als bron_tegenstrijdig in {path.name}.")
    value = values[0]
    return (int(value) if value.is_integer() else value), sorted(r["cijfer_id"] for r in rows)


def _resolve(value, herleiding: dict, name: str):
    """Replace {gepubliceerd: {...}} by the published value (recorded in herleiding)."""
    if isinstance(value, Mapping) and set(value) == {"gepubliceerd"}:
        number, ids = published_value(value["gepubliceerd"])
        herleiding[name] = {"gepubliceerd": dict(value["gepubliceerd"]), "cijfer_ids": ids, "waarde": number}
        return number
    return value


def manual_expectations(path: Path = HANDMATIG_PATH) -> list[Controle]:
    """The steward's checks from checks/handmatige_controles.yml."""
    with open(path, encoding="utf-8") as f:
        config = yaml.safe_load(f) or {}
    out = []
    for i, entry in enumerate(config.get("controles") or []):
        where = f"{path.name}, controle {i + 1}"
        missing = [k for k in ("id", "tabel", "ernst", "betekenis") if not entry.get(k)]
        if missing:
            raise QualityConfigError(f"{where}: {', '.join(missing)} ontbreekt.")
        where = f"{path.name}, controle {entry['id']!r}"
        if bool(entry.get("sql")) == bool(entry.get("expectation")):
            raise QualityConfigError(f"{where}: geef óf sql óf expectation.")
        table, cid = entry["tabel"], f"handmatig.{entry['id']}"
        settings = entry.get("instellingen") or {}
        herleiding: dict = {}
        sleutel = tuple(entry.get("sleutel") or (cleanschema.primary_key(table) if table in cleanschema.TABLES else ()))
        if entry.get("sql"):
            if entry.get("bron"):
                raise QualityConfigError(f"{where}: sql werkt op de tabel zelf ({{batch}}); laat bron weg.")
            query = entry["sql"].strip()
            if "{batch}" not in query:
                raise QualityConfigError(f"{where}: de sql moet de tabel aanduiden met {{batch}}.")
            unknown = sorted({m for m in _PLACEHOLDER.findall(query) if m != "batch" and m not in settings})
            if unknown:
                raise QualityConfigError(f"{where}: onbekende instelling(en) {', '.join(unknown)} in de sql.")
            query = _PLACEHOLDER.sub(lambda m: m.group(0) if m.group(1) == "batch" else str(settings[m.group(1)]), query)
            expectation, parameters = UNEXPECTED_ROWS, {"unexpected_rows_query": query}
            if settings:
                herleiding["instellingen"] = dict(settings)
            suite = table
        else:
            expectation = _camel(entry["expectation"])
            parameters = {k: _resolve(v, herleiding, k) for k, v in (entry.get("parameters") or {}).items()}
            if entry.get("kolom"):
                parameters = {"column": entry["kolom"], **parameters}
            suite = f"{table}.{entry['id']}" if entry.get("bron") else table
        betekenis = _PLACEHOLDER.sub(lambda m: str(settings.get(m.group(1), m.group(0))),
                                     " ".join(str(entry["betekenis"]).split()))
        out.append(Controle(cid, suite, table, entry.get("kolom"), expectation, parameters, entry["ernst"],
                            betekenis, "handmatig", sleutel, {},
                            entry["bron"].strip() if entry.get("bron") else None, herleiding))
    return out


# --- running them ---------------------------------------------------------------------------

def _gx():
    """Import Great Expectations with analytics off (must be set before the import)."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


def _context(gx):
    from great_expectations.data_context.types.base import (
        DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig)

    config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                               analytics_enabled=False, data_docs_sites={},
                               progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False))
    return gx.get_context(mode="ephemeral", project_config=config)


def _readonly_url(db_path: Path) -> str:
    """SQLAlchemy URL of the file opened read-only (SQLite URI mode=ro). The path is quoted twice:
    SQLAlchemy unquotes the database part once, SQLite's URI parser the second time (a path with
    spaces, '#' or '?' stays one path)."""
    return f"sqlite:///file:{quote(quote(str(Path(db_path).resolve())))}?mode=ro&uri=true"


def _row_condition(waar: Mapping[str, Any]):
    from great_expectations.expectations.row_conditions import Column

    condition = None
    for column, value in waar.items():
        part = Column(column).is_in(value) if isinstance(value, (list, tuple)) else Column(column) == value
        condition = part if condition is None else condition & part
    return condition


def _jsonable(value):
    """Plain JSON values; strings masked (free text may carry personal data)."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (bytes, str)):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if value is None or isinstance(value, (bool, int)):
        return value
    return str(value)


def _sort_value(v) -> tuple:
    if v is None:
        return (0, 0, "")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return (1, v, "")
    return (2, 0, json.dumps(v, ensure_ascii=False, sort_keys=True) if not isinstance(v, str) else v)


def _sorted_rows(rows: list[dict], keys: Iterable[str]) -> list[dict]:
    """Rows with their key columns first, in key order (then by the whole row): deterministic."""
    keys = list(keys)
    rows = [{**{k: r[k] for k in keys if k in r}, **{k: v for k, v in r.items() if k not in keys}} for r in rows]
    return sorted(rows, key=lambda r: [_sort_value(r.get(k)) for k in keys]
                  + [_sort_value(json.dumps(r, ensure_ascii=False, sort_keys=True))])


def _dumps(value, sort_keys: bool = True) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)


class _Counter:
    """Row counts of the batches, for `getoetst` of checks that do not report one (read-only)."""

    def __init__(self, db_path: Path):
        self.conn = sqlite3.connect(f"file:{quote(str(Path(db_path).resolve()))}?mode=ro", uri=True)
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise ValueError(f"{db_path} is geen leesbare SQLite-database ({exc}).") from None
        self.cache: dict[tuple, int | None] = {}

    def count(self, c: Controle) -> int | None:
        key = (c.tabel, c.bron)
        if key not in self.cache:
            source = f"({c.bron})" if c.bron else _quote_ident(c.tabel)
            try:
                self.cache[key] = self.conn.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            except sqlite3.Error:
                self.cache[key] = None
        return self.cache[key]

    def close(self) -> None:
        self.conn.close()


def is_synthetic(db_path: Path) -> bool:
    """Whether any delivery in this database is synthetic (bronbestanden.synthetisch); True when it
    cannot be told, so that a report never presents demo rows as real."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(Path(db_path).resolve()))}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM bronbestanden WHERE synthetisch = 1").fetchone()[0] > 0
        finally:
            conn.close()
    except sqlite3.Error:
        return True


def run(db_path: Path) -> QualityResult:
    """Run every check with Great Expectations against the SQLite file, opened read-only.

    Raises FileNotFoundError (no such file), ValueError (not an SQLite database) or
    QualityConfigError (a ValueError: checks/handmatige_controles.yml is wrong). A check that cannot
    run on this database (missing table, broken query) does not raise: it fails, with the reason in
    `waargenomen`.
    """
    started = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"Database {db_path} bestaat niet.")
    controles = expectations(db_path)
    counter = _Counter(db_path)  # also proves the file opens read-only before GE is involved
    gx = _gx()
    # a check that cannot run is reported in its result (waargenomen.fout); GE would also log the
    # whole traceback of every such SQL error to stderr
    gx_logger = logging.getLogger("great_expectations")
    level = gx_logger.level
    gx_logger.setLevel(logging.CRITICAL)
    by_suite: dict[str, list[Controle]] = defaultdict(list)
    for c in controles:
        by_suite[c.suite].append(c)
    results: dict[str, dict] = {}
    source = None
    try:
        context = _context(gx)
        source = context.data_sources.add_sqlite(name="benchmark", connection_string=_readonly_url(db_path))
        for n, (suite_name, checks) in enumerate(by_suite.items()):
            results.update(_run_suite(gx, context, source, f"a{n:03d}", suite_name, checks, counter))
    finally:
        gx_logger.setLevel(level)
        counter.close()
        if source is not None:
            with contextlib.suppress(Exception):
                source.get_execution_engine().close()
    controles_df = pd.DataFrame([c.as_row() for c in controles], columns=CONTROLE_COLUMNS)
    resultaten_df = pd.DataFrame([results[c.controle_id] for c in controles], columns=RESULTAAT_COLUMNS)
    resultaten_df = resultaten_df.astype({"geslaagd": "int64", "getoetst": "Int64", "afwijkend": "int64"})
    order = controles_df["controle_id"].argsort(kind="stable")
    return QualityResult(controles_df.iloc[order].reset_index(drop=True),
                         resultaten_df.iloc[order].reset_index(drop=True),
                         round(time.perf_counter() - started, 3))


def _run_suite(gx, context, source, asset_name: str, suite_name: str, checks: list[Controle],
               counter: _Counter) -> dict[str, dict]:
    first = checks[0]
    keys = list(next((c.sleutel for c in checks if c.expectation != UNEXPECTED_ROWS), ()))
    try:
        if first.bron:
            asset = source.add_query_asset(name=asset_name, query=first.bron)
        else:
            asset = source.add_table_asset(name=asset_name, table_name=first.tabel)
        batch_definition = asset.add_batch_definition_whole_table("alles")
        made = {}
        for c in checks:
            cls = getattr(gx.expectations, c.expectation, None)
            if cls is None:
                raise QualityConfigError(f"{c.controle_id}: onbekende expectation {c.expectation!r}.")
            kwargs = dict(c.parameters)
            if c.expectation == UNEXPECTED_ROWS:
                kwargs["unexpected_rows_query"] = _wrap_batch(kwargs["unexpected_rows_query"])
            if c.waar:
                kwargs["row_condition"] = _row_condition(c.waar)
            made[c.controle_id] = cls(**kwargs, meta={"controle_id": c.controle_id})
        # the suite is stored once with all its expectations (suite.add_expectation would store the
        # whole suite again for every expectation)
        suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=list(made.values())))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite))
        result_format: dict = {"result_format": "COMPLETE", "partial_unexpected_count": _ALL_ROWS,
                               "return_unexpected_index_query": False}
        if keys:
            result_format["unexpected_index_column_names"] = keys
        validation = definition.run(result_format=result_format)
    except Exception as exc:  # the asset itself is broken (missing table, bad query): every check fails
        message = f"{type(exc).__name__}: {exc}"
        return {c.controle_id: _error_result(c, message) for c in checks}

    out = {}
    for r in validation.results:
        cid = (r.expectation_config.meta or {}).get("controle_id")
        c = next(x for x in checks if x.controle_id == cid)
        out[cid] = _result(c, r, definition, made[cid])
    # checks that report no row count are about the whole batch: its size is the element_count of a
    # column check without row filter in the same suite, or else counted once
    whole = [out[c.controle_id]["getoetst"] for c in checks if not c.waar and c.expectation != UNEXPECTED_ROWS
             and isinstance(out.get(c.controle_id, {}).get("getoetst"), int)]
    for c in checks:
        if c.controle_id in out and out[c.controle_id]["getoetst"] is _BATCH_ROWS:
            out[c.controle_id]["getoetst"] = whole[0] if whole else counter.count(c)
    for c in checks:  # GE returned nothing for a check (should not happen): report it, do not hide it
        out.setdefault(c.controle_id, _error_result(c, "Great Expectations gaf geen resultaat."))
    return out


def _wrap_batch(query: str) -> str:
    """`{batch}` as a derived table that may be aliased and joined however GE renders it.

    GE substitutes {batch} by `(SELECT …) AS subselect` in a query without JOIN and by `(SELECT …)`
    in a query with one; as `(SELECT * FROM {batch})` both forms are a valid table expression, so
    the checks can always write `FROM {batch} AS x`."""
    return query.replace("{batch}", "(SELECT * FROM {batch})")


_BATCH_ROWS = object()  # placeholder: the number of rows in the suite's batch


def _error_result(c: Controle, message: str) -> dict:
    return {"controle_id": c.controle_id, "geslaagd": 0, "getoetst": None, "afwijkend": 1,
            "afwijkende_rijen": "[]", "waargenomen": _dumps({"fout": mask(message)})}


def _result(c: Controle, r, definition, expectation) -> dict:
    info = r.exception_info or {}
    if info.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception") for v in info.values()):
        messages = [info.get("exception_message")] + [v.get("exception_message") for v in info.values()
                                                     if isinstance(v, dict)]
        return _error_result(c, "; ".join(sorted({m for m in messages if m})) or "onbekende fout")
    res = dict(r.result or {})
    success = bool(r.success)
    if c.expectation == UNEXPECTED_ROWS:
        count = int(res.get("observed_value") or 0)
        rows = list((res.get("details") or {}).get("unexpected_rows") or [])
        if count > len(rows):  # GE returns at most 200 rows; fetch them all
            rows = definition.get_unexpected_rows(expectation)
        rows = _sorted_rows([_jsonable(dict(row)) for row in rows], c.sleutel or (rows[0].keys() if rows else ()))
        return {"controle_id": c.controle_id, "geslaagd": int(success), "getoetst": _BATCH_ROWS,
                "afwijkend": count, "afwijkende_rijen": _dumps(rows, sort_keys=False),
                "waargenomen": _dumps({"observed_value": count})}
    if "unexpected_count" in res or "element_count" in res:  # a map expectation: per row
        count = int(res.get("unexpected_count") or 0)
        rows = res.get("unexpected_index_list")
        if not isinstance(rows, list):
            rows = []
        if count and not rows:  # no keys asked for (or none available): the values themselves
            rows = [v if isinstance(v, Mapping) else {c.kolom or "waarde": v} for v in res.get("unexpected_list") or []]
        rows = _sorted_rows([_jsonable(dict(row)) for row in rows], c.sleutel)
        observed = {k: res[k] for k in ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
                    if k in res}
        if len(rows) < count:  # never hide that the list is cut short
            observed["rijen_onvolledig"] = True
        counts = res.get("partial_unexpected_counts")
        if counts:
            observed["afwijkende_waarden"] = counts
        return {"controle_id": c.controle_id, "geslaagd": int(success),
                "getoetst": int(res["element_count"]) if res.get("element_count") is not None else _BATCH_ROWS,
                "afwijkend": count, "afwijkende_rijen": _dumps(rows, sort_keys=False),
                "waargenomen": _dumps(_jsonable(observed))}
    # a table-level expectation (row count, column list): one aggregate
    observed = {k: v for k, v in res.items() if k in ("observed_value", "details")}
    return {"controle_id": c.controle_id, "geslaagd": int(success), "getoetst": _BATCH_ROWS,
            "afwijkend": 0 if success else 1, "afwijkende_rijen": "[]", "waargenomen": _dumps(_jsonable(observed))}


def summary_text(result: QualityResult) -> str:
    """A few Dutch lines for the terminal: the verdict and every failed check (most severe first)."""
    failed = result.failures()
    counts = {e: int((failed["ernst"] == e).sum()) for e in ERNSTEN}
    lines = []
    rank = {e: i for i, e in enumerate(ERNSTEN)}
    for row in sorted(failed.to_dict("records"), key=lambda r: (rank.get(r["ernst"], 9), r["controle_id"])):
        observed, parameters = json.loads(row["waargenomen"]), json.loads(row["parameters"])
        if "fout" in observed:
            found = f"kon niet worden uitgevoerd: {observed['fout'].splitlines()[0][:200]}"
        elif row["afwijkende_rijen"] == "[]" and "observed_value" in observed:
            found = f"waargenomen {json.dumps(observed['observed_value'], ensure_ascii=False)[:200]}" + (
                f", verwacht {parameters['value']}" if "value" in parameters else "")
        else:
            found = f"{row['afwijkend']} afwijkende rij(en)"
        lines.append(f"{row['ernst']:<12} {row['controle_id']}: {found}. {row['betekenis']}")
    verdict = "Publiceerbaar" if result.publiceerbaar else "Niet publiceerbaar"
    lines.append(f"{verdict}: {len(result.controles)} controles, {counts[FATAAL]} fataal, {counts[FOUT]} fout, "
                 f"{counts[WAARSCHUWING]} waarschuwing(en) gefaald ({result.duur_s:.1f} s).")
    return "\n".join(lines)


# --- into the database ----------------------------------------------------------------------

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
