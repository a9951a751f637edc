"""Command line `eenzaamheid`: wires the stages together, nothing more.

Exit codes follow the project convention: 0 ok (warnings allowed), 1 data problems,
2 usage errors. Each command is its own function so `build`, `serve`, ... can be added
next to `validate` without touching it.
"""
from __future__ import annotations

import sqlite3
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .codebook_years import CodebookError
from .paths import RAW


class _App(typer.Typer):
    """The CLI; a codebook that cannot be read (any command reads it) is one Dutch message and exit 2."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except CodebookError as exc:
            typer.echo(f"Fout: {exc}", err=True)
            sys.exit(EXIT_USAGE)


app = _App(
    name="eenzaamheid",
    help="Benchmark Eén tegen eenzaamheid: de jaarlijkse gemeentelijke enquête (vanaf 2019) als open data.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_show_locals=False,  # locals would print delivered cells, personal data included
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _print_version(value: bool) -> None:
    if value:
        from .catalog import release

        typer.echo(release.versions())
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Toon de versie van het programma en van de gepubliceerde data, en stop.")] = False) -> None:
    """Benchmark Eén tegen eenzaamheid: de jaarlijkse gemeentelijke enquête (vanaf 2019) als open data."""
    from .paths import ROOT, missing_from_root

    if missing := missing_from_root():  # EENZAAMHEID_ROOT names a folder that is no data root
        typer.echo(f"Fout: de datamap {ROOT} (EENZAAMHEID_ROOT) mist {' en '.join(missing)}. Zet EENZAAMHEID_ROOT "
                   "op een kopie van de map van het project met schemas/, raw/, reference/ en checks/, of laat "
                   "de variabele weg om de map van het project te gebruiken.", err=True)
        raise typer.Exit(EXIT_PROBLEMS)


class Format(str, Enum):
    text = "text"
    json = "json"


VALIDATE_HELP = """
Controleer een of meer leveringen tegen het contract van hun jaar, **zonder iets te wijzigen**.

Een nieuwe levering controleren:

1. Neem het bestand op met `eenzaamheid ontvang BESTAND --jaar 2024`: dat zet het ongewijzigd in `raw/2024/`
   en registreert het in `raw/MANIFEST.csv` (met sha256 en grootte). Een gecorrigeerde levering neemt u op met
   `--vervangt` (zie `eenzaamheid ontvang --help`).

2. Elk bestand in `raw/<jaar>/` dat geen .csv- of .xlsx-levering is, is een fout; twee actieve leveringen voor
   één jaar ook.

3. Voer uit: `eenzaamheid validate raw/<jaar>/` (of `raw/` voor alle jaren, of één bestand).

4. Lees het rapport: per probleem het bestand, de rij zoals in Excel (kopregel = rij 1), de kolom, de
   geleverde waarde, de regel, de ernst en wat u moet doen. Sla het op met `--report rapport.html`
   (of `.md`, `.json`), buiten `raw/`.

Het jaar volgt uit de mapnaam (`raw/2024/`) of de bestandsnaam; anders geeft u het op met `--jaar`.

