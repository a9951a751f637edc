"""The model of the codebook files: the questionnaire (schemas/codebook.yaml) and one file per survey
year (schemas/jaren/<jaar>.yaml). The descriptions are the steward's reference (docs/metadata.md).

References that span files (a version of a question, a source cited, an option added in a later year)
are checked where the files are merged (eenzaamheid/codebook_years.py); here only what one file says.
"""
from __future__ import annotations

from typing import ClassVar, Literal, Optional

from pydantic import Field

from .base import Strict


class Bron(Strict):
    uitleg: ClassVar[str] = "Een document waaruit een formulering of cijfer komt (sleutel: de code, bijv. R2024)."
    titel: str = Field(description="Titel van het document zoals het in de bronvermelding staat.")
    bestand: Optional[str] = Field(None, description="Bestandsnaam van de tekst van het document in reference/.")


class Sectie(Strict):
    uitleg: ClassVar[str] = "Een onderdeel van de vragenlijst (actielijn of pijler)."
    sectie: str = Field(description="Stabiele code van de sectie; een vraag verwijst ernaar met `sectie`.")
    label: str = Field(description="Naam van de sectie zoals de site en de tabellen haar tonen.")


class Vraagtype(Strict):
    uitleg: ClassVar[str] = "Een soort vraag: hoe de antwoorden in de levering staan."
    type: str = Field(description="Code van het vraagtype; een vraag verwijst ernaar met `type`.")
    label: str = Field(description="Uitleg van het vraagtype: welke kolommen en waarden de levering heeft.")


class Optie(Strict):
    uitleg: ClassVar[str] = "Een antwoordoptie van een vraag."
    optie_code: str = Field(description="Stabiele code van het antwoord, gelijk over de jaren (uniek binnen de vraag).")
    label: str = Field(description="Tekst van het antwoord zoals de levering hem bevat (per jaar anders: "
                                   "`optielabels` in de versie van dat jaar).")


class Item(Strict):
    uitleg: ClassVar[str] = "Een rij van een matrixvraag of een aan te vinken optie van een meerkeuzevraag."
    item_code: str = Field(description="Stabiele code van het item (uniek binnen de vraag); de versie van een jaar "
                                       "noemt onder `kolommen` per item de kolomkop.")
    label: str = Field(description="Tekst van het item (bij een meerkeuzevraag de waarde van een aangevinkte cel).")


class Optiegroep(Strict):
    uitleg: ClassVar[str] = "Opties die een rapport samen telt (bijv. 'ja' voor alle ja-opties)."
    groep_code: str = Field(description="Code van de groep, te gebruiken waar een optie_code staat (kerncijfer, "
                                        "alleen_als, gepubliceerde cijfers).")
    label: str = Field(description="Naam van de groep.")
    opties: list[str] = Field(description="De optie_codes van de vraag die de groep samen telt.")


class AlleenAls(Strict):
    uitleg: ClassVar[str] = "Een vraag die alleen gesteld is na een bepaald antwoord op een andere vraag."
    vraag_id: str = Field(description="De vraag waarvan het antwoord bepaalt of deze vraag gesteld is.")
    groep: Optional[str] = Field(None, description="Een optiegroep (groep_code) van die vraag: gesteld bij een van "
                                                   "haar opties. Geef `groep` of `opties`.")
    opties: Optional[list[str]] = Field(None, description="De optie_codes van die vraag waarna gesteld is.")


class Kerncijfer(Strict):
    uitleg: ClassVar[str] = "Het kerncijfer van een vraag: het aandeel gemeenten met één antwoord, zoals de rapporten het drukken."
    optie: str = Field(description="De optie_code of groep_code die telt.")
    item_code: Optional[str] = Field(None, description="Bij een matrix- of meerkeuzevraag het item dat telt.")
    label: str = Field(description="Korte naam van het kerncijfer (kop op de site).")
    formulering: str = Field(description="Wat een gemeente die meetelt doet, als zinsdeel ('doet mee aan ...').")
    bron: str = Field(description="Waar het rapport het cijfer noemt: een bron (code uit `bronnen`), gevolgd door "
                                  "vindplaats en cijfer.")


