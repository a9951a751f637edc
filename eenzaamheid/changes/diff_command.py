"""`eenzaamheid verschil`: compare two publications on the command line (changes/diff.py, diff_report.py)."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..commandline import EXIT_OK, EXIT_PROBLEMS, usage


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


HELP = """
Vergelijk twee publicaties: wat is er veranderd van OUD naar NIEUW?

OUD en NIEUW zijn elk een gebouwde database (`benchmark.db`), een datapakket (`datapackage.json` of het
zip-bestand `benchmark-eenzaamheid.zip`) of een uitvoermap van `eenzaamheid bouw` (dan telt de database erin).
Een database en het datapakket van dezelfde build zijn gelijk.

Het verslag noemt per tabel de rijen die zijn toegevoegd, verwijderd en gewijzigd (op de sleutel van de tabel,
zie schemas/clean), per gemeente en jaar de inzendingen die nieuw meetellen of vervallen, per gemeente, jaar en
vraag de gewijzigde antwoorden (oude → nieuwe antwoordoptie) en de gepubliceerde cijfers waarvan de berekende
waarde is verschoven (tabel reconciliatie). De tabel wijzigingen zelf wordt niet vergeleken.

De build schrijft hetzelfde overzicht, ten opzichte van de publicatie die hij vervangt, in de tabel
`wijzigingen` en als WIJZIGINGEN.md in het zip-bestand.

**Exitcodes:** (zoals `diff`) 0 = geen verschil, 1 = er zijn verschillen, 2 = verkeerd aangeroepen (een pad
bestaat niet of is geen database of datapakket).
"""


def verschil(
    oud: Annotated[Path, typer.Argument(help="De oude publicatie.", metavar="OUD", show_default=False)],
    nieuw: Annotated[Path, typer.Argument(help="De nieuwe publicatie.", metavar="NIEUW", show_default=False)],
    format: Annotated[DiffFormat, typer.Option("--formaat",
                                               help="text (leesbaar), json of markdown.")] = DiffFormat.text,
    voorbeelden: Annotated[int, typer.Option("--voorbeelden", min=0, help="Hoeveel rijen per tabel en soort "
                                             "wijziging genoemd worden (0 = alle).")] = 10,
) -> None:
    from . import diff, diff_report

    try:
        old, new = diff.read_publication(oud), diff.read_publication(nieuw)
    except diff.PublicationError as exc:
        usage(str(exc))
    result = diff.compare(old, new)
    if format is DiffFormat.json:
        typer.echo(diff_report.json_text(result, voorbeelden), nl=False)
    elif format is DiffFormat.markdown:
        typer.echo(diff_report.markdown(result), nl=False)
    else:
        typer.echo(diff_report.text(result, voorbeelden), nl=False)
    raise typer.Exit(EXIT_OK if result.identical else EXIT_PROBLEMS)
