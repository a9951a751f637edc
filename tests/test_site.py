"""The public site over HTTP, against a real Datasette process serving the built demo database
(fixture `site` in conftest.py). Expected figures come from SQL on the same database."""
from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from markupsafe import escape

from conftest import real_copy, start_datasette

STATIC = Path(__file__).resolve().parent.parent / "static"
BANNER = 'class="synthetisch-banner"'
NOINDEX = '<meta name="robots" content="noindex">'


def esc(text) -> str:
    """As Jinja writes text into a page."""
    return str(escape(text))


def pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"


def static_href(name: str) -> str:
    """The URL of static/<name> with the hash of its bytes, as the pages link it."""
    return f"/static/{name}?h={hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]}"


def rows(db_path, sql, params=()):
    """The rows of `sql` on the database, opened read-only, as dicts."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def query(site, sql, params=()):
    return rows(site.db_path, sql, params)


def reworded_store(db_path, words: dict):
    """The site's Store over an in-memory copy of the database in which each option (vraag_id,
    item_code, optie_code, jaar) of `words` is worded as given that year (its row of
    optielabels_per_jaar), as a year that rewords an option publishes it; the served database stays."""
    from eenzaamheid.site.store import Store

    source, copy = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True), sqlite3.connect(":memory:")
    try:
        source.backup(copy)
        with copy:
            for key, text in words.items():
                changed = copy.execute("update optielabels_per_jaar set label = ? where vraag_id = ? and item_code = ? "
                                       "and optie_code = ? and jaar = ?", (text, *key)).rowcount
                assert changed == 1, key
        return Store.load(copy)
    finally:
        source.close()
        copy.close()


def get(site, path, status=200):
    r = httpx.get(site.url + path, timeout=30, follow_redirects=True)
    assert r.status_code == status, (path, r.status_code, r.text[:500])
    return r


@pytest.fixture(scope="module")
def municipality(site):
    """A demo municipality with an accepted submission in every year (the first by code)."""
    return query(site, """
        select gemeente_code from inzendingen where status = 'geaccepteerd'
        group by gemeente_code having count(distinct jaar) = (select count(*) from jaargangen)
        order by gemeente_code limit 1""")[0]["gemeente_code"]


@pytest.fixture(scope="module")
def canned_query(site):
    metadata = json.loads((site.clean_dir / "metadata.json").read_text(encoding="utf-8"))
    return metadata["databases"]["benchmark"].get("queries") or {}


# ------------------------------------------------------------------ synthetic data is said

def test_the_demo_data_is_synthetic(site):
    assert query(site, "select count(*) as n from bronbestanden where synthetisch = 1")[0]["n"] > 0


@pytest.mark.parametrize("path", [
    "/", "/benchmark", "/benchmark/gemeenten", "/benchmark/gemeenten/GM0363", "/benchmark/deelname",
    "/benchmark?sql=select+gemeente_code,+naam+from+gemeenten+limit+5", "/benchmark/aandelen?vraag_id=meldpunt",
    "/gemeente", "/gemeente?q=utrecht", "/gemeente/GM0363", "/gemeente/GM0363/factsheet", "/vragen",
    "/vraag/meldpunt", "/kaart", "/kaart?jaar=2019", "/provincie", "/provincie/gelderland", "/gemeente?q=Utreht",
])
def test_every_page_says_the_data_is_synthetic(site, path):
    page = get(site, path).text
    assert BANNER in page
    assert "Let op: dit zijn synthetische demodata." in page
    assert "niet de antwoorden van echte gemeenten" in page
    assert NOINDEX in page


def test_canned_query_pages_and_error_pages_say_it_too(site, canned_query):
    assert canned_query, "metadata defines canned queries"
    name = next(iter(canned_query))
    for path, status in ((f"/benchmark/{name}", 200), ("/gemeente/GM9999", 404), ("/benchmark/bestaat_niet", 404)):
        page = get(site, path, status).text
        assert BANNER in page and NOINDEX in page, path


def test_robots_txt_disallows_everything_while_synthetic(site):
    r = get(site, "/robots.txt")
    lines = [line.strip() for line in r.text.splitlines() if line.strip() and not line.startswith("#")]
    assert lines == ["User-agent: *", "Disallow: /"]
    assert r.headers["content-type"].startswith("text/plain")
    # and every response, CSV and JSON too, asks not to be indexed
    for path in ("/", "/benchmark/gemeenten.csv", "/benchmark/gemeenten.json", "/bestanden/csv/gemeenten.csv"):
        assert get(site, path).headers.get("x-robots-tag") == "noindex", path


def test_without_synthetic_deliveries_banner_and_disallow_disappear(site, tmp_path):
    with start_datasette(real_copy(site, tmp_path), tmp_path / "echt.log") as url:
        robots = httpx.get(url + "/robots.txt")
        assert robots.status_code == 200
        assert "Disallow: /" not in robots.text and "Allow: /" in robots.text
        for path in ("/", "/benchmark/gemeenten", "/gemeente/GM0363", "/vraag/meldpunt", "/kaart",
                     "/vraag/meldpunt/cijfers.csv"):
            r = httpx.get(url + path, timeout=30, follow_redirects=True)
            assert r.status_code == 200, path
            assert BANNER not in r.text and NOINDEX not in r.text, path
            assert "Let op: dit zijn synthetische demodata." not in r.text, path
            assert "x-robots-tag" not in r.headers, path


# ------------------------------------------------------------------ municipality pages

def test_report_templates_are_not_pages(site):
    """templates/rapporten/ (the steward's reports, eenzaamheid/templating.py) sits in Datasette's template
    folder; Datasette serves only templates/pages/, so none of them is reachable, rendered or as source."""
    names = sorted(p.name for p in (STATIC.parent / "templates" / "rapporten").iterdir())
    assert "kwaliteit.html" in names and "rapport.css" in names
    for name in names:
        for path in (f"/rapporten/{name}", f"/rapporten/{name.rsplit('.', 1)[0]}"):
            r = httpx.get(site.url + path, timeout=30)
            assert r.status_code == 404 and "{%" not in r.text and "Let op: synthetische demodata.</strong> De " \
                "leveringen" not in r.text, (path, r.status_code)


def test_search_finds_municipalities_by_name_or_code_ignoring_case_and_accents(site):
    cases = {"sudwest fryslan": "GM1900", "SÚDWEST": "GM1900", "0363": "GM0363", "gm0363": "GM0363",
             "amsterdam": "GM0363", "den haag": "GM0518", "'s-hertogenbosch": "GM0796"}
    for q, code in cases.items():  # one municipality meant: straight to its page
        r = get(site, "/gemeente?q=" + quote(q))
        assert str(r.url).endswith(f"/gemeente/{code}"), q
    page = get(site, "/gemeente?q=bergen").text  # several: a list (Bergen (NH.), Bergen (L.), Bergen op Zoom)
    listed = re.findall(r'<li><a href="/gemeente/(GM\d{4})"', page.split('<ul class="resultaten">')[1].split("</ul>")[0])
    assert {"GM0373", "GM0893", "GM0748"} <= set(listed)
    assert "Geen gemeente gevonden" in get(site, "/gemeente?q=xyzzy").text


def test_home_page_has_the_search_box(site):
    page = get(site, "/").text
    assert re.search(r'<form class="zoek" action="/gemeente"[^>]*>.*?name="q"', page, re.S)


def test_municipality_page_shows_its_answers_beside_province_and_country(site, municipality):
    page = get(site, f"/gemeente/{municipality}").text
    g = query(site, "select * from gemeenten where gemeente_code = ?", [municipality])[0]
    assert f"<h1>{esc(g['naam'])}</h1>" in page
    assert g["provincie"] in page
    assert f"/gemeente/{municipality}/factsheet" in page
    expected = query(site, "select * from gemeente_vergelijking where gemeente_code = ?", [municipality])
    types = {v["vraag_id"]: v["type"] for v in query(site, "select vraag_id, type from vragen")}
    rows = dict(((m.group(1), m.group(2), m.group(3), m.group(4)), m.group(5)) for m in re.finditer(
        r'<tr class="antwoord-rij" data-jaar="(\d+)" data-vraag="(\w+)" data-item="([^"]*)" data-optie="([^"]*)">'
        r'(.*?)</tr>', page, re.S))
    assert len(rows) == len(expected) > 100
    for e in expected:
        row = rows[(str(e["jaar"]), e["vraag_id"], e["item_code"], e["optie_code"])]
        answer = "aangekruist" if types[e["vraag_id"]] == "meervoudig" else e["label"]
        assert esc(answer) in row
        assert f"{pct(e['percentage_provincie'])} ({e['aantal_provincie']}/{e['basis_provincie']})" in row, e
        assert f"{pct(e['percentage_nederland'])} ({e['aantal_nederland']}/{e['basis_nederland']})" in row, e
    # latest year first
    years = [int(y) for y in re.findall(r'<section class="jaar" id="jaar-(\d+)">', page)]
    assert years == sorted(years, reverse=True) and len(years) == 6


def test_municipality_page_shows_question_wording_and_comparability_notes(site, municipality):
    page = get(site, f"/gemeente/{municipality}").text
    version = query(site, "select * from vraagversies where vraag_id = 'meldpunt' and jaar = 2024")[0]
    section_2024 = page.split('id="jaar-2024"')[1].split('<section class="jaar"')[0]
    assert esc(version["formulering"]) in section_2024
    assert "Niet vergelijkbaar met 2023" in section_2024
    assert esc(version["reden"]) in section_2024


def test_municipality_participation_and_panels(site, municipality):
    page = get(site, f"/gemeente/{municipality}").text
    table = page.split('<table class="deelname">')[1].split("</table>")[0]
    for d in query(site, "select * from deelname where gemeente_code = ?", [municipality]):
        assert re.search(rf"<th scope=\"row\">{d['jaar']}</th>\s*<td class=\"(ja|nee)\">{'ja' if d['deelgenomen'] else 'nee'}</td>", table)


def test_merged_municipality_pages_link_predecessors_and_successor(site):
    merged = query(site, "select * from gemeenten where opvolger_code != gemeente_code order by gemeente_code limit 1")[0]
    page = get(site, f"/gemeente/{merged['gemeente_code']}").text
    assert f'href="/gemeente/{merged["opvolger_code"]}"' in page and "opgeheven" in page
    successor = get(site, f"/gemeente/{merged['opvolger_code']}").text
    assert f'href="/gemeente/{merged["gemeente_code"]}"' in successor


def test_municipality_without_submissions_still_has_a_page(site):
    code = query(site, """
        select gemeente_code from gemeenten g
        where not exists (select 1 from inzendingen i where i.gemeente_code = g.gemeente_code)
          and not exists (select 1 from deelname d where d.gemeente_code = g.opvolger_code and d.deelgenomen = 1)
        order by 1 limit 1""")[0]["gemeente_code"]
    page = get(site, f"/gemeente/{code}").text
    assert '<table class="deelname">' in page
    assert "in geen enkel jaar een geaccepteerde inzending" in page
    assert 'class="antwoord-rij"' not in page


def test_unknown_municipality_is_a_dutch_404(site):
    r = get(site, "/gemeente/GM9999", status=404)
    assert "Gemeente niet gevonden" in r.text and "Er is geen gemeente met CBS-code" in r.text
    get(site, "/gemeente/GM9999/factsheet", status=404)
    # a code in lower case is redirected to the canonical page
    r = httpx.get(site.url + "/gemeente/gm0363", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/gemeente/GM0363"


def test_factsheet_is_printable_on_a4(site, municipality):
    page = get(site, f"/gemeente/{municipality}/factsheet").text
    assert '<body class="factsheet">' in page
    assert f'<link rel="stylesheet" media="print" href="{static_href("print.css")}">' in page
    css = get(site, "/static/print.css").text
    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    assert "break-inside: avoid" in css and "display: none" in css
    # compact: the answers over the years on one line per question (the per-year detail stays on the web page)
    years = [int(y) for y in re.findall(r'<th scope="col">(\d{4})</th>', page.split('<table class="door-de-jaren compact">')[1])]
    assert years == [r["jaar"] for r in query(site, "select jaar from jaargangen order by jaar")]
    assert "Synthetische demodata" in page
    assert '<section class="jaar"' not in page


def test_gemeente_code_cells_link_to_the_municipality_page(site):
    table = get(site, "/benchmark/gemeenten").text
    assert re.search(r'<td class="col-gemeente_code type-pk">.*?<a [^>]*href="/gemeente/GM\d{4}"', table)
    deelname = get(site, "/benchmark/deelname?_size=5").text
    assert re.search(r'<td class="col-gemeente_code[^"]*"><a href="/gemeente/GM\d{4}"', deelname)
    # other cells are left alone: the foreign key opvolger_code still links to its row
    assert re.search(r'<td class="col-opvolger_code[^"]*"><a href="/benchmark/gemeenten/GM\d{4}"', table)
    row = get(site, "/benchmark/gemeenten/GM0363").text
    assert 'href="/gemeente/GM0363"' in row
    sql = get(site, "/benchmark?sql=" + quote("select gemeente_code, naam from gemeenten where gemeente_code = 'GM0363'")).text
    assert '<a href="/gemeente/GM0363"' in sql


# ------------------------------------------------------------------ questions

def test_questions_index_lists_every_question_by_section(site):
    page = get(site, "/vragen").text
    for v in query(site, "select * from vragen"):
        assert f'href="/vraag/{v["vraag_id"]}"' in page
        assert esc(v["sectie_label"]) in page


def test_question_page_charts_the_shares_per_year_with_counts(site):
    page = get(site, "/vraag/meldpunt").text
    assert page.count('<svg class="trend"') == 1
    for r in query(site, "select * from aandelen where vraag_id = 'meldpunt' and populatie in "
                         "('alle_respondenten', 'vast_panel_2022_2024')"):
        assert f"{r['aantal']} <span class=\"p\">({pct(r['percentage'])})</span>" in page, r
        assert esc(f"{r['label']} {pct(r['percentage'])} ({r['aantal']} van {r['basis']})") in page, r


def test_question_page_marks_the_2024_comparability_break(site):
    page = get(site, "/vraag/meldpunt").text
    reden = query(site, "select reden from vraagversies where vraag_id = 'meldpunt' and jaar = 2024")[0]["reden"]
    assert esc(reden) in page
    assert "2024: niet vergelijkbaar" in page
    assert '<g class="breuk"><line' in page and "Breuk: 2024 niet vergelijkbaar met 2023" in page


def test_matrix_question_has_a_chart_per_row(site):
    page = get(site, "/vraag/instrumenten").text
    items = query(site, "select count(distinct item_code) as n from aandelen where vraag_id = 'instrumenten'")[0]["n"]
    assert page.count('<svg class="trend"') == items > 1


def test_a_questions_numbers_download_as_one_csv_for_dutch_excel(site):
    """/vraag/<id>/cijfers.csv: every chart's numbers of the page (all items), the rows of the view
    aandelen for the populations shown; ; separated, decimal comma, BOM, synthetic notice first."""
    import io

    import pandas as pd

    r = get(site, "/vraag/instrumenten/cijfers.csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="instrumenten-cijfers.csv"'
    assert r.headers["cache-control"] == get(site, "/vraag/instrumenten").headers["cache-control"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    preamble, table = r.content.decode("utf-8-sig").split("\r\n\r\n", 1)
    assert "Let op: dit zijn synthetische demodata." in preamble and "/vraag/instrumenten" in preamble
    frame = pd.read_csv(io.StringIO(table), sep=";", decimal=",")
    got = sorted(frame[["Jaar", "Onderdeel", "Antwoord", "Aantal gemeenten met dit antwoord",
                        "Basis (gemeenten die de vraag beantwoordden)", "Percentage van de basis"]]
                 .itertuples(index=False, name=None))
    expected = sorted((a["jaar"], a["item_label"], a["label"], a["aantal"], a["basis"], a["percentage"])
                      for a in query(site, "select * from aandelen where vraag_id = 'instrumenten' and populatie in "
                                           "('alle_respondenten', 'vast_panel_2022_2024')"))
    assert got == expected
    breaks = {v["jaar"] for v in query(site, "select jaar from vraagversies where vraag_id = 'instrumenten' "
                                             "and vergelijkbaar_met_vorig_jaar = 'onzeker'")}
    assert set(frame.loc[frame.iloc[:, -1].notna(), "Jaar"]) == breaks - {frame["Jaar"].min()}
    wording = {v["jaar"]: v["formulering"] for v in query(site, "select * from vraagversies where vraag_id = 'instrumenten'")}
    assert [wording[j] or "niet gepubliceerd" for j in frame["Jaar"]] == list(frame["Vraag (formulering van dat jaar)"])


def test_a_questions_answers_are_worded_as_in_their_year(site):
    """/vraag/coalitie: the table's header gives each option's latest wording and the download each
    year's own, both as the published table optielabels_per_jaar has them."""
    import pandas as pd

    labels = query(site, "select optie_code, jaar, label from optielabels_per_jaar where vraag_id = 'coalitie' "
                         "and item_code = '' order by jaar")
    latest = {r["optie_code"]: r["label"] for r in labels}  # ordered by year: the last one stays
    header = re.search(r'<table class="cijfers">\s*<thead>(.*?)</thead>', get(site, "/vraag/coalitie").text, re.S)
    columns = re.findall(r'<th scope="col">(.*?)</th>', header.group(1))
    assert columns[2:-1] and sorted(columns[2:-1]) == sorted(str(escape(t)) for t in latest.values())
    table = get(site, "/vraag/coalitie/cijfers.csv").content.decode("utf-8-sig").split("\r\n\r\n", 1)[1]
    frame = pd.read_csv(io.StringIO(table), sep=";", decimal=",")
    of_year = {(r["jaar"], r["label"]) for r in labels}
    got = set(frame[["Jaar", "Antwoord"]].itertuples(index=False, name=None))
    assert len(got) > 10 and got <= of_year


def test_unknown_question_or_item_download_is_404(site):
    assert "Cijfers niet gevonden" in get(site, "/vraag/bestaat_niet/cijfers.csv", 404).text
    assert "Cijfers niet gevonden" in get(site, "/vraag/instrumenten/cijfers.xlsx?onderdeel=bestaat_niet", 404).text
    get(site, "/vraag/meldpunt/cijfers.ods", 404)


def test_unknown_question_and_year_are_404(site):
    assert "Vraag niet gevonden" in get(site, "/vraag/bestaat_niet", 404).text
    assert "Jaar niet gevonden" in get(site, "/kaart?jaar=1999", 404).text


# ------------------------------------------------------------------ map

@pytest.mark.parametrize("jaar", [2019, 2022, 2024])
def test_map_has_a_dot_per_municipality_of_that_year(site, jaar):
    page = get(site, f"/kaart?jaar={jaar}").text
    n = query(site, """select count(*) as n from gemeenten where geldig_van <= ? and
                       coalesce(nullif(geldig_tot, ''), '9999-12-31') > ?""", [f"{jaar}-01-01"] * 2)[0]["n"]
    assert page.count('<circle class="dot ') == n
    took_part = query(site, "select count(distinct gemeente_code) as n from inzendingen "
                            "where status = 'geaccepteerd' and jaar = ?", [jaar])[0]["n"]
    assert page.count('<circle class="dot deelgenomen"') + page.count('<circle class="dot panel"') == took_part
    # nothing in the data says which municipalities were invited (jaargangen: a number at most), so a
    # municipality without an accepted submission is "geen inzending", never "niet deelgenomen"
    assert "<title>" in page and "niet deelgenomen" not in page.lower()
    assert re.search(rf"Geen inzending: <strong>{n - took_part}</strong>", page)
    assert page.count(": geen inzending</title>") == n - took_part
    for other in (2019, 2024):
        if other != jaar:
            assert f'href="/kaart?jaar={other}"' in page
    assert "leaflet" not in page.lower() and "https://" not in page.split("<svg class=\"kaart\"")[1].split("</svg>")[0]


# ------------------------------------------------------------------ home and downloads

def test_home_links_pages_and_every_canned_query(site, canned_query):
    page = get(site, "/").text
    for href in ('href="/gemeente"', 'href="/vragen"', 'href="/kaart"'):
        assert href in page
    for name in canned_query:  # under the hashed database URL (datasette-hashed-urls)
        assert re.search(rf'href="/benchmark-[0-9a-f]{{7}}/{name}"', page), name


def test_download_links_resolve(site):
    page = get(site, "/").text
    links = re.findall(r'href="(/bestanden/[^"]+)"', page)
    for fmt in ("csv", "json", "parquet"):
        assert f"/bestanden/{fmt}/gemeenten.{fmt}" in links
    for path in ("/bestanden/csv/gemeenten.csv", "/bestanden/parquet/gemeenten.parquet"):
        r = get(site, path)
        assert r.content == (site.clean_dir / path.removeprefix("/bestanden/")).read_bytes()
    if (site.clean_dir / "benchmark-eenzaamheid.zip").exists():
        assert "/bestanden/benchmark-eenzaamheid.zip" in links
        assert get(site, "/bestanden/benchmark-eenzaamheid.zip").content[:2] == b"PK"
    # Datasette's own whole-table CSV
    assert re.search(r'href="/benchmark-[0-9a-f]{7}/gemeenten.csv\?_stream=on&amp;_size=max&amp;_dl=1"', page)
    response = get(site, "/benchmark/gemeenten.csv?_stream=on&_size=max&_dl=1")
    assert response.headers["content-disposition"].startswith("attachment")  # a file, not a page of text
    csv = response.text
    assert len(csv.strip().splitlines()) == 1 + query(site, "select count(*) as n from gemeenten")[0]["n"]


def test_no_external_resources_on_our_pages(site, municipality):
    """Stylesheets, scripts and images come from this server: no CDN, fonts or map tiles."""
    for path in ("/", f"/gemeente/{municipality}", f"/gemeente/{municipality}/factsheet", "/vraag/meldpunt",
                 "/kaart", "/benchmark/gemeenten"):
        page = get(site, path).text
        resources = re.findall(r'<link[^>]*\shref="([^"]+)"', page) + re.findall(r'\ssrc="([^"]+)"', page)
        assert resources, path
        for url in resources:
            assert (url.startswith("/") and not url.startswith("//")) or url.startswith(site.url + "/"), (path, url)
        assert "@import" not in page and "url(http" not in page, path


@pytest.mark.parametrize("path", ["/benchmark/antwoorden/1", "/benchmark/antwoorden/abc", "/benchmark/antwoorden/1.json",
                                  "/benchmark/antwoorden/1,2,3,4,5,6,7,8,9", "/benchmark/gemeenten/GM9999"])
def test_bad_row_urls_are_a_dutch_404(site, path):
    """Too few key values for antwoorden's primary key, too many, or a row that does not exist."""
    r = get(site, path, status=404)
    if path.endswith(".json"):
        assert r.json()["status"] == 404 and r.json()["error"] == "Deze rij bestaat niet."
    else:
        assert "<h1>Niet gevonden</h1>" in r.text and "Deze rij bestaat niet." in r.text and BANNER in r.text
        assert "binding" not in r.text


def test_excel_download_of_a_filtered_table_has_every_filtered_row(site):
    """'Download voor Excel' on a filtered page: ';', UTF-8 with BOM, all rows (more than one page)."""
    import pandas as pd

    year, count = query(site, "select jaar, count(*) as n from antwoorden group by jaar having n > 2000 "
                              "order by n limit 1")[0].values()
    assert count > 2000, "more rows than one page (max_returned_rows, serve.py) or this proves nothing"
    page = get(site, f"/benchmark/antwoorden?jaar={year}").text
    href = re.search(r'<a class="excel-download" href="([^"]+)"[^>]*>Download voor Excel</a>', page)[1]
    r = get(site, href.replace("&amp;", "&"))
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="antwoorden-excel.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(r.content), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(table) == count and set(table["jaar"]) == {str(year)}
    columns = [c["name"] for c in query(site, "select name from pragma_table_info('antwoorden')")]
    assert set(columns) <= set(table.columns)
    # decimals with a comma (Dutch Excel reads a point as a thousands separator)
    sheet = pd.read_csv(io.BytesIO(get(site, "/benchmark/gemeenten.csv?_excel=1").content), sep=";",
                        encoding="utf-8-sig", decimal=",")
    expected = {r["gemeente_code"]: r["latitude"] for r in query(site, "select gemeente_code, latitude from gemeenten")}
    assert dict(zip(sheet["gemeente_code"], sheet["latitude"])) == pytest.approx(expected)


def test_file_sizes_and_link_column_in_dutch(site):
    """The home page's download sizes with a decimal comma and 'kB'; antwoorden's link column 'Rij'."""
    page = get(site, "/").text
    size = (site.clean_dir / "csv" / "gemeenten.csv").stat().st_size
    assert 1000 <= size < 1000 ** 2
    assert f"{size / 1000:.1f} kB".replace(".", ",") in page  # kB: 1,000 bytes, as the unit says
    assert not re.search(r"\d\.\d (KB|MB|GB)", page)
    table = get(site, "/benchmark/antwoorden?_size=1").text
    assert re.search(r'<th class="col-Link"[^>]*>\s*Rij\s*</th>', table) and ">Link<" not in table


@pytest.mark.parametrize("cell", ["=1+1", "+31 6 1234", "-3", "-", "@som", "\tx", "\rx", "tekst", "", "2024-00002"])
def test_excel_download_guards_formulas_as_the_csv_exports_do(cell):
    """The Excel download repeats the exports' rule (publish/export.py) without importing it (pandas)."""
    from eenzaamheid.publish.export import _neutralised
    from eenzaamheid.site.datasette.excel_csv import excel_cell

    assert excel_cell(cell) == _neutralised(cell)
