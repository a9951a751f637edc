"""The model of metadata.yml: Datasette's metadata (title, licence, sources, table pages, canned
queries), the meaning of the views' computed columns, the home page's headline figures, the panels,
the data package's metadata and the catalogue record (DCAT-AP-NL, JSON-LD, CITATION.cff).

Texts may say {jaren}, {eerste_jaar}, {laatste_jaar} or {aantal_jaren} (eenzaamheid/years.py).
"""
from __future__ import annotations

import datetime
from typing import ClassVar, Iterator, Optional, Union

from pydantic import Field

from .base import Strict


class TablePage(Strict):
    uitleg: ClassVar[str] = "Hoe de site (Datasette) een tabel of view toont; wat een kolom betekent staat in schemas/clean."
    title: Optional[str] = Field(None, description="Titel van de pagina (een view; een tabel heeft die van haar schema).")
    description: Optional[str] = Field(None, description="Uitleg van een tabel zonder Table Schema (bijv. build).")
    label_column: Optional[str] = Field(None, description="De kolom die een rij benoemt waar een andere tabel ernaar verwijst.")
    sort: Optional[str] = Field(None, description="De kolom waarop de pagina standaard oplopend sorteert (de build legt er een index op).")
    sort_desc: Optional[str] = Field(None, description="De kolom waarop de pagina standaard aflopend sorteert.")
    facets: Optional[list[str]] = Field(None, description="Kolommen om op te filteren (facetten; de build legt er indexen op).")
    hidden: Optional[bool] = Field(None, description="true: de tabel staat niet in de lijst van tabellen.")
    columns: Optional[dict[str, str]] = Field(None, description="Uitleg per kolom van een tabel zonder Table Schema.")


class Query(Strict):
    uitleg: ClassVar[str] = "Een opgeslagen zoekvraag op de site (Datasette canned query)."
    title: str = Field(description="Titel van de zoekvraag.")
    description: Optional[str] = Field(None, description="Wat de zoekvraag geeft en wat de gebruiker invult.")
    sql: str = Field(description="De SELECT; :naam is een veld dat de gebruiker invult.")
    hide_sql: Optional[bool] = Field(None, description="true: de SQL staat niet standaard open.")


class Database(Strict):
    uitleg: ClassVar[str] = "De database op de site (Datasette)."
    tables: dict[str, TablePage] = Field(description="Per tabel of view (naam) hoe de site haar toont.")
    queries: Optional[dict[str, Query]] = Field(None, description="De opgeslagen zoekvragen, per naam (deel van het adres).")


class Panel(Strict):
    uitleg: ClassVar[str] = "Een vaste groep gemeenten waarbinnen rapporten jaren vergelijken."
    jaren: list[int] = Field(description="De jaren waarin een lid deelnam (benchmarkjaren uit het codeboek).")
    titel: str = Field(description="Naam van het panel op de site.")
    beschrijving: str = Field(description="Wie erin zit en welk rapport het gebruikt.")


class License(Strict):
    uitleg: ClassVar[str] = "Een licentie van het datapakket."
    name: str = Field(description="SPDX-code (bijv. CC0-1.0); de licentietekst staat in LICENSES/<code>.txt.")
    path: str = Field(description="Adres van de licentie.")
    title: str = Field(description="Waarvoor de licentie geldt.")


class Source(Strict):
    uitleg: ClassVar[str] = "Een bron van het datapakket."
    title: str = Field(description="Naam van de bron.")
    path: Optional[str] = Field(None, description="Adres van de bron.")


class Contributor(Strict):
    uitleg: ClassVar[str] = "Een maker of bijdrager van het datapakket."
    title: str = Field(description="Naam.")
    role: str = Field(description="Rol (Data Package: author, publisher, maintainer, wrangler of contributor).")
    path: Optional[str] = Field(None, description="Adres.")


class DataPackage(Strict):
    uitleg: ClassVar[str] = "Metadata van het Frictionless-datapakket (datapackage.json)."
    name: str = Field(description="Naam van het pakket (kleine letters, streepjes).")
    version: str = Field(description="Versie van de vorm (tabellen en kolommen); de gepubliceerde versie is deze "
                                     "plus een hash van de data.")
    description: str = Field(description="Beschrijving van het pakket.")
    synthetisch_melding: Optional[str] = Field(None, description="Gaat voor de beschrijving zolang een levering "
                                                                 "synthetisch is (raw/MANIFEST.csv).")
    licenses: list[License] = Field(description="De licenties.")
    sources: Optional[list[Source]] = Field(None, description="De bronnen.")
    contributors: Optional[list[Contributor]] = Field(None, description="Makers en bijdragers.")
    keywords: Optional[list[str]] = Field(None, description="Trefwoorden.")


class Naam(Strict):
    uitleg: ClassVar[str] = "Een organisatie of persoon."
    naam: str = Field(description="Naam.")


class Contact(Strict):
    uitleg: ClassVar[str] = "Het contactpunt van de dataset."
    naam: str = Field(description="Naam van het contactpunt.")
    pad: str = Field(description="Pagina op de site die zegt hoe de uitgever te bereiken is (pad onder basis_url).")


class Periode(Strict):
    uitleg: ClassVar[str] = "De periode die de data beslaan."
    begin: Union[str, datetime.date] = Field(description="Eerste dag (JJJJ-MM-DD).")
    eind: Union[str, datetime.date] = Field(description="Laatste dag (JJJJ-MM-DD).")


