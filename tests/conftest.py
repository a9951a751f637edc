"""Shared fixtures: one demo build per test run, the site as the public sees it, a real Datasette
process on loopback.

`demo_build` runs `eenzaamheid build --allow-quarantine` on the demo deliveries once per run, in a
folder every xdist worker of the run shares (the first worker builds under a file lock, the others
wait and reuse it); tests only read it and copy it where they change a publication.
`site` serves it with exactly the arguments `eenzaamheid serve` uses (`serve.datasette_args`): our
plugins, templates and static files, immutable database, the exports under /bestanden/.
`start_datasette` starts another server (e.g. on a modified copy of the database).
"""
from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from eenzaamheid import build, gcpolicy
from eenzaamheid.site import serve

ROOT = Path(__file__).resolve().parent.parent
EENZAAMHEID = str(Path(sys.executable).parent / "eenzaamheid")

# The files that take longest (measured with --durations), longest first, go to the xdist workers
# first: with --dist loadfile and --no-loadscope-reorder (pyproject) a file runs in one worker and
# files go out in collection order, so a long file does not become the tail. test_privacy.py leads:
# on a fresh install its planted build pays deduce's one-off warm-up (~75 s) while the other worker
# runs the rest.
SLOW_FIRST = ("test_privacy.py", "test_build.py", "test_quality.py", "test_site_a11y.py", "test_verschil.py",
              "test_quality_gate.py", "test_intake.py", "test_no_silent_loss.py", "test_site_browser.py",
              "test_new_year.py", "test_fuzz.py", "test_validate.py", "test_os_faults.py", "test_build_scope.py",
              "test_site_gemeente_browser.py", "test_front.py",
              "test_site_security.py", "test_build_and_serve.py", "test_hostile_input.py",
              "test_kerncijfers_browser.py")


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


# The garbage collector's full passes walk every live object: with pandas, pandera and the test modules
# imported (and deduce's lookup structures, which deidentify freezes when it loads them), each full pass
# costs seconds, and pytest runs two at the end of every process (unraisable exceptions). What was
# imported or loaded once stays for the whole process, so it is moved out of the collector's sight
# (gc.freeze); everything the tests create afterwards is collected as before.
@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()
    # and the tests' in-process builds, gates and validations collect as the build does (gcpolicy)
    gc.set_threshold(*gcpolicy.THRESHOLD)


