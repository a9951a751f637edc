"""A warm gate for the build: Great Expectations imported in a second process while the build
cleans and loads the data.

Importing GE takes about as long as the rest of the build (bench/RESULTS.md) and is pure start-up
work, so `prewarm()` at the start of a build spawns one process that imports it (on the other
core) and then waits for the database; `run()` hands it the staged database and gets the
QualityResult back. Without a warm process (`eenzaamheid check`, tests), or when it died, the
checks run in this process: the result is the same either way.

While it waits, the warm process also lists the checks and computes the diff with the previous
publication (`start_changes()`: the build's checked frames go over the pipe, ~10 MB pickled in a few
ms), so that the diff runs beside the loading of the database instead of before it.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from . import engine
from .model import QualityResult

_warm: "_Worker | None" = None     # imported GE, waiting for a database
_started: "_Worker | None" = None  # running the checks; its result not yet collected
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds eenzaamheid/
# Frames larger than this are diffed in the build's own process: a copy in the warm process would
# double their memory (the demo's frames are ~10 MB; a 100x stress delivery's over 1 GB).
MAX_SHIPPED_BYTES = 256 * 2**20


def _serve() -> None:
    """The second process: import GE and list the checks, then answer requests read from stdin as
    pickles: ("changes", live database, frames) -> the `wijzigingen` frame, and ("gate", database)
    -> the QualityResult, after which it exits. Each answer goes to stdout as a pickled
    (ok, value or exception)."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the result pipe
    engine._gx()
    try:
        controles = engine.expectations()
    except Exception as exc:  # QualityConfigError: raised in the build when the gate runs
        controles = exc
    while True:
        try:
            request = pickle.load(sys.stdin.buffer)
        except (EOFError, pickle.UnpicklingError):  # the build stopped before its database existed
            return
        try:
            if request[0] == "changes":
                from ..pipeline import changes
                answer = (True, changes.against_previous(*request[1:]))
            elif isinstance(controles, Exception):
                answer = (False, controles)
            else:
                answer = (True, engine.run(Path(request[1]), controles))
        except Exception as exc:  # FileNotFoundError, ValueError, QualityConfigError: raised in the build
            answer = (False, exc)
        out.write(pickle.dumps(answer))
        out.flush()
        if request[0] == "gate":
            return


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))
                                                           if p)}
        self.process = subprocess.Popen([sys.executable, "-c", "from eenzaamheid.quality.worker import _serve; _serve()"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.unread = 0  # requests sent whose answer was not read yet
        self.sender: threading.Thread | None = None
        self.broken = False  # a request could not be written: the process is gone

    def send(self, *request, background: bool = False) -> bool:
        """Hand over a request; it runs while the caller goes on. False if the worker is gone.
        `background`: written from a thread, as the pipe holds only 64 KB and the worker reads
        nothing until it has imported GE (a large request would hold up the caller until then)."""
        self._sent()  # one request after the other on the pipe

        def write() -> bool:
            try:
                pickle.dump(request, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self.process.stdin.flush()
                return True
            except (OSError, ValueError, pickle.PicklingError):  # ValueError: the pipe was closed by stop()
                self.broken = True
                return False

        self.unread += 1
        if background:
            self.sender = threading.Thread(target=write, name="gate-request", daemon=True)
            self.sender.start()
            return True
        if not write():
            self.stop()
            return False
        return True

    def _sent(self) -> None:
        """Wait until a request written in the background is on the pipe."""
        if self.sender is not None:
            self.sender.join()
            self.sender = None

    def start(self, db_path: Path) -> bool:
        """Hand over the database; the checks run while the caller goes on. False if the worker is gone."""
        return self.send("gate", str(Path(db_path).resolve()))

    def answer(self):
        """The answer to the request before (ok, value), or None when the worker failed."""
        self._sent()
        if self.broken:
            self.stop()
            return None
        try:
            answer = pickle.load(self.process.stdout)
        except Exception:
            self.stop()
            return None
        self.unread -= 1
        return answer

    def result(self) -> QualityResult | None:
        """The gate's result, or None when the worker failed (the caller then runs the checks itself)."""
        while self.unread > 1:  # answers nobody collected come first
            self.answer()
        answer = self.answer()
        if answer is None:
            return None
        self.process.communicate()  # it exits after the gate's answer
        ok, value = answer
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def prewarm() -> None:
    """Start importing Great Expectations in a second process (once; a no-op if one is warm)."""
    global _warm
    if _warm is None:
        try:
            _warm = _Worker()
        except OSError:  # no second process: the gate runs here, as without prewarm
            _warm = None


def _shipped_size(frames: dict) -> int:
    return sum(int(f.memory_usage(index=False, deep=True).sum()) for f in frames.values())


def start_changes(previous_db: Path, frames: dict):
    """The diff of `frames` with the publication `previous_db` (pipeline.changes.against_previous),
    computed in the warm process when there is one: returns a function that waits for the
    `wijzigingen` frame (computed here when the warm process failed)."""
    from ..pipeline import changes as build_changes

    worker = _warm
    sent = (worker is not None and _shipped_size(frames) <= MAX_SHIPPED_BYTES
            and worker.send("changes", Path(previous_db), frames, background=True))

    def result():
        answer = worker.answer() if sent else None
        if answer is not None and answer[0]:
            return answer[1]
        return build_changes.against_previous(Path(previous_db), frames)

    return result


def discard() -> None:
    """Stop the warm process without using it, and a gate whose result nobody will collect
    (the build stopped before or during the gate)."""
    global _warm, _started
    for worker in (_warm, _started):
        if worker is not None:
            worker.stop()
    _warm = _started = None


class Pending:
    """A gate started on a database: `result()` waits for it. The database must not change
    in between (the build writes its exports meanwhile, not the database)."""

    def __init__(self, db_path: Path, worker: "_Worker | None") -> None:
        self.db_path, self.worker = Path(db_path), worker

    def result(self) -> QualityResult:
        global _started
        worker, self.worker = self.worker, None
        if _started is worker:
            _started = None
        if worker is not None:
            result = worker.result()
            if result is not None:
                return result
        return engine.run(self.db_path)


def start(db_path: Path) -> Pending:
    """Start engine.run in the warm process when there is one (else it runs in `result()`)."""
    global _warm, _started
    worker, _warm = _warm, None
    if worker is not None and not (Path(db_path).is_file() and worker.start(db_path)):
        worker.stop()
        worker = None
    _started = worker
    return Pending(db_path, worker)


def run(db_path: Path) -> QualityResult:
    """engine.run, in the warm process when there is one."""
    return start(db_path).result()
