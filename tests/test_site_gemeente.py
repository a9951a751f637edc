"""A municipality at a glance, its predecessors, its factsheet and participation, over HTTP against
the real Datasette (fixture `site`). Expected figures are recomputed in SQL from the accepted
answers; the headline definitions are read from the codebook (or the question's 'ja'-options)."""
from __future__ import annotations

import re
from html import unescape

import pytest

from test_site import esc, get, municipality, pct, query, reworded_store  # noqa: F401 - fixture

ACCEPTED = "status = 'geaccepteerd'"


def headline_definitions(site) -> dict:
    """vraag_id -> (item_code, [option codes]): the codebook's kerncijfer, else the 'ja'-options of
    a question without rows (an independent reading of the same rule the site implements)."""
    from eenzaamheid import codebook
    book = codebook.load()
    out = {}
    for q in book.data["vragen"]:
        k = q.get("kerncijfer")
        if k:
            out[q["vraag_id"]] = (k.get("item_code") or "", book.option_group(q["vraag_id"], k["optie"]))
    for v in query(site, "select vraag_id, type from vragen where type in ('ja_nee', 'enkelvoudig')"):
        if v["vraag_id"] in out:
            continue
        options = query(site, "select item_code, optie_code from antwoordopties where vraag_id = ?", [v["vraag_id"]])
        ja = [o["optie_code"] for o in options if o["optie_code"].startswith("ja") and not o["item_code"]]
        if ja and not any(o["item_code"] for o in options):
            out[v["vraag_id"]] = ("", ja)
    return out


def expected_share(site, jaar, vraag_id, item, options, provincie_code=None) -> str:
    """'45,2% (19/42)': municipalities giving the headline answer of those answering the row."""
    scope = "and i.provincie_code = ?" if provincie_code else ""
    params = [jaar, vraag_id] + ([provincie_code] if provincie_code else [])
    meervoudig = query(site, "select type from vragen where vraag_id = ?", [vraag_id])[0]["type"] == "meervoudig"
    answered = query(site, f"""
        select i.inzending_id, group_concat(a.item_code || '=' || a.optie_code, '|') as antwoorden
        from inzendingen i join antwoorden a using (inzending_id)
        where i.{ACCEPTED} and i.jaar = ? and a.vraag_id = ? {scope} group by i.inzending_id""", params)
    base = count = 0
    for r in answered:
        given = dict(p.split("=", 1) for p in r["antwoorden"].split("|"))
        if meervoudig:
            base += 1
            count += ("gekozen" in options) == (item in given)
        elif item in given:
            base += 1
            count += given[item] in options
    return f"{pct(100 * count / base)} ({count}/{base})"


def rows_of(table_html: str) -> dict:
    return {m.group(1): m.group(2) for m in re.finditer(r'<tr data-vraag="(\w+)">(.*?)</tr>', table_html, re.S)}


def test_glance_block_gives_the_headline_answer_beside_province_and_country(site, municipality):
    page = get(site, f"/gemeente/{municipality}").text
    block = page.split('<table class="oogopslag">')[1].split("</table>")[0]
    sub = query(site, f"select jaar, provincie_code from inzendingen i "
                      f"where i.gemeente_code = ? and i.{ACCEPTED} order by jaar desc limit 1", [municipality])[0]
    provincie = query(site, "select distinct provincie from gemeenten where provincie_code = ?", [sub["provincie_code"]])[0]
    # the scopes are written out: never the bare province name, which reads as the municipality
    assert f'<th scope="col">provincie {esc(provincie["provincie"])}</th><th scope="col">Nederland</th>' in block
    assert f"{municipality}" in page and f"in {sub['jaar']}" in block
    definitions = headline_definitions(site)
    asked = {r["vraag_id"] for r in query(site, "select vraag_id from vraagversies where jaar = ?", [sub["jaar"]])}
    rows = rows_of(block)
    assert set(rows) == {v for v in definitions if v in asked} and len(rows) >= 5
    own = {(a["vraag_id"], a["item_code"]): a["optie_code"] for a in query(site, f"""
        select a.vraag_id, a.item_code, a.optie_code from antwoorden a join inzendingen i using (inzending_id)
        where i.gemeente_code = ? and i.jaar = ? and i.{ACCEPTED}""", [municipality, sub["jaar"]])}
    for vraag_id, row in rows.items():
        item, options = definitions[vraag_id]
        prov = expected_share(site, sub["jaar"], vraag_id, item, options, sub["provincie_code"])
        nl = expected_share(site, sub["jaar"], vraag_id, item, options)
        cells = re.findall(r'<td data-label="[^"]*" class="aandeel (?:provincie|nederland)">.*?</svg> (.*?)</td>', row, re.S)
        assert cells == [prov, nl], (vraag_id, cells, prov, nl)
        # the municipality's own answer, marked when it counts as the headline answer
        if (vraag_id, item) in own:
            counts = own[(vraag_id, item)] in options
            assert ('class="antwoord kern"' in row) == counts, vraag_id
    assert "hetzelfde" not in block  # the block is about the headline answer, not "the same answer"


