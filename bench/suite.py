"""How long `make test` takes on a fresh clone, as CI runs it: clone the committed HEAD into a
temporary folder, run `.ci/run` there (it installs everything into the clone's own .venv, then
runs the suite) and time the whole command and pytest's part. Writes its section of
bench/RESULTS.md. Run with `make bench-suite` (~4 min per run); not part of the tests.

Caches outside the clone are used as a second clone on the same machine would find them: uv's
package cache and deduce's lookup structures (per machine user, see deidentify.py).
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results import write_section  # bench/results.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## De testsuite op een verse clone"
TARGET_S = 240
PYTEST_LINE = re.compile(r"(\d+) passed.* in ([0-9.]+)s")


def one_run() -> dict:
    with tempfile.TemporaryDirectory(prefix="eenzaamheid-suite-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                                text=True, check=True).stdout.strip()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(["bash", ".ci/run"], cwd=clone, capture_output=True, text=True,
                              env={**os.environ, "CI": "true"})
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = PYTEST_LINE.findall(proc.stdout)
    if proc.returncode != 0 or not summary:
        sys.exit(f".ci/run faalde (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    passed, pytest_s = summary[-1]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"commit": commit, "wall": wall, "pytest": float(pytest_s), "cpu": cpu, "passed": int(passed)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    runs = [one_run() for _ in range(parser.parse_args().runs)]
    for r in runs:
        print(f"{r['commit']}: {r['wall']:.1f} s ({r['pytest']:.1f} s pytest, {r['cpu']:.0f} s CPU)", flush=True)
    median = statistics.median(r["wall"] for r in runs)
    rows = [f"| {i} | {r['commit']} | {r['wall']:.1f} | {r['wall'] - r['pytest']:.1f} | {r['pytest']:.1f} | "
            f"{r['cpu']:.0f} | {r['passed']} |" for i, r in enumerate(runs, 1)]
    section = [SECTION, "",
               "`python bench/suite.py`: een verse clone van de gecommitte HEAD, daarin `CI=true bash .ci/run` "
               "(installeren in de eigen .venv van de clone, dan `make test`), zoals CI het draait. De caches "
               "buiten de clone (uv's pakketten, de opzoekstructuren van deduce) gebruikt hij zoals een tweede "
               "clone op dezelfde machine. De machine is niet altijd even snel: dezelfde commit kostte op "
               "sommige momenten tot 20% meer CPU-tijd, en de suite dan ~250 s.", "",
               f"Doel: ≤ {TARGET_S} s. Mediaan van {len(runs)} run(s): **{median:.0f} s**.", "",
               "| run | commit | totaal (s) | installeren en opstarten (s) | pytest (s) | CPU (s) | tests geslaagd |",
               "|---:|---|---:|---:|---:|---:|---:|", *rows, ""]
    write_section(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
