"""Province pages and search that forgives, over HTTP against the real Datasette (fixture `site`)
and on the served database. Expected numbers are recounted in SQL from the tables `deelname`,
`gemeenten` and the accepted answers; aliases are read from the resolver's own table."""
from __future__ import annotations

import csv
import re
import sqlite3
from html import unescape

import httpx
import pytest

from eenzaamheid.paths import REFERENCE
from eenzaamheid.site.pages.provincie import province_code
from eenzaamheid.site.store import Store
from eenzaamheid.site.pages.zoeken import did_you_mean
from test_site import query
from test_site_gemeente import expected_share, headline_definitions


def get(site, path, **params):
    return httpx.get(site.url + path, params=params or None, timeout=30)


@pytest.fixture(scope="module")
def store(site):
    with sqlite3.connect(site.db_path) as conn:
        return Store.load(conn)


@pytest.fixture(scope="module")
def provinces(site) -> dict:
    """provincie_code -> name, from the municipalities table."""
    found = query(site, "select distinct provincie_code, provincie from gemeenten")
    return {r["provincie_code"]: r["provincie"] for r in found}


def code_of(provinces: dict, name: str) -> str:
    return next(code for code, n in provinces.items() if n == name)


def test_a_province_is_found_by_name_in_any_spelling_or_by_code(store, provinces):
    assert len(provinces) == 12
    gelderland, noord_holland = code_of(provinces, "Gelderland"), code_of(provinces, "Noord-Holland")
    for typed in ("Gelderland", "gelderland", "GELDERLAND", " gelderland ", gelderland, gelderland.lower(),
                  "provincie Gelderland"):
        assert province_code(store, typed) == gelderland, typed
    for typed in ("Noord-Holland", "noord holland", "noord-holland", "NoordHolland", "noord%20holland"):
        assert province_code(store, typed) == noord_holland, typed
    assert province_code(store, "Friesland") == province_code(store, "fryslan") == code_of(provinces, "Fryslân")
    for typed in ("", "Gelderlandia", "Bergen", "Holland", "PV99"):
        assert province_code(store, typed) is None, typed


def test_every_spelling_redirects_to_one_address_and_an_unknown_one_is_a_dutch_404(site):
    for path in ("/provincie/Gelderland", "/provincie/pv25", "/provincie/gelderland/"):
        r = get(site, path)
        assert r.status_code == 302 and r.headers["location"] == "/provincie/gelderland", path
    r = get(site, "/provincie/Noord%20Holland")
    assert r.status_code == 302 and r.headers["location"] == "/provincie/noord-holland"
    r = get(site, "/provincie/Atlantis")
    assert r.status_code == 404 and "Provincie niet gevonden" in r.text and 'href="/provincie/gelderland"' in r.text


def participation_in_sql(site) -> dict:
    """(provincie_code, jaar) -> (municipalities with a counted submission under that year's code,
    municipalities that existed on 1 January), from deelname.gemeente_codes_dat_jaar and the
    validity of gemeenten."""
    gemeenten = query(site, "select gemeente_code, provincie_code, geldig_van, geldig_tot from gemeenten")
    took_part: dict = {}
    for r in query(site, "select jaar, gemeente_codes_dat_jaar from deelname where deelgenomen = 1"):
        took_part.setdefault(r["jaar"], set()).update(r["gemeente_codes_dat_jaar"].split(","))
    out = {}
    for r in query(site, "select jaar from jaargangen"):
        jaar, day = r["jaar"], f"{r['jaar']}-01-01"
        for g in gemeenten:
            if g["geldig_van"] <= day < (g["geldig_tot"] or "9999"):
                n = out.setdefault((g["provincie_code"], jaar), [0, 0])
                n[0] += g["gemeente_code"] in took_part.get(jaar, ())
                n[1] += 1
    return {k: tuple(v) for k, v in out.items()}


def page_rows(html: str, table_class: str) -> list:
    table = re.search(rf'<table class="[^"]*{table_class}[^"]*">(.*?)</table>', html, re.S).group(1)
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S)


