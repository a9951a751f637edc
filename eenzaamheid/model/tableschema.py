"""The model of a Table Schema file: schemas/clean/<tabel>.yaml and schemas/published_figures.yaml.

Frictionless Table Schema (https://specs.frictionlessdata.io/table-schema/) with only the keys this
project uses, plus two keys of its own, both kept out of every published schema
(eenzaamheid/tables/cleanschema.py reads them aside): `indexen` (the database's indexes) and, per
field, `redactie` (how delivered text in the column is redacted before publication).
"""
from __future__ import annotations

from typing import ClassVar, Iterator, Literal, Optional, Union

from pydantic import Field

from .base import Strict, duplicates

REDACTIONS = ("vrije_tekst", "waarde", "log")


class Constraints(Strict):
    uitleg: ClassVar[str] = "Voorwaarden aan de waarden van een kolom (Table Schema `constraints`)."
    required: Optional[bool] = Field(None, description="true: de kolom is nooit leeg.")
    unique: Optional[bool] = Field(None, description="true: geen twee rijen met dezelfde waarde.")
    pattern: Optional[str] = Field(None, description="Reguliere expressie waaraan elke waarde helemaal voldoet.")
    minimum: Optional[Union[int, float]] = Field(None, description="Kleinste toegestane waarde (een kolom `jaar` "
                                                                   "krijgt het eerste jaar van het codeboek).")
    maximum: Optional[Union[int, float]] = Field(None, description="Grootste toegestane waarde (een kolom `jaar` "
                                                                   "krijgt het laatste jaar van het codeboek).")
    enum: Optional[list[Union[str, int]]] = Field(None, description="De toegestane waarden (een kolom `bron` krijgt "
                                                                    "de bronnen van het codeboek).")


class TableField(Strict):
    uitleg: ClassVar[str] = "Een kolom van de tabel."
    name: str = Field(description="Naam van de kolom (uniek in de tabel).")
    type: Literal["string", "integer", "number", "boolean", "date", "datetime"] = Field(
        description="Table Schema-type van de waarden.")
    format: Optional[str] = Field(None, description="Table Schema-formaat van een datum of tijdstip (bijv. '%Y-%m-%dT%H:%M:%S').")
    title: str = Field(description="Korte Nederlandse naam (kop op de site en in de spreadsheets).")
    description: Optional[str] = Field(None, description="Wat de kolom betekent (anders geldt de titel); mag "
                                                         "{jaren} en dergelijke bevatten.")
    constraints: Optional[Constraints] = Field(None, description="Voorwaarden aan de waarden.")
    redactie: Optional[Literal["vrije_tekst", "waarde", "log"]] = Field(
        None, description="Eigen sleutel: de kolom bevat geleverde tekst die vóór publicatie wordt geschoond. "
                          "vrije_tekst: namen, adressen en patronen (deduce en patronen); waarde: alleen de patronen "
                          "(e-mail, telefoon, link, BSN, IBAN, postcode); log: vrije_tekst op de rijen met regel "
                          "'redactie', anders waarde. Niet in het gepubliceerde schema.")


class Reference(Strict):
    uitleg: ClassVar[str] = "Waar een verwijzende sleutel naar wijst."
    resource: str = Field(description="De tabel waarnaar verwezen wordt; \"\" voor de tabel zelf.")
    fields: list[str] = Field(description="De kolommen van die tabel, in de volgorde van `fields` hierboven.")


class ForeignKey(Strict):
    uitleg: ClassVar[str] = "Een verwijzende sleutel (Table Schema `foreignKeys`)."
    fields: list[str] = Field(description="De kolommen van deze tabel die verwijzen.")
    reference: Reference = Field(description="De tabel en kolommen waarnaar zij verwijzen.")


class TableSchema(Strict):
    uitleg: ClassVar[str] = ("schemas/clean/<tabel>.yaml en schemas/published_figures.yaml: het Table Schema van "
                             "een gepubliceerde tabel, de enige plek waar staat wat een kolom betekent.")
    title: str = Field(description="Nederlandse titel van de tabel.")
    description: str = Field(description="Wat een rij is en hoe de tabel te gebruiken; mag {jaren} bevatten.")
    fields: list[TableField] = Field(description="De kolommen, in volgorde (bij antwoorden_breed de vaste kolommen; "
                                                 "de rest volgt uit het codeboek).")
    primaryKey: Union[str, list[str]] = Field(description="De kolom(men) die een rij aanwijzen.")
    foreignKeys: Optional[list[ForeignKey]] = Field(None, description="Verwijzingen naar andere tabellen.")
    missingValues: list[str] = Field(description="Wat als leeg geldt in de database ([] of [\"\"]).")
    indexen: Optional[list[list[str]]] = Field(
        None, description="Eigen sleutel: de indexen in de database, elk een lijst kolommen, voor de vragen die "
                          "mensen stellen (per jaar, per vraag, per gemeente). Niet in het gepubliceerde schema.")


def references(schema: TableSchema, table: str, columns_of) -> Iterator[tuple[tuple, str]]:
    """Broken references of one schema: keys and indexes naming columns it lacks, foreign keys to an
    unknown table or column, a column twice. `columns_of(table)`: that table's columns, or None when
    there is no such table."""
    names = [f.name for f in schema.fields]
    for n in duplicates(names):
        yield ("fields", n, "name"), f"kolom '{names[n]}' komt twee keer voor."
    pk = [schema.primaryKey] if isinstance(schema.primaryKey, str) else schema.primaryKey
    yield from _unknown(pk, names, ("primaryKey",), table)
    for n, index in enumerate(schema.indexen or []):
        yield from _unknown(index, names, ("indexen", n), table)
    for n, fk in enumerate(schema.foreignKeys or []):
        yield from _unknown(fk.fields, names, ("foreignKeys", n, "fields"), table)
        target = fk.reference.resource or table
        theirs = names if target == table else columns_of(target)
        if theirs is None:
            yield ("foreignKeys", n, "reference", "resource"), f"onbekende tabel '{target}'."
        else:
            yield from _unknown(fk.reference.fields, theirs, ("foreignKeys", n, "reference", "fields"), target)


def _unknown(columns: list[str], known: list[str], loc: tuple, table: str) -> Iterator[tuple[tuple, str]]:
    for n, column in enumerate(columns):
        if column not in known:
            yield (*loc, n), f"onbekende kolom '{column}' in tabel {table}."
