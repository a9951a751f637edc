"""Checks generated from the codebook (schemas/codebook.yaml) and the clean Table Schemas
(schemas/clean/*.yaml). They are described one per question, year, table or column (each with its
own controle_id), but run set-based: see families.py."""
from __future__ import annotations

from typing import Iterable

from .. import codebook as cb
from ..tables import cleanschema
from .model import FATAAL, FOUT, UNEXPECTED_ROWS, Controle
from .model import quote_ident as _quote_ident, sql_literal as _sql_literal


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
        # the submissions that did get the question are one set (not a subquery per answer): fast
        # with or without an index on antwoorden
        query = (
            "SELECT a.inzending_id, a.vraag_id, a.item_code, a.jaar FROM {batch} AS a "
            f"WHERE a.vraag_id = {_sql_literal(vid)} AND (a.inzending_id IS NULL OR a.inzending_id NOT IN ("
            f"SELECT c.inzending_id FROM antwoorden AS c WHERE c.vraag_id = {_sql_literal(cond)} "
            f"AND c.optie_code IN ({', '.join(_sql_literal(o) for o in allowed)}) AND c.inzending_id IS NOT NULL))")
        add(f"codeboek.overslaan.{vid}", "vraag_id", UNEXPECTED_ROWS, {"unexpected_rows_query": query},
            f"Vraag {vid} werd alleen gesteld aan gemeenten die bij {cond} antwoordden met {', '.join(allowed)} "
            f"(routing). Een antwoord op {vid} zonder zo'n antwoord op {cond} kan de vragenlijst niet hebben "
            "opgeleverd: de levering is verschoven of de harmonisatie koppelt kolommen verkeerd. Controleer de rij in "
            "de ruwe levering; niet publiceren.")
    return out


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
            _field_checks(table, f, pk, add)
        for fk in cleanschema.foreign_keys(table):
            _foreign_key_check(table, fk, pk, empty, add)
    return out


def _field_checks(table: str, f: dict, pk: tuple, add) -> None:
    """The checks of one field's constraints in its Table Schema."""
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


def _foreign_key_check(table: str, fk: dict, pk: tuple, empty, add) -> None:
    """Every value of a foreign key refers to an existing row of its parent (as a query)."""
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
