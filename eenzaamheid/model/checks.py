"""The model of checks/handmatige_controles.yml: the data steward's own quality checks
(eenzaamheid/quality/manual.py runs them with Great Expectations)."""
from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal, Optional, Union

from pydantic import Field

from .base import Strict, duplicates


class Controle(Strict):
    uitleg: ClassVar[str] = "Eén controle op de gebouwde database: óf sql óf expectation."
    id: str = Field(description="Vaste naam; in kwaliteitscontroles heet de controle 'handmatig.<id>'.")
    tabel: str = Field(description="De tabel of view waarover de controle gaat.")
    ernst: Literal["fataal", "fout", "waarschuwing"] = Field(
        description="fataal: niet publiceren zolang de controle faalt; fout: uitzoeken en herstellen "
                    "(`eenzaamheid check` eindigt met 1); waarschuwing: de databeheerder bevestigt of corrigeert.")
    betekenis: str = Field(description="In gewone taal wat de controle betekent en wat u doet als zij faalt; mag "
                                       "{naam} van een instelling bevatten.")
    sleutel: Optional[list[str]] = Field(None, description="De kolommen die een afwijkende rij aanwijzen "
                                                           "(standaard de primaire sleutel van de tabel).")
    sql: Optional[str] = Field(None, description="Een SELECT die de afwijkende rijen geeft (geen rijen = geslaagd); "
                                                 "{batch} is de tabel, {naam} een instelling.")
    instellingen: Optional[dict[str, Union[int, float, str]]] = Field(
        None, description="Getallen die u wilt kunnen bijstellen, als {naam} in de sql en de betekenis.")
    expectation: Optional[str] = Field(None, description="Een Great Expectations-verwachting, bijv. "
                                                         "expect_column_values_to_be_between.")
    kolom: Optional[str] = Field(None, description="De kolom, bij een verwachting over een kolom.")
    parameters: Optional[dict[str, Any]] = Field(
        None, description="De parameters van de verwachting (value_set, min_value, ...); een gepubliceerd cijfer "
                          "als {gepubliceerd: {populatie: ..., vraag_id: ..., optie_code: ..., maat: ...}}.")
    bron: Optional[str] = Field(None, description="Een SELECT die de te toetsen rijen kiest in plaats van de hele "
                                                  "tabel (alleen bij expectation).")


class HandmatigeControles(Strict):
    uitleg: ClassVar[str] = ("checks/handmatige_controles.yml: de kwaliteitscontroles die de databeheerder zelf "
                             "formuleert, naast die uit het codeboek en de Table Schemas.")
    controles: list[Controle] = Field(description="De controles.")


def references(config: HandmatigeControles, tables: dict[str, list[str] | None],
               published_columns: list[str]) -> Iterator[tuple[tuple, str]]:
    """A duplicate id, a check with both or neither of sql and expectation, an unknown table, or a
    column (kolom, sleutel, a published figure's filter) that the table does not have."""
    for n in duplicates(c.id for c in config.controles):
        yield ("controles", n, "id"), f"controle '{config.controles[n].id}' komt twee keer voor."
    for n, c in enumerate(config.controles):
        here = ("controles", n)
        if (c.sql is None) == (c.expectation is None):
            yield here, "geef óf sql óf expectation."
        if c.tabel not in tables:
            yield (*here, "tabel"), f"onbekende tabel of view '{c.tabel}'."
            continue
        columns = tables[c.tabel]
        named = [(("kolom",), c.kolom)] if c.kolom else []
        if c.sql is None and c.bron is None:  # else the key names columns of the query's rows
            named += [(("sleutel", m), k) for m, k in enumerate(c.sleutel or [])]
        for loc, column in named:
            if columns is not None and column not in columns:
                yield (*here, *loc), f"onbekende kolom '{column}' in {c.tabel}."
        for name, value in (c.parameters or {}).items():
            if isinstance(value, dict) and set(value) == {"gepubliceerd"} and isinstance(value["gepubliceerd"], dict):
                for key in value["gepubliceerd"]:
                    if key not in published_columns:
                        yield (*here, "parameters", name, "gepubliceerd", key), (
                            f"onbekende kolom '{key}' van checks/published_figures.csv.")
