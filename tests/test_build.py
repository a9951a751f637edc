"""`eenzaamheid build` end to end on the demo deliveries: complete, traceable, deterministic, atomic."""
import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from eenzaamheid import build
from eenzaamheid.publish import publication
from eenzaamheid.privacy import EMAIL, PHONE
from published import RAW, ROOT, read_rows

from eenzaamheid import codebook as cb

EENZAAMHEID = str(Path(sys.executable).parent / "eenzaamheid")


def run_build(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([EENZAAMHEID, "build", "--uit", str(out), *extra], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def built(demo_build):
    """`eenzaamheid build --allow-quarantine --uit <tmp>` on the demo, the run's shared build (conftest): read only."""
    assert demo_build.returncode == 0, demo_build.stderr
    return demo_build.out, demo_build.stdout


@pytest.fixture(scope="module")
def refused_raw(tmp_path_factory) -> Path:
    """A raw folder a build stops on at validation, and soon: the demo's 2019 delivery only (it holds
    an invalid answer; without --allow-quarantine the build does not go on). For the tests where what
    matters is what the next start does before it stops, not the validation of the whole demo."""
    raw = tmp_path_factory.mktemp("geweigerd_raw")
    (raw / "2019").mkdir()
    shutil.copy2(next((RAW / "2019").iterdir()), raw / "2019")
    header, *lines = (RAW / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()
    (raw / "MANIFEST.csv").write_text("\n".join([header, *[x for x in lines if x.startswith("2019/")]]) + "\n",
                                      encoding="utf-8")
    return raw


@pytest.fixture(scope="module")
def db(built):
    conn = sqlite3.connect(built[0] / "benchmark.db")
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_stops_on_validation_errors_and_says_how_to_continue(refused_demo_build):
    proc = refused_demo_build  # `eenzaamheid build --uit <folder>` on the demo, shared with test_quality_gate
    assert proc.returncode == 1
    assert "--quarantaine" in proc.stderr and "fout" in proc.stderr
    assert not (proc.out / "benchmark.db").exists()


def test_build_reports_rows_held_back(built):
    _, stdout = built
    assert "1 rij(en) apart gezet (in_quarantaine)" in stdout  # the empty row of 2020
    assert "1 losse antwoord(en) apart gezet" in stdout  # 'Weet ik niet' in 2019: the rest of that row counts
    assert "2023/benchmark_eenzaamheid_2023_export.xlsx: 175 geleverd = 174 geaccepteerd + 1 vervangen + 0 in quarantaine" in stdout


def test_published_files_are_readable_by_others(built):
    """The web server and colleagues read the publication: no file is private to the build's user."""
    private = [p.name for p in built[0].rglob("*") if p.is_file() and not p.stat().st_mode & 0o004]
    assert private == []


def test_every_delivered_row_is_accounted_for(db):
    rows = db.execute("select * from verantwoording").fetchall()
    assert len(rows) == 6 and all(r["sluitend"] == 1 for r in rows)
    for r in rows:
        delivered = len(read_rows(RAW / r["bestand"], cb.load().deliveries[int(r["bestand"][:4])]))
        assert r["geleverd"] == delivered
        n = db.execute("select count(*) from inzendingen where bestand = ?", [r["bestand"]]).fetchone()[0]
        assert n == delivered
    statuses = dict(db.execute("select status, count(*) from inzendingen group by status").fetchall())
    assert statuses == {"geaccepteerd": 832, "vervangen_duplicaat": 1, "in_quarantaine": 1}
    held = db.execute("select inzending_id, bron_kolom, ruwe_waarde, regel from antwoorden_quarantaine").fetchall()
    assert [tuple(r) for r in held] == [("2019-00018", "V01_week", "Weet ik niet", "antwoord_onbekend")]
    for r in rows:  # per answer: delivered = counted + of replaced submissions + quarantined
        assert r["antwoorden_geleverd"] == r["antwoorden_geteld"] + r["antwoorden_vervangen"] + r["antwoorden_in_quarantaine"]


def test_panels_and_participation(db):
    members = dict(db.execute("select 'vast', count(distinct gemeente_code) from deelname where lid_vast_panel_2022_2024 = 1 "
                              "union all select 'groep', count(distinct gemeente_code) from deelname where lid_groep_2022_2023 = 1"
                              ).fetchall())
    assert members == {"vast": 89, "groep": 118}
    # a submission counts in the panel only in the panel's years; membership is the same every year
    per_year = dict(db.execute("select jaar, sum(telt_in_vast_panel_2022_2024) from inzendingen group by jaar").fetchall())
    assert per_year == {2019: 0, 2020: 0, 2021: 0, 2022: 89, 2023: 89, 2024: 89}
    members_per_year = dict(db.execute("select jaar, sum(lid_vast_panel_2022_2024) from deelname group by jaar").fetchall())
    assert members_per_year == {y: 89 for y in range(2019, 2025)}


def test_reconciliation_reproduces_every_published_figure(db):
    statuses = dict(db.execute("select status, count(*) from reconciliatie group by status").fetchall())
    total = db.execute("select count(*) from gepubliceerde_cijfers").fetchone()[0]
    assert sum(statuses.values()) == total
    assert "afwijkend" not in statuses
    assert db.execute("select count(*) from reconciliatie r join gepubliceerde_cijfers g using (cijfer_id) "
                      "where g.kenmerk = 'bron_tegenstrijdig' and (r.status != 'bron_tegenstrijdig' or r.reden = '')"
                      ).fetchone()[0] == 0


def test_published_answers_walk_back_to_their_raw_cells(db):
    """From an answer row to file, row and column of the delivery, and the same value there."""
    rows = db.execute("""select a.ruwe_waarde, a.waarde, a.bron_kolom, i.bestand, i.rij, i.jaar
                         from antwoorden a join inzendingen i using (inzending_id)
                         where i.status = 'geaccepteerd' order by a.inzending_id, a.vraag_id, a.item_code""").fetchall()
    assert len(rows) > 20000
    raw_cache = {}
    for r in rows[::97] + [r for r in rows if r["ruwe_waarde"] != r["waarde"]]:
        if r["bestand"] not in raw_cache:
            raw_cache[r["bestand"]] = read_rows(RAW / r["bestand"], cb.load().deliveries[r["jaar"]])
        cell = raw_cache[r["bestand"]][r["rij"] - 2][r["bron_kolom"]]
        assert cell == r["ruwe_waarde"]
        assert " ".join(cell.split()).casefold() == r["waarde"].casefold()
    # every normalized value is in the cleaning log, with its source cell
    changed = db.execute("select count(*) from antwoorden where ruwe_waarde != waarde").fetchone()[0]
    logged = db.execute("select count(*) from opschoonlog where regel = 'antwoord_opmaak'").fetchone()[0]
    assert changed == logged == 8


def test_contact_details_never_reach_the_outputs(built):
    out, _ = built
    contacts = set()
    for year in cb.YEARS:
        d = cb.load().deliveries[year]
        for r in read_rows(next((RAW / str(year)).glob(f"*.{d.formaat}")), d):
            for field in ("contact_naam", "contact_email", "contact_telefoon"):
                if r.get(d.metadata_kolommen[field]):
                    contacts.add(r[d.metadata_kolommen[field]])
    assert len(contacts) > 1000
    blob = b"".join(_files(out).values()) + (out / "datapackage.json").read_bytes()
    for value in sorted(contacts)[::25]:
        assert value.encode("utf-8") not in blob
    assert b"Demo Contactpersoon" not in blob and b"@example.org" not in blob


def test_free_text_is_redacted_and_searchable(db):
    texts = [r[0] for r in db.execute("select tekst from toelichtingen")]
    assert texts and not any(EMAIL.search(t) or PHONE.search(t) for t in texts)
    assert db.execute("select sum(aantal_redacties) from toelichtingen").fetchone()[0] == 2
    hits = db.execute("select count(*) from toelichtingen_fts where toelichtingen_fts match 'GGD'").fetchone()[0]
    assert hits > 0
    log = db.execute("select voor, na from opschoonlog where regel = 'redactie'").fetchall()
    assert len(log) == 2 and not any(EMAIL.search(v) or PHONE.search(v) for v, _ in log)


def test_keys_and_indexes(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {(r["table"], r["from"]) for r in db.execute("select 'antwoorden' as tbl, * from pragma_foreign_key_list('antwoorden')")}
    assert ("inzendingen", "inzending_id") in fks
    indexes = {r[0] for r in db.execute("select name from sqlite_master where type = 'index' and tbl_name = 'antwoorden'")}
    assert any("vraag_id" in i for i in indexes)
    from eenzaamheid import yamlfile
    pages = yamlfile.load(ROOT / "metadata.yml")["databases"]["benchmark"]["tables"]
    for table in ("deelname_per_gemeente", "gepubliceerd_naast_berekend"):  # the stored views' page facets
        indexed = {r[0] for i in db.execute(f"select name from pragma_index_list('{table}')").fetchall()
                   for r in db.execute(f"select name from pragma_index_info('{i[0]}') where seqno = 0")}
        assert set(pages[table]["facets"]) <= indexed, (table, indexed)
    provenance = dict(db.execute("select sleutel, waarde from build").fetchall())
    assert provenance["pakketversie"] and "bibliotheek:pandera" in provenance
    assert len(provenance["vingerafdruk_tabellen"]) == 64  # what the next build compares its frames with
    assert provenance["invoer:2024/benchmark_eenzaamheid_2024_export.csv"] == \
        db.execute("select sha256 from bronbestanden where jaar = 2024").fetchone()[0]


# Two builds of the same inputs are identical (exports, data package, zip, DCAT, change record byte
# for byte, the database row for row, in two different folders): test_verschil's
# test_a_rebuild_of_the_same_inputs_is_byte_identical_and_keeps_the_record, on the pair of builds that
# file makes anyway (one full build fewer in the suite).


def test_killed_build_leaves_previous_outputs_intact(built, refused_raw, tmp_path):
    first, _ = built
    out = tmp_path / "live"
    shutil.copytree(first, out)  # the previous publication
    before = _files(out)
    victim = subprocess.Popen([EENZAAMHEID, "build", "--allow-quarantine", "--uit", str(out)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list(tmp_path.glob(".live.bouw-*/*")):
        time.sleep(0.05)  # wait until the build is writing its staged outputs (beside the live folder)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "staging inside the served folder"
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert list(tmp_path.glob(".live.bouw-*")), "the kill came before the build staged anything"
    assert _files(out) == before, "a killed build changed the published outputs"
    # the next build cleans up at its start, also one that then stops (here: at validation,
    # without --allow-quarantine), and leaves the publication as it was
    proc = run_build(out, "--raw", str(refused_raw))
    assert proc.returncode == 1 and "bij stap 'validatie'" in proc.stderr, proc.stderr
    assert not list(tmp_path.glob(".live.bouw-*")), "the next build cleans up what the killed one left"
    after = {k: v for k, v in _files(out).items() if not k.startswith(build.REFUSED_REPORT)}  # its refusal report
    assert after == before


# --- the publish moment: one switch, a lock ------------------------------------------------------

BUILD_IN_PROCESS = ("import sys; from pathlib import Path; from eenzaamheid import build; "
                    "build.build(clean_dir=Path(sys.argv[1]), raw_dir=Path(sys.argv[2]), datapackage=Path(sys.argv[3]), "
                    "allow_quarantine=sys.argv[4:] == ['--allow-quarantine'])")


def _released_raw(tmp_path: Path) -> Path:
    """The demo deliveries as if real and received on another day: every published file differs
    from the demo publication's (synthetisch, ontvangen, the data package's notice). Real data are
    only published with a real site address, so they come in a data root (EENZAAMHEID_ROOT, the
    folder above the returned raw/) whose metadata.yml names one."""
    root = tmp_path / "echt"
    for folder in ("schemas", "reference", "checks"):
        shutil.copytree(ROOT / folder, root / folder)
    meta = (ROOT / "metadata.yml").read_text(encoding="utf-8")
    assert "basis_url: https://benchmark-eenzaamheid.example.org" in meta
    (root / "metadata.yml").write_text(meta.replace("benchmark-eenzaamheid.example.org", "eenzaamheid.overheid.nl"),
                                       encoding="utf-8")
    raw = root / "raw"
    shutil.copytree(RAW, raw)
    manifest = raw / "MANIFEST.csv"
    rows = list(csv.DictReader(manifest.open(encoding="utf-8", newline="")))
    for r in rows:
        r["synthetisch"], r["ontvangen"] = "false", "2030-01-02"
    with manifest.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return raw


def _publication_ids(live: Path, datapackage: Path) -> set:
    """Which build each published file comes from: (ontvangen dates, synthetic) per file."""
    ids = {}
    conn = sqlite3.connect(live / "benchmark.db")
    ids["benchmark.db"] = (tuple(sorted({r[0] for r in conn.execute("select ontvangen from bronbestanden")})),
                           bool(conn.execute("select max(synthetisch) from bronbestanden").fetchone()[0]))
    conn.close()

    def from_rows(rows):
        return (tuple(sorted({str(r["ontvangen"]) for r in rows})), any(str(r["synthetisch"]) in ("1", "True") for r in rows))
    ids["csv"] = from_rows(list(csv.DictReader((live / "csv" / "bronbestanden.csv").open(encoding="utf-8"))))
    ids["json"] = from_rows(json.loads((live / "json" / "bronbestanden.json").read_text(encoding="utf-8")))
    ids["parquet"] = from_rows(pq.read_table(live / "parquet" / "bronbestanden.parquet").to_pylist())
    with zipfile.ZipFile(live / build.PACKAGE_ZIP) as z:
        ids["zip"] = from_rows(list(csv.DictReader(io.StringIO(z.read("csv/bronbestanden.csv").decode("utf-8")))))
        ids["zip:datapackage"] = (ids["zip"][0], "synthetische demodata" in json.loads(z.read("datapackage.json"))["description"])
    ids["datapackage.json"] = (ids["zip"][0], "synthetische demodata" in json.loads(datapackage.read_text("utf-8"))["description"])
    ids["kwaliteitsrapport.json"] = (ids["zip"][0], json.loads((live / "kwaliteitsrapport.json").read_text("utf-8"))["synthetisch"])
    return ids


def _stopped_build(live: Path, raw: Path, datapackage: Path, moment: str) -> subprocess.Popen:
    """A real build process, stopped (SIGSTOP, by the test hook) right before or after the switch."""
    victim = subprocess.Popen([sys.executable, "-c", BUILD_IN_PROCESS, str(live), str(raw), str(datapackage),
                               "--allow-quarantine"],
                              cwd=ROOT, env={**os.environ, publication.PAUSE_ENV: moment, "EENZAAMHEID_ROOT": str(raw.parent)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status = os.waitpid(victim.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"the build ended instead of pausing at the switch: {victim.stderr.read()[-3000:]}"
    return victim


@pytest.mark.parametrize("moment", ["voor", "na"])
def test_a_second_build_is_refused_and_a_kill_at_the_publish_moment_leaves_one_complete_publication(
        built, refused_raw, tmp_path, moment):
    """Killed right before or after the switch: one complete publication, cleaned up at the next start.
    Paused before the switch it still holds the folder's lock: a second build meanwhile is refused
    cleanly (checked in the "voor" case, on the same paused build)."""
    site = tmp_path / "site"  # the project root's layout: clean/ beside datapackage.json
    live, datapackage = site / "clean", site / "datapackage.json"
    shutil.copytree(built[0], live)
    (live / "datapackage.json").rename(datapackage)
    sync = build.sync_datapackage(live, datapackage)
    assert sync, "the copied package names csv/ relative to the folder; the root one names clean/csv"
    old = _publication_ids(live, datapackage)
    assert len(set(old.values())) == 1 and next(iter(old.values()))[1] is True, old  # one (demo) publication
    before = _files(live)

    victim = _stopped_build(live, _released_raw(tmp_path), datapackage, moment)
    try:
        if moment == "voor":
            _assert_a_second_build_is_refused_cleanly(live, victim, before)
    finally:
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
    assert not [p.name for p in live.iterdir() if p.name.startswith(".")], "a build folder inside the served folder"
    now = _publication_ids(live, datapackage)
    published = {k: v for k, v in now.items() if k != "datapackage.json"}
    assert len(set(published.values())) == 1, f"files from two builds: {published}"
    if moment == "voor":
        assert _files(live) == before and now == old
    else:
        assert next(iter(published.values()))[1] is False, "the new (non-synthetic) publication is live"
        assert now["datapackage.json"][1] is True, "killed before the root datapackage.json followed (still demo)"
    assert list(site.glob(".clean.bouw-*")), "the killed build left its folder (cleaned up at the next start)"

    # the next start (here a build that stops at validation) takes the lock the killed build held,
    # cleans up and brings datapackage.json in line
    proc = subprocess.run([sys.executable, "-c", BUILD_IN_PROCESS, str(live), str(refused_raw), str(datapackage)],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1 and "bij stap 'validatie'" in proc.stderr, proc.stderr
    assert "Er loopt al een build naar" not in proc.stderr, "the lock died with its holder"
    assert not list(site.glob(".clean.*-*")), "the next start removes what the killed one left"
    after = _publication_ids(live, datapackage)
    assert len(set(after.values())) == 1, f"datapackage.json does not describe the live publication: {after}"
    assert after["benchmark.db"] == now["benchmark.db"]


def _assert_a_second_build_is_refused_cleanly(live: Path, first: subprocess.Popen, before: dict) -> None:
    """`eenzaamheid build` on a folder whose build (first, paused) holds the lock: refused in Dutch,
    naming the holder, without a traceback, the publication untouched."""
    second = run_build(live, "--allow-quarantine")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "Er loopt al een build naar" in second.stderr and str(first.pid) in second.stderr
    assert "Traceback" not in second.stderr and "Error" not in second.stderr
    assert _files(live) == before, "the refused build touched the publication"


def test_failing_build_leaves_previous_outputs_intact(built, tmp_path, monkeypatch):
    out = tmp_path / "live"
    shutil.copytree(built[0], out)  # the previous publication
    before = _files(out)

    def broken(frames, outcome=None):
        raise build.BuildError("kapot")
    monkeypatch.setattr(build, "check_frames", broken)
    with pytest.raises(build.BuildError):
        build.build(clean_dir=out, allow_quarantine=True, datapackage=out / "datapackage.json")
    after = _files(out)
    refused = {f"{build.REFUSED_REPORT}.html", f"{build.REFUSED_REPORT}.json"}
    assert set(after) - set(before) == refused  # why it was refused, beside the untouched publication
    assert {k: v for k, v in after.items() if k not in refused} == before


def test_committed_exports_and_datapackage_are_fresh(built):
    """clean/csv, clean/json, clean/parquet and datapackage.json in git equal a fresh build."""
    out, _ = built
    fresh = {k: v for k, v in _files(out).items() if k.split("/")[0] in ("csv", "json", "parquet")}
    committed = {k: v for k, v in _files(ROOT / "clean").items() if k.split("/")[0] in ("csv", "json", "parquet")}
    assert committed.keys() == fresh.keys(), "run `make build` and commit clean/"
    # wijzigingen records the change against the publication a build replaced (history, not a function
    # of the inputs): the fresh build here is a first publication, the committed one need not be
    stale = [k for k in fresh if committed[k] != fresh[k] and Path(k).stem != "wijzigingen"]
    assert not stale, f"stale exports, run `make build` and commit: {stale}"
    def package(path):  # resource paths differ only by where the build wrote its outputs
        pkg = json.loads(path.read_text(encoding="utf-8"))
        for r in pkg["resources"]:
            r["path"] = Path(r["path"]).name
        return pkg
    assert package(ROOT / "datapackage.json") == package(out / "datapackage.json"), "stale datapackage.json"
    assert json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"][0]["path"].startswith("clean/csv/")


def test_frictionless_validates_the_committed_datapackage():
    proc = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", "datapackage.json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_a_build_inside_another_program_leaves_its_garbage_collector_as_it_was():
    """The build collects garbage less often (gcpolicy); run in-process (the tests, CliRunner) it
    restores the collector's threshold and freezes nothing of the caller's."""
    import gc

    from eenzaamheid import gcpolicy

    own = gc.get_threshold()  # (the test processes themselves collect as the build does: conftest)
    gc.set_threshold(700, 10, 10)  # CPython's default
    try:
        frozen = gc.get_freeze_count()
        with gcpolicy.batch():
            assert gc.get_threshold() == gcpolicy.THRESHOLD != (700, 10, 10)
        # nothing of the caller's frozen: the count never grows (a frozen object that another thread of the
        # test process releases meanwhile, e.g. a server's, makes it one smaller: seen in a full run)
        assert gc.get_threshold() == (700, 10, 10) and gc.get_freeze_count() <= frozen
    finally:
        gc.set_threshold(*own)
