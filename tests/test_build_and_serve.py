"""`eenzaamheid serve` publishes the built database read-only on loopback, as deployed: several
worker processes, hashed database URLs and cache headers a caching proxy can rely on."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from eenzaamheid import build

from conftest import free_port

EENZAAMHEID = str(Path(sys.executable).with_name("eenzaamheid"))


@pytest.fixture(scope="module")
def served(built_site_dir, tmp_path_factory):
    out = built_site_dir  # the session's demo build (conftest), served here by the real command
    port = free_port()
    log = tmp_path_factory.mktemp("serve_log") / "serve.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([EENZAAMHEID, "serve", "--db", str(out / build.DB_NAME), "--port", str(port),
                                 "--workers", "2"], stdout=f, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                pytest.fail(log.read_text())
            try:
                httpx.get(url + "/robots.txt", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(log.read_text())
        yield url, proc, log
    finally:
        proc.terminate()
        proc.wait(20)


def test_serves_the_tables_and_says_the_data_is_synthetic(served):
    url, _, _ = served
    home = httpx.get(url + "/")
    assert home.status_code == 200 and "synthetische demodata" in home.text
    data = httpx.get(f"{url}/benchmark/gepubliceerde_cijfers.json?_shape=array&cijfer_id=R2024-001",
                     follow_redirects=True).json()
    assert data[0]["waarde"] == 157
    dbs = httpx.get(f"{url}/-/databases.json").json()
    assert [d["is_mutable"] for d in dbs] == [False], "served read-only (immutable)"


def test_database_urls_carry_the_content_hash_and_are_cached_for_long(served):
    url, _, _ = served
    r = httpx.get(f"{url}/benchmark/inzendingen")
    assert r.status_code == 302
    hashed = r.headers["location"]
    assert re.fullmatch(r"/benchmark-[0-9a-f]{7}/inzendingen", hashed), hashed
    page = httpx.get(url + hashed)
    assert page.status_code == 200
    assert "max-age=31536000" in page.headers["cache-control"]
    assert f'href="{hashed.rsplit("/", 1)[0]}/' in page.text, "links on the page use the hashed URL"
    # pages that are not a database URL are cached for the configured hour
    assert "max-age=3600" in httpx.get(url + "/gemeente/GM0518").headers["cache-control"]


def test_nothing_can_be_written(served):
    url, _, _ = served
    hashed = httpx.get(f"{url}/benchmark").headers["location"]
    r = httpx.post(f"{url}{hashed}/-/query", data={"sql": "delete from inzendingen"}, follow_redirects=True)
    assert r.status_code in (403, 404, 405)
    count = httpx.get(f"{url}{hashed}/inzendingen.json?_size=0&_shape=objects").json()
    assert count["filtered_table_rows_count"] > 800


def test_runs_the_requested_number_of_workers(served):
    _, proc, log = served
    started = re.findall(r"Started server process \[(\d+)\]", log.read_text())
    assert len(set(started)) == 2, log.read_text()
    assert proc.poll() is None
    assert "één serverproces" not in log.read_text(), "two workers are enough: no warning"


def test_a_dying_worker_stops_the_server_for_the_process_manager(built_site_dir, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen([EENZAAMHEID, "serve", "--db", str(built_site_dir / build.DB_NAME), "--port", str(port),
                                 "--workers", "2"], stdout=f, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            started = re.findall(r"Started server process \[(\d+)\]", log.read_text())
            if len(started) == 2 and "startup complete" in log.read_text():
                break
            time.sleep(0.1)
        assert len(started) == 2, log.read_text()
        os.kill(int(started[0]), signal.SIGKILL)
        assert proc.wait(20) == 1  # non-zero: systemd (Restart=on-failure) starts it again
        time.sleep(0.5)
        with pytest.raises(ProcessLookupError):
            os.kill(int(started[1]), 0)  # the other worker was stopped too, nothing is left behind
    finally:
        if proc.poll() is None:
            proc.kill()
