"""Meaning first: every statement row of a municipality (the glance block and the years lines of
/gemeente/<code> and its factsheet) says whether *that statement* holds, never the raw answer of
the row it is read from (ticking *Geen* at best practices means "Nee").

The site's cells come from the page functions (eenzaamheid/site/pages/kernantwoorden.py) on the demo
build's database; the expected values are recomputed here from the `antwoorden` and `inzendingen`
tables (accepted submissions only), the codebook YAML read directly (kerncijfer, option groups,
`alleen_als`) and, for questions without a kerncijfer, their 'ja'-options in `antwoordopties`.
"""
from __future__ import annotations

import json
import sqlite3

import pytest

from eenzaamheid import build, codebook
from eenzaamheid.site.pages.gemeente import fetch_municipality
from eenzaamheid.site.pages.kernantwoorden import glance, years_lines
from eenzaamheid.site.store import Store

SHOWN = {"ja": "Ja", "nee": "Nee", "niet gevraagd": "niet gevraagd", "geen inzending": "geen inzending",
         "niet beantwoord": "niet beantwoord"}
NEGATIVE_ITEMS = {"geen", "nee", "niet", "niets", "geen_van_alle"}


@pytest.fixture(scope="module")
def db(demo_build):
    assert demo_build.returncode == 0, demo_build.stderr[-3000:]
    conn = sqlite3.connect(f"file:{demo_build.out / build.DB_NAME}?mode=ro", uri=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def store(db) -> Store:
    return Store.load(db)


def group(question: dict, code: str) -> list:
    return next((g["opties"] for g in question.get("optiegroepen", []) if g["groep_code"] == code), [code])


@pytest.fixture(scope="module")
def definitions(db) -> dict:
    """vraag_id -> {item, opties, type, alleen_als: (vraag_id, opties) | None}: the codebook's
    kerncijfer, else a question without rows answered 'ja…' (every option code starting with ja)."""
    book = codebook.load().data
    questions = {q["vraag_id"]: q for q in book["vragen"]}
    types = dict(db.execute("select vraag_id, type from vragen"))
    out = {}
    for q in book["vragen"]:
        k, cond = q.get("kerncijfer"), q.get("alleen_als")
        skip = None if not cond else (
            cond["vraag_id"], cond.get("opties") or group(questions[cond["vraag_id"]], cond.get("groep")))
        if k:
            out[q["vraag_id"]] = {"item": k.get("item_code") or "", "opties": group(q, k["optie"]),
                                  "type": types[q["vraag_id"]], "alleen_als": skip}
    for vraag_id, qtype, alleen_als in db.execute(
            "select vraag_id, type, alleen_als from vragen where type in ('ja_nee', 'enkelvoudig')"):
        options = db.execute("select item_code, optie_code from antwoordopties where vraag_id = ?",
                             [vraag_id]).fetchall()
        ja = sorted({o for i, o in options if o.startswith("ja")})
        if vraag_id not in out and ja and not any(i for i, _ in options):
            cond = json.loads(alleen_als) if alleen_als else None
            out[vraag_id] = {"item": "", "opties": ja, "type": qtype, "fallback": True,
                             "alleen_als": (cond["vraag_id"], cond["opties"]) if cond and cond.get("opties") else None}
    # the demo has each kind: a question, a row, a multiple choice, a skipped question, a 'ja'-options fallback
    assert {d["type"] for d in out.values()} >= {"ja_nee", "enkelvoudig", "matrix", "meervoudig"}
    assert any(d.get("fallback") for d in out.values()) and any(d["alleen_als"] for d in out.values())
    return out


@pytest.fixture(scope="module")
def recorded(db):
    """(submitted: {(gemeente, jaar)}, answers: {(gemeente, jaar, vraag): {item: optie}},
    asked: {(vraag, item, jaar)} from the questionnaire versions and the options' years)."""
    submitted = set(db.execute("select gemeente_code, jaar from inzendingen where status = 'geaccepteerd'"))
    answers: dict = {}
    for code, jaar, vraag, item, optie in db.execute("""
            select i.gemeente_code, i.jaar, a.vraag_id, a.item_code, a.optie_code
            from antwoorden a join inzendingen i on i.inzending_id = a.inzending_id where i.status = 'geaccepteerd'"""):
        answers.setdefault((code, jaar, vraag), {})[item] = optie
    asked = set()
    versions = set(db.execute("select vraag_id, jaar from vraagversies"))
    for vraag, item, jaren in db.execute("select vraag_id, item_code, jaren from antwoordopties"):
        asked |= {(vraag, item, int(j)) for j in jaren.split(",") if (vraag, int(j)) in versions}
    return submitted, answers, asked


def expected(d: dict, vraag_id: str, code: str, jaar: int, recorded) -> str:
    """What the statement row must say for a municipality in a year, from the tables alone."""
    submitted, answers, asked = recorded
    if (code, jaar) not in submitted:
        return "geen inzending"
    if (vraag_id, d["item"], jaar) not in asked:
        return "niet gevraagd"
    own = answers.get((code, jaar, vraag_id), {})
    if d["type"] == "meervoudig":
        value = None if not own else ("ja" if (d["item"] in own) == ("gekozen" in d["opties"]) else "nee")
    else:
        value = None if d["item"] not in own else ("ja" if own[d["item"]] in d["opties"] else "nee")
    if value is None and d["alleen_als"]:
        cond_vraag, cond_options = d["alleen_als"]
        if answers.get((code, jaar, cond_vraag), {}).get("") not in cond_options:
            return "niet gevraagd"
    return value or "niet beantwoord"


def shown_rows(store: Store, db, code: str):
    """(the glance block, the years lines) of /gemeente/<code>, as the page computes them."""
    g = store.gemeenten[code]
    _deelname, answers, _notes, _pred = fetch_municipality(db, code, g["opvolger_code"])
    return glance(store, g, answers), years_lines(store, answers)


def test_every_statement_row_of_every_municipality_says_whether_it_holds(store, db, definitions, recorded):
    closed = {v for (v,) in db.execute("select vraag_id from vragen where type != 'open'")}
    statements = {v for v in definitions if v in closed}
    checked = {"ja": 0, "nee": 0, "niet gevraagd": 0, "geen inzending": 0, "niet beantwoord": 0}
    for (code,) in db.execute("select gemeente_code from gemeenten order by gemeente_code"):
        block, lines = shown_rows(store, db, code)
        assert {r["vraag_id"] for r in lines["rijen"] if r["kern"]} == statements, code
        for r in lines["rijen"]:
            if r["vraag_id"] not in statements:
                continue
            for cell in r["cellen"]:
                want = expected(definitions[r["vraag_id"]], r["vraag_id"], code, cell["jaar"], recorded)
                assert cell["tekst"] == SHOWN[want], (code, r["vraag_id"], cell["jaar"], cell, want)
                assert cell["kern"] == ({"ja": True, "nee": False}.get(want)), (code, r["vraag_id"], cell["jaar"])
                checked[want] += 1
        for r in block["rijen"]:
            want = expected(definitions[r["vraag_id"]], r["vraag_id"], code, block["jaar"], recorded)
            assert r["antwoord"]["tekst"] == SHOWN[want], (code, r["vraag_id"], block["jaar"], r["antwoord"], want)
    # every kind of value occurs in the demo, so none of the branches above went unchecked
    assert all(checked.values()), checked


def negated_definitions(db) -> list:
    """Every kerncijfer of the codebook where ticking its item makes the statement false: an item
    like `geen`/`nee`/`niet`, an optie `nee` on a row, or a multiple choice counted when *not* chosen."""
    book = codebook.load().data
    types = dict(db.execute("select vraag_id, type from vragen"))
    out = []
    for q in book["vragen"]:
        k = q.get("kerncijfer")
        if not k:
            continue
        item, qtype = k.get("item_code") or "", types[q["vraag_id"]]
        unchosen = qtype == "meervoudig" and k["optie"] != "gekozen"
        if item in NEGATIVE_ITEMS or (item and k["optie"] == "nee") or unchosen:
            out.append((q["vraag_id"], item, qtype))
    return out


def test_a_negated_statement_reads_nee_for_a_municipality_that_ticked_it(store, db):
    negated = negated_definitions(db)
    assert ("best_practices", "geen", "matrix") in negated  # the case readers saw; more may follow
    for vraag_id, item, _qtype in negated:
        found = db.execute("""
            select i.gemeente_code, i.jaar from antwoorden a join inzendingen i on i.inzending_id = a.inzending_id
            where i.status = 'geaccepteerd' and a.vraag_id = ? and a.item_code = ? and a.optie_code in ('ja', 'gekozen')
            order by i.jaar desc, i.gemeente_code limit 1""", [vraag_id, item]).fetchone()
        assert found, f"nobody in the demo ticked {vraag_id}/{item}: the negation cannot be checked"
        code, jaar = found
        _block, lines = shown_rows(store, db, code)
        row = next(r for r in lines["rijen"] if r["vraag_id"] == vraag_id)
        cell = next(c for c in row["cellen"] if c["jaar"] == jaar)
        assert cell["tekst"] == "Nee" and cell["kern"] is False, (vraag_id, code, jaar, cell)
        assert "aan" in cell["detail"] and "niet aan" not in cell["detail"], cell  # what it ticked, in words
