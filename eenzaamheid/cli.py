"""Command line `eenzaamheid`: wires the stages together, nothing more.

The commands and options are Dutch (`valideer`, `bouw`, `controleer`, `serveer`, `ontvang`, `verschil`,
`nieuw-jaar`); the old English names still work, hidden (eenzaamheid.commandline). Messages go through
`logging` (eenzaamheid.commandline.progress), so `--stil` and `--uitgebreid` work on every command.
Exit codes follow the project convention: 0 ok (warnings allowed), 1 data problems,
2 usage errors; every command's `--help` states its own.
"""
from __future__ import annotations

import logging
import sqlite3
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .commandline import progress
from .commandline import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, register, show_validation, usage as _usage
from .model import MetadataError
from .paths import RAW

log = logging.getLogger("eenzaamheid.cli")  # not __name__: that is __main__ under `python -m eenzaamheid.cli`


class _App(typer.Typer):
    """The CLI; a codebook or other metadata file that breaks its model (any command reads the codebook;
    validate and build check every file first) is one Dutch message and exit 2."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except MetadataError as exc:  # CodebookError is one
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


def _print_version(value: bool) -> None:
    if value:
        from .publish import release

        typer.echo(release.versions())
        raise typer.Exit(EXIT_OK)


@app.callback()
def main(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True,
        help="Toon de versie van het programma en van de gepubliceerde data, en stop.")] = False) -> None:
    """Benchmark Eén tegen eenzaamheid: de jaarlijkse gemeentelijke enquête (vanaf 2019) als open data."""
    from .paths import ROOT, missing_from_root

    if missing := missing_from_root():  # EENZAAMHEID_ROOT names a folder that is no data root
        log.error(f"Fout: de datamap {ROOT} (EENZAAMHEID_ROOT) mist {' en '.join(missing)}. Zet EENZAAMHEID_ROOT "
                  "op een kopie van de map van het project met schemas/, raw/, reference/ en checks/, of laat "
                  "de variabele weg om de map van het project te gebruiken.")
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

3. Voer uit: `eenzaamheid valideer raw/<jaar>/` (of `raw/` voor alle jaren, of één bestand).

4. Lees het rapport: per probleem het bestand, de rij zoals in Excel (kopregel = rij 1), de kolom, de
   geleverde waarde, de regel, de ernst en wat u moet doen. Sla het op met `--rapport rapport.html`
   (of `.md`, `.json`), buiten `raw/`.

Het jaar volgt uit de mapnaam (`raw/2024/`) of de bestandsnaam; anders geeft u het op met `--jaar`.

**Exitcodes:** 0 = geen fouten (waarschuwingen kunnen er zijn; de levering kan door naar `eenzaamheid bouw`),
1 = fouten gevonden (vraag de leverancier om een correctie of leg een regel vast), 2 = verkeerd aangeroepen
(pad bestaat niet, jaar onbekend, rapport in `raw/`).
"""


def valideer(
    paths: Annotated[list[Path], typer.Argument(help="Bestand, jaarmap (raw/2024/) of de map raw/.",
                                                metavar="PAD...", show_default=False)],
    format: Annotated[Format, typer.Option("--formaat", help="Uitvoer op het scherm: text of json.")] = Format.text,
    report: Annotated[Optional[Path], typer.Option("--rapport", help="Schrijf ook een rapport (.html, .md of .json).",
                                                   show_default=False)] = None,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", help="MANIFEST.csv; standaard die in de map "
                                                     "van het bestand of de map daarboven.",
                                                     show_default=False)] = None,
    jaar: Annotated[Optional[int], typer.Option("--jaar", help="Jaar van de levering(en), als map- en "
                                                "bestandsnaam het niet zeggen.", show_default=False)] = None,
) -> None:
    from .validation import report as render
    from .quality.metadata_check import ensure_valid
    from .validation.validate import UsageError, validate_paths

    ensure_valid()  # the metadata the validation rests on

    if report is not None:
        if report.suffix.lower() not in render.REPORT_FORMATS:
            _usage(f"Onbekend rapportformaat '{report.suffix}': gebruik .html, .md of .json.")
        if _inside_raw(report, paths):
            _usage(f"Het rapport '{report}' zou in een map met leveringen (raw/) komen; valideer schrijft nooit in "
                   "raw/. Kies een andere plek, bijvoorbeeld --rapport rapport.html.")
    try:
        result = validate_paths(paths, manifest=manifest, year=jaar)
    except UsageError as exc:
        _usage(str(exc))
    for f in result.files:  # --uitgebreid: what was read (on stderr)
        log.debug(f"Gelezen: {f.bestand} (jaar {f.jaar}, formaat {f.formaat}, codering {f.codering}, "
                  f"scheidingsteken {f.scheidingsteken!r}, {f.rijen_geleverd} rijen, {f.fouten} fouten, "
                  f"{f.waarschuwingen} waarschuwingen)")
    if format is Format.json:
        sys.stdout.write(render.to_json(result))
    else:
        show_validation(result)
    if report is not None:
        render.write_report(result, report)
        if format is Format.text:
            log.info(f"Rapport geschreven naar {report}")
    raise typer.Exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