def test_answers_over_the_years_on_one_line_with_breaks_marked(site, municipality):
    page = get(site, f"/gemeente/{municipality}").text
    table = page.split('<table class="door-de-jaren">')[1].split("</table>")[0]
    years = [r["jaar"] for r in query(site, "select jaar from jaargangen order by jaar")]
    assert re.findall(r'<th scope="col">(\d{4})</th>', table) == [str(y) for y in years]
    rows = rows_of(table)
    closed = [v["vraag_id"] for v in query(site, "select vraag_id from vragen where type != 'open'")]
    assert set(rows) == set(closed)
    versions = {(r["vraag_id"], r["jaar"]): r["vergelijkbaar_met_vorig_jaar"] for r in query(site, "select * from vraagversies")}
    marked = 0
    for vraag_id, row in rows.items():
        cells = re.findall(r"<td class=\"([^\"]*)\"", row)
        assert len(cells) == len(years), vraag_id
        asked_before = False
        for jaar, cls in zip(years, cells):
            kind = versions.get((vraag_id, jaar))
            expect = f"breuk-{kind}" if asked_before and kind in ("nee", "onzeker") else None
            assert (expect in cls.split()) if expect else "breuk-" not in cls, (vraag_id, jaar, cls)
            marked += bool(expect)
            asked_before = asked_before or (vraag_id, jaar) in versions
    assert marked > 0
    # a yes/no question shows the municipality's own answer of every year it took part
    answers = query(site, f"""select i.jaar, ao.label from antwoorden a join inzendingen i using (inzending_id)
        join antwoordopties ao on ao.vraag_id = a.vraag_id and ao.item_code = a.item_code and ao.optie_code = a.optie_code
        where i.gemeente_code = ? and i.{ACCEPTED} and a.vraag_id = 'meldpunt' order by i.jaar""", [municipality])
    texts = [unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in re.findall(r"<td[^>]*>(.*?)</td>", rows["meldpunt"], re.S)]
    for a in answers:
        assert texts[years.index(a["jaar"])].endswith(a["label"])
    # the per-year detail is still there, collapsed
    assert page.count('<details class="jaar-details"') == len(query(
        site, f"select 1 from inzendingen where gemeente_code = ? and {ACCEPTED}", [municipality]))


@pytest.fixture(scope="module")
def merged(site):
    """A predecessor with accepted answers and its successor."""
    return query(site, f"""select g.gemeente_code, g.naam, g.geldig_tot, s.gemeente_code as opvolger, s.naam as opvolger_naam
        from gemeenten g join gemeenten s on s.gemeente_code = g.opvolger_code
        where g.opvolger_code != g.gemeente_code
          and exists (select 1 from inzendingen i where i.gemeente_code = g.gemeente_code and i.{ACCEPTED})
        order by g.gemeente_code limit 1""")[0]