class Vraag(Strict):
    uitleg: ClassVar[str] = "Een vraag uit de vragenlijst, over alle jaren; wat een jaar vroeg staat in de jaarbestanden."
    vraag_id: str = Field(description="Stabiele sleutel van de vraag, uniek over het hele codeboek.")
    sectie: str = Field(description="De sectie (code uit `secties`) waarin de vraag staat.")
    type: str = Field(description="Het vraagtype (code uit `typen`).")
    onderwerp: str = Field(description="Korte omschrijving van de vraag, los van de formulering van een jaar.")
    alleen_als: Optional[AlleenAls] = Field(None, description="Alleen gesteld na dit antwoord op een andere vraag.")
    opties: Optional[list[Optie]] = Field(None, description="De antwoordopties (niet bij open vragen en getallen).")
    optiegroepen: Optional[list[Optiegroep]] = Field(None, description="Groepen van opties die rapporten samen tellen.")
    items: Optional[list[Item]] = Field(None, description="De rijen (matrixvraag) of aan te vinken opties (meerkeuzevraag).")
    kerncijfer: Optional[Kerncijfer] = Field(None, description="Het kerncijfer van de vraag, als de rapporten er een drukken.")
    noot: Optional[str] = Field(None, description="Opmerking bij de vraag (bijv. waarom een jaar ontbreekt).")


class Codeboek(Strict):
    uitleg: ClassVar[str] = ("schemas/codebook.yaml: de vragenlijst over alle jaren. De jaren zelf staan elk in een "
                             "eigen bestand (schemas/jaren/<jaar>.yaml).")
    toelichting: Optional[str] = Field(None, description="Wat het codeboek is en waar het op berust (gaat mee in de "
                                                         "metadata van de tabellen).")
    bronnen: dict[str, Bron] = Field(description="De brondocumenten, per code (bijv. R2024).")
    secties: list[Sectie] = Field(description="De onderdelen van de vragenlijst, in volgorde.")
    typen: list[Vraagtype] = Field(description="De vraagtypen.")
    vragen: list[Vraag] = Field(description="De vragen, in de volgorde van de vragenlijst.")


class Jaargang(Strict):
    uitleg: ClassVar[str] = "Wat bekend is over een benchmarkjaar als geheel."
    uitgenodigd: Optional[int] = Field(None, description="Aantal uitgenodigde gemeenten (leeg als niet gepubliceerd).")
    notitie: Optional[str] = Field(None, description="Wat er dat jaar anders was, met de bron.")


class MetadataKolommen(Strict):
    uitleg: ClassVar[str] = "De kolomkoppen van de vaste kolommen in de levering van een jaar."
    respons_id: str = Field(description="Kolom met het respons-ID van het enquêtesysteem.")
    starttijd: Optional[str] = Field(None, description="Kolom met het begin van het invullen.")
    eindtijd: Optional[str] = Field(None, description="Kolom met het eind van het invullen (bij dubbele inzendingen telt de laatste).")
    gemeente: str = Field(description="Kolom met de naam of CBS-code van de gemeente.")
    contact_naam: Optional[str] = Field(None, description="Kolom met de naam van de contactpersoon (nooit gepubliceerd).")
    contact_email: Optional[str] = Field(None, description="Kolom met het e-mailadres (nooit gepubliceerd).")
    contact_telefoon: Optional[str] = Field(None, description="Kolom met het telefoonnummer (nooit gepubliceerd).")
    contact_functie: Optional[str] = Field(None, description="Kolom met de functie van de contactpersoon (nooit gepubliceerd).")


class Levering(Strict):
    uitleg: ClassVar[str] = "Hoe de export van een jaar eruitziet."
    formaat: Literal["csv", "xlsx"] = Field(description="Bestandsformaat van de levering.")
    bestandspatroon: Optional[str] = Field(None, description="Patroon van de bestandsnaam (bijv. '*2024*.csv').")
    metadata_kolommen: MetadataKolommen = Field(description="De kolomkoppen van de vaste kolommen.")
    datumformaat: str = Field(description="Formaat van start- en eindtijd (strftime, bijv. '%d-%m-%Y %H:%M').")
    scheidingsteken: Optional[str] = Field(None, description="Scheidingsteken van een csv-levering (bijv. ;).")
    codering: Optional[str] = Field(None, description="Tekencodering van een csv-levering (bijv. cp1252).")
    werkblad: Optional[str] = Field(None, description="Het werkblad van een Excel-levering.")
    overige_kolommen: Optional[dict[str, str]] = Field(None, description="Kolommen van het enquêtesysteem die "
                                                       "gelezen maar nooit gepubliceerd worden: kolomkop -> uitleg.")


