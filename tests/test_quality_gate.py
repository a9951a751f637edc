"""The quality gate of `eenzaamheid build`: a failing `fataal` check stops publication and leaves the
previous publication in place; a `waarschuwing` is published and shows up in the report, in the
database and on the site."""
import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pandas as pd
import pytest
from markupsafe import escape  # as the report templates escape (Jinja autoescape)

from eenzaamheid import build
from eenzaamheid.municipalities import register
from conftest import cli_in_process

EENZAAMHEID = str(Path(sys.executable).parent / "eenzaamheid")
DELIVERY_2024 = "2024/benchmark_eenzaamheid_2024_export.csv"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def add_a_respondent(raw: Path) -> str:
    """Append to the 2024 delivery a copy of its first row for a municipality that did not take part:
    a valid delivery, but one respondent more than the 2024 report publishes. Registers the changed
    file in the manifest (as a steward would), so validation passes."""
    path = raw / DELIVERY_2024
    data = path.read_bytes()
    rows = list(csv.reader(io.StringIO(data.decode("cp1252"), newline=""), delimiter=";"))
    column = rows[0].index("Gemeente")
    delivered = {r[column] for r in rows[1:]}
    newcomer = sorted(set(register().municipalities(2024)["naam"]) - delivered)[0]
    extra = list(rows[1])
    extra[0], extra[column] = "R_geplanteRij0001", newcomer
    line = io.StringIO(newline="")
    csv.writer(line, delimiter=";", lineterminator="\r\n").writerow(extra)
    path.write_bytes(data + line.getvalue().encode("cp1252"))
    manifest = raw / "MANIFEST.csv"
    entries = list(csv.DictReader(manifest.open(encoding="utf-8", newline="")))
    for e in entries:
        if e["bestand"] == DELIVERY_2024:
            e["sha256"], e["bytes"] = hashlib.sha256(path.read_bytes()).hexdigest(), str(path.stat().st_size)
    with manifest.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(entries[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(entries)
    return newcomer


def test_a_fatal_check_stops_publication_and_keeps_the_previous_one(built_site_dir, fatal_build):
    # `eenzaamheid build` over a copy of the demo publication with a respondent added (add_a_respondent;
    # conftest.fatal_build, shared with test_intake)
    proc, live = fatal_build, fatal_build.out
    before = _files(built_site_dir)  # what was copied to `live` before the build
    assert proc.returncode == 1, proc.stdout + proc.stderr
    check = "handmatig.reconciliatie_gereproduceerd"  # the published 157 respondents of 2024 are not reproduced
    assert check in proc.stderr and "vorige publicatie blijft staan" in proc.stderr
    refused = {build.REFUSED_REPORT + ".html", build.REFUSED_REPORT + ".json"}
    after = _files(live)
    assert set(after) - set(before) == refused
    assert {k: v for k, v in after.items() if k not in refused} == before, "the previous publication changed"

    report = json.loads((live / f"{build.REFUSED_REPORT}.json").read_text(encoding="utf-8"))
    assert report["oordeel"] == "Niet publiceerbaar"
    assert check in {c["controle_id"] for c in report["fatale_controles"]}
    page = (live / f"{build.REFUSED_REPORT}.html").read_text(encoding="utf-8")
    assert_refusal_consistent(report, page, proc.stderr, "kwaliteitscontrole (fataal)", database_checks_ran=True)
    assert any(check in d for d in report["weigering"]["details"])
    checks = {c["controle_id"]: c for t in report["tabellen"] for c in t["controles"]}
    assert any(r["cijfer_id"] == "R2024-001" for r in checks[check]["afwijkende_rijen"])
    assert len(checks[check]["afwijkende_rijen"]) == checks[check]["afwijkend"]
    assert check in (live / f"{build.REFUSED_REPORT}.html").read_text(encoding="utf-8")


def assert_refusal_consistent(report: dict, page: str, message: str, stage: str, database_checks_ran: bool) -> None:
    """A refused report leads with its cause, agrees with the CLI message and never says more ran than did."""
    why = report["weigering"]
    assert report["oordeel"] == "Niet publiceerbaar" and report["publiceerbaar"] is False
    assert why["fase"] == stage and why["oorzaak"] and why["details"] and why["wat_te_doen"]
    assert why["databasecontroles_uitgevoerd"] is database_checks_ran
    assert report["samenvatting"]["databasecontroles_uitgevoerd"] is database_checks_ran
    assert "Alle controles geslaagd" not in page  # never beside "Niet publiceerbaar"
    verdict = page.split('id="oordeel"')[1].split("</div>")[0]
    assert verdict.index("Niet publiceerbaar") < verdict.index('id="oorzaak"') < verdict.index(str(escape(why["details"][0])))
    assert f"Build gestopt: bij stap '{stage}'. {why['oorzaak']}" in message  # the CLI says the same, first
    assert all(d in message for d in why["details"])
    summary = report["samenvatting"]
    if database_checks_ran:
        assert summary["controles"] == summary["geslaagd"] + sum(summary["gefaald"].values()) > 0
        assert "zijn niet uitgevoerd" not in page and "zijn niet uitgevoerd" not in message
    else:
        assert summary["controles"] is None and summary["geslaagd"] is None and summary["gefaald"] is None
        assert not any(t["controles"] for t in report["tabellen"])
        assert re.search(r"\b0 controles?\b|0 controle\(s\)", page) is None, "no 0-of-0 counts"
        assert "De databasecontroles zijn niet uitgevoerd" in verdict and "De databasecontroles zijn niet uitgevoerd" in message


def test_refused_at_validation_says_so_and_nothing_more(refused_demo_build):
    proc, out = refused_demo_build, refused_demo_build.out  # `eenzaamheid build --uit out` on the demo (conftest)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads((out / f"{build.REFUSED_REPORT}.json").read_text(encoding="utf-8"))
    page = (out / f"{build.REFUSED_REPORT}.html").read_text(encoding="utf-8")
    assert_refusal_consistent(report, page, proc.stderr, "validatie", database_checks_ran=False)
    errors = [p for d in report["leveringen"] for p in d["problemen"] if p["ernst"] == "fout"]
    assert errors and len(report["weigering"]["details"]) == len(errors) == report["samenvatting"]["leveringsfouten"]
    for p, line in zip(errors, report["weigering"]["details"]):  # each error named by file, row and column
        assert p["bestand"] in line and p["regel"] in line
        assert (p["rij"] is None or f"rij {p['rij']}" in line) and (p["kolom"] is None or p["kolom"] in line)
    assert "--quarantaine" in report["weigering"]["wat_te_doen"]
    assert sorted(p.name for p in out.iterdir()) == sorted(build.REFUSED_REPORT + s for s in (".html", ".json"))


def test_refused_at_the_table_checks_translates_pandera(tmp_path, monkeypatch):
    """Real frames, really checked by pandera: one year's row twice and a response rate above 100."""
    real = build.jaargangen

    def broken(*args):
        frame = real(*args)
        frame.loc[frame["jaar"] == 2024, "responspercentage"] = 116.8
        return pd.concat([frame, frame[frame["jaar"] == 2023]], ignore_index=True)
    monkeypatch.setattr(build, "jaargangen", broken)
    out = tmp_path / "uit"
    with pytest.raises(build.BuildError) as refused:
        build.build(clean_dir=out, allow_quarantine=True, datapackage=out / "datapackage.json")
    report = json.loads((out / f"{build.REFUSED_REPORT}.json").read_text(encoding="utf-8"))
    page = (out / f"{build.REFUSED_REPORT}.html").read_text(encoding="utf-8")
    assert_refusal_consistent(report, page, "Build gestopt: " + str(refused.value), "tabelcontrole (pandera)",
                              database_checks_ran=False)
    details = report["weigering"]["details"]
    assert report["samenvatting"]["schemacontroles_gefaald"] == ["jaargangen"]
    assert len(details) == 2  # one readable line per failed check
    in_range = next(d for d in details if "responspercentage" in d)
    assert in_range.startswith("tabel jaargangen, kolom responspercentage") and "buiten het toegestane bereik (0 t/m 100)" in in_range
    assert "1 rij(en) (jaar 2024)" in in_range and "116.8" in in_range
    unique = next(d for d in details if "uniek" in d)
    assert unique.startswith("tabel jaargangen, kolom jaar") and "2 rij(en) (jaar 2023)" in unique and "2023" in unique
    assert "twee leveringen" in report["weigering"]["oorzaak"] and "2023" in report["weigering"]["oorzaak"]
    assert "--vervangt" in report["weigering"]["wat_te_doen"]
    table = next(t for t in report["tabellen"] if t["tabel"] == "jaargangen")
    assert [f"tabel jaargangen, {line}" for line in table["schemacontrole"]["regels"]] == details


def test_a_warning_is_published_and_reported(built_site_dir):
    report = json.loads((built_site_dir / f"{build.REPORT}.json").read_text(encoding="utf-8"))
    assert report["oordeel"] == "Publiceerbaar"
    assert report["synthetisch"] is True  # the demo deliveries are flagged in raw/MANIFEST.csv
    checks = {c["controle_id"]: c for t in report["tabellen"] for c in t["controles"]}
    jump = checks["handmatig.trend_sprong"]
    assert jump["ernst"] == "waarschuwing" and not jump["geslaagd"]
    assert len(jump["afwijkende_rijen"]) == jump["afwijkend"] > 0  # every row, not a sample
    assert report["leveringen"] and all(t["schemacontrole"]["geslaagd"] for t in report["tabellen"]
                                        if t["schemacontrole"])
    page = (built_site_dir / f"{build.REPORT}.html").read_text(encoding="utf-8")
    assert "handmatig.trend_sprong" in page and "synthetische demodata" in page
    conn = sqlite3.connect(built_site_dir / build.DB_NAME)
    try:
        stored = conn.execute("select r.geslaagd, r.afwijkend, c.ernst from kwaliteitsresultaten r join "
                              "kwaliteitscontroles c using (controle_id) where controle_id = 'handmatig.trend_sprong'"
                              ).fetchone()
        total = conn.execute("select count(*) from kwaliteitscontroles").fetchone()[0]
    finally:
        conn.close()
    assert stored == (0, jump["afwijkend"], "waarschuwing")
    assert total == report["samenvatting"]["controles"] > 200


def test_the_site_shows_the_checks_and_links_the_report(site):
    rows = httpx.get(f"{site.url}/benchmark/kwaliteit_van_de_data.json?_shape=objects", follow_redirects=True,
                     timeout=10).json()["rows"]
    assert (rows[0]["ernst"], rows[0]["gefaald"], rows[0]["gefaalde_controles"]) == \
        ("waarschuwing", 1, "handmatig.trend_sprong")  # what failed comes first
    assert all(r["gefaald"] == 0 and r["gefaalde_controles"] is None for r in rows[1:])
    conn = sqlite3.connect(site.db_path)
    try:
        per_group = dict(((t, e), n) for t, e, n in conn.execute(
            "select tabel, ernst, count(*) from kwaliteitscontroles group by tabel, ernst"))
    finally:
        conn.close()
    assert {(r["tabel"], r["ernst"]): r["controles"] for r in rows} == per_group
    home = httpx.get(site.url + "/").text
    assert "kwaliteitsrapport.html" in home
    link = next(part.split('"')[0] for part in home.split('href="')[1:] if "kwaliteitsrapport.html" in part)
    page = httpx.get(site.url + link, follow_redirects=True)
    assert page.status_code == 200 and "Publiceerbaar" in page.text


def test_check_command_exit_codes_and_report(built_site_dir, tmp_path):
    # the two runs of the checks in this process (conftest.cli_in_process), the usage error as a real process
    ok = cli_in_process("check", "--db", built_site_dir / build.DB_NAME, "--report", tmp_path / "rapport.html")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Publiceerbaar: " in ok.stdout and "handmatig.trend_sprong" in ok.stdout
    page = (tmp_path / "rapport.html").read_text(encoding="utf-8")
    assert 'id="synthetisch"' in page and "synthetische demodata" in page  # demo rows are never shown as real
    assert 'name="robots" content="noindex"' in page

    planted = tmp_path / "benchmark.db"
    shutil.copy(built_site_dir / build.DB_NAME, planted)
    with sqlite3.connect(planted) as conn:
        conn.execute("UPDATE jaargangen SET respondenten = respondenten + 1 WHERE jaar = 2023")
    bad = cli_in_process("check", "--db", planted)
    assert bad.returncode == 1
    assert "Niet publiceerbaar" in bad.stdout and "fataal       handmatig.respondenten_per_jaar" in bad.stdout

    missing = subprocess.run([EENZAAMHEID, "check", "--db", str(tmp_path / "geen.db")], capture_output=True, text=True)
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr


def test_report_says_synthetic_only_while_the_build_is():
    from eenzaamheid.quality import report as quality_report

    demo, demo_dict = quality_report.render(None, None, None, synthetic=True)
    real, real_dict = quality_report.render(None, None, None, synthetic=False)
    assert 'id="synthetisch"' in demo and demo_dict["synthetisch"] is True
    assert "synthetisch" not in real.split("<body>")[1] and "noindex" not in real and real_dict["synthetisch"] is False