class Dienst(Strict):
    uitleg: ClassVar[str] = "De site als DCAT-dataservice, waarlangs elk bestand te krijgen is."
    titel: str = Field(description="Naam van de dienst.")
    beschrijving: str = Field(description="Wat de dienst biedt.")
    pad: str = Field(description="Adres van de dienst onder basis_url.")
    api_beschrijving: Optional[str] = Field(None, description="Adres van de documentatie van de API.")


class Standaarden(Strict):
    uitleg: ClassVar[str] = "De standaard die elk soort gepubliceerd bestand volgt (dct:conformsTo)."
    pakket: str = Field(description="Het pakket als geheel (zip en datapackage.json).")
    csv: str = Field(description="CSV-bestanden (Table Schema).")
    json_: str = Field(alias="json", description="JSON-bestanden.")
    parquet: str = Field(description="Parquet-bestanden.")
    xlsx: str = Field(description="Excel-bestanden.")


class Catalogus(Strict):
    uitleg: ClassVar[str] = "De dataset in de catalogi: DCAT-AP-NL (dcat.ttl), schema.org JSON-LD en CITATION.cff."
    basis_url: str = Field(description="Het openbare adres van de site (een voorbeeldadres tot de site gepubliceerd is).")
    identificator: str = Field(description="Vaste identificatie van de dataset.")
    uitgever: Naam = Field(description="De uitgever.")
    makers: list[Naam] = Field(description="De makers.")
    contact: Contact = Field(description="Het contactpunt.")
    documentatie: Optional[str] = Field(None, description="Pagina met de documentatie (foaf:page), pad onder basis_url.")
    dienst: Optional[Dienst] = Field(None, description="De site als dataservice.")
    standaarden: Optional[Standaarden] = Field(None, description="De standaard per soort bestand.")
    periode: Optional[Periode] = Field(None, description="Alleen om af te wijken van 1 januari van het eerste tot "
                                                         "31 december van het laatste benchmarkjaar.")
    gebied: str = Field(description="Het gebied in woorden.")
    gebied_uri: str = Field(description="Het gebied (EU-landencode).")
    taal: str = Field(description="De taal (EU-taalcode).")
    toegang: str = Field(description="Toegangsrecht (EU-lijst).")
    frequentie: str = Field(description="Hoe vaak bijgewerkt (EU-lijst).")
    themas: list[str] = Field(description="Thema's: EU-datathema's en de taxonomie van data.overheid.nl.")
    licentie: str = Field(description="De licentie van de bestanden (EU-lijst).")
    rechten: str = Field(description="Verklaring over de rechten (ook van de CBS-gegevens).")


class Metadata(Strict):
    uitleg: ClassVar[str] = ("metadata.yml: wat een mens beslist over de dataset en de site. Tabellen en kolommen "
                             "worden beschreven in schemas/clean, niet hier.")
    title: str = Field(description="Titel van de dataset en de site.")
    description_html: str = Field(description="Inleiding op de site (HTML).")
    license: str = Field(description="De licentie in woorden (voet van de site).")
    license_url: str = Field(description="Adres van de licentie.")
    source: str = Field(description="De bronnen in woorden.")
    source_url: str = Field(description="Adres van de bron.")
    about: Optional[str] = Field(None, description="Over de uitgever.")
    databases: dict[str, Database] = Field(description="Per database (benchmark) de tabelpagina's en zoekvragen.")
    kolommen: dict[str, str] = Field(description="Betekenis van de berekende kolommen van de views (andere kolommen "
                                                 "nemen de uitleg van de gelijknamige tabelkolom); '<jaar>' geldt voor "
                                                 "elke jaarkolom.")
    kerncijfers_home: list[str] = Field(description="De vragen (vraag_id met een kerncijfer) waarvan de "
                                                    "voorpagina het kerncijfer toont, in volgorde.")
    panels: dict[str, Panel] = Field(description="De panels, per naam (kolommen lid_<naam> en telt_in_<naam>).")
    datapackage: DataPackage = Field(description="Metadata van het datapakket.")
    catalogus: Catalogus = Field(description="De dataset in de catalogi.")


def references(meta: Metadata, tables: dict[str, list[str] | None], headlines: set[str],
               years: tuple[int, ...]) -> Iterator[tuple[tuple, str]]:
    """Broken references: a page for an unknown table, a sort/facet/label column the table lacks, a
    headline of a question without one, a panel year that is no survey year. `tables`: name ->
    columns (None for a view, whose columns are known only in the database)."""
    for db, database in meta.databases.items():
        for name, page in database.tables.items():
            here = ("databases", db, "tables", name)
            if name not in tables:
                yield here, f"onbekende tabel of view '{name}'."
                continue
            columns = tables[name]
            if columns is None:
                continue
            named = [("label_column", page.label_column), ("sort", page.sort), ("sort_desc", page.sort_desc)]
            named += [(("facets", n), c) for n, c in enumerate(page.facets or [])]
            for key, column in named:
                if column is not None and column not in columns:
                    loc = (*here, *key) if isinstance(key, tuple) else (*here, key)
                    yield loc, f"onbekende kolom '{column}' in {name}."
    for n, vraag_id in enumerate(meta.kerncijfers_home):
        if vraag_id not in headlines:
            yield ("kerncijfers_home", n), f"'{vraag_id}' is geen vraag met een kerncijfer in het codeboek."
    for name, panel in meta.panels.items():
        for n, year in enumerate(panel.jaren):
            if year not in years:
                yield ("panels", name, "jaren", n), f"{year} is geen benchmarkjaar van het codeboek."
