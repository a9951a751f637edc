"""Downloads, the schema.org JSON-LD of the home page and the "Over deze data" page, over HTTP
against the real Datasette serving the demo build (conftest `site`)."""
from __future__ import annotations

import html
import json
import re
import sqlite3
from pathlib import Path

import httpx
import jsonschema
import pytest

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8",
                 "parquet": "application/vnd.apache.parquet"}


def get(site, path, **kwargs):
    return httpx.get(site.url + path, timeout=60, follow_redirects=True, **kwargs)


def query(site, sql):
    conn = sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def package(site) -> dict:
    return json.loads((site.clean_dir / "datapackage.json").read_text(encoding="utf-8"))


def home_links(site) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', get(site, "/").text)]


# ------------------------------------------------------------------ downloads

@pytest.mark.parametrize("fmt", CONTENT_TYPES)
def test_exports_have_their_content_type_and_csv_parquet_download_as_files(site, fmt):
    r = get(site, f"/bestanden/{fmt}/gemeenten.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        assert "content-disposition" not in r.headers  # readable in the browser and by fetch()
    else:
        assert r.headers["content-disposition"] == f'attachment; filename="gemeenten.{fmt}"'
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["x-content-type-options"] == "nosniff"  # the security headers stay


def test_package_zip_and_dcat_download_by_themselves(site):
    r = get(site, "/bestanden/datapackage.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.json()["version"] == package(site)["version"]
    z = get(site, "/bestanden/benchmark-eenzaamheid.zip")
    assert z.headers["content-type"] == "application/zip" and "attachment" in z.headers["content-disposition"]
    t = get(site, "/bestanden/dcat.ttl")
    assert t.status_code == 200 and t.headers["content-type"] == "text/turtle; charset=utf-8"
    links = home_links(site)
    for name in ("datapackage.json", "dcat.ttl", "benchmark-eenzaamheid.zip"):
        assert f"/bestanden/{name}" in links, name


def test_json_api_allows_other_sites_but_pages_do_not_need_to(site):
    api = get(site, "/benchmark/gemeenten.json?_shape=array&_size=2")
    assert api.status_code == 200 and api.headers["access-control-allow-origin"] == "*"
    assert get(site, "/benchmark.json?sql=select+1").headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in get(site, "/").headers


def test_download_page_streams_datasette_csv_as_an_attachment(site):
    links = [h for h in home_links(site) if ".csv?" in h and "_stream=on" in h]
    assert links and all("_dl=1" in h for h in links)
    r = get(site, links[0])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment")


# ------------------------------------------------------------------ JSON-LD

def jsonld_blocks(text: str) -> list[dict]:
    return [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, flags=re.S)]


def test_home_page_carries_a_schema_org_dataset(site):
    blocks = jsonld_blocks(get(site, "/").text)
    assert len(blocks) == 1
    ld = blocks[0]
    assert ld["@context"].rstrip("/") in ("https://schema.org", "http://schema.org") and ld["@type"] == "Dataset"
    pkg = package(site)
    assert ld["name"] == pkg["title"] and ld["description"] and ld["version"] == pkg["version"]
    assert ld["temporalCoverage"] == "2019/2024"
    assert ld["spatialCoverage"]["name"] == "Nederland"
    assert set(ld["license"]) == {lic["path"] for lic in pkg["licenses"]}
    # the package names no address (placeholder basis_url): the citation carries the served one
    assert "homepage" not in pkg and "sameAs" not in ld and ld["citation"] == f"{pkg['citation']} {site.url}/"
    assert ld["creator"] and all(c["@type"] == "Organization" and c["name"] for c in ld["creator"])
    questions = {r[0] for r in query(site, "select vraag_id from vragen")}
    assert {v["propertyID"] for v in ld["variableMeasured"]} == questions
    formats = {d["encodingFormat"] for d in ld["distribution"]}
    assert {"text/csv", "application/vnd.apache.parquet", "application/json", "application/zip"} <= formats
    for d in ld["distribution"]:
        if d["name"].startswith("gemeenten") or d["name"].endswith(".zip"):
            assert d["contentUrl"].startswith(site.url + "/bestanden/")
            r = httpx.head(d["contentUrl"], timeout=30)
            assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == d["encodingFormat"], d


def test_json_ld_has_what_google_dataset_search_asks(site):
    """Against tests/schemas/google_dataset.schema.json (written from schema.org's definitions and Google's
    Dataset documentation; sources in its $comment): every required and recommended property, typed."""
    schema = json.loads((Path(__file__).parent / "schemas" / "google_dataset.schema.json").read_text(encoding="utf-8"))
    ld = jsonld_blocks(get(site, "/").text)[0]
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(ld)]
    assert errors == [], errors[:10]
    assert ld["dateModified"] == package(site)["created"][:10]
    # the schema does fail a record without what Google recommends
    for missing in ("dateModified", "variableMeasured", "distribution"):
        assert not validator.is_valid({k: v for k, v in ld.items() if k != missing}), missing
    assert not validator.is_valid({**ld, "distribution": [{"@type": "DataDownload", "contentUrl": ld["url"]}]})


def test_robots_stay_noindex_with_the_json_ld(site):
    assert "Disallow: /" in get(site, "/robots.txt").text
    assert '<meta name="robots" content="noindex">' in get(site, "/").text


# ------------------------------------------------------------------ Over deze data

def test_over_page_says_version_date_commit_licences_and_citation(site):
    r = get(site, "/over")
    assert r.status_code == 200
    text = html.unescape(r.text)
    pkg = package(site)
    commit = dict(query(site, "select sleutel, waarde from build"))["git_commit"]
    for expected in ("Over deze data", "Wat de benchmark is", "Wie antwoordden", "Basis en panels",
                     "Breuken in vergelijkbaarheid", "Synthetische demodata", "Wat is er veranderd",
                     pkg["version"], pkg["citation"], commit, "Vast panel 2022–2024"):
        assert expected in text, expected
    for lic in pkg["licenses"]:
        assert lic["path"] in text
    # a citation that leads somewhere: the address this page was served from
    assert f"{pkg['citation']} {site.url}/" in text and "example.org" not in text
    for jaar, respondenten in query(site, "select jaar, respondenten from jaargangen"):
        assert re.search(rf">{jaar}</th><td>[^<]*</td><td>{respondenten}</td>", r.text), jaar
    breaks = query(site, "select count(*) from vraagversies where vergelijkbaar_met_vorig_jaar in ('nee', 'onzeker')")
    assert text.count("vergelijkbaar)") >= breaks[0][0] > 0
    assert "/over" in home_links(site)
    assert 'href="/over"' in get(site, "/vragen").text  # in the site's navigation on every page
