"""Personal data and control characters never reach a published output.

The fast tests below check the patterns and the publication pass without deduce. The last test
plants every kind of personal data in a copy of the 2024 delivery (free text, the municipality
cell, a closed answer), builds it with --allow-quarantine, serves it with a real Datasette and
scans every published output for the planted values. It is the one test that loads deduce
(its free text is new, so the committed redaction cache does not know it).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest

from eenzaamheid import codebook
from eenzaamheid import deidentify, privacy
from eenzaamheid.tables import cleanschema
from eenzaamheid.privacy import elfproef, iban_valid, redact_value

from conftest import start_datasette

ROOT = Path(__file__).resolve().parent.parent
EENZAAMHEID = str(Path(sys.executable).parent / "eenzaamheid")


# --- the patterns and the pass (no deduce) ---------------------------------------------------

def test_bsn_and_iban_are_recognised_by_their_checksums():
    assert elfproef("123456782") and elfproef("111222333") and not elfproef("123456789")
    assert iban_valid("NL91ABNA0417164300") and iban_valid("NL91 ABNA 0417 1643 00")
    assert not iban_valid("NL92ABNA0417164300")
    assert redact_value("BSN 123456782, IBAN NL91 ABNA 0417 1643 00.") == "BSN [BSN verwijderd], IBAN [IBAN verwijderd]."
    kept = "In 2024 bereikten we 123456789 mensen in 1250 wijken; gemeente GM0518."
    assert redact_value(kept) == kept  # no 11-proef, no postcode: nothing to redact


def test_url_redaction_stops_at_a_closing_quote():
    assert redact_value('Zie "https://voorbeeld.nl/~jan/profiel" en \'www.x.nl/p/4\'.') == \
        'Zie "[link verwijderd]" en \'[link verwijderd]\'.'


def test_publication_pass_redacts_every_listed_copy_and_strips_control_characters():
    frames = {
        "inzendingen": pd.DataFrame({"gemeente_geleverd": ["Utrecht", "wethouder@gemeentepost.nl", None],
                                     "reden": [None, "gemeente_onbekend (Gemeente): 'wethouder@gemeentepost.nl' ...",
                                               "antwoord_onbekend (V01): '111222333' is geen toegestaan antwoord"]}),
        "antwoorden_quarantaine": pd.DataFrame({"ruwe_waarde": ["06-48273615"], "reden": ["3581 KP"]}),
        "opschoonlog": pd.DataFrame({"regel": ["quarantaine"], "voor": ["Ja\x1b[2J"], "na": ["tel 0612345678"]}),
        "gemeenten": pd.DataFrame({"naam": ["Den\x00 Haag"], "code": [1]}),
    }
    privacy.redact_published(frames, cleanschema.redacted_columns())
    published = json.dumps({t: f.astype(object).where(f.notna(), None).to_dict("list") for t, f in frames.items()})
    for value in ("gemeentepost", "111222333", "48273615", "3581 KP", "0612345678", "\\u001b", "\\u0000"):
        assert value not in published
    assert frames["inzendingen"]["gemeente_geleverd"].tolist()[:2] == ["Utrecht", "[e-mailadres verwijderd]"]
    assert frames["opschoonlog"]["voor"].tolist() == ["Ja[2J"] and frames["gemeenten"]["naam"].tolist() == ["Den Haag"]


def test_control_characters_are_reported_escaped():
    frame = pd.DataFrame({"Toelichting": ["gewoon", "met\x00nul en \x1b[31mkleur", None]}, index=[2, 3, 4])
    found = privacy.control_character_problems(frame, "levering.csv")
    assert [(p.regel, p.ernst, p.rij, p.kolom) for p in found] == [("stuurteken_in_tekst", "waarschuwing", 3, "Toelichting")]
    assert found[0].waarde == "\\x00, \\x1b" and "\x1b" not in found[0].melding


def test_deduce_is_built_by_one_process_at_a_time(monkeypatch, tmp_path):
    """make venv builds deduce's lookup structures in the background; a build that needs deduce
    meanwhile must wait for that lock instead of building (and writing its cache) a second time."""
    import fcntl

    import deduce

    real = deidentify._build_lock_path()
    assert real is not None and real.parent.is_dir()  # beside deduce's own cache
    # a lock of this test's own: the real one may be held right now by make venv's background build
    lock_path = tmp_path / real.name
    monkeypatch.setattr(deidentify, "_build_lock_path", lambda: lock_path)
    monkeypatch.setenv(deidentify.SHARED_ENV, "")  # no copy of the machine's build into this test's folder
    seen = []

    def fake_deduce():
        with open(lock_path, "a") as other:  # another open file: blocked while _model holds the lock
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen.append("vrij")
            except BlockingIOError:
                seen.append("vergrendeld")
        return "model"

    monkeypatch.setattr(deduce, "Deduce", fake_deduce)
    monkeypatch.setattr(deidentify, "_deduce", None)
    assert deidentify._model() == "model" and seen == ["vergrendeld"]
    with open(lock_path, "a") as after:  # released afterwards
        fcntl.flock(after, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_deduce_keeps_its_lookup_structures_per_machine_user_and_version(monkeypatch, tmp_path):
    """deduce builds its lookup structures once (75-130 s) into a folder per machine user and deduce
    version, so a new venv or clone loads them; the builder holds the lock in that folder meanwhile."""
    import fcntl
    from importlib import metadata

    import deduce

    monkeypatch.setenv(deidentify.SHARED_ENV, str(tmp_path / "gebruiker"))
    folder = tmp_path / "gebruiker" / f"deduce-{metadata.version('deduce')}"
    seen = []

    def fake_deduce(cache_path=None):
        with open(folder / ".eenzaamheid-opbouw.lock", "a") as other:  # held by _model while deduce builds
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                seen.append("vrij")
            except BlockingIOError:
                seen.append("vergrendeld")
        return cache_path

    monkeypatch.setattr(deduce, "Deduce", fake_deduce)
    monkeypatch.setattr(deidentify, "_deduce", None)
    assert deidentify._model() == folder and folder.is_dir() and seen == ["vergrendeld"]
    monkeypatch.setenv(deidentify.SHARED_ENV, "")  # switched off: deduce's own folder in its package
    assert deidentify._cache_dir() is None


def test_the_demo_build_needs_no_deduce():
    """Every demo free text is in the committed cache (checks/redacties.json), so its build skips deduce."""
    code = ("import sys; from eenzaamheid import build; build.clean_frames(allow_quarantine=True); "
            "print('deduce' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False", "a demo text is missing from checks/redacties.json: build once and commit it"


# --- planted personal data, scanned in every output ------------------------------------------

NAME, STREET, POSTCODE = "Annelies Pietersma", "Lindenlaan 47", "3581 KP"
BSN_TEXT, BSN_ANSWER, IBAN = "123456782", "111222333", "NL91ABNA0417164300"
EMAIL, EMAIL_MUNICIPALITY, PHONE = "a.verschoor@voorbeeldmail.nl", "wethouder.kramer@gemeentepost.nl", "06-48273615"
URL = "https://www.linkedin.com/in/jpietersma-4711"
FREE_TEXTS = [
    f"Neem contact op met mevrouw {NAME}, {STREET}, {POSTCODE} Utrecht.",
    f"BSN {BSN_TEXT} en IBAN {IBAN}; mail {EMAIL} of bel {PHONE}; zie {URL}.",
    "Samen met de bibliotheek\x1b[2J een programma\x00 in de week.",
]
# what must not appear anywhere (case-insensitive): every planted value and its telling parts
FORBIDDEN = [NAME, "Pietersma", STREET, "Lindenlaan", POSTCODE, POSTCODE.replace(" ", ""), BSN_TEXT, BSN_ANSWER,
             IBAN, "0417164300", EMAIL, "voorbeeldmail", EMAIL_MUNICIPALITY, "gemeentepost", PHONE, "48273615",
             "linkedin.com/in", "jpietersma-4711"]
CONTROL = ["\x1b", "\x00", "\\u001b", "\\u0000"]


def _plant(raw: Path) -> None:
    """Free text in three rows of the copy's 2024 delivery; an added row with an e-mail as municipality
    and a BSN as closed answer."""
    delivery = codebook.load().deliveries[2024]
    path = next((raw / "2024").glob("*.csv"))
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(delivery.codering)), delimiter=delivery.scheidingsteken))
    header = rows[0]
    cols = codebook.load().answer_columns(2024)
    open_columns = [header.index(c.header) for c in cols if c.type == "open"]
    closed = header.index(next(c.header for c in cols if c.type == "ja_nee"))
    for row, (column, text) in zip((1, 2, 3), zip(open_columns, FREE_TEXTS)):
        rows[row][column] = text
    # an added row, so the published figures still reproduce: quarantined, its raw values published
    extra = list(rows[4])
    extra[header.index(delivery.metadata_kolommen["respons_id"])] = "R_privacytest0001"
    extra[header.index(delivery.metadata_kolommen["gemeente"])] = EMAIL_MUNICIPALITY
    extra[closed] = BSN_ANSWER
    rows.append(extra)
    out = io.StringIO()
    csv.writer(out, delimiter=delivery.scheidingsteken, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(delivery.codering))
    manifest = raw / "MANIFEST.csv"
    entries = list(csv.DictReader(manifest.open(encoding="utf-8")))
    for e in entries:
        if e["bestand"] == path.relative_to(raw).as_posix():
            e["sha256"], e["bytes"] = hashlib.sha256(path.read_bytes()).hexdigest(), str(path.stat().st_size)
    with manifest.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(entries[0]))
        w.writeheader()
        w.writerows(entries)


def _texts_of_file(path: Path) -> list[str]:
    """The text a published file holds: bytes as text; a zip's members and a Parquet file's values decoded."""
    if path.suffix in (".zip", ".xlsx"):  # an xlsx is a zip of XML parts
        return _texts_of_zip(path.read_bytes())
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return [json.dumps(table.to_pydict(), default=str, ensure_ascii=False)]
    return [path.read_bytes().decode("utf-8", "replace")]


def _texts_of_zip(data: bytes) -> list[str]:
    """A zip's members as text; a workbook inside it (the zip's spreadsheets/) opened in turn."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [text for n in z.namelist()
                for text in (_texts_of_zip(z.read(n)) if n.endswith(".xlsx") else [z.read(n).decode("utf-8", "replace")])]