def test_successor_page_shows_its_predecessors_answers_under_their_name(site, merged):
    page = get(site, f"/gemeente/{merged['opvolger']}").text
    section = page.split('<h2 id="voorgangers">')[1].split('<h2 id="deelname">')[0]
    years = [r["jaar"] for r in query(site, f"select distinct jaar from inzendingen where gemeente_code = ? and {ACCEPTED} "
                                            "order by jaar", [merged["gemeente_code"]])]
    heading = re.search(rf'<h3 class="voorganger">{re.escape(esc(merged["naam"]))} <span class="sub">\((.*?)\)</span>', section)
    assert heading and merged["gemeente_code"] in heading.group(1)
    assert "antwoorden uit " + ", ".join(map(str, years)) in heading.group(1)
    table = section[heading.end():].split("</table>")[0]
    # its own answers, in the columns of the years in which it existed
    answer = query(site, f"""select i.jaar, ao.label from antwoorden a join inzendingen i using (inzending_id)
        join antwoordopties ao on ao.vraag_id = a.vraag_id and ao.item_code = a.item_code and ao.optie_code = a.optie_code
        where i.gemeente_code = ? and i.{ACCEPTED} and a.item_code = '' order by i.jaar, a.vraag_id limit 1""",
                   [merged["gemeente_code"]])[0]
    assert f'title="{esc(merged["naam"])}, {answer["jaar"]}' in table or esc(answer["label"]) in table
    assert esc(answer["label"]) in table
    head_years = [int(y) for y in re.findall(r'<th scope="col">(\d{4})</th>', table)]
    assert head_years and max(head_years) < int(merged["geldig_tot"][:4]) + 1
    assert f"niet de antwoorden van {esc(merged['opvolger_naam'])}" in section


def test_predecessor_page_names_and_links_its_successor(site, merged):
    page = get(site, f"/gemeente/{merged['gemeente_code']}").text
    assert (f'opgegaan in <a href="/gemeente/{merged["opvolger"]}">{esc(merged["opvolger_naam"])}</a>'
            f' ({merged["opvolger"]})') in page
    assert "opgeheven per" in page
    # the start of the dataset's municipality list is not a founding date
    first = query(site, "select min(jaar) as j from jaargangen")[0]["j"]
    assert "Geldig" not in page and f"vanaf {first}-01-01" not in page
    successor = get(site, f"/gemeente/{merged['opvolger']}").text
    founded = query(site, "select geldig_van from gemeenten where gemeente_code = ?", [merged["opvolger"]])[0]["geldig_van"]
    if founded > f"{first}-01-01":
        assert "CBS-code in gebruik vanaf " in successor and founded not in successor.split("<h1>")[1].split("</p>")[0]


def test_factsheet_opens_with_its_meaning_and_ends_with_provenance(site, municipality):
    page = get(site, f"/gemeente/{municipality}/factsheet").text
    content = page.split('<section class="content">')[1]
    assert content.index("Wat de cijfers betekenen") < content.index('<table class="oogopslag">')
    assert content.count("<svg class=\"minibalk\"") >= 10  # small charts
    build = {r["sleutel"]: r["waarde"] for r in query(site, "select sleutel, waarde from build")}
    footer = content.split('<footer class="factsheet-voet">')[1].split("</footer>")[0]
    assert f"{site.url}/gemeente/{municipality}/factsheet" in footer
    assert f"versie {build['pakketversie']}" in footer and build["git_commit"][:7] in footer
    assert re.search(r"gebouwd op \d{1,2} \w+ \d{4}", footer)
    assert "Synthetische demodata" in footer
    assert '<details class="jaar-details"' not in content  # the per-year detail stays on the web page