**Exitcodes:** 0 = geen fouten (waarschuwingen kunnen er zijn; de levering kan door naar `eenzaamheid build`),
1 = fouten gevonden (vraag de leverancier om een correctie of leg een regel vast), 2 = verkeerd aangeroepen
(pad bestaat niet, jaar onbekend, rapport in `raw/`).
"""


@app.command("validate", help=VALIDATE_HELP)
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Bestand, jaarmap (raw/2024/) of de map raw/.",
                                                metavar="PAD...", show_default=False)],
    format: Annotated[Format, typer.Option("--format", help="Uitvoer op het scherm: text of json.")] = Format.text,
    report: Annotated[Optional[Path], typer.Option("--report", help="Schrijf ook een rapport (.html, .md of .json).",
                                                   show_default=False)] = None,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", help="MANIFEST.csv; standaard die in de map "
                                                     "van het bestand of de map daarboven.",
                                                     show_default=False)] = None,
    jaar: Annotated[Optional[int], typer.Option("--jaar", help="Jaar van de levering(en), als map- en "
                                                "bestandsnaam het niet zeggen.", show_default=False)] = None,
) -> None:
    from . import report as render
    from .pipeline.validate import UsageError, validate_paths

    if report is not None:
        if report.suffix.lower() not in render.REPORT_FORMATS:
            _usage(f"Onbekend rapportformaat '{report.suffix}': gebruik .html, .md of .json.")
        if _inside_raw(report, paths):
            _usage(f"Het rapport '{report}' zou in een map met leveringen (raw/) komen; validate schrijft nooit in "
                   "raw/. Kies een andere plek, bijvoorbeeld --report rapport.html.")
    try:
        result = validate_paths(paths, manifest=manifest, year=jaar)
    except UsageError as exc:
        _usage(str(exc))
    if format is Format.json:
        sys.stdout.write(render.to_json(result))
    else:
        render.print_text(result)
    if report is not None:
        render.write_report(result, report)
        if format is Format.text:
            print(f"Rapport geschreven naar {report}")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


ONTVANG_HELP = """
Neem een levering op: kopieer het bestand **ongewijzigd** naar `raw/<jaar>/`, registreer het in
`raw/MANIFEST.csv` (sha256, grootte, ontvangstdatum, synthetisch) en controleer het meteen met `validate`.

Een gecorrigeerde levering (herlevering) neemt u op met `--vervangt`, bijvoorbeeld
`eenzaamheid ontvang gecorrigeerd.csv --jaar 2024 --vervangt 2024/benchmark_eenzaamheid_2024_export.csv`.
De oude levering blijft in `raw/` staan (raw/ wordt nooit gewijzigd of opgeschoond), is vanaf nu als vervangen
gemarkeerd en telt niet meer mee in de build.

Een bestaand ander bestand met dezelfde naam wordt nooit overschreven: geef de nieuwe levering dan een eigen naam.

Het leveringscontract van het jaar (`schemas/raw/<jaar>.yaml`) moet er zijn en bij het codeboek passen vóórdat er
iets wordt opgenomen; anders neemt `ontvang` niets op en zegt het wat eerst moet. Is precies dit bestand al ontvangen,
dan wordt het niet opnieuw opgenomen maar alleen gevalideerd.