class NieuweOptie(Optie):
    uitleg: ClassVar[str] = "Een antwoordoptie die een jaar toevoegt."
    na: Optional[str] = Field(None, description="De optie_code waarna de nieuwe optie komt (anders achteraan).")


class NieuwItem(Item):
    uitleg: ClassVar[str] = "Een item dat een jaar toevoegt."
    na: Optional[str] = Field(None, description="De item_code waarna het nieuwe item komt (anders achteraan).")


class NieuweVraag(Vraag):
    uitleg: ClassVar[str] = "Een vraag die een jaar voor het eerst stelt (zoals een vraag in het codeboek)."
    na: Optional[str] = Field(None, description="De vraag (vraag_id) waarna de nieuwe vraag komt (anders achteraan).")


class Versie(Strict):
    uitleg: ClassVar[str] = "Een vraag zoals een jaar haar stelde (sleutel: de vraag_id)."
    formulering: Optional[str] = Field(description="De vraag letterlijk, of leeg als de bron haar niet publiceert.")
    bron: str = Field(description="De bron (code uit `bronnen`) van de formulering.")
    vindplaats: Optional[str] = Field(description="Figuur of paragraaf in de bron.")
    formulering_status: Literal["gepubliceerd", "niet_gepubliceerd"] = Field(
        description="Of de formulering gepubliceerd is.")
    kolom: Optional[str] = Field(None, description="Kolomkop van het antwoord in de levering (vraag zonder items).")
    kolommen: Optional[dict[str, str]] = Field(None, description="Per item (item_code) de kolomkop in de levering. "
                                                                 "Geef `kolom` of `kolommen`.")
    vergelijkbaar_met_vorig_jaar: Optional[Literal["ja", "nee", "onzeker"]] = Field(
        description="Of de cijfers te vergelijken zijn met het vorige jaar dat de vraag gesteld is (leeg: eerste jaar).")
    reden: Optional[str] = Field(description="Waarom (niet) vergelijkbaar.")
    optielabels: Optional[dict[str, str]] = Field(None, description="Opties die dit jaar anders verwoord waren: "
                                                                    "optie_code -> tekst in de levering.")
    nieuwe_opties: Optional[list[NieuweOptie]] = Field(None, description="Opties die dit jaar erbij kwamen.")
    vervallen_opties: Optional[list[str]] = Field(None, description="Opties (optie_code) die dit jaar niet geboden werden.")
    nieuwe_items: Optional[list[NieuwItem]] = Field(None, description="Items die dit jaar erbij kwamen.")


class Jaar(Strict):
    uitleg: ClassVar[str] = ("schemas/jaren/<jaar>.yaml: alles wat een benchmarkjaar toevoegt aan de vragenlijst "
                             "(`eenzaamheid nieuw-jaar` stelt het op).")
    jaar: int = Field(description="Het jaar; gelijk aan de bestandsnaam.")
    jaargang: Optional[Jaargang] = Field(None, description="Wat bekend is over het jaar als geheel.")
    levering: Levering = Field(description="Hoe de export van dat jaar eruitziet.")
    bronnen: Optional[dict[str, Bron]] = Field(None, description="Bronnen die dit jaar voor het eerst aanhaalt.")
    nieuwe_vragen: Optional[list[NieuweVraag]] = Field(None, description="Vragen die dit jaar voor het eerst stelt.")
    versies: dict[str, Versie] = Field(description="Per gestelde vraag (vraag_id) de versie van dat jaar.")
    niet_gevraagd: Optional[dict[str, str]] = Field(None, description="Vragen die dit jaar niet gesteld zijn: "
                                                                      "vraag_id -> toelichting (komt in de noot).")