def cells(row: str) -> list:
    return [re.sub(r"<[^>]+>", "", unescape(c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_index_and_participation_per_year_match_the_database_in_every_province(site, provinces):
    index = get(site, "/provincie").text
    links = {unescape(n): "/provincie/" + s for s, n in
             re.findall(r'<th scope="row"><a href="/provincie/([a-z-]+)">(.*?)</a>', index)}
    assert sorted(links) == sorted(provinces.values())
    expected = participation_in_sql(site)
    for code, name in provinces.items():
        r = get(site, links[name])
        assert r.status_code == 200, links[name]
        shown = {(code, int(c[0])): (int(c[1]), int(c[2])) for c in map(cells, page_rows(r.text, "provincie-deelname"))}
        assert shown == {k: v for k, v in expected.items() if k[0] == code}, name
    gelderland_2024 = expected[(code_of(provinces, "Gelderland"), 2024)]
    assert 0 < gelderland_2024[0] < gelderland_2024[1]


def test_municipalities_list_says_per_year_whether_a_submission_counts(site, provinces):
    html = get(site, "/provincie/noord-brabant").text
    code = code_of(provinces, "Noord-Brabant")
    current = query(site, "select gemeente_code, naam from gemeenten where provincie_code = ? and "
                          "(geldig_tot is null or geldig_tot = '') order by gemeente_code", [code])
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-gemeente="(GM\d+)">(.*?)</tr>', html, re.S)}
    assert sorted(rows) == [g["gemeente_code"] for g in current]
    counted = {(r["gemeente_code"], r["jaar"]): r["gemeente_codes_dat_jaar"].split(",") for r in query(
        site, "select gemeente_code, jaar, gemeente_codes_dat_jaar from deelname where deelgenomen = 1")}
    names = {r["gemeente_code"]: r["naam"] for r in query(site, "select gemeente_code, naam from gemeenten")}
    via_predecessor = 0
    for g in current:
        row = rows[g["gemeente_code"]]
        assert f'href="/gemeente/{g["gemeente_code"]}">{g["naam"]}</a>' in unescape(row)
        for jaar, text in re.findall(r'<td data-jaar="(\d+)"[^>]*>(.*?)</td>', row):
            codes = counted.get((g["gemeente_code"], int(jaar)))
            if not codes:
                assert text == "geen inzending", (g, jaar)
                continue
            others = [names[c] for c in codes if c != g["gemeente_code"]]
            assert unescape(text) == "ja" + (f" (als {', '.join(others)})" if others else ""), (g, jaar)
            via_predecessor += bool(others)
    assert via_predecessor, "a merged municipality's year names the predecessor that took part"


def test_the_list_downloads_as_the_page_shows_it(site, provinces):
    """/provincie/<naam>/gemeenten.csv|xlsx, linked from the page: the same municipalities and cells as the
    page's table, CSV for Dutch Excel (';', BOM) equal to the xlsx, the synthetic notice first."""
    import io

    import pandas as pd

    html = get(site, "/provincie/gelderland").text
    assert 'href="/provincie/gelderland/gemeenten.csv"' in html and 'href="/provincie/gelderland/gemeenten.xlsx"' in html
    shown = {m.group(1): [unescape(t) for t in re.findall(r'<td data-jaar="\d+"[^>]*>(.*?)</td>', m.group(2))]
             for m in re.finditer(r'<tr data-gemeente="(GM\d+)">(.*?)</tr>', html, re.S)}
    raw = get(site, "/provincie/gelderland/gemeenten.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")
    preamble = raw.decode("utf-8-sig").split("\r\n\r\n")[0]
    assert "synthetische demodata" in preamble and "/provincie/gelderland" in preamble
    skip = preamble.count("\r\n") + 2
    table = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", skiprows=skip, dtype=str, keep_default_na=False)
    xlsx = pd.read_excel(io.BytesIO(get(site, "/provincie/gelderland/gemeenten.xlsx").content), skiprows=skip,
                         dtype=str, keep_default_na=False)
    assert table.equals(xlsx)
    years = [c for c in table.columns if c.startswith("Inzending telt mee ")]
    assert {r["CBS-code"]: [r[c] for c in years] for _, r in table.iterrows()} == shown
    code = code_of(provinces, "Gelderland")
    in_2024 = {r["gemeente_code"] for r in query(site, """select d.gemeente_code from deelname d join gemeenten g
        using (gemeente_code) where g.provincie_code = ? and d.jaar = 2024 and d.deelgenomen = 1""", [code])}
    assert set(table.loc[table["Inzending telt mee 2024"].str.startswith("ja"), "CBS-code"]) == in_2024
    moved = get(site, f"/provincie/{code.lower()}/gemeenten.csv")  # any spelling: to the one address
    assert moved.status_code == 302 and moved.headers["location"].endswith("/provincie/gelderland/gemeenten.csv")


def test_headline_figures_of_the_province_beside_the_country(site, provinces):
    html = get(site, "/provincie/gelderland").text
    code = code_of(provinces, "Gelderland")
    latest = query(site, "select max(jaar) as j from jaargangen")[0]["j"]
    definitions = headline_definitions(site)
    rows = {m.group(1): m.group(2) for m in re.finditer(r'<tr data-vraag="(\w+)">(.*?)</tr>', html, re.S)}
    assert len(rows) >= 5
    assert "Aandeel respondenten dat" in html
    for vraag_id, row in rows.items():
        item, options = definitions[vraag_id]
        shown = re.findall(r'<span class="kern-pct">([\d,]+%)</span> <span class="p">\((\d+) van n = (\d+)\)', row)
        expected = [expected_share(site, latest, vraag_id, item, options, scope) for scope in (code, None)]
        assert [f"{p} ({a}/{n})" for p, a, n in shown] == expected, vraag_id


def test_municipality_page_names_its_common_name_and_links_its_province(site):
    aliases = list(csv.DictReader(open(REFERENCE / "gemeente_aliassen.csv", encoding="utf-8")))
    common = next(a for a in aliases if a["alias"] == "Den Haag")
    g = query(site, "select naam, provincie from gemeenten where gemeente_code = ?", [common["gemeente_code"]])[0]
    html = unescape(get(site, f"/gemeente/{common['gemeente_code']}").text)
    assert f"<h1>{g['naam']} (Den Haag)</h1>" in html
    link = re.search(r'provincie <a href="(/provincie/[a-z-]+)">' + re.escape(g["provincie"]) + "</a>", html)
    assert link and f"<h1>Provincie {g['provincie']}</h1>" in unescape(get(site, link.group(1)).text)
    assert "(" not in re.search(r"<h1>(.*?)</h1>", unescape(get(site, "/gemeente/GM0344").text)).group(1)


def test_search_offers_the_province_and_what_a_typo_meant(site, store):
    r = get(site, "/gemeente", q="Gelderland")
    assert r.status_code == 302 and r.headers["location"] == "/provincie/gelderland"
    for typo, meant in (("Utreht", "Utrecht"), ("Amersfort", "Amersfoort"), ("Gronigen", "Groningen")):
        code = query(site, "select gemeente_code from gemeenten where naam = ?", [meant])[0]["gemeente_code"]
        r = get(site, "/gemeente", q=typo)
        assert r.status_code == 200, typo
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", r.text))
        assert f"Bedoelde u {meant}?" in text, typo
        assert f'<a href="/gemeente/{code}">{meant}</a>?' in r.text, typo
    assert "Geen gemeente gevonden" in get(site, "/gemeente", q="xqzwv").text
    # a municipality merged away before the dataset's first year: when, and into what
    changes = list(csv.DictReader(open(REFERENCE / "cbs" / "municipal_changes.csv", encoding="utf-8")))
    current = {r["gemeente_code"]: r["naam"] for r in query(site, "select gemeente_code, naam from gemeenten "
                                                                  "where geldig_tot is null or geldig_tot = ''")}
    known = {r["gemeente_code"] for r in query(site, "select gemeente_code from gemeenten")}
    old = next(c for c in changes if c["old_gm_code"] not in known and c["new_gm_code"] in current
               and c["change_type"] != "split" and c["old_name"] not in current)
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", get(site, "/gemeente", q=old["old_name"]).text)))
    year = old["effective_date"][:4]
    assert re.search(rf"{re.escape(old['old_name'])} bestaat niet meer als gemeente: zij is per \d+ \w+ {year} "
                     rf"opgegaan in {re.escape(current[old['new_gm_code']])}\.", text), old
    assert [p for p in did_you_mean(store, "Gelderlnd")["provincies"]] == [province_code(store, "Gelderland")]


def test_suggestions_know_aliases_provinces_and_former_municipalities(site, provinces):
    rows = get(site, "/gemeenten.json").json()
    by_name = {}
    for r in rows:
        by_name.setdefault(r["naam"], []).append(r)
    names = {r["gemeente_code"]: r["naam"] for r in query(site, "select gemeente_code, naam from gemeenten")}
    for alias in ("Den Haag", "Den Bosch"):
        hit = next(r for r in by_name[alias] if r.get("soort") == "alias")
        assert hit["officieel"] == names[hit["code"]]
    assert sorted(r["naam"] for r in rows if r.get("soort") == "provincie") == sorted(provinces.values())
    for old in query(site, "select gemeente_code, naam, opvolger_code from gemeenten where geldig_tot != ''"):
        hit = next(r for r in by_name[old["naam"]] if r.get("soort") == "opgeheven")
        assert hit["code"] == old["gemeente_code"] and hit["opvolger"] == names[old["opvolger_code"]], old