**Exitcodes:** die van `validate` (0 = geen fouten, 1 = fouten gevonden); 1 ook als het bestandstype niet wordt
geaccepteerd of het leveringscontract ontbreekt of verouderd is; 2 = verkeerd aangeroepen (bestand bestaat niet,
onbekend jaar, --vervangt onbekend, naam al bezet door een ander bestand).
"""


@app.command("ontvang", help=ONTVANG_HELP)
def ontvang(
    bestand: Annotated[Path, typer.Argument(help="Het geleverde bestand (.csv of .xlsx).", metavar="BESTAND",
                                            show_default=False)],
    jaar: Annotated[int, typer.Option("--jaar", help="Jaar van de benchmark waarover de levering gaat.",
                                      show_default=False)],
    vervangt: Annotated[Optional[str], typer.Option("--vervangt", metavar="OUD", help="De levering die deze "
                                                    "vervangt, als pad zoals in raw/MANIFEST.csv (2024/…).",
                                                    show_default=False)] = None,
    ontvangen: Annotated[Optional[str], typer.Option("--ontvangen", metavar="DATUM", help="Ontvangstdatum "
                                                     "JJJJ-MM-DD (standaard vandaag).", show_default=False)] = None,
    synthetisch: Annotated[bool, typer.Option("--synthetisch", help="Het bestand bevat synthetische demodata, "
                                              "geen echte antwoorden.")] = False,
    raw: Annotated[Path, typer.Option("--raw", help="Map met de leveringen en MANIFEST.csv.")] = RAW,
) -> None:
    from . import report as render
    from .pipeline.intake import AlreadyReceived, NotAccepted, receive
    from .pipeline.validate import UsageError, validate_paths

    try:
        target, row = receive(bestand, jaar, raw, replaces=vervangt, received=ontvangen, synthetic=synthetisch)
        typer.echo(f"Ontvangen: {target} ({row['bytes']} bytes, sha256 {row['sha256']}), geregistreerd in "
                   f"{raw / 'MANIFEST.csv'}" + (f" als vervanging van {row['vervangt']}." if row["vervangt"] else "."))
    except UsageError as exc:
        _usage(str(exc))
    except NotAccepted as exc:
        typer.echo(f"Fout: {exc}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    except AlreadyReceived as exc:  # running the command again only validates
        typer.echo(str(exc))
        target = exc.target
    result = validate_paths([target])
    render.print_text(result)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


@app.command("build")
def build(
    allow_quarantine: Annotated[bool, typer.Option("--allow-quarantine", help="Bouw ook als de validatie fouten "
                                                   "vindt: de rijen met fouten worden apart gezet (in_quarantaine).")] = False,
    raw: Annotated[Path, typer.Option("--raw", help="Map met de leveringen en MANIFEST.csv.")] = RAW,
    uit: Annotated[Optional[Path], typer.Option("--uit", help="Uitvoermap (standaard clean/).",
                                                show_default=False)] = None,
    redacties: Annotated[Optional[Path], typer.Option("--redacties", help="Cachebestand met de redacties van "
                                                      "vrije tekst (standaard checks/redacties.json naast de map "
                                                      "van --raw).", show_default=False)] = None,
) -> None:
    """Bouw de gepubliceerde dataset uit de gevalideerde leveringen in raw/.

    Schrijft clean/benchmark.db, clean/csv/, clean/json/, clean/parquet/ en datapackage.json. Alles wordt eerst
    ernaast gebouwd en pas aan het eind op zijn plek gezet: een mislukte of afgebroken build laat de vorige
    uitvoer staan. De build stopt bij validatiefouten, tenzij --allow-quarantine. Een volle schijf, een map die
    niet beschreven mag worden of een stopsignaal (SIGTERM, Ctrl-C) stoppen hem met één melding (exitcode 1).
    """
    from . import faults, gcpolicy
    from .build import BuildError, build as run_build
    from .paths import CLEAN, ROOT
    from .pipeline.validate import UsageError

    gcpolicy.start_batch()  # this process only builds
    output = uit or CLEAN
    try:
        with faults.stopping():
            data = run_build(clean_dir=output, raw_dir=raw, allow_quarantine=allow_quarantine,
                             datapackage=ROOT / "datapackage.json" if uit is None else (uit / "datapackage.json"),
                             redactions=redacties)
    except BuildError as exc:
        typer.echo(f"Build gestopt: {exc}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    except UsageError as exc:  # an unknown year or an out-of-date delivery contract
        _usage(str(exc))
    except faults.Stopped:
        typer.echo(f"Build gestopt: {faults.stopped_message(output)}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    except (OSError, sqlite3.OperationalError, faults.Published) as exc:  # disk full, read-only, vanished …
        if (text := faults.message(exc, output)) is None:
            raise
        typer.echo(text if isinstance(exc, faults.Published) else f"Build gestopt: {text}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    _print_build_summary(data, output)


def _print_build_summary(data, output: Path) -> None:
    """What a finished build tells the steward: the accounting per file, what was set aside, the
    quality summary, where the report and database are, and what changed."""
    acc = data.frames["verantwoording"]
    for r in acc.to_dict("records"):
        typer.echo(f"{r['bestand']}: {r['geleverd']} geleverd = {r['geaccepteerd']} geaccepteerd + "
                   f"{r['vervangen_duplicaat']} vervangen + {r['in_quarantaine']} in quarantaine; antwoorden: "
                   f"{r['antwoorden_geleverd']} geleverd = {r['antwoorden_geteld']} geteld + "
                   f"{r['antwoorden_vervangen']} vervangen + {r['antwoorden_in_quarantaine']} in quarantaine")
    for r in data.frames["bronbestanden"].query("actief == 0").to_dict("records"):
        typer.echo(f"{r['bestand']}: vervangen door {r['vervangen_door']}; bewaard in raw/, telt niet mee")
    if data.quarantined:
        typer.echo(f"Let op: {data.quarantined} rij(en) apart gezet (in_quarantaine); zie de tabel inzendingen.")
    held = len(data.frames["antwoorden_quarantaine"])
    if held:
        typer.echo(f"Let op: {held} losse antwoord(en) apart gezet; de rest van die inzendingen telt mee. Zie de "
                   "tabel antwoorden_quarantaine.")
    from .build import REPORT
    from .quality import summary_text

    typer.echo(summary_text(data.quality))
    typer.echo(f"Kwaliteitsrapport: {output / REPORT}.html (en .json)")
    typer.echo(f"Gebouwd: {output / 'benchmark.db'}")
    summary = data.frames["wijzigingen"]["omschrijving"].iloc[0]  # the diff with the publication it replaced
    typer.echo(f"Wijzigingen: {summary} (tabel wijzigingen, WIJZIGINGEN.md)")
    from .catalog import release

    if warning := release.placeholder_warning(release.metadata()["catalogus"]):
        typer.echo(warning, err=True)


@app.command("check")
def check(
    db: Annotated[Optional[Path], typer.Option("--db", help="De database (standaard clean/benchmark.db).",
                                               show_default=False)] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Schrijf het kwaliteitsrapport (.html of .json).",
                                                   show_default=False)] = None,
    raw: Annotated[Path, typer.Option("--raw", help="Map met de leveringen, voor het deel over de leveringen "
                                                    "in het rapport.")] = RAW,
) -> None:
    """Voer de kwaliteitscontroles (Great Expectations) uit op een gebouwde database, alleen-lezend.

    Elke controle heeft een ernst: **fataal** (de build publiceert niet), **fout** (uitzoeken en herstellen) of
    **waarschuwing** (de databeheerder bevestigt). De controles komen uit het codeboek, uit de Table Schemas in
    schemas/clean en uit checks/handmatige_controles.yml.

    **Exitcodes:** 0 = geen fatale controle en geen fout gefaald (waarschuwingen kunnen er zijn), 1 = een fatale
    controle of een fout gefaald, 2 = verkeerd aangeroepen (database bestaat niet, onbekend rapportformaat).
    """
    from . import quality
    from .quality import report as quality_report
    from .build import DB_PATH
    from .pipeline.validate import validate_paths

    db_path = db or DB_PATH
    if report is not None and report.suffix.lower() not in quality_report.REPORT_SUFFIXES:
        _usage(f"Onbekend rapportformaat '{report.suffix}': gebruik .html of .json.")
    if report is not None and _inside_raw(report, [raw]):
        _usage(f"Het rapport '{report}' zou in raw/ komen; kies een andere plek.")
    try:
        result = quality.run(db_path)
    except FileNotFoundError:
        _usage(f"{db_path} bestaat niet: voer eerst `eenzaamheid build` uit of geef --db.")
    except ValueError as exc:  # not a database, or checks/handmatige_controles.yml is wrong
        typer.echo(f"Fout: {exc}", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    typer.echo(quality.summary_text(result))
    if report is not None:
        validation = validate_paths([raw]) if raw.exists() else None
        quality_report.write_report(report, validation, result, synthetic=quality.is_synthetic(db_path))
        typer.echo(f"Rapport geschreven naar {report}")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Adres; standaard alleen deze computer.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Poort.")] = 8001,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Aantal serverprocessen "
                                                  "(standaard het aantal processorkernen, hoogstens 4).",
                                                  show_default=False)] = None,
    db: Annotated[Optional[Path], typer.Option("--db", help="De database (standaard clean/benchmark.db); "
                                               "metadata.json en de exports naast de database.",
                                               show_default=False)] = None,
    front: Annotated[bool, typer.Option("--front", help="Met nginx als cache ervoor (deploy/nginx.conf.template): "
                                        "nginx op --port, Datasette op een vrije poort, beide op 127.0.0.1.")] = False,
) -> None:
    """Publiceer clean/benchmark.db met Datasette (alleen-lezen) op http://127.0.0.1:8001."""
    from .serve import DB_PATH, default_workers, serve as run_serve, workers_warning

    db_path = (db or DB_PATH).resolve()
    if not db_path.exists():
        _usage(f"{db_path} bestaat nog niet: voer eerst `eenzaamheid build` uit.")
    workers = workers or default_workers()
    if warning := workers_warning(workers):
        typer.echo(warning, err=True)
    if front:
        from .front import serve_public

        if host != "127.0.0.1":
            _usage("--front draait alleen op 127.0.0.1; zet voor een publiek adres nginx zelf op "
                   "(deploy/README.md).")
        raise typer.Exit(serve_public(port, workers, db_path))
    run_serve(host, port, workers, db_path)

