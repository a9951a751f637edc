"""`eenzaamheid nieuw-jaar`: draft a new survey year from its delivery, or apply the reviewed draft."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..atomic import write_atomic
from ..commandline import progress
from ..paths import RAW

log = logging.getLogger(__name__)

HELP = """
Een nieuw jaar van de benchmark, opgesteld uit de levering zelf.

**Stap 1, het concept:** `eenzaamheid nieuw-jaar BESTAND --jaar 2025` leest de levering, vergelijkt haar met het
laatste bekende jaar (het contract, de versies in het codeboek en de levering van dat jaar) en schrijft
`schemas/jaren/2025.concept.yaml` (het jaar in het formaat van het codeboek) en `schemas/jaren/2025.concept.md`
(het verslag: wat doorloopt, wat hernoemd, vervallen, nieuw of anders geformuleerd is, met het bewijs). Elke
beslissing die alleen een mens kan nemen staat als `TODO` in het concept en in het verslag.

**Stap 2, toepassen:** vul de TODO's in en voer uit `eenzaamheid nieuw-jaar BESTAND --jaar 2025 --toepassen`. Dat
controleert het concept, zet het als `schemas/jaren/2025.yaml` op zijn plek, schrijft de leveringscontracten
(`schemas/raw/`) en valideert de levering tegen haar nieuwe contract. Blijft er een TODO over of past het concept
niet in het codeboek, dan verandert er niets.

Daarna: `eenzaamheid ontvang`, `eenzaamheid bouw` en `eenzaamheid verschil` (zie README, "Een nieuw jaar toevoegen").

**Exitcodes:** 0 = concept geschreven, of toegepast en de levering is zonder fouten; 1 = toepassen kan nog niet
(TODO over, past niet) of de levering heeft fouten; 2 = verkeerd aangeroepen (bestand bestaat niet, jaar al bekend
of ouder dan het laatste jaar, concept bestaat al).
"""


def nieuw_jaar(
    bestand: Annotated[Path, typer.Argument(help="De levering van het nieuwe jaar (.csv of .xlsx).", metavar="BESTAND",
                                            show_default=False)],
    jaar: Annotated[int, typer.Option("--jaar", help="Het nieuwe jaar van de benchmark.", show_default=False)],
    uitgenodigd: Annotated[Optional[int], typer.Option("--uitgenodigd", help="Aantal uitgenodigde gemeenten, als "
                                                       "bekend.", show_default=False)] = None,
    toepassen: Annotated[bool, typer.Option("--toepassen", help="Pas het nagekeken concept toe.")] = False,
    overschrijf: Annotated[bool, typer.Option("--overschrijf", help="Vervang een bestaand concept (uw invullingen "
                                              "gaan verloren).")] = False,
    raw: Annotated[Path, typer.Option("--ruw", help="Map met de leveringen (om de vorige levering te lezen).")] = RAW,
) -> None:
    from .. import codebook
    from ..codebook_years import CodebookError

    if not bestand.is_file():
        _fail(f"Bestand '{bestand}' bestaat niet.", 2)
    try:
        book = codebook.load()
    except CodebookError as exc:
        _fail(str(exc), 2)
    if toepassen:
        _apply(bestand, jaar)
    if jaar in book.years or jaar < book.years[-1]:
        _fail(f"Het codeboek kent {book.years[0]}–{book.years[-1]}; {jaar} is " + (
            "al bekend" if jaar in book.years else "ouder dan het laatste jaar") + ". Een nieuw jaar komt na "
            f"{book.years[-1]}.", 2)
    _draft(bestand, jaar, book, raw, uitgenodigd, overschrijf)


def _draft(bestand: Path, jaar: int, book, raw: Path, uitgenodigd: int | None, overschrijf: bool) -> None:
    from .apply import concept_path, report_path
    from .draft import draft_year, to_yaml, todos
    from .read import Unreadable, read_new
    from .report import render

    concept = concept_path(jaar)
    if concept.exists() and not overschrijf:
        _fail(f"Er is al een concept schemas/jaren/{concept.name}. Ga daarmee verder, of maak een nieuw met "
              "--overschrijf (uw invullingen gaan dan verloren).", 2)
    try:
        delivered = read_new(bestand, jaar, book.deliveries[book.years[-1]])
    except Unreadable as exc:
        _fail(f"{bestand}: {exc}", 1)
    draft = draft_year(delivered, book, jaar, raw, uitgenodigd)
    header = (f"Concept voor het benchmarkjaar {jaar}, gemaakt met `eenzaamheid nieuw-jaar` uit {bestand.name}.\n"
              f"Het verslag met het bewijs voor elk voorstel: schemas/jaren/{report_path(jaar).name}.\n"
              "Vervang elke tekst 'TODO: …' door uw keuze; pas het concept daarna toe met\n"
              f"  eenzaamheid nieuw-jaar {bestand} --jaar {jaar} --toepassen")
    text = to_yaml(draft.data, header)
    write_atomic(concept, text)
    report = render(draft, Path("schemas/jaren") / concept.name, text, str(bestand))
    write_atomic(report_path(jaar), report)
    log.info(report)
    left = len(todos(text))
    progress.final(f"Concept geschreven: schemas/jaren/{concept.name} ({left} TODO), verslag: "
               f"schemas/jaren/{report_path(jaar).name}.")
    raise typer.Exit(0)


def _apply(bestand: Path, jaar: int) -> None:
    from ..commandline import show_validation
    from ..validation.validate import UsageError, validate_paths
    from .apply import NotReady, apply

    try:
        target = apply(jaar, bestand)
    except NotReady as exc:
        _fail(str(exc), 1)
    log.info(f"Toegepast: schemas/jaren/{target.name}; de leveringscontracten in schemas/raw/ zijn opnieuw "
               f"geschreven. De levering tegen het contract van {jaar}:")
    try:
        result = validate_paths([bestand], year=jaar)
    except UsageError as exc:
        _fail(str(exc), 2)
    show_validation(result)
    if result.ok:
        progress.final(f"Volgende stap: eenzaamheid ontvang {bestand} --jaar {jaar} --ontvangen JJJJ-MM-DD "
                   "(met --synthetisch voor demodata).")
    raise typer.Exit(0 if result.ok else 1)


def _fail(message: str, code: int):
    log.error(f"Fout: {message}")
    raise typer.Exit(code)
