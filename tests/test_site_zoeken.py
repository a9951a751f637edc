"""Search that understands people, Dutch Datasette pages and one number style, against a real
Datasette on loopback (fixture `site`): /gemeente/<naam>, straight-to-the-page search, canned
queries that take what people type, full-text search that never errors, hidden SQL."""
from __future__ import annotations

import re
import sqlite3

import httpx
import pytest

from eenzaamheid.site.getallen import cell_number, getal
from eenzaamheid.site.pages.zoeken import fts_query


def get(site, path, **params):
    """Our pages without following redirects; Datasette's (/benchmark...) through its hashed-URL redirect."""
    return httpx.get(site.url + path, params=params or None, timeout=30, follow_redirects=path.startswith("/benchmark"))


@pytest.mark.parametrize("path, target", [
    ("/gemeente/den-haag", "/gemeente/GM0518"),
    ("/gemeente/Utrecht", "/gemeente/GM0344"),
    ("/gemeente/Den%20Haag", "/gemeente/GM0518"),
    ("/gemeente/den-bosch/factsheet", "/gemeente/GM0796/factsheet"),
    ("/gemeente/s-Hertogenbosch", "/gemeente/GM0796"),
    ("/gemeente/sudwest-fryslan", "/gemeente/GM1900"),
])
def test_a_name_in_the_address_redirects_to_the_codes_page(site, path, target):
    r = get(site, path)
    assert r.status_code == 302 and r.headers["location"] == target


def test_an_ambiguous_or_unknown_name_is_a_dutch_404(site):
    for path in ("/gemeente/Bergen", "/gemeente/Nergenshuizen"):
        r = get(site, path)
        assert r.status_code == 404 and "Gemeente niet gevonden" in r.text


def test_search_goes_straight_to_the_page_when_one_municipality_matches(site):
    for q, code in {"Den Haag": "GM0518", "den bosch": "GM0796", "GM0518": "GM0518", "Utrecht": "GM0344"}.items():
        r = get(site, "/gemeente", q=q)
        assert r.status_code == 302 and r.headers["location"] == f"/gemeente/{code}", q
    r = get(site, "/gemeente", q="berg")
    assert r.status_code == 200 and r.text.count('<li><a href="/gemeente/GM') > 3


def test_suggestions_list_every_municipality(site):
    r = get(site, "/gemeenten.json")
    assert r.status_code == 200
    rows = r.json()
    assert {"naam": "Súdwest-Fryslân", "code": "GM1900", "provincie": "Fryslân"} in rows
    municipalities = [g for g in rows if "soort" not in g]  # then aliases, provinces and former ones
    assert len({g["code"] for g in municipalities}) == len(municipalities) > 340
    script = get(site, "/static/gemeente-zoeken.js")
    assert script.status_code == 200 and "datalist" in script.text


@pytest.mark.parametrize("typed", ["Den Haag", "den haag", "den bosch", "GM0518", "'s-Gravenhage", "Utrecht"])
def test_canned_query_takes_what_people_type(site, typed):
    r = get(site, "/benchmark/gemeente_naast_provincie_en_land.json", gemeente=typed, jaar="2024", _shape="objects")
    assert r.status_code == 200, r.text[:300]
    by_code = get(site, "/benchmark/gemeente_naast_provincie_en_land.json",
                  gemeente={"den bosch": "GM0796", "Utrecht": "GM0344"}.get(typed, "GM0518"), jaar="2024",
                  _shape="objects").json()["rows"]
    assert len(r.json()["rows"]) == len(by_code) > 50


@pytest.mark.parametrize("term", ["gemeente's", "tijd-en-geld", '"tijd en geld', 'tijd "en', "OR", "NEAR(", "*", "",
                                  "a AND", "ggd*", "col:umn", "(ambtelijk", "^begin"])
def test_full_text_search_never_errors(site, term):
    r = get(site, "/benchmark/zoek_in_toelichtingen.json", zoekterm=term, _shape="objects")
    assert r.status_code == 200, (term, r.text[:300])
    table = get(site, "/benchmark/toelichtingen.json", _search=term, _shape="objects")
    assert table.status_code == 200, (term, table.text[:300])


def test_full_text_search_still_finds_words_phrases_and_prefixes(site):
    conn = sqlite3.connect(site.db_path)
    try:
        expected = conn.execute("select count(*) from toelichtingen_fts where toelichtingen_fts match 'ggd'").fetchone()[0]
        prefix = conn.execute("select count(*) from toelichtingen_fts where toelichtingen_fts match 'ggd*'").fetchone()[0]
    finally:
        conn.close()
    rows = get(site, "/benchmark/zoek_in_toelichtingen.json", zoekterm="GGD", _shape="objects", _size="max").json()["rows"]
    assert len(rows) == expected > 0
    rows = get(site, "/benchmark/zoek_in_toelichtingen.json", zoekterm="ggd*", _shape="objects", _size="max").json()["rows"]
    assert len(rows) == prefix


def test_fts_query_quotes_every_term():
    assert fts_query("gemeente's") == '"gemeente\'s"'
    assert fts_query('tijd "en geld" ggd*') == '"tijd" "en geld" "ggd"*'
    assert fts_query('a"b OR') == '"ab" "OR"'
    assert fts_query("") == fts_query("*") == '""'


def test_canned_query_pages_hide_their_sql_and_are_titled_by_the_query(site):
    meta = httpx.get(f"{site.url}/-/metadata.json").json()["databases"]["benchmark"]["queries"]
    assert meta
    for name, q in meta.items():
        assert q.get("hide_sql") is True, name
        page = get(site, f"/benchmark/{name}").text
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert title.startswith(q["title"]), (name, title)
        assert 'id="sql-query"' not in page and 'id="sql-editor"' not in page, name
        assert "SQL tonen" in page


def test_numbers_in_dutch_on_pages_machine_numbers_in_json_and_csv(site):
    rows = get(site, "/benchmark/bronbestanden.json", _shape="objects").json()["rows"]
    big = next(r for r in rows if r["bytes"] >= 1000)
    page = get(site, "/benchmark/bronbestanden").text
    assert f">{getal(big['bytes'])}</td>" in page and "." in getal(big["bytes"])
    csv = get(site, "/benchmark/bronbestanden.csv").text
    assert str(big["bytes"]) in csv and getal(big["bytes"]) not in csv
    share = get(site, "/benchmark/vraag_door_de_jaren.json", vraag_id="meldpunt", _shape="objects").json()["rows"]
    value = next(r["percentage_alle_respondenten"] for r in share if isinstance(r["percentage_alle_respondenten"], float)
                 and r["percentage_alle_respondenten"] % 1)
    page = get(site, "/benchmark/vraag_door_de_jaren", vraag_id="meldpunt").text
    assert f">{getal(value)}</td>" in page and "," in getal(value)


def test_number_style():
    assert getal(1234567) == "1.234.567" and getal(45.2) == "45,2" and getal(0.5) == "0,5"
    assert getal(12345.678, 1) == "12.345,7" and getal(None) == "" and getal("tekst") == "tekst"
    assert cell_number("jaar", 2024) is None and cell_number("inzending_id", 12345) is None
    assert cell_number("bytes", 123456) == "123.456" and cell_number("percentage", 45.25) == "45,25"
