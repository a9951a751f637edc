"""Operating-system faults during a build, told to the steward in one Dutch sentence.

A build stages everything beside its output folder and switches at the end (publication.py), so
whatever the operating system refuses on the way (a full disk, a quota, a read-only or foreign
folder, a file size limit, a file that disappeared) leaves the previous publication as it was:
what is left to do is to say so, with the cause, the path and what to do. `message` maps the
error to that sentence at the one place where a run ends (cli.py); anything it does not know
stays a traceback, as a bug should.

`SIGTERM` from a process manager stops a build like a refusal: `stopping()` turns it into
`Stopped` (a BaseException, so no `except Exception` on the way swallows it), the build's
`finally` clauses remove the staging folder and stop the helper processes, and the lock is
released. Once the switch has begun (`publishing()`), the signal is only noted: the new
publication is then already in place and the build finishes its last steps.
"""
from __future__ import annotations

import contextlib
import errno
import signal
import sqlite3
from pathlib import Path

KEPT = "de vorige publicatie is ongewijzigd."

# errno -> (cause, what to do); the sentence is "<cause> bij [het schrijven van] <path>: <what to do> en bouw
# opnieuw; <KEPT>"
CAUSES = {
    errno.ENOSPC: ("Schijf vol", "maak ruimte vrij op die schijf"),
    errno.EDQUOT: ("Schijfquotum op", "maak ruimte vrij of vraag de beheerder om meer quotum"),
    errno.EFBIG: ("Bestand te groot voor de grens van het systeem",
                  "verhoog de grens voor bestandsgrootte (ulimit -f, LimitFSIZE= bij systemd)"),
    errno.EROFS: ("Alleen-lezen bestandssysteem", "kies met --uit een map op een beschrijfbare schijf"),
    errno.EACCES: ("Geen toegang", "geef de gebruiker die bouwt schrijfrechten op die map of kies met --uit "
                                   "een andere"),
    errno.EPERM: ("Geen toestemming", "geef de gebruiker die bouwt schrijfrechten op die map of kies met --uit "
                                      "een andere"),
    errno.ENOENT: ("Bestand of map verdwenen of niet gevonden",
                   "zorg dat het er is en dat niets het weghaalt terwijl de build loopt"),
}
WRITING = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}  # only a write meets these
# SQLite reports the operating system's refusal in its own words, without a path
SQLITE_CAUSES = {
    "database or disk is full": errno.ENOSPC,
    "attempt to write a readonly database": errno.EROFS,
    "unable to open database file": errno.EACCES,
    "disk i/o error": None,  # EFBIG, EIO …: SQLite does not say which
}
DISK_IO = ("Schrijffout van de schijf", "controleer de vrije ruimte, het quotum en de grens voor bestandsgrootte "
                                        "(ulimit -f)")


class Stopped(BaseException):
    """SIGTERM (or Ctrl-C) during a build, before its switch."""


class Published(Exception):
    """An operating-system fault after the switch: the new publication stands; only the root
    datapackage.json (rewritten by the next build's start) could not follow."""

    def __init__(self, cause: OSError, path: Path):
        super().__init__(str(cause))
        self.cause, self.path = cause, path


_publishing = False  # the switch has begun: a stop signal no longer stops the build
_noted: int | None = None


def _on_signal(signum, frame) -> None:
    global _noted
    if _publishing or _noted is not None:  # publishing, or already stopping: let the clean-up finish
        _noted = signum
        return
    _noted = signum
    raise Stopped(signum)


@contextlib.contextmanager
def stopping():
    """For the build command's duration: SIGTERM and SIGINT stop the build cleanly (Stopped)."""
    global _publishing, _noted
    _publishing, _noted = False, None
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def publishing() -> None:
    """From here on the build completes: the switch makes the new publication the live one."""
    global _publishing
    _publishing = True


def stopped_message(output: Path) -> str:
    return (f"De build is onderbroken (stopsignaal) voordat hij publiceerde; de bouwmap naast {output} is "
            f"opgeruimd en het slot vrijgegeven: start de build opnieuw wanneer dat kan; {KEPT}")


def message(exc: BaseException, output: Path) -> str | None:
    """The Dutch sentence for an operating-system fault of a build writing to `output`, or None
    when `exc` is no such fault (then it is a bug and stays a traceback)."""
    if isinstance(exc, Published):
        cause, todo = _cause(exc.cause, exc.path)
        return (f"{cause}: {todo}. De nieuwe publicatie in {output} staat wel; alleen {exc.path} beschrijft nog de "
                "vorige en wordt bij de volgende build bijgewerkt.")
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if text not in SQLITE_CAUSES:
            return None
        code = SQLITE_CAUSES[text]
        cause, todo = CAUSES[code] if code is not None else DISK_IO
        return f"{cause} bij het schrijven van de database in {output}: {todo} en bouw opnieuw; {KEPT}"
    if isinstance(exc, OSError) and exc.errno in CAUSES:
        cause, todo = _cause(exc, output)
        return f"{cause}: {todo} en bouw opnieuw; {KEPT}"
    return None


def _cause(exc: OSError, fallback: Path) -> tuple[str, str]:
    cause, todo = CAUSES.get(exc.errno, (exc.strerror or "Fout van het besturingssysteem", "los dit op"))
    path = exc.filename or fallback
    return f"{cause} bij {'het schrijven van ' if exc.errno in WRITING else ''}{path}", todo