register(app, "valideer", valideer, help=VALIDATE_HELP)


ONTVANG_HELP = """
Neem een levering op: kopieer het bestand **ongewijzigd** naar `raw/<jaar>/`, registreer het in
`raw/MANIFEST.csv` (sha256, grootte, ontvangstdatum, synthetisch) en controleer het meteen met `valideer`.

Een gecorrigeerde levering (herlevering) neemt u op met `--vervangt`, bijvoorbeeld
`eenzaamheid ontvang gecorrigeerd.csv --jaar 2024 --vervangt 2024/benchmark_eenzaamheid_2024_export.csv`.
De oude levering blijft in `raw/` staan (raw/ wordt nooit gewijzigd of opgeschoond), is vanaf nu als vervangen
gemarkeerd en telt niet meer mee in de build.

Een bestaand ander bestand met dezelfde naam wordt nooit overschreven: geef de nieuwe levering dan een eigen naam.

Het leveringscontract van het jaar (`schemas/raw/<jaar>.yaml`) moet er zijn en bij het codeboek passen vóórdat er
iets wordt opgenomen; anders neemt `ontvang` niets op en zegt het wat eerst moet. Is precies dit bestand al ontvangen,
dan wordt het niet opnieuw opgenomen maar alleen gevalideerd.

**Exitcodes:** die van `valideer` (0 = geen fouten, 1 = fouten gevonden); 1 ook als het bestandstype niet wordt
geaccepteerd of het leveringscontract ontbreekt of verouderd is; 2 = verkeerd aangeroepen (bestand bestaat niet,
onbekend jaar, --vervangt onbekend, naam al bezet door een ander bestand).
"""


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
    raw: Annotated[Path, typer.Option("--ruw", help="Map met de leveringen en MANIFEST.csv.")] = RAW,
) -> None:
    from .intake.intake import AlreadyReceived, NotAccepted, receive
    from .validation.validate import UsageError, validate_paths

    try:
        target, row = receive(bestand, jaar, raw, replaces=vervangt, received=ontvangen, synthetic=synthetisch)
        log.info(f"Ontvangen: {target} ({row['bytes']} bytes, sha256 {row['sha256']}), geregistreerd in "
                   f"{raw / 'MANIFEST.csv'}" + (f" als vervanging van {row['vervangt']}." if row["vervangt"] else "."))
    except UsageError as exc:
        _usage(str(exc))
    except NotAccepted as exc:
        log.error(f"Fout: {exc}")
        raise typer.Exit(EXIT_PROBLEMS)
    except AlreadyReceived as exc:  # running the command again only validates
        log.info(str(exc))
        target = exc.target
    result = validate_paths([target])
    show_validation(result)
    raise typer.Exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


register(app, "ontvang", ontvang, help=ONTVANG_HELP)


