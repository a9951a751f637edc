"""The served metadata and canned queries, against a real Datasette on loopback (fixture `site`)."""
import sqlite3

import httpx
import pytest

KNOWN = "GM0518"  # 's-Gravenhage: in the fixed panel of the demo deliveries


def query(site, name, **params):
    r = httpx.get(f"{site.url}/benchmark/{name}.json", params={"_shape": "objects", **params}, timeout=10,
                  follow_redirects=True)
    assert r.status_code == 200, r.text[:500]
    return r.json()["rows"]


@pytest.fixture(scope="module")
def db(site):
    conn = sqlite3.connect(site.db_path)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def test_every_table_view_and_column_has_a_dutch_description(site, db):
    meta = httpx.get(f"{site.url}/-/metadata.json").json()["databases"]["benchmark"]["tables"]
    objects = [r[0] for r in db.execute("select name from sqlite_master where type in ('table', 'view') "
                                        "and name not like '%fts%' order by name")]
    assert len(objects) >= 20
    for name in objects:
        assert meta.get(name, {}).get("description"), f"{name} has no description"
        columns = [r[1] for r in db.execute(f"pragma table_info([{name}])")]
        described = meta[name].get("columns", {})
        assert all(described.get(c) for c in columns), f"{name}: {[c for c in columns if not described.get(c)]}"
    page = httpx.get(f"{site.url}/benchmark/inzendingen", follow_redirects=True).text
    assert "Status van de rij" in page or "geaccepteerd" in page


def test_municipality_against_province_and_country(site, db):
    rows = query(site, "gemeente_naast_provincie_en_land", gemeente=KNOWN, jaar="2024")
    answered = db.execute("select count(*) from antwoorden a join inzendingen i using (inzending_id) "
                          "where i.gemeente_code = ? and i.jaar = 2024 and i.status = 'geaccepteerd'", [KNOWN]).fetchone()[0]
    assert len(rows) == answered > 50
    week = next(r for r in rows if r["vraag_id"] == "week_deelname")
    own = db.execute("select optie_code, provincie_code from antwoorden a join inzendingen i using (inzending_id) "
                     "where i.gemeente_code = ? and i.jaar = 2024 and a.vraag_id = 'week_deelname'", [KNOWN]).fetchone()
    national = db.execute("""select 100.0 * sum(a.optie_code = ?) / count(*) from antwoorden a join inzendingen i using (inzending_id)
                             where i.jaar = 2024 and i.status = 'geaccepteerd' and a.vraag_id = 'week_deelname'""",
                          [own["optie_code"]]).fetchone()[0]
    province = db.execute("""select 100.0 * sum(a.optie_code = ?) / count(*) from antwoorden a join inzendingen i using (inzending_id)
                             where i.jaar = 2024 and i.status = 'geaccepteerd' and a.vraag_id = 'week_deelname'
                             and i.provincie_code = ?""", [own["optie_code"], own["provincie_code"]]).fetchone()[0]
    assert week["percentage_nederland"] == pytest.approx(national, abs=0.05)
    assert week["percentage_provincie"] == pytest.approx(province, abs=0.05)
    by_name = query(site, "gemeente_naast_provincie_en_land", gemeente="'s-Gravenhage", jaar="2024")
    assert len(by_name) == len(rows)


def test_question_over_the_years_with_comparability(site):
    rows = query(site, "vraag_door_de_jaren", vraag_id="meldpunt")
    ja_2024 = next(r for r in rows if r["jaar"] == 2024 and r["antwoord"] == "Ja")
    assert ja_2024["percentage_alle_respondenten"] == pytest.approx(100 * 97 / 157, abs=0.05)
    assert ja_2024["basis_vast_panel"] == 89
    assert ja_2024["vergelijkbaar_met_vorig_jaar"] == "nee" and "signaalpunt" in ja_2024["reden"]
    assert {r["jaar"] for r in rows} == {2022, 2023, 2024}


def test_participation_per_municipality_is_a_table_that_sorts_and_filters(site):
    """'Which municipalities took part every year?' without SQL: a table page with facets."""
    rows = query(site, "deelname_per_gemeente", _size="max")
    assert len(rows) == 342
    known = next(r for r in rows if r["gemeente_code"] == KNOWN)
    assert (known["2022"], known["2023"], known["2024"], known["lid_vast_panel_2022_2024"]) == (1, 1, 1, 1)
    assert sum(r["lid_vast_panel_2022_2024"] for r in rows) == 89 and sum(r["lid_groep_2022_2023"] for r in rows) == 118
    every_year = query(site, "deelname_per_gemeente", elk_jaar="1", _size="max")
    assert every_year and {r["gemeente_code"] for r in every_year} == {
        r["gemeente_code"] for r in rows if all(r[str(y)] == 1 for y in range(2019, 2025))}
    most = query(site, "deelname_per_gemeente", _sort_desc="aantal_jaren", _size="5")
    assert most[0]["aantal_jaren"] == max(r["aantal_jaren"] for r in rows)
    page = httpx.get(f"{site.url}/benchmark/deelname_per_gemeente", follow_redirects=True, timeout=10).text
    assert "Welke gemeenten deden mee in welke jaren" in page and "elk_jaar" in page  # title and facet


def test_response_per_province(site, db):
    rows = query(site, "respons_per_provincie", _size="max")
    per_year = {}
    for r in rows:
        per_year[r["jaar"]] = per_year.get(r["jaar"], 0) + r["deelnemers"]
    accepted = dict(db.execute("select jaar, count(*) from inzendingen where status = 'geaccepteerd' group by jaar").fetchall())
    assert per_year == accepted


def test_full_text_search(site, db):
    rows = query(site, "zoek_in_toelichtingen", zoekterm="GGD")
    expected = db.execute("select count(*) from toelichtingen where tekst like '%GGD%'").fetchone()[0]
    assert len(rows) == expected > 0 and all("GGD" in r["tekst"] for r in rows)


def test_published_against_computed(site, db):
    rows = query(site, "gepubliceerd_naast_berekend", _size="max")
    assert len(rows) == db.execute("select count(*) from gepubliceerde_cijfers").fetchone()[0] > 0
    first = next(r for r in rows if r["cijfer_id"] == "R2024-001")
    assert first["gepubliceerd"] == 157 and first["berekend"] == 157 and first["status"] == "gelijk"
    assert not [r for r in rows if r["status"] == "afwijkend"]
    assert not query(site, "gepubliceerd_naast_berekend", status="afwijkend")  # a table: filters work
    gelijk = query(site, "gepubliceerd_naast_berekend", status="gelijk", _size="max")
    assert len(gelijk) == sum(r["status"] == "gelijk" for r in rows) > 0
