"""The build writes the reference tables atomically; Datasette serves them on loopback."""
import socket
import subprocess
import time

import httpx
import pytest
import sqlite_utils

from eenzaamheid import build, serve


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return build.build(tmp_path_factory.mktemp("clean") / "benchmark.db")


def test_build_writes_codebook_municipalities_deliveries_and_figures(db_path):
    db = sqlite_utils.Database(db_path)
    counts = {t: db[t].count for t in db.table_names()}
    assert counts["vragen"] == 22 and counts["bronbestanden"] == 6 and counts["gepubliceerde_cijfers"] > 200
    assert db["vraagversies"].pks == ["vraag_id", "jaar"]
    assert db.execute("select count(*) from bronbestanden where synthetisch = 1").fetchone()[0] == 6
    assert not list(db_path.parent.glob("*.tmp-*")), "no temporary file left behind"


def test_failed_build_leaves_previous_database(db_path, monkeypatch):
    before = db_path.read_bytes()
    monkeypatch.setattr(build, "reference_tables", lambda: {"kapot": (None, ["x"])})
    with pytest.raises(Exception):
        build.build(db_path)
    assert db_path.read_bytes() == before
    assert not list(db_path.parent.glob("*.tmp-*"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_datasette_serves_the_tables_and_says_the_data_is_synthetic(db_path, monkeypatch):
    monkeypatch.setattr(serve, "DB_PATH", db_path)
    port = _free_port()
    proc = subprocess.Popen(serve.datasette_args("127.0.0.1", port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(proc.stderr.read().decode())
        assert home.status_code == 200 and "synthetische demodata" in home.text
        data = httpx.get(f"http://127.0.0.1:{port}/benchmark/gepubliceerde_cijfers.json?_shape=array&cijfer_id=R2024-001").json()
        assert data[0]["waarde"] == "157"
        dbs = httpx.get(f"http://127.0.0.1:{port}/-/databases.json").json()
        assert [d["is_mutable"] for d in dbs] == [False], "served read-only (immutable)"
    finally:
        proc.terminate()
        proc.wait(10)