def _database_texts(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        return [v for t in tables for row in conn.execute(f"select * from [{t}]") for v in row if isinstance(v, str)]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def planted_build(tmp_path_factory):
    """Built as a steward builds deliveries elsewhere (`--raw X --uit Y`, no cache given): what it
    learns goes to the redaction cache of X's data root, never to the checkout's."""
    root = tmp_path_factory.mktemp("privacy")
    shutil.copytree(ROOT / "raw", root / "raw")
    _plant(root / "raw")
    out = root / "clean"
    checkout_cache = deidentify.DEFAULT_CACHE.read_bytes()
    env = {k: v for k, v in os.environ.items() if k != deidentify.CACHE_ENV}
    proc = subprocess.run([EENZAAMHEID, "build", "--allow-quarantine", "--raw", str(root / "raw"), "--uit", str(out)],
                          capture_output=True, text=True, cwd=root, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert deidentify.DEFAULT_CACHE.read_bytes() == checkout_cache, "the build wrote the checkout's redaction cache"
    return out


def test_a_build_of_other_deliveries_keeps_their_redactions_beside_them(planted_build):
    learned = json.loads((planted_build.parent / "checks" / "redacties.json").read_text(encoding="utf-8"))
    assert learned["versie"] == deidentify.version()
    assert {deidentify.key(t) for t in FREE_TEXTS[:2]} <= set(learned["teksten"])
    committed = json.loads(deidentify.DEFAULT_CACHE.read_text(encoding="utf-8"))["teksten"]
    assert not {deidentify.key(t) for t in FREE_TEXTS[:2]} & set(committed)


def test_planted_personal_data_reaches_no_published_output(planted_build, tmp_path):
    out = planted_build
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.suffix for p in files} >= {".db", ".csv", ".json", ".parquet", ".zip", ".html"}
    texts = {p.relative_to(out).as_posix(): "\n".join(_texts_of_file(p)) for p in files}
    texts["benchmark.db (tekstkolommen)"] = "\n".join(_database_texts(out / "benchmark.db"))

    with start_datasette(out / "benchmark.db", tmp_path / "datasette.log") as url:
        pages = ["toelichtingen?jaar=2024&_size=max", "inzendingen?jaar=2024&_size=max", "opschoonlog?_size=max",
                 "toelichtingen.json?jaar=2024&_size=max", "inzendingen.json?status=in_quarantaine",
                 "opschoonlog.json?_size=max"]
        pages += [f"zoek_in_toelichtingen?zoekterm={term}" for term in ("verwijderd", "bibliotheek")]
        for page in pages:
            r = httpx.get(f"{url}/benchmark/{page}", follow_redirects=True, timeout=30)
            assert r.status_code == 200, (page, r.status_code)
            texts[f"/{page}"] = r.text

        def search(term: str) -> list[dict]:
            return httpx.get(f"{url}/benchmark/zoek_in_toelichtingen.json", timeout=30, follow_redirects=True,
                             params={"zoekterm": term, "_shape": "objects"}).json()["rows"]
        found = search("verwijderd")
        # the search page repeats its term, so a planted value is searched for, not scanned for
        assert [term for term in ("Pietersma", "Lindenlaan", "voorbeeldmail", BSN_TEXT) if search(term)] == []

    # the database file is binary: control bytes are part of its format, its text values are scanned apart
    # each text lowercased once (not once per value: ~65 MB of text, 22 values)
    lowered = {where: text.lower() for where, text in texts.items()}
    hits = [(where, value) for where, text in lowered.items() for value in FORBIDDEN + CONTROL
            if value.lower() in text and not (where == "benchmark.db" and value in CONTROL)]
    assert hits == []
    # the planted rows are published, redacted: the scan above looked at them
    published = "\n".join(r["tekst"] for r in found)
    for placeholder in ("naam", "adres", "BSN", "IBAN", "e-mailadres", "telefoonnummer", "link"):
        assert f"[{placeholder} verwijderd]" in published
    db = sqlite3.connect(out / "benchmark.db")
    try:
        quarantined = [r[0] for r in db.execute("select gemeente_geleverd from inzendingen where status = 'in_quarantaine'")]
        assert "[e-mailadres verwijderd]" in quarantined
        assert db.execute("select count(*) from toelichtingen where tekst like '%bibliotheek een programma in%'").fetchone()[0]
    finally:
        db.close()


def test_control_characters_are_a_warning_in_the_report(planted_build):
    report = json.loads((planted_build / "kwaliteitsrapport.json").read_text(encoding="utf-8"))
    warned = [p for d in report["leveringen"] for p in d["problemen"] if p["regel"] == "stuurteken_in_tekst"]
    assert [(p["ernst"], p["waarde"]) for p in warned] == [("waarschuwing", "\\x00, \\x1b")]
