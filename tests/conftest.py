"""Shared fixtures: the site as the public sees it, a real Datasette process on loopback.

`site` builds the demo data once per test session into a temporary clean folder and serves it
with exactly the arguments `eenzaamheid serve` uses (`serve.datasette_args`): our plugins,
templates and static files, immutable database, the exports under /bestanden/.
`start_datasette` starts another server (e.g. on a modified copy of the database).
"""
from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from eenzaamheid import build, serve


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
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Datasette stopped (exit {proc.returncode}):\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/robots.txt", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Datasette did not answer within {timeout} s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def built_site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site_clean")
    build.build(clean_dir=out, allow_quarantine=True, datapackage=out / "datapackage.json")
    if not (out / "metadata.json").exists():
        pytest.skip("the build does not write metadata.json (served metadata) yet")
    return out


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

    from eenzaamheid.pipeline import deidentify

    copy = tmp_path_factory.mktemp("redacties") / "redacties.json"
    if deidentify.DEFAULT_CACHE.exists():
        shutil.copy(deidentify.DEFAULT_CACHE, copy)
    os.environ[deidentify.CACHE_ENV] = str(copy)
    return copy
