"""Through the API too, a synthetic number carries its label, and no internal column leaks into an
export: tested against a real Datasette serving the demo build."""
from __future__ import annotations


import httpx

from conftest import real_copy, start_datasette

SYNTHETIC_PATHS = ("/", "/benchmark/antwoorden.json", "/benchmark/antwoorden.csv", "/benchmark/antwoorden_breed.json",
                   "/benchmark/gemeente_vergelijking.csv", "/benchmark.json",
                   "/benchmark/deelname.json?_shape=array&_size=2", "/bestanden/csv/antwoorden.csv")


def get(url: str) -> httpx.Response:
    r = httpx.get(url, timeout=60, follow_redirects=True)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r


def test_every_response_says_the_data_is_synthetic(site):
    for path in SYNTHETIC_PATHS:
        r = get(site.url + path)
        assert r.headers.get("x-synthetische-data") == "ja", path
        assert "X-Synthetische-Data" in r.headers.get("access-control-expose-headers", ""), path


def test_real_data_has_no_synthetic_header(site, tmp_path):
    with start_datasette(real_copy(site, tmp_path), tmp_path / "echt.log") as url:
        for path in ("/", "/benchmark/antwoorden.json", "/benchmark/antwoorden.csv"):
            assert "x-synthetische-data" not in get(url + path).headers, path


def test_answer_tables_carry_the_flag_in_the_api(site):
    for table in ("antwoorden", "antwoorden_niet_meegeteld", "antwoorden_quarantaine", "antwoorden_breed",
                  "toelichtingen", "deelname", "reconciliatie", "inzendingen", "jaargangen"):
        rows = get(f"{site.url}/benchmark/{table}.json?_shape=array&_size=5").json()
        assert rows and all(row["synthetisch"] in (0, 1) for row in rows), table


def test_materialized_views_export_without_rowid(site):
    for table in ("gemeente_vergelijking", "deelname_per_provincie"):
        data = get(f"{site.url}/benchmark/{table}.json?_size=1").json()
        assert "rowid" not in data["columns"], table
        header = get(f"{site.url}/benchmark/{table}.csv?_size=1").text.splitlines()[0]
        assert "rowid" not in header.split(","), table
