"""No silent loss: every delivered row and answer that does not count is an error or is listed.

The issue's two scenarios on copies of the real deliveries (a municipality typed "Utreht" in 2024;
an answer "Weet ik niet" outside the options in 2019), and one small delivery per rule that can
make a submission or an answer not count, through the real CLI.
"""
from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from eenzaamheid import build, codebook
from eenzaamheid.intake import ingest
from test_validate import (CSV_YEAR, XLSX_YEAR, answer_column, first_enum_column, header_of, run_cli,  # noqa: F401
                           make, validate_json)

ROOT = Path(__file__).resolve().parent.parent
FILE_2024 = "2024/benchmark_eenzaamheid_2024_export.csv"
FILE_2019 = "2019/benchmark_eenzaamheid_2019_export.xlsx"


def copy_delivery(tmp_path: Path, rel: str, edit=None) -> Path:
    """raw/<rel> copied into tmp_path/raw (optionally edited as bytes), registered in a manifest of its own."""
    raw = tmp_path / "raw"
    target = raw / rel
    target.parent.mkdir(parents=True)
    data = (ROOT / "raw" / rel).read_bytes()
    target.write_bytes(edit(data) if edit else data)
    with open(ROOT / "raw" / "MANIFEST.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["bestand"] == rel]
    rows[0].update(sha256=hashlib.sha256(target.read_bytes()).hexdigest(), bytes=str(target.stat().st_size))
    with open(raw / "MANIFEST.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return target


def _utrecht_line(lines: list[bytes]) -> int:
    [index] = [i for i, line in enumerate(lines) if b";Utrecht;" in line]
    return index


def utreht(data: bytes) -> bytes:
    """The municipality of Excel row 10 (a municipality other than Utrecht) typed 'Utreht'."""
    lines = data.split(b"\r\n")
    assert _utrecht_line(lines) != 9
    name = lines[9].split(b";")[3]
    lines[9] = lines[9].replace(b";" + name + b";", b";Utreht;", 1)
    return b"\r\n".join(lines)


UTRECHT_ROW = _utrecht_line((ROOT / "raw" / FILE_2024).read_bytes().split(b"\r\n")) + 1  # its Excel row


# --- the scenario: "Utreht" ---------------------------------------------------------

def test_fuzzy_match_colliding_with_a_real_row_is_an_error_naming_both(tmp_path):
    path = copy_delivery(tmp_path, FILE_2024, utreht)
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 1
    [p] = [p for p in problems if p["rij"] in (10, UTRECHT_ROW)]
    assert (p["regel"], p["rij"], p["waarde"], p["ernst"]) == ("gemeente_botsing", 10, "Utreht", "fout")
    assert f"rij {UTRECHT_ROW} ('Utrecht'" in p["melding"] and f"Rij {UTRECHT_ROW} telt" in p["melding"]
    assert "in zijn geheel in quarantaine" in p["melding"] and "niets te doen" not in p["melding"]
    lost = report["samenvatting"]["telt_niet_mee"]
    assert lost["inzendingen"] == 1
    assert lost["per_reden"]["quarantaine: gemeente_botsing"]["rijen"] == {f"raw/{FILE_2024}": [10]}
    text = run_cli("validate", path, cwd=tmp_path)
    assert text.returncode == 1 and "telt niet mee: 1 inzending" in text.stdout


def test_build_refuses_the_collision_and_never_replaces_the_other_row(tmp_path):
    copy_delivery(tmp_path, FILE_2024, utreht)
    proc = run_cli("build", "--raw", tmp_path / "raw", "--uit", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode == 1
    assert "bij stap 'validatie'" in proc.stderr and "vond 1 fout(en)" in proc.stderr
    assert "gemeente_botsing" in proc.stderr, proc.stderr  # the cause is named, not only counted
    assert not (tmp_path / "out" / "benchmark.db").exists()

    frames = build.clean_frames(tmp_path / "raw", allow_quarantine=True).frames
    subs = frames["inzendingen"].set_index("inzending_id")
    assert subs.at["2024-00010", "status"] == "in_quarantaine"
    assert subs.at["2024-00010", "reden"].startswith("gemeente_botsing")
    assert subs.at[f"2024-{UTRECHT_ROW:05d}", "status"] == "geaccepteerd"
    assert (subs["status"] == "vervangen_duplicaat").sum() == 0
    assert frames["verantwoording"]["sluitend"].tolist() == [1]


# --- the scenario: "Weet ik niet" -----------------------------------------------------

def test_an_answer_outside_the_options_quarantines_only_that_answer(tmp_path):
    path = copy_delivery(tmp_path, FILE_2019)
    raw = ingest.read_delivery(path, 2019).frame
    week = answer_column(2019, "week_deelname").header
    assert raw.at[18, week] == "Weet ik niet"  # planted in the demo delivery (raw/demo_vervuiling.csv)

    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 1
    [p] = [p for p in problems if p["ernst"] == "fout"]
    assert (p["regel"], p["rij"], p["kolom"]) == ("antwoord_onbekend", 18, week)
    assert "alleen dit antwoord in quarantaine" in p["melding"] and "rest van de inzending mee" in p["melding"]
    assert report["samenvatting"]["telt_niet_mee"]["inzendingen"] == 0
    assert report["samenvatting"]["telt_niet_mee"]["antwoorden_in_quarantaine"] == 1

    frames = build.clean_frames(tmp_path / "raw", allow_quarantine=True).frames
    frames = build.check_frames(frames)  # the new table and columns meet their schemas and keys
    held = frames["antwoorden_quarantaine"]
    assert held[["inzending_id", "vraag_id", "item_code", "bron_kolom", "ruwe_waarde", "regel"]].values.tolist() == \
        [["2019-00018", "week_deelname", "", week, "Weet ik niet", "antwoord_onbekend"]]
    assert "alleen dit antwoord" in held["reden"].iloc[0]
    subs = frames["inzendingen"].set_index("inzending_id")
    assert subs.at["2019-00018", "status"] == "geaccepteerd"
    assert "antwoorden_quarantaine" in subs.at["2019-00018", "reden"]
    # the municipality's other answers count: every filled closed cell of row 18 but the one
    closed = [c.header for c in codebook.load().answer_columns(2019) if c.type != "open"]
    filled = int(raw.loc[18, closed].map(lambda v: isinstance(v, str) and v.strip() != "").sum())
    answers = frames["antwoorden"]
    assert (answers["inzending_id"] == "2019-00018").sum() == filled - 1 > 0
    # accounting closes per row and per answer
    [acc] = frames["verantwoording"].to_dict("records")
    assert acc["geleverd"] == len(raw) == acc["geaccepteerd"] + acc["vervangen_duplicaat"] + acc["in_quarantaine"]
    assert acc["in_quarantaine"] == 0 and acc["geaccepteerd"] == len(raw)
    delivered = int(raw[closed].apply(lambda s: s.map(lambda v: isinstance(v, str) and v.strip() != "")).sum().sum())
    assert acc["antwoorden_geleverd"] == delivered == len(answers) + len(held)
    assert (acc["antwoorden_geteld"], acc["antwoorden_vervangen"], acc["antwoorden_in_quarantaine"]) == \
        (len(answers), 0, 1)
    assert acc["sluitend"] == 1


def test_accounting_stops_the_build_when_an_answer_is_lost(tmp_path):
    copy_delivery(tmp_path, FILE_2019)
    frames = build.clean_frames(tmp_path / "raw", allow_quarantine=True).frames
    delivered = {r["bestand"]: r["antwoorden_geleverd"] for r in frames["verantwoording"].to_dict("records")}
    args = (frames["inzendingen"], frames["bronbestanden"])
    with pytest.raises(build.BuildError, match="zoekgeraakt"):
        build.accounting(*args, frames["antwoorden"].iloc[1:], frames["antwoorden_quarantaine"], delivered)
    with pytest.raises(build.BuildError, match="zoekgeraakt"):
        build.accounting(*args, frames["antwoorden"], frames["antwoorden_quarantaine"].iloc[0:0], delivered)


# --- every rule that can make a submission not count ------------------------------------------

def _set(row: int, veld: str | None = None, value="", column=None):
    def edit(year, header, rows):
        rows[row][header.index(column(year) if column else header_of(year, veld))] = value
    return edit


def _copy(veld: str, source: int, target: int):
    def edit(year, header, rows):
        i = header.index(header_of(year, veld))
        rows[target][i] = rows[source][i]
    return edit


def _drop_first_answer(year, header, rows):
    i = header.index(first_enum_column(year).header)
    for r in [header, *rows]:
        del r[i]


def _exact_duplicate(year, header, rows):
    g, e = header.index(header_of(year, "gemeente")), header.index(header_of(year, "eindtijd"))
    rows[2][g] = rows[0][g]
    rows[0][e] = rows[2][e].replace("09:25", "23:59")  # row 2 ends later: it counts


def _later_row_quarantined(year, header, rows):
    _exact_duplicate(year, header, rows)
    rows[0][header.index(header_of(year, "respons_id"))] = ""  # the later row cannot count: it replaces nothing


def _alias_collision(year, header, rows):
    g = header.index(header_of(year, "gemeente"))
    rows[0][g], rows[1][g] = "Den Haag", "'s-Gravenhage"


def _both_variants(year, header, rows):
    g = header.index(header_of(year, "gemeente"))
    rows[0][g] = rows[1][g] = "Den Haag"


def _empty_row(year, header, rows):
    rows.append([""] * len(header))


# rule -> (edit, expected exit code, {reason: rows}, text the message of that row must hold)
ROW_RULES = {
    "lege_rij": (_empty_row, 0, {"lege_rij": [5]}, "niet meegeteld"),
    "dubbele_inzending": (_exact_duplicate, 0, {"vervangen_duplicaat": [4]}, "Rij 2 telt"),
    "gemeente_onbekend": (_set(1, "gemeente", "Atlantis"), 1, {"quarantaine: gemeente_onbekend": [3]},
                          "hele inzending in quarantaine"),
    "gemeente_dubbelzinnig": (_set(1, "gemeente", "Bergen"), 1, {"quarantaine: gemeente_dubbelzinnig": [3]},
                              "hele inzending in quarantaine"),
    "gemeente_botsing": (_alias_collision, 1, {"quarantaine: gemeente_botsing": [2]}, "Rij 3 telt (exact herkend)"),
    "verplicht": (_set(2, "starttijd", ""), 1, {"quarantaine: verplicht": [4]}, "hele inzending in quarantaine"),
    "verplicht_in_later_duplicate": (_later_row_quarantined, 1, {"quarantaine: verplicht": [2]}, None),
    "respons_id_dubbel": (_copy("respons_id", 0, 2), 1, {"quarantaine: respons_id_dubbel": [4]},
                          "rij 2 telt"),
    "datum_ongeldig": (_set(0, "eindtijd", "2024-13-45"), 1, {"quarantaine: datum_ongeldig": [2]},
                       "hele inzending in quarantaine"),
    "kolom_ontbreekt": (_drop_first_answer, 1, {"quarantaine: kolom_ontbreekt": [2, 3, 4]}, None),
}


@pytest.mark.parametrize("rule", list(ROW_RULES))
def test_every_rule_that_drops_a_submission_is_an_error_or_listed(make, tmp_path, rule):
    edit, exit_code, reasons, says = ROW_RULES[rule]
    path = make(CSV_YEAR, lambda header, rows: edit(CSV_YEAR, header, rows))
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == exit_code
    lost = report["samenvatting"]["telt_niet_mee"]
    assert {r: e["rijen"][f"raw/2024/{path.name}"] for r, e in lost["per_reden"].items()} == reasons
    assert lost["inzendingen"] == sum(len(rows) for rows in reasons.values())
    if exit_code == 0:  # a warning only: then the summary line must say what does not count
        text = run_cli("validate", path, cwd=tmp_path)
        n = lost["inzendingen"]
        assert f"telt niet mee: {n} inzending{'en' if n > 1 else ''}" in text.stdout
    if says:
        [p] = [p for p in problems if p["regel"] == rule]
        assert says in p["melding"], p["melding"]


def test_two_non_exact_names_for_one_municipality_both_wait_for_the_supplier(make, tmp_path):
    path = make(CSV_YEAR, lambda header, rows: _both_variants(CSV_YEAR, header, rows))
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 1
    clashes = [p for p in problems if p["regel"] == "gemeente_botsing"]
    assert [p["rij"] for p in clashes] == [2, 3]
    assert all("Geen van deze rijen telt" in p["melding"] for p in clashes)
    assert not [p for p in problems if p["regel"] in ("dubbele_inzending", "gemeente_variant")]
    assert report["samenvatting"]["telt_niet_mee"]["per_reden"]["quarantaine: gemeente_botsing"]["aantal"] == 2


def _skip_violation(year, header, rows):
    kartrekker, coalitie = answer_column(year, "kartrekker"), answer_column(year, "coalitie")
    rows[1][header.index(coalitie.header)] = coalitie.labels[coalitie.codes.index("nee")]
    rows[1][header.index(kartrekker.header)] = kartrekker.labels[0]


@pytest.mark.parametrize("rule, edit", [
    ("antwoord_onbekend", _set(1, value="Weet ik niet", column=lambda y: first_enum_column(y).header)),
    ("overslaglogica", _skip_violation),
])
def test_an_error_in_one_answer_sets_aside_that_answer_only(make, tmp_path, rule, edit):
    path = make(CSV_YEAR, lambda header, rows: edit(CSV_YEAR, header, rows))
    code, problems, report = validate_json(path, cwd=tmp_path)
    assert code == 1
    [p] = problems
    assert p["regel"] == rule and "alleen dit antwoord in quarantaine" in p["melding"]
    assert report["samenvatting"]["telt_niet_mee"] == {"inzendingen": 0, "per_reden": {},
                                                       "antwoorden_in_quarantaine": 1}

    frames = build.check_frames(build.clean_frames(tmp_path / "raw", allow_quarantine=True).frames)
    assert frames["inzendingen"]["status"].tolist() == ["geaccepteerd"] * 3
    held = frames["antwoorden_quarantaine"]
    assert held[["inzending_id", "bron_kolom", "regel"]].values.tolist() == [["2024-00003", p["kolom"], rule]]
    assert not ((frames["antwoorden"]["inzending_id"] == "2024-00003")
                & (frames["antwoorden"]["bron_kolom"] == p["kolom"])).any()
    assert frames["verantwoording"]["sluitend"].tolist() == [1]


@pytest.mark.parametrize("suffix", [".md", ".html", ".json"])
def test_every_report_format_lists_what_does_not_count(make, tmp_path, suffix):
    path = make(CSV_YEAR, lambda header, rows: _exact_duplicate(CSV_YEAR, header, rows))
    out = tmp_path / f"rapport{suffix}"
    proc = run_cli("validate", path, "--report", out, cwd=tmp_path)
    assert proc.returncode == 0
    text = out.read_text(encoding="utf-8")
    if suffix == ".json":
        lost = json.loads(text)["samenvatting"]["telt_niet_mee"]
        assert lost["per_reden"]["vervangen_duplicaat"]["rijen"] == {f"raw/2024/{path.name}": [4]}
    else:
        assert "telt niet mee: 1 inzending" in text
        assert f"raw/2024/{path.name} rij 4" in text and "vervangen_duplicaat" in text
    assert "telt niet mee: 1 inzending" in proc.stdout and "rij 4" in proc.stdout


def test_frames_have_no_lost_answer_in_the_demo():
    """The whole demo: per file, answers delivered = counted + replaced + quarantined."""
    frames = build.clean_frames(allow_quarantine=True).frames
    acc = frames["verantwoording"]
    assert acc["sluitend"].eq(1).all()
    assert (acc["antwoorden_geleverd"] == acc["antwoorden_geteld"] + acc["antwoorden_vervangen"]
            + acc["antwoorden_in_quarantaine"]).all()
    assert int(acc["antwoorden_geleverd"].sum()) == len(frames["antwoorden"]) + len(frames["antwoorden_quarantaine"]) \
        + len(frames["antwoorden_niet_meegeteld"])
    # antwoorden holds exactly the counted answers; the others are in their own tables, with the reason
    assert int(acc["antwoorden_geteld"].sum()) == len(frames["antwoorden"])
    status = frames["inzendingen"].set_index("inzending_id")["status"]
    assert frames["antwoorden"]["inzending_id"].map(status).eq("geaccepteerd").all()
    not_counted = frames["antwoorden_niet_meegeteld"]
    assert len(not_counted) and not_counted["inzending_id"].map(status).ne("geaccepteerd").all()
    assert (not_counted["status"] == not_counted["inzending_id"].map(status)).all()
    # the reason is said once, at the submission, not repeated on each of its answers
    assert "reden" not in not_counted.columns
    assert frames["inzendingen"].set_index("inzending_id").loc[not_counted["inzending_id"].unique(), "reden"].notna().all()
    assert int(acc["antwoorden_vervangen"].sum()) == int((not_counted["status"] == "vervangen_duplicaat").sum())
