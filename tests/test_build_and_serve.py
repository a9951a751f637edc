"""Datasette serves the built database read-only on loopback."""
import socket
import subprocess
import time

import httpx
import pytest

from eenzaamheid import build, serve


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    build.build(clean_dir=out, allow_quarantine=True, datapackage=out / "datapackage.json")
    return out / build.DB_NAME


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
        assert data[0]["waarde"] == 157
        dbs = httpx.get(f"http://127.0.0.1:{port}/-/databases.json").json()
        assert [d["is_mutable"] for d in dbs] == [False], "served read-only (immutable)"
    finally:
        proc.terminate()
        proc.wait(10)
