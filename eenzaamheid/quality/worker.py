"""A warm gate for the build: Great Expectations imported in a second process while the build
cleans and loads the data.

Importing GE takes about as long as the rest of the build (bench/RESULTS.md) and is pure start-up
work, so `prewarm()` at the start of a build spawns one process that imports it (on the other
core) and then waits for the database; `run()` hands it the staged database and gets the
QualityResult back. Without a warm process (`eenzaamheid check`, tests), or when it died, the
checks run in this process: the result is the same either way.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

from . import engine
from .model import QualityResult

_warm: "_Worker | None" = None
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds eenzaamheid/


def _serve() -> None:
    """The second process: import GE, read one database path, write the pickled
    (ok, QualityResult or exception) to stdout."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the result pipe
    engine._gx()
    db_path = sys.stdin.readline().strip()
    if not db_path:  # the build stopped before its database existed
        return
    try:
        answer = (True, engine.run(Path(db_path)))
    except Exception as exc:  # FileNotFoundError, ValueError, QualityConfigError: raised in the build
        answer = (False, exc)
    out.write(pickle.dumps(answer))
    out.flush()


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH"))
                                                           if p)}
        self.process = subprocess.Popen([sys.executable, "-c", "from eenzaamheid.quality.worker import _serve; _serve()"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, db_path: Path) -> QualityResult | None:
        """The result, or None when the worker failed (the caller then runs the checks itself)."""
        try:
            out, _ = self.process.communicate(f"{Path(db_path).resolve()}\n".encode("utf-8"))
            ok, value = pickle.loads(out)
        except Exception:
            self.stop()
            return None
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


def discard() -> None:
    """Stop the warm process without using it (the build stopped before the gate)."""
    global _warm
    worker, _warm = _warm, None
    if worker is not None:
        worker.stop()


def run(db_path: Path) -> QualityResult:
    """engine.run, in the warm process when there is one."""
    global _warm
    worker, _warm = _warm, None
    if worker is not None and Path(db_path).is_file():
        result = worker.run(db_path)
        if result is not None:
            return result
    elif worker is not None:
        worker.stop()
    return engine.run(db_path)