def bouw(
    allow_quarantine: Annotated[bool, typer.Option("--quarantaine", help="Bouw ook als de validatie fouten "
                                                   "vindt: de rijen met fouten worden apart gezet "
                                                   "(in_quarantaine).")] = False,
    raw: Annotated[Path, typer.Option("--ruw", help="Map met de leveringen en MANIFEST.csv.")] = RAW,
    uit: Annotated[Optional[Path], typer.Option("--uit", help="Uitvoermap (standaard clean/).",
                                                show_default=False)] = None,
    redacties: Annotated[Optional[Path], typer.Option("--redacties", help="Cachebestand met de redacties van "
                                                      "vrije tekst (standaard checks/redacties.json naast de map "
                                                      "van --ruw).", show_default=False)] = None,
) -> None:
    """Bouw de gepubliceerde dataset uit de gevalideerde leveringen in raw/.

    Schrijft clean/benchmark.db, clean/csv/, clean/json/, clean/parquet/ en datapackage.json. Alles wordt eerst
    ernaast gebouwd en pas aan het eind op zijn plek gezet: een mislukte of afgebroken build laat de vorige
    uitvoer staan. De build stopt bij validatiefouten, tenzij --quarantaine. Een volle schijf, een map die
    niet beschreven mag worden of een stopsignaal (SIGTERM, Ctrl-C) stoppen hem met één melding (exitcode 1).
    Onderweg toont hij elke stap met de verstreken tijd.

    **Exitcodes:** 0 = gebouwd en gepubliceerd (waarschuwingen kunnen er zijn), 1 = de build is gestopt of
    geweigerd (validatiefouten, kwaliteitspoort, schijf vol, stopsignaal; de vorige publicatie blijft staan),
    2 = verkeerd aangeroepen (onbekend jaar, verouderd leveringscontract).
    """
    from . import gcpolicy
    from .build import faults
    from .build import BuildError, build as run_build
    from .quality.metadata_check import ensure_valid
    from .paths import CLEAN, ROOT
    from .validation.validate import UsageError

    ensure_valid()  # every metadata file the build reads, before anything is built

    gcpolicy.start_batch()  # this process only builds
    output = uit or CLEAN
    try:
        with faults.stopping(), progress.run("bouw"):
            data = run_build(clean_dir=output, raw_dir=raw, allow_quarantine=allow_quarantine,
                             datapackage=ROOT / "datapackage.json" if uit is None else (uit / "datapackage.json"),
                             redactions=redacties)
    except BuildError as exc:
        log.error(f"Build gestopt: {exc}")
        raise typer.Exit(EXIT_PROBLEMS)
    except UsageError as exc:  # an unknown year or an out-of-date delivery contract
        _usage(str(exc))
    except faults.Stopped:
        log.error(f"Build gestopt: {faults.stopped_message(output)}")
        raise typer.Exit(EXIT_PROBLEMS)
    except (OSError, sqlite3.OperationalError, faults.Published) as exc:  # disk full, read-only, vanished …
        if (text := faults.message(exc, output)) is None:
            raise
        log.error(text if isinstance(exc, faults.Published) else f"Build gestopt: {text}")
        raise typer.Exit(EXIT_PROBLEMS)
    _build_summary(data, output)


register(app, "bouw", bouw)


def _build_summary(data, output: Path) -> None:
    """What the build published: per delivery the accounting, what was set aside, the checks, the changes."""
    from .build import REPORT
    from .publish import release
    from .quality import summary_text

    for r in data.frames["verantwoording"].to_dict("records"):
        log.info(f"{r['bestand']}: {r['geleverd']} geleverd = {r['geaccepteerd']} geaccepteerd + "
                 f"{r['vervangen_duplicaat']} vervangen + {r['in_quarantaine']} in quarantaine; antwoorden: "
                 f"{r['antwoorden_geleverd']} geleverd = {r['antwoorden_geteld']} geteld + "
                 f"{r['antwoorden_vervangen']} vervangen + {r['antwoorden_in_quarantaine']} in quarantaine")
    for r in data.frames["bronbestanden"].query("actief == 0").to_dict("records"):
        log.info(f"{r['bestand']}: vervangen door {r['vervangen_door']}; bewaard in raw/, telt niet mee")
    if data.quarantined:
        log.info(f"Let op: {data.quarantined} rij(en) apart gezet (in_quarantaine); zie de tabel inzendingen.")
    held = len(data.frames["antwoorden_quarantaine"])
    if held:
        log.info(f"Let op: {held} losse antwoord(en) apart gezet; de rest van die inzendingen telt mee. Zie de "
                 "tabel antwoorden_quarantaine.")
    log.info(summary_text(data.quality))
    log.info(f"Kwaliteitsrapport: {output / REPORT}.html (en .json)")
    summary = data.frames["wijzigingen"]["omschrijving"].iloc[0]  # the diff with the publication it replaced
    log.info(f"Wijzigingen: {summary} (tabel wijzigingen, WIJZIGINGEN.md)")
    if warning := release.placeholder_warning(release.metadata()["catalogus"]):
        log.warning(warning)
    progress.final(f"Gebouwd: {output / 'benchmark.db'}")