class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


VERSCHIL_HELP = """
Vergelijk twee publicaties: wat is er veranderd van OUD naar NIEUW?

OUD en NIEUW zijn elk een gebouwde database (`benchmark.db`), een datapakket (`datapackage.json` of het
zip-bestand `benchmark-eenzaamheid.zip`) of een uitvoermap van `eenzaamheid build` (dan telt de database erin).
Een database en het datapakket van dezelfde build zijn gelijk.

Het verslag noemt per tabel de rijen die zijn toegevoegd, verwijderd en gewijzigd (op de sleutel van de tabel,
zie schemas/clean), per gemeente en jaar de inzendingen die nieuw meetellen of vervallen, per gemeente, jaar en
vraag de gewijzigde antwoorden (oude → nieuwe antwoordoptie) en de gepubliceerde cijfers waarvan de berekende
waarde is verschoven (tabel reconciliatie). De tabel wijzigingen zelf wordt niet vergeleken.

De build schrijft hetzelfde overzicht, ten opzichte van de publicatie die hij vervangt, in de tabel
`wijzigingen` en als WIJZIGINGEN.md in het zip-bestand.

**Exitcodes** (zoals `diff`): 0 = geen verschil, 1 = er zijn verschillen, 2 = verkeerd aangeroepen (een pad
bestaat niet of is geen database of datapakket).
"""


