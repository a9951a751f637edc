"""Warm helper processes for the build: Great Expectations imported in a second process while the
build cleans and loads the data, and the diff with the live publication in a third.

Importing GE takes about as long as the rest of the build (bench/RESULTS.md) and is pure start-up
work, so `prewarm()` at the start of a build spawns one process that imports it (on the other
core) and then waits for the database; `run()` hands it the staged database and gets the
QualityResult back. Without a warm process (`eenzaamheid check`, tests), or when it died, the
checks run in this process: the result is the same either way.

The diff with the previous publication (`start_changes()`: the build's checked frames go over the
pipe, ~10 MB pickled in a few ms) runs in a process of its own that does not import GE: it is
asked while the GE process is still importing, and the database waits for its answer (the
`wijzigingen` table is loaded last). That process then writes the exports from the same frames
while the build loads the database and the gate checks it. Both processes leave with os._exit once
they answered: tearing down an interpreter that imported GE takes about a second, and nothing in
them needs tidying.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from .. import gcpolicy
from . import engine
from .model import QualityResult

_warm: "_Worker | None" = None     # imported GE, waiting for a database
_differ: "_Worker | None" = None   # waiting for the frames to diff with the live publication
_exporting: "_Worker | None" = None  # diffing, then writing the exports
_started: "_Worker | None" = None  # running the checks; its result not yet collected
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds eenzaamheid/
# Frames larger than this are diffed in the build's own process: a copy in the warm process would
# double their memory (the demo's frames are ~10 MB; a 100x stress delivery's ~55 MB and 300x ~180 MB,
# with the long tables' text as categoricals: compact.py).
MAX_SHIPPED_BYTES = 256 * 2**20


def _serve(gate: bool = True) -> None:
    """A helper process: (gate) import GE and list the checks, then answer requests read from stdin
    as pickles: ("changes", live database, frames, exports) -> the `wijzigingen` frame, then, when
    `exports` is given, writes them (packaging.write_exports) and answers again (None); ("gate",
    database) -> the QualityResult, after which it exits. Each answer goes to stdout as a pickled
    (ok, value or exception). Without `gate` it only answers "changes", once."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the result pipe
    gcpolicy.start_batch()
    controles: list | Exception = []
    if gate:
        engine._gx()
        try:
            controles = engine.expectations()
        except Exception as exc:  # QualityConfigError: raised in the build when the gate runs
            controles = exc
    else:  # imported while the build cleans
        from ..publish import packaging  # noqa: F401
        from ..changes import changes  # noqa: F401
        from ..publish import export  # noqa: F401
    gcpolicy.start_batch()  # again: what was imported is never collected
    while True:
        try:
            request = pickle.load(sys.stdin.buffer)
        except (EOFError, pickle.UnpicklingError):  # the build stopped before it asked
            return
        try:
            if request[0] == "changes":
                from ..changes import changes
                answer = (True, changes.against_previous(*request[1:3]))
            elif isinstance(controles, Exception):
                answer = (False, controles)
            else:
                answer = (True, engine.run(Path(request[1]), controles))
        except Exception as exc:  # FileNotFoundError, ValueError, QualityConfigError: raised in the build
            answer = (False, exc)
        out.write(pickle.dumps(answer))
        out.flush()
        if request[0] == "changes" and len(request) > 3 and request[3] is not None and answer[0]:
            from ..publish.packaging import write_exports
            try:
                write_exports({**request[2], "wijzigingen": answer[1]}, *request[3])
                answer = (True, None)
            except Exception as exc:  # OSError (disk full), KeyError (a frame without schema): raised in the build
                answer = (False, exc)
            out.write(pickle.dumps(answer))
            out.flush()
        if request[0] == "gate" or not gate:
            sys.stderr.flush()
            os._exit(0)


class _Worker:
    def __init__(self, gate: bool = True) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))
                                                           if p)}
        self.process = subprocess.Popen([sys.executable, "-c", f"from eenzaamheid.quality.worker import _serve; _serve(gate={gate})"], env=env,
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

    def finish(self) -> None:
        """After its last answer: it leaves by itself at once (os._exit); killed if it does not."""
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.stop()


def prewarm(gate: bool = True, side: bool = True) -> None:
    """Start importing Great Expectations in a second process (`gate`), and a third for the diff
    and the exports (`side`); each once (a no-op if it is running)."""
    global _warm, _differ
    try:
        if gate and _warm is None:
            _warm = _Worker()
        if side and _differ is None:
            _differ = _Worker(gate=False)
    except OSError:  # no more processes: what has none runs here, as without prewarm
        pass


def _shipped_size(frames: dict) -> int:
    return sum(int(f.memory_usage(index=False, deep=True).sum()) for f in frames.values())


class SideWork:
    """The diff with the live publication and then the exports, in the helper process when there
    is one (`start_changes`); whatever it could not do is done here when asked for."""

    def __init__(self, worker: "_Worker | None", previous_db: Path, frames: dict, exports: tuple | None):
        self.worker, self.previous_db, self.frames, self.export_args = worker, Path(previous_db), frames, exports
        self.wijzigingen = None

    def changes(self):
        """The `wijzigingen` frame (changes.changes.against_previous)."""
        from ..changes import changes as build_changes

        answer = self.worker.answer() if self.worker is not None else None
        if answer is not None and answer[0]:
            self.wijzigingen = answer[1]
        else:  # the helper failed: no exports from it either
            self._stop()
            self.wijzigingen = build_changes.against_previous(self.previous_db, self.frames)
        return self.wijzigingen

    def exports(self) -> None:
        """Wait until the exports are written (packaging.write_exports); raises what writing raised."""
        from ..publish.packaging import write_exports

        if self.export_args is None:
            return
        answer = self.worker.answer() if self.worker is not None else None
        self._stop(finished=answer is not None)
        if answer is None:  # no helper, or it died: write them here (each file is replaced whole)
            write_exports({**self.frames, "wijzigingen": self.wijzigingen}, *self.export_args)
        elif not answer[0]:
            raise answer[1]

    def _stop(self, finished: bool = False) -> None:
        global _exporting
        if self.worker is not None:
            self.worker.finish() if finished else self.worker.stop()
            if _exporting is self.worker:
                _exporting = None
        self.worker = None


def start_changes(previous_db: Path, frames: dict, exports: tuple | None = None) -> SideWork:
    """Start the diff of `frames` with the publication `previous_db` in the helper process, and
    after it, when `exports` (staging, live, datapackage) is given, packaging.write_exports."""
    global _differ, _exporting
    worker, _differ = _differ, None
    if worker is not None and not (_shipped_size(frames) <= MAX_SHIPPED_BYTES
                                   and worker.send("changes", Path(previous_db), frames, exports, background=True)):
        worker.stop()
        worker = None
    _exporting = worker  # writing into the staged folder: discard() stops it before that is removed
    return SideWork(worker, previous_db, frames, exports)


def discard() -> None:
    """Stop the warm process without using it, and a gate whose result nobody will collect
    (the build stopped before or during the gate)."""
    global _warm, _started, _differ, _exporting
    for worker in (_warm, _started, _differ, _exporting):
        if worker is not None:
            worker.stop()
    _warm = _started = _differ = _exporting = None


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