def controleer(
    db: Annotated[Optional[Path], typer.Option("--db", help="De database (standaard clean/benchmark.db).",
                                               show_default=False)] = None,
    report: Annotated[Optional[Path], typer.Option("--rapport", help="Schrijf het kwaliteitsrapport (.html of .json).",
                                                   show_default=False)] = None,
    raw: Annotated[Path, typer.Option("--ruw", help="Map met de leveringen, voor het deel over de leveringen "
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
    from .validation.validate import validate_paths

    db_path = db or DB_PATH
    if report is not None and report.suffix.lower() not in quality_report.REPORT_SUFFIXES:
        _usage(f"Onbekend rapportformaat '{report.suffix}': gebruik .html of .json.")
    if report is not None and _inside_raw(report, [raw]):
        _usage(f"Het rapport '{report}' zou in raw/ komen; kies een andere plek.")
    try:
        result = quality.run(db_path)
    except FileNotFoundError:
        _usage(f"{db_path} bestaat niet: voer eerst `eenzaamheid bouw` uit of geef --db.")
    except ValueError as exc:  # not a database, or checks/handmatige_controles.yml is wrong
        log.error(f"Fout: {exc}")
        raise typer.Exit(EXIT_PROBLEMS)
    if report is not None:
        validation = validate_paths([raw]) if raw.exists() else None
        quality_report.write_report(report, validation, result, synthetic=quality.is_synthetic(db_path))
        log.info(f"Rapport geschreven naar {report}")
    progress.final(quality.summary_text(result))
    raise typer.Exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


register(app, "controleer", controleer)


def serveer(
    host: Annotated[str, typer.Option("--host", help="Adres; standaard alleen deze computer.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--poort", help="Poort.")] = 8001,
    workers: Annotated[Optional[int], typer.Option("--processen", min=1, help="Aantal serverprocessen "
                                                  "(standaard het aantal processorkernen, hoogstens 4).",
                                                  show_default=False)] = None,
    db: Annotated[Optional[Path], typer.Option("--db", help="De database (standaard clean/benchmark.db); "
                                               "metadata.json en de exports naast de database.",
                                               show_default=False)] = None,
    front: Annotated[bool, typer.Option("--cache", help="Met nginx als cache ervoor (deploy/nginx.conf.template): "
                                        "nginx op --poort, Datasette op een vrije poort, beide op 127.0.0.1.")] = False,
) -> None:
    """Publiceer clean/benchmark.db met Datasette (alleen-lezen) op http://127.0.0.1:8001.

    Draait tot hij wordt gestopt (Ctrl-C of SIGTERM).

    **Exitcodes:** 0 = gestopt met Ctrl-C of SIGTERM, 1 = een serverproces (of nginx) stopte onverwacht of
    startte niet, 2 = verkeerd aangeroepen (database bestaat niet, --cache met een ander adres dan 127.0.0.1) of
    nginx ontbreekt (bij --cache).
    """
    from .site.serve import DB_PATH, default_workers, serve as run_serve, workers_warning

    db_path = (db or DB_PATH).resolve()
    if not db_path.exists():
        _usage(f"{db_path} bestaat nog niet: voer eerst `eenzaamheid bouw` uit.")
    workers = workers or default_workers()
    if warning := workers_warning(workers):
        log.warning(warning)
    if front:
        from .site.front import serve_public

        if host != "127.0.0.1":
            _usage("--cache draait alleen op 127.0.0.1; zet voor een publiek adres nginx zelf op "
                   "(deploy/README.md).")
        raise typer.Exit(serve_public(port, workers, db_path))
    run_serve(host, port, workers, db_path)


register(app, "serveer", serveer)


from .newyear import command as _newyear  # noqa: E402  (registered here, defined with their stage)
from .changes import diff_command as _diff  # noqa: E402

register(app, "verschil", _diff.verschil, help=_diff.HELP)
register(app, "nieuw-jaar", _newyear.nieuw_jaar, help=_newyear.HELP)


def _inside_raw(target: Path, inputs: list[Path]) -> bool:
    """True for a path in the project's raw/, any folder named raw, or a folder that was validated."""
    target = target.resolve()
    guarded = [RAW.resolve()] + [p.resolve() if p.is_dir() else p.resolve().parent for p in inputs if p.exists()]
    return "raw" in target.parent.parts or any(target.is_relative_to(g) for g in guarded)


if __name__ == "__main__":
    app()
