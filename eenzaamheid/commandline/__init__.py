"""The command line's plumbing: Dutch names, the old English ones as hidden aliases, --stil and --uitgebreid.

The commands and options are Dutch (`valideer --rapport`, `bouw --quarantaine`, …). The English names of
the first versions keep working, so scripts, the Makefile of an older checkout and deploy notes do not
break: a command is registered a second time under its old name, hidden (`register`), and an old option
name is rewritten to its Dutch name before parsing (OLD_OPTIONS), so it never shows in `--help`.

Every command takes `--stil` (only errors and the final line) and `--uitgebreid` (also debug messages):
they are added here to each command's parameters and set up logging (eenzaamheid.commandline.progress) before it runs.
`show_validation` is how every command that validates (valideer, ontvang, nieuw-jaar) shows the result.
"""
from __future__ import annotations

import functools
import inspect
import logging
from typing import Annotated

import typer
from typer.core import TyperCommand

from . import progress

OLD_COMMANDS = {"valideer": "validate", "bouw": "build", "controleer": "check", "serveer": "serve"}
OLD_OPTIONS = {"--report": "--rapport", "--format": "--formaat", "--raw": "--ruw",
               "--allow-quarantine": "--quarantaine", "--port": "--poort", "--workers": "--processen",
               "--front": "--cache"}
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2  # the project's convention: ok, data problems, wrong invocation
log = logging.getLogger(__name__)


def dutch_options(args: list[str]) -> list[str]:
    """The arguments with every old option name (also as --name=value) replaced by its Dutch name;
    everything after `--` is left alone (a path may look like an option)."""
    out = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + args[i:]
        name, sep, value = arg.partition("=")
        out.append(OLD_OPTIONS.get(name, name) + sep + value if name in OLD_OPTIONS else arg)
    return out


class Command(TyperCommand):
    """A command that also accepts the old English option names (rewritten before parsing, never shown)."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        return super().parse_args(ctx, dutch_options(args))


STIL = Annotated[bool, typer.Option("--stil", help="Toon alleen fouten en de slotregel.")]
UITGEBREID = Annotated[bool, typer.Option("--uitgebreid", help="Toon ook de details (debug), voor het uitzoeken.")]


def with_verbosity(function):
    """The command function with --stil and --uitgebreid added to its parameters; they configure logging
    (eenzaamheid.commandline.progress) before the command runs and are not passed on."""
    @functools.wraps(function)
    def command(*args, stil: bool = False, uitgebreid: bool = False, **kwargs):
        if stil and uitgebreid:
            usage("kies --stil of --uitgebreid, niet allebei.")
        progress.configure(quiet=stil, verbose=uitgebreid)
        return function(*args, **kwargs)

    signature = inspect.signature(function, eval_str=True)  # typer reads the parameters from it
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=kind)
             for name, kind in (("stil", STIL), ("uitgebreid", UITGEBREID))]
    command.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *extra])
    command.__annotations__ = {**function.__annotations__, "stil": STIL, "uitgebreid": UITGEBREID}
    return command


def register(app: typer.Typer, name: str, function, **options) -> None:
    """`name` as a command, and its old English name (if any) as a hidden alias of the same function."""
    command = with_verbosity(function)
    app.command(name, cls=Command, **options)(command)
    if name in OLD_COMMANDS:
        app.command(OLD_COMMANDS[name], cls=Command, hidden=True, **options)(command)


def usage(message: str):
    """A wrong invocation: the Dutch message and exit code 2."""
    log.error(f"Fout: {message}")
    raise typer.Exit(EXIT_USAGE)


def show_validation(result) -> None:
    """The validation on the terminal; with --stil only its errors and the verdict."""
    from ..validation import report as render
    from ..problems import FOUT, printable

    if log.isEnabledFor(logging.INFO):
        render.print_text(result)
        return
    for p in sorted(result.problems, key=lambda p: p.sort_key()):
        if p.ernst == FOUT:
            log.error(printable(f"{p.bestand}, rij {p.rij or '-'}, kolom {p.kolom or '-'}: {p.melding}"))
    progress.final(f"{'Geen fouten' if result.ok else 'Fouten gevonden'}: {result.fouten} fouten, "
                   f"{result.waarschuwingen} waarschuwingen in {len(result.files)} bestand(en).")
