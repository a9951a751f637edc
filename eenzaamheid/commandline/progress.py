"""What the command line tells the steward while it works: the project's log messages and a run's stages.

The project's own messages go through `logging`: each module logs to `logging.getLogger(__name__)`, a
child of the package logger "eenzaamheid", which `configure` (called by the CLI for every command) sets
up. `--stil` shows only errors and the command's final line (level FINAL), `--uitgebreid` adds debug.
Info and the final line go to stdout, as the commands printed them before; warnings, errors and debug go
to stderr, so that a command's data on stdout (`--formaat json`) stays clean with --uitgebreid.

A long run (the build) marks its stages with `step(label)` inside `run()`: on a terminal a live display
(rich) shows each stage with its time as it runs; when stdout is no terminal (piped, captured, CI) each
stage is one plain line "[ 12.3 s] kwaliteitspoort …". Outside `run()` (the build called from Python,
the tests) a step is only a debug message.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from contextlib import contextmanager

PACKAGE = "eenzaamheid"
FINAL = 35  # a command's last line: above warnings, so --stil keeps it and drops them
logging.addLevelName(FINAL, "SLOT")
log = logging.getLogger(PACKAGE)


class _Streams(logging.Handler):
    """stdout for info and the final line; stderr for the rest. The stream is looked up per message,
    so a replaced sys.stdout (rich's live display, typer's test runner) is used."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stdout if record.levelno in (logging.INFO, FINAL) else sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 (logging's own contract: a broken stream never stops the command)
            self.handleError(record)


def configure(quiet: bool = False, verbose: bool = False) -> None:
    """The package logger for one command; again for every command run in the same process (tests)."""
    log.handlers[:] = [_Streams()]
    log.setLevel(FINAL if quiet else logging.DEBUG if verbose else logging.INFO)
    log.propagate = False  # the root logger belongs to libraries (deduce, Great Expectations)


def final(message: str) -> None:
    """The command's last line: what it did, shown also with --stil."""
    log.log(FINAL, message)


class _Run:
    """The stages of one run and their times; shown live (rich) or as plain lines."""

    def __init__(self, live):
        self.start = time.monotonic()
        self.live = live  # a rich Progress, or None for plain lines
        self.current: tuple[str, float, object] | None = None

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def begin(self, label: str) -> None:
        self.end()
        task = self.live.add_task(label, total=1) if self.live is not None else None
        if self.live is None:
            log.info("[%5.1f s] %s …", self.elapsed(), label)
        self.current = (label, time.monotonic(), task)

    def end(self) -> None:
        if self.current is None:
            return
        label, began, task = self.current
        if self.live is not None:
            self.live.update(task, completed=1)
        log.debug("%s: %.1f s", label, time.monotonic() - began)
        self.current = None


_active: _Run | None = None


def _live_display():
    """A rich Progress when stdout is an interactive terminal outside CI and info is shown; else None."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal or os.environ.get("CI") or not log.isEnabledFor(logging.INFO):
        return None
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(finished_text="[green]✓[/green]"), TextColumn("{task.description}"),
                    TimeElapsedColumn(), console=console)


@contextmanager
def run(title: str):
    """Show the stages (`step`) of the run inside this block; its total time at the end."""
    global _active
    live = _live_display()
    _active, outcome = _Run(live), "gestopt"
    try:
        if live is None:
            yield _active
        else:
            with live:  # rich redirects stdout and stderr: log lines print above the display
                try:
                    yield _active
                finally:
                    _active.end()  # before the display stops, so it shows the last stage's time
        outcome = "klaar"
    finally:
        _active.end()
        log.info("[%5.1f s] %s %s", _active.elapsed(), title, outcome)
        _active = None


def step(label: str) -> None:
    """A new stage starts (and the previous one ends); the label is Dutch, shown to the steward."""
    if _active is None:
        log.debug("%s …", label)
    else:
        _active.begin(label)