@app.command("verschil", help=VERSCHIL_HELP)
def verschil(
    oud: Annotated[Path, typer.Argument(help="De oude publicatie.", metavar="OUD", show_default=False)],
    nieuw: Annotated[Path, typer.Argument(help="De nieuwe publicatie.", metavar="NIEUW", show_default=False)],
    format: Annotated[DiffFormat, typer.Option("--format", help="text (leesbaar), json of markdown.")] = DiffFormat.text,
    voorbeelden: Annotated[int, typer.Option("--voorbeelden", min=0, help="Hoeveel rijen per tabel en soort "
                                             "wijziging genoemd worden (0 = alle).")] = 10,
) -> None:
    from .pipeline import diff, diff_report

    try:
        old, new = diff.read_publication(oud), diff.read_publication(nieuw)
    except diff.PublicationError as exc:
        _usage(str(exc))
    result = diff.compare(old, new)
    if format is DiffFormat.json:
        typer.echo(diff_report.json_text(result, voorbeelden), nl=False)
    elif format is DiffFormat.markdown:
        typer.echo(diff_report.markdown(result), nl=False)
    else:
        typer.echo(diff_report.text(result, voorbeelden), nl=False)
    raise typer.Exit(EXIT_OK if result.identical else EXIT_PROBLEMS)


from .newyear import command as _newyear  # noqa: E402  (registered here, defined with its stage)

app.command("nieuw-jaar", help=_newyear.HELP)(_newyear.nieuw_jaar)


def _inside_raw(target: Path, inputs: list[Path]) -> bool:
    """True for a path in the project's raw/, any folder named raw, or a folder that was validated."""
    target = target.resolve()
    guarded = [RAW.resolve()] + [p.resolve() if p.is_dir() else p.resolve().parent for p in inputs if p.exists()]
    return "raw" in target.parent.parts or any(target.is_relative_to(g) for g in guarded)


def _usage(message: str):
    typer.echo(f"Fout: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


if __name__ == "__main__":
    app()