@dataclass
class Site:
    url: str
    db_path: Path
    clean_dir: Path
    log_path: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(proc: subprocess.Popen, url: str, log_path: Path, timeout: float, what: str) -> None:
    """Poll url/robots.txt until it answers 200; fail with the server's log if it stops or times out."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{what} stopped (exit {proc.returncode}):\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/robots.txt", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer within {timeout} s:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.1)


@contextlib.contextmanager
def start_datasette(db_path: Path, log_path: Path, timeout: float = 60, port: int | None = None):
    """Serve db_path (its metadata.json next to it) on a loopback port (a free one unless given);
    yield the base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen(serve.datasette_args("127.0.0.1", port, db_path=db_path),
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(proc, url, log_path, timeout, "Datasette")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def real_copy(site, tmp_path: Path) -> Path:
    """A copy of the served database (with its metadata.json) whose deliveries are marked real."""
    import shutil
    import sqlite3

    real = tmp_path / "echt"
    real.mkdir()
    shutil.copy(site.db_path, real / site.db_path.name)
    shutil.copy(site.clean_dir / "metadata.json", real / "metadata.json")
    conn = sqlite3.connect(real / site.db_path.name)
    with conn:
        conn.execute("update bronbestanden set synthetisch = 0")
    conn.close()
    return real / site.db_path.name


def cli_in_process(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`eenzaamheid ARGS` in this process (typer's CliRunner; cwd changed for the call): the same
    command, parsing and exit code as a real run without the ~1-2 s of interpreter and import start-up.
    An exception escaping the command fails the test with its traceback (a real run would print one).
    Run a real process where the process boundary itself is tested."""
    from typer.testing import CliRunner

    from eenzaamheid.cli import app

    before = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


@dataclass
class DemoBuild:
    out: Path
    returncode: int
    stdout: str
    stderr: str


def shared_run_dir(tmp_path_factory) -> Path:
    """A folder of this test run that every xdist worker shares (each worker's basetemp lies in it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_build(tmp_path_factory, name: str, *args: str, prepare=None) -> DemoBuild:
    """`eenzaamheid build ARGS --uit <run folder>/name` from the project root, once per run for all
    xdist workers (the first builds under a file lock, the others wait and reuse its result).
    prepare(run folder), if given, runs first (under the lock): e.g. the previous publication in
    <run folder>/name and a changed copy of the deliveries."""
    shared = shared_run_dir(tmp_path_factory)
    out, result = shared / name, shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this worker dies
        if not result.exists():
            if prepare is not None:
                prepare(shared)
            proc = subprocess.run([EENZAAMHEID, "build", *args, "--uit", str(out)],
                                  capture_output=True, text=True, cwd=ROOT)
            result.write_text(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}))
    return DemoBuild(out=out, **json.loads(result.read_text()))


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, redaction_cache_copy) -> DemoBuild:
    """The demo deliveries built by the real CLI, once per run for all workers. Read only: copy it to change it."""
    return shared_build(tmp_path_factory, "demo_build", "--allow-quarantine")


@pytest.fixture(scope="session")
def refused_demo_build(tmp_path_factory, redaction_cache_copy) -> DemoBuild:
    """`eenzaamheid build --uitgebreid` on the demo without --allow-quarantine (it holds an invalid row on
    purpose): refused at validation. Once per run for all workers; read only."""
    return shared_build(tmp_path_factory, "refused_demo_build", "--uitgebreid")


WRONG_MANIFEST_YEAR = (b"2022/benchmark_eenzaamheid_2022_export.csv,2022,",
                       b"2022/benchmark_eenzaamheid_2022_export.csv,twintig,")


@pytest.fixture(scope="session")
def fatal_build(demo_build, tmp_path_factory) -> DemoBuild:
    """`eenzaamheid build --allow-quarantine` over a copy of the demo publication (`out`) from a copy of
    the deliveries (`<out>_raw`) that a `fataal` check refuses: one respondent more in 2024 than its
    report publishes (test_quality_gate.add_a_respondent) and, in the manifest, the year of the 2022
    delivery written as a word (WRONG_MANIFEST_YEAR; test_intake: no traceback). One full build for
    both files, once per run for all workers; with --stil (test_cli); read only."""
    import shutil

    assert demo_build.returncode == 0, demo_build.stderr[-3000:]
    name = "fatal_build"

    def prepare(shared: Path) -> None:
        from test_quality_gate import add_a_respondent

        for leftover in (shared / name, shared / f"{name}_raw"):  # a worker that died half-way
            shutil.rmtree(leftover, ignore_errors=True)
        shutil.copytree(demo_build.out, shared / name)
        raw = shared / f"{name}_raw"
        shutil.copytree(ROOT / "raw", raw)
        add_a_respondent(raw)
        manifest = raw / "MANIFEST.csv"
        text = manifest.read_bytes()
        assert text.count(WRONG_MANIFEST_YEAR[0]) == 1
        manifest.write_bytes(text.replace(*WRONG_MANIFEST_YEAR))

    raw = shared_run_dir(tmp_path_factory) / f"{name}_raw"
    return shared_build(tmp_path_factory, name, "--allow-quarantine", "--stil", "--raw", str(raw), prepare=prepare)


@pytest.fixture(scope="session")
def built_site_dir(demo_build) -> Path:
    assert demo_build.returncode == 0, demo_build.stdout[-2000:] + demo_build.stderr[-3000:]
    if not (demo_build.out / "metadata.json").exists():
        pytest.skip("the build does not write metadata.json (served metadata) yet")
    return demo_build.out


@pytest.fixture(scope="session")
def site(built_site_dir, tmp_path_factory) -> Site:
    db_path = built_site_dir / build.DB_NAME
    log_path = tmp_path_factory.mktemp("site_log") / "datasette.log"
    with start_datasette(db_path, log_path) as url:
        yield Site(url=url, db_path=db_path, clean_dir=built_site_dir, log_path=log_path)


@pytest.fixture(autouse=True, scope="session")
def redaction_cache_copy(tmp_path_factory) -> Path:
    """Builds in the tests read the committed redaction cache (checks/redacties.json: no deduce for the
    demo's free text) but write what they learn to a copy, never to the repository."""
    import os
    import shutil

    from eenzaamheid import deidentify

    copy = tmp_path_factory.mktemp("redacties") / "redacties.json"
    if deidentify.DEFAULT_CACHE.exists():
        shutil.copy(deidentify.DEFAULT_CACHE, copy)
    os.environ[deidentify.CACHE_ENV] = str(copy)
    return copy


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """One Debian Chromium (driven by Playwright) for the whole test session; the browser test
    modules open their own contexts and pages in it."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium); `make test` installs it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the python package playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()