@pytest.mark.parametrize("code", ["GM0307", "GM0344"])  # Amersfoort, Utrecht
def test_best_practices_row_reads_nee_iff_the_municipality_ticked_geen(site, code):
    """The statement 'maakt gebruik van best practices' is the negation of the row `geen`: the
    rendered glance row (page and factsheet) and the years line say Nee exactly when the data has
    `geen` = ja for that year, never the raw 'Ja' of the row."""
    ticked = {r["jaar"]: r["optie_code"] == "ja" for r in query(site, f"""
        select i.jaar, a.optie_code from antwoorden a join inzendingen i using (inzending_id)
        where i.gemeente_code = ? and i.{ACCEPTED} and a.vraag_id = 'best_practices' and a.item_code = 'geen'""", [code])}
    latest = query(site, f"select max(jaar) as j from inzendingen where gemeente_code = ? and {ACCEPTED}", [code])[0]["j"]
    assert latest in ticked, "the check needs a municipality that answered best_practices in its latest year"
    text = {True: "Nee", False: "Ja"}[ticked[latest]]
    page = get(site, f"/gemeente/{code}").text
    for html in (page, get(site, f"/gemeente/{code}/factsheet").text):
        block = html.split('<table class="oogopslag">')[1].split("</table>")[0]
        cell = re.search(r'<td data-label="Geldt voor [^"]*" class="antwoord[^"]*">(.*?)</td>', rows_of(block)["best_practices"], re.S)
        shown = unescape(re.sub(r"<[^>]+>", "", cell.group(1))).split()
        assert shown[:2] == ["✘" if ticked[latest] else "✔", text], (code, shown)
        assert ("kruiste ‘Geen’ aan" in " ".join(shown)) == ticked[latest]
    line = rows_of(page.split('<table class="door-de-jaren">')[1].split("</table>")[0])["best_practices"]
    years = [r["jaar"] for r in query(site, "select jaar from jaargangen order by jaar")]
    cells = [unescape(re.sub(r"<[^>]+>", "", c)).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", line, re.S)]
    for jaar, yes in ticked.items():
        assert cells[years.index(jaar)][-1] == ("Nee" if yes else "Ja"), (code, jaar, cells)


def test_map_counts_the_years_each_municipality_took_part(site):
    page = get(site, "/kaart?weergave=aantal_jaren").text
    classes = re.findall(r'<circle class="dot jaren-(\d+)"', page)
    expected = {r["aantal_jaren"]: r["n"] for r in query(
        site, "select aantal_jaren, count(*) as n from deelname_per_gemeente group by aantal_jaren")}
    located = query(site, "select count(*) as n from gemeenten where geldig_tot is null and latitude is not null")[0]["n"]
    assert len(classes) == located
    got = {int(n): classes.count(n) for n in set(classes)}
    assert got == {n: c for n, c in expected.items() if c}
    every = query(site, "select count(*) as n from deelname_per_gemeente where elk_jaar = 1")[0]["n"]
    assert re.search(rf'Elk jaar \(\d\):\s*<a href="[^"]*deelname_per_gemeente\?aantal_jaren=\d">'
                     rf'<strong>{every}</strong>', page)
    # the per-year map links to this mode
    assert 'href="/kaart?weergave=aantal_jaren"' in get(site, "/kaart").text


def test_home_answers_participation_in_one_click(site):
    page = get(site, "/").text
    every = re.search(r'<a href="([^"]*)">Welke gemeenten deden elk jaar mee\?</a>', page)
    assert every and every.group(1).endswith("/deelname_per_gemeente?elk_jaar=1")
    how_many = re.search(r'<a href="([^"]*)">Hoeveel jaren deed elke gemeente mee\?</a>', page)
    assert how_many and "deelname_per_gemeente?_sort_desc=aantal_jaren" in how_many.group(1)
    listing = get(site, unescape(every.group(1))).text
    n = query(site, "select count(*) as n from deelname_per_gemeente where elk_jaar = 1")[0]["n"]
    assert len(re.findall(r'<td class="col-gemeente_code', listing)) == n


@pytest.mark.parametrize("code", ["GM0307", "GM0344"])  # Amersfoort, Utrecht
def test_municipality_answers_download_in_words(site, code):
    """/gemeente/<code>/antwoorden.csv|xlsx, linked from the page: one row per closed question and year,
    the statement's value in words, CSV for Dutch Excel equal to the xlsx, the synthetic notice first."""
    import io

    import openpyxl
    import pandas as pd

    page = get(site, f"/gemeente/{code}").text
    assert f'href="/gemeente/{code}/antwoorden.csv"' in page and f'href="/gemeente/{code}/antwoorden.xlsx"' in page
    raw = get(site, f"/gemeente/{code}/antwoorden.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Dutch Excel reads the accents
    preamble = raw.decode("utf-8-sig").split("\r\n\r\n")[0]
    assert "synthetische demodata" in preamble and f"/gemeente/{code}" in preamble
    skip = preamble.count("\r\n") + 2
    csv = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", skiprows=skip, dtype=str, keep_default_na=False)
    xlsx_bytes = get(site, f"/gemeente/{code}/antwoorden.xlsx").content
    xlsx = pd.read_excel(io.BytesIO(xlsx_bytes), skiprows=skip, dtype=str, keep_default_na=False)
    assert openpyxl.load_workbook(io.BytesIO(xlsx_bytes)).active.freeze_panes  # the header stays in view
    assert csv.astype(str).equals(xlsx.astype(str))

    years = [r["jaar"] for r in query(site, "select jaar from jaargangen order by jaar")]
    closed = query(site, "select count(*) as n from vragen where type != 'open'")[0]["n"]
    assert len(csv) == len(years) * closed
    took_part = {r["jaar"] for r in query(site, f"select jaar from inzendingen where gemeente_code = ? and {ACCEPTED}", [code])}
    for jaar, group in csv.groupby("Jaar"):
        assert set(group["Inzending telt mee"]) == {"ja" if int(jaar) in took_part else "nee"}
        if int(jaar) not in took_part:
            assert set(group.iloc[:, 5]) == {"geen inzending"}
    ticked = {r["jaar"]: r["optie_code"] == "ja" for r in query(site, f"""
        select i.jaar, a.optie_code from antwoorden a join inzendingen i using (inzending_id)
        where i.gemeente_code = ? and i.{ACCEPTED} and a.vraag_id = 'best_practices' and a.item_code = 'geen'""", [code])}
    best = csv[csv["Vraag"] == query(site, "select onderwerp from vragen where vraag_id = 'best_practices'")[0]["onderwerp"]]
    for jaar, yes in ticked.items():
        assert best[best["Jaar"] == str(jaar)].iloc[0, 5] == ("Nee" if yes else "Ja"), (code, jaar)


def test_municipality_answers_download_words_each_year_as_asked(site, municipality):
    """The municipality's spreadsheet (/gemeente/<code>/antwoorden.*, gemeente_cijfers.municipality_sheet) on
    a copy of the database in which the latest year rewords every option the municipality chose that year and
    before: where the sheet prints an option's words, that year's row gives the new ones, earlier rows their own."""
    import sqlite3

    from eenzaamheid.site.pages.gemeente import fetch_municipality
    from eenzaamheid.site.pages.gemeente_cijfers import municipality_sheet

    with sqlite3.connect(f"file:{site.db_path}?mode=ro", uri=True) as conn:
        g = conn.execute("select opvolger_code from gemeenten where gemeente_code = ?", [municipality]).fetchone()
        _, answers, _, _ = fetch_municipality(conn, municipality, g[0])
    latest = max(a["jaar"] for a in answers)
    of_year = {(r["vraag_id"], r["optie_code"], r["jaar"]): r["label"] for r in query(
        site, "select vraag_id, optie_code, jaar, label from optielabels_per_jaar where item_code = ''")}
    chosen = {(a["vraag_id"], a["optie_code"], a["jaar"]) for a in answers if not a["item_code"]}
    # options chosen in the latest year and earlier, worded as more than a bare Ja/Nee (the statement's value)
    earlier = {(q, o): sorted(e for q2, o2, e in chosen if (q2, o2) == (q, o) and e < latest)
               for q, o, j in chosen if j == latest and of_year[(q, o, j)].lower() not in ("ja", "nee")}
    earlier = {k: years for k, years in earlier.items() if years}
    new = {k: f"Nieuw in {latest}: {k[0]}/{k[1]}" for k in earlier}
    store = reworded_store(site.db_path, {(q, "", o, latest): text for (q, o), text in new.items()})
    _, _, sheet = municipality_sheet(store, store.gemeenten[municipality], answers)
    topic = {v: r["onderwerp"] for v, r in store.vraag.items()}

    def row_text(jaar, vraag_id) -> str:
        return " | ".join(str(c) for r in sheet if r[0] == jaar and r[2] == topic[vraag_id] for c in r[3:])

    shown = [k for k, years in earlier.items() if of_year[(*k, years[-1])] in row_text(years[-1], k[0])]
    assert shown, "the sheet prints some option's words: the check can fail"
    for (vraag_id, optie_code) in shown:
        assert new[(vraag_id, optie_code)] in row_text(latest, vraag_id)
        assert of_year[(vraag_id, optie_code, latest)] not in row_text(latest, vraag_id)
        for jaar in earlier[(vraag_id, optie_code)]:
            text = row_text(jaar, vraag_id)
            assert new[(vraag_id, optie_code)] not in text and of_year[(vraag_id, optie_code, jaar)] in text, jaar
