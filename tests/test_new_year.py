"""A new survey year, onboarded as README "Een nieuw jaar toevoegen" says: its worked example, run.

The synthetic fixture tests/fixtures/jaar2025/ holds a 2025 delivery whose questionnaire differs from
2024 (one question new, one dropped, one option reworded, one column renamed) and what the steward
fills in for the TODOs the draft leaves (`invullingen.yaml`). The module fixture copies the project's
data into tmp_path and runs the README's commands with the installed CLI on that copy through
EENZAAMHEID_ROOT: `nieuw-jaar` (draft), the TODOs filled, `nieuw-jaar --toepassen`, `ontvang`, `build`
and `verschil`. No code is added or changed, and no codebook line is typed by hand.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import sqlite3
import sys
import zipfile
from pathlib import Path

import httpx
import pytest
import yaml

from conftest import start_datasette
from newyear_steps import CLI, REPO, data_copy, fill, readme_example, run

FIXTURE = REPO / "tests" / "fixtures" / "jaar2025"
DELIVERY = "tests/fixtures/jaar2025/benchmark_eenzaamheid_2025_export.csv"
NEW_LABEL = "Ja, we ontwikkelen de samenwerking door of bouwen haar af"
OLD_SPANS = ("2019\u20132024", "2019-2024")  # what the texts said before 2025 arrived (en dash, hyphen)


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def year2025(tmp_path_factory):
    """The README's worked example on a copy of the data; every step's result."""
    root = data_copy(tmp_path_factory.mktemp("nieuw_jaar"))
    before = {"raw": _tree(root / "raw"), "schemas": _tree(root / "schemas")}
    steps = {"ontvang_te_vroeg": run(CLI + ["ontvang", DELIVERY, "--jaar", "2025", "--synthetisch"], root)}
    steps["raw_na_te_vroeg"] = _tree(root / "raw")
    for command, _ in readme_example():
        assert command.startswith("eenzaamheid "), command
        args = command.split()[1:]
        steps[args[0] + ("_toepassen" if "--toepassen" in args else "")] = run(CLI + args, root)
        if args[0] == "nieuw-jaar" and "--toepassen" not in args:
            steps["concept"] = (root / "schemas/jaren/2025.concept.yaml").read_text(encoding="utf-8")
            steps["ingevuld"] = fill(root / "schemas/jaren/2025.concept.yaml", FIXTURE / "invullingen.yaml")
    steps["validate"] = run(CLI + ["validate", "raw/2025/", "--format", "json"], root)
    root.joinpath("uit").symlink_to(root / "proef-2025")  # the helpers below read uit/
    return root, steps, before


def test_the_readme_example_runs_as_written(year2025):
    _, steps, _ = year2025
    expected_exit = {"nieuw-jaar": 0, "nieuw-jaar_toepassen": 0, "ontvang": 0, "bouw": 0, "verschil": 1}
    for command, lines in readme_example():
        args = command.split()[1:]
        out = steps[args[0] + ("_toepassen" if "--toepassen" in args else "")]
        assert out.returncode == expected_exit[args[0] + ("_toepassen" if "--toepassen" in args else "")], \
            (command, out.stdout[-3000:], out.stderr[-3000:])
        assert "Traceback" not in out.stderr, command
        text = " ".join(out.stdout.split())
        for line in lines:
            assert " ".join(line.split()) in text, (command, line)


def test_ontvang_before_the_year_exists_takes_nothing_in(year2025):
    _, steps, before = year2025
    out = steps["ontvang_te_vroeg"]
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert "niets opgenomen" in out.stderr and f"eenzaamheid nieuw-jaar {DELIVERY} --jaar 2025" in out.stderr
    assert steps["raw_na_te_vroeg"] == before["raw"]  # raw/ and raw/MANIFEST.csv untouched


def test_the_year_is_one_file_made_by_the_tool_with_only_the_todos_filled(year2025):
    root, steps, before = year2025
    answered = yaml.safe_load((FIXTURE / "invullingen.yaml").read_text(encoding="utf-8"))
    todo_lines = [line for line in steps["concept"].splitlines() if "TODO:" in line and not line.startswith("#")]
    assert sorted(steps["ingevuld"]) == sorted(answered) and len(todo_lines) == len(answered)
    applied = (root / "schemas/jaren/2025.yaml").read_text(encoding="utf-8")
    assert applied == (FIXTURE / "2025.yaml").read_text(encoding="utf-8")  # the fixture's year file, as committed
    after = _tree(root / "schemas")
    added = sorted(set(after) - set(before["schemas"]))
    assert added == ["jaren/2025.yaml", "raw/2025.yaml"]
    assert {k: v for k, v in after.items() if k in before["schemas"]} == before["schemas"]  # nothing else touched


def test_the_year_after_a_drafted_year_continues_it(year2025, tmp_path):
    """2026 delivered exactly as 2025: the draft finds no change, and keeps what 2025's year file said about its
    options (the reworded option's 2025 wording) and columns (the renamed header, the new question)."""
    root, _, _ = year2025
    delivery = tmp_path / "benchmark_eenzaamheid_2026_export.csv"
    delivery.write_bytes((REPO / DELIVERY).read_bytes())
    out = run(CLI + ["nieuw-jaar", str(delivery), "--jaar", "2026", "--uitgenodigd", "270"], root)
    try:
        assert out.returncode == 0, out.stderr
        assert "## Gevonden wijzigingen\n\nGeen." in out.stdout and "Nog te beslissen: 0 TODO" in out.stdout
        draft = yaml.safe_load((root / "schemas/jaren/2026.concept.yaml").read_text(encoding="utf-8"))["versies"]
        applied = yaml.safe_load((root / "schemas/jaren/2025.yaml").read_text(encoding="utf-8"))["versies"]
        keys = ("kolom", "kolommen", "optielabels", "vervallen_opties")
        assert {q: {k: v.get(k) for k in keys} for q, v in draft.items()} == \
            {q: {k: v.get(k) for k in keys} for q, v in applied.items()}
        assert all(v["vergelijkbaar_met_vorig_jaar"] == "ja" for v in draft.values())
    finally:
        for made in (root / "schemas/jaren").glob("2026.concept.*"):
            made.unlink()


def _query(root: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(root / "uit" / "benchmark.db") as db:
        return db.execute(sql, params).fetchall()


def test_every_data_path_follows_the_root_override(tmp_path):
    probe = ("import json\n"
             "from eenzaamheid import paths, codebook, contract, municipalities, quality, build\n"
             "from eenzaamheid.publish import site_metadata\nfrom eenzaamheid.site import serve\n"
             "from eenzaamheid.tables import cleanschema\nfrom eenzaamheid.publish import descriptor\n"
             "print(json.dumps([str(p) for p in (paths.ROOT, paths.RAW, paths.CLEAN, paths.CHECKS, paths.REFERENCE,\n"
             "    codebook.CODEBOOK_PATH, contract.RAW_SCHEMAS, contract.contract_path(2024), cleanschema.CLEAN_SCHEMAS,\n"
             "    cleanschema.schema_path('gepubliceerde_cijfers'), descriptor.METADATA_PATH, site_metadata.METADATA_YML,\n"
             "    quality.HANDMATIG_PATH, quality.PUBLISHED_PATH, build.DB_PATH, serve.DB_PATH)]))\n")
    out = run([sys.executable, "-c", probe], tmp_path)
    assert out.returncode == 0, out.stderr
    assert all(Path(p).is_relative_to(tmp_path.resolve()) for p in json.loads(out.stdout)), out.stdout


def test_a_year_the_codebook_does_not_know_points_to_the_guide(tmp_path):
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "benchmark_eenzaamheid_2026_export.csv").write_text("ResponseId\n1\n", encoding="utf-8")
    out = run(CLI + ["validate", str(tmp_path / "2026")], REPO)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Onbekend jaar 2026" in out.stderr and "eenzaamheid nieuw-jaar" in out.stderr


def test_validate_accepts_the_2025_delivery(year2025):
    _, steps, _ = year2025
    out = steps["validate"]
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    report = json.loads(out.stdout)
    assert [f["jaar"] for f in report["bestanden"]] == [2025]
    # only warnings: the e-mail address the 2024 demo plants in free text (row 5) came along
    assert {(p["regel"], p["ernst"]) for p in report["problemen"]} == {("persoonsgegevens_in_vrije_tekst", "waarschuwing")}


def test_build_publishes_2025_with_the_changed_questionnaire(year2025):
    root, steps, _ = year2025
    assert steps["bouw"].returncode == 0, steps["bouw"].stdout[-2000:] + steps["bouw"].stderr
    assert _query(root, "SELECT count(*) FROM inzendingen WHERE jaar = 2025 AND status = 'geaccepteerd'") == [(40,)]
    # the new question (its vraag_id as the draft proposed it): answered in 2025 only
    [new] = yaml.safe_load((root / "schemas/jaren/2025.yaml").read_text(encoding="utf-8"))["nieuwe_vragen"]
    assert _query(root, "SELECT jaar, count(*) FROM antwoorden WHERE vraag_id = ? GROUP BY jaar", new["vraag_id"]) \
        == [(2025, 40)]
    # the dropped question: answers up to 2024, none in 2025
    assert _query(root, "SELECT count(*) FROM antwoorden WHERE vraag_id = 'week_communicatiemateriaal' AND jaar = 2025") == [(0,)]
    assert _query(root, "SELECT count(*) FROM antwoorden WHERE vraag_id = 'week_communicatiemateriaal' AND jaar = 2024")[0][0] > 0
    # the renamed column, read through the codebook's header for 2025
    assert _query(root, "SELECT DISTINCT bron_kolom FROM antwoorden WHERE vraag_id = 'meldpunt' AND jaar = 2025") == \
        [("meldpunt_toegankelijk",)]
    assert _query(root, "SELECT count(*) FROM antwoorden WHERE vraag_id = 'meldpunt' AND jaar = 2025") == [(40,)]
    # the reworded option: its new label maps to the same code
    reworded = _query(root, "SELECT DISTINCT ruwe_waarde FROM antwoorden WHERE vraag_id = 'coalitie' AND jaar = 2025 "
                            "AND optie_code = 'ja_doorontwikkelen'")
    assert reworded == [(NEW_LABEL,)]


def test_the_reworded_option_is_a_comparability_break(year2025):
    root, _, _ = year2025
    [(state, reason)] = _query(root, "SELECT vergelijkbaar_met_vorig_jaar, reden FROM vraagversies "
                                     "WHERE vraag_id = 'coalitie' AND jaar = 2025")
    assert state == "onzeker" and NEW_LABEL in reason  # the draft's proposal, the steward's reason
    trend = _query(root, "SELECT DISTINCT jaar, vergelijkbaar_met_vorig_jaar FROM vraag_trend "
                         "WHERE vraag_id = 'coalitie' AND jaar >= 2024 ORDER BY jaar")
    assert trend == [(2024, "ja"), (2025, "onzeker")]
    # the renamed column alone is no break
    assert _query(root, "SELECT vergelijkbaar_met_vorig_jaar FROM vraagversies WHERE vraag_id = 'meldpunt' AND jaar = 2025") \
        == [("ja",)]


def _delivered_label(root: Path, year: int) -> str:
    """The reworded option's label as that year's delivery wrote it (its most frequent ruwe_waarde: the
    demo plants a miscased one), not from the codebook."""
    [(label,)] = _query(root, "SELECT ruwe_waarde FROM antwoorden WHERE vraag_id = 'coalitie' "
                              "AND optie_code = 'ja_doorontwikkelen' AND jaar = ? "
                              "GROUP BY ruwe_waarde ORDER BY count(*) DESC LIMIT 1", year)
    return label


def test_the_reworded_option_is_published_with_each_years_wording(year2025):
    root, _, _ = year2025
    old = _delivered_label(root, 2024)
    assert old != NEW_LABEL == _delivered_label(root, 2025)
    labels = dict(_query(root, "SELECT jaar, label FROM optielabels_per_jaar WHERE vraag_id = 'coalitie' "
                               "AND item_code = '' AND optie_code = 'ja_doorontwikkelen'"))
    asked = [j for (j,) in _query(root, "SELECT jaar FROM vraagversies WHERE vraag_id = 'coalitie' ORDER BY jaar")]
    assert sorted(labels) == asked and asked[-1] == 2025
    assert labels == {j: NEW_LABEL if j == 2025 else old for j in asked}  # same code, the year's own words
    # the general label (antwoordopties) stays the codebook's one label
    assert _query(root, "SELECT label FROM antwoordopties WHERE vraag_id = 'coalitie' "
                        "AND optie_code = 'ja_doorontwikkelen'") == [(old,)]


def test_pages_show_the_option_as_worded_that_year(year2025):
    """The site's own page code on the 2025 database: legend and header the latest wording, the
    table's cells, the download and a municipality's answer that year's."""
    from eenzaamheid.site.pages.gemeente import answers_by_year
    from eenzaamheid.site.pages.kernantwoorden import answer_cell
    from eenzaamheid.site.store import Store
    from eenzaamheid.site.pages.vragen import question_charts, question_sheet

    root, _, _ = year2025
    old = _delivered_label(root, 2024)
    with sqlite3.connect(root / "uit" / "benchmark.db") as db:
        store = Store.load(db)
    [item] = question_charts(store, "coalitie")["items"]
    position = [code for code, _ in item["opties"]].index("ja_doorontwikkelen")
    assert item["opties"][position][1] == NEW_LABEL and NEW_LABEL in str(item["legenda"])
    own = {r["jaar"]: r["jaarlabels"][position] for r in item["tabel"]}
    assert own == {j: NEW_LABEL if j == 2025 else old for j in own} and 2024 in own
    # the table: cells of the older years point to one note with the old wording
    [note] = item["anders_geformuleerd"]
    assert (note["label"], note["kop"]) == (old, NEW_LABEL)
    assert {r["jaar"] for r in item["tabel"] if r["noten"][position] == note["nummer"]} == set(own) - {2025}
    assert f"2024, Alle respondenten: {old} " in str(item["svg"])  # the tooltip
    _, columns, sheet = question_sheet(store, "coalitie", None)
    answers = {(r[0], r[columns.index("Antwoord")]) for r in sheet}
    assert (2025, NEW_LABEL) in answers and (2024, old) in answers
    assert (2024, NEW_LABEL) not in answers and (2025, old) not in answers
    v, answer = store.vraag["coalitie"], {("coalitie", ""): "ja_doorontwikkelen"}
    assert [answer_cell(store, v, None, answer, j)["tekst"] for j in (2024, 2025)] == [old, NEW_LABEL]
    given = [{"inzending_id": j, "jaar": j, "provincie_code": None, "vraag_id": "coalitie", "item_code": "",
              "optie_code": "ja_doorontwikkelen", "waarde": "?"} for j in (2024, 2025)]
    by_year = answers_by_year(store, given, [], charts=False)  # the municipality page's "per jaar"
    assert [(y["jaar"], y["secties"][0]["vragen"][0]["regels"][0]["antwoord"]) for y in by_year] == \
        [(2025, NEW_LABEL), (2024, old)]


def test_year_tables_follow_the_codebook(year2025):
    root, _, _ = year2025
    assert _query(root, "SELECT uitgenodigd, respondenten FROM jaargangen WHERE jaar = 2025") == [(270, 40)]
    assert _query(root, "SELECT count(*) FROM deelname WHERE jaar = 2025")[0][0] > 300
    assert _query(root, "SELECT count(*) FROM deelname WHERE jaar = 2025 AND deelgenomen = 1") == [(40,)]
    # no published figure for 2025: the reconciliation has nothing to check for it
    per_year = "SELECT count(*) FROM reconciliatie r JOIN gepubliceerde_cijfers g USING (cijfer_id) WHERE g.jaar = ?"
    assert _query(root, per_year, 2025) == [(0,)]
    assert _query(root, per_year, 2024)[0][0] > 0


def test_an_option_of_some_years_only_is_allowed_in_those_years_only():
    """A new (or dropped) answer option is one codebook field, `jaren` on the option."""
    from eenzaamheid import codebook as cb
    from eenzaamheid.tables import codebook_tables

    data = copy.deepcopy(cb.load().data)
    coalitie = next(q for q in data["vragen"] if q["vraag_id"] == "coalitie")
    coalitie["opties"].append({"optie_code": "ja_afgerond", "label": "Ja, de samenwerking is afgerond", "jaren": [2024]})
    book = cb.Codebook(data)
    labels = {y: next(c for c in book.answer_columns(y) if c.vraag_id == "coalitie").labels for y in (2023, 2024)}
    assert "Ja, de samenwerking is afgerond" in labels[2024] and "Ja, de samenwerking is afgerond" not in labels[2023]
    options = codebook_tables.antwoordopties(book).set_index(["vraag_id", "optie_code"])
    assert options.loc[("coalitie", "ja_afgerond"), "jaren"] == "2024"
    assert options.loc[("coalitie", "nee"), "jaren"] == "2021,2022,2023,2024"


def _new_span(root: Path) -> str:
    """The survey years of the 2025 build as the texts must write them, from its table jaargangen."""
    [(first, last)] = _query(root, "SELECT min(jaar), max(jaar) FROM jaargangen")
    assert last == 2025
    return f"{first}\u2013{last}"


def _published_texts(out: Path) -> dict[str, str]:
    """Every text a reader or harvester gets: the text files beside the database (what Datasette
    serves, the catalogue record, the package), the text members of the zip and the people's
    workbooks' words ("Lees mij")."""
    texts = {f.name: f.read_text(encoding="utf-8") for f in out.iterdir() if f.suffix in (".json", ".ttl", ".md")}
    with zipfile.ZipFile(out / "benchmark-eenzaamheid.zip") as package:
        for name in package.namelist():
            if name.endswith((".json", ".ttl", ".md", ".cff", ".yaml")):
                texts[f"zip:{name}"] = package.read(name).decode("utf-8")
    for workbook in (out / "spreadsheets").glob("*.xlsx"):
        with zipfile.ZipFile(workbook) as book:
            texts[workbook.name] = book.read("xl/sharedStrings.xml").decode("utf-8")
    return texts


def test_every_published_text_names_the_years_of_the_data(year2025):
    root, steps, _ = year2025
    assert steps["bouw"].returncode == 0, steps["bouw"].stderr
    span, texts = _new_span(root), _published_texts(root / "uit")
    stale = {name: old for name, text in texts.items() for old in OLD_SPANS if old in text}
    assert not stale, stale
    for name in ("datapackage.json", "dcat.ttl", "metadata.json", "zip:CITATION.cff", "zip:README.md",
                 "antwoorden_alle_jaren.xlsx"):
        assert span in texts[name], name
    title = json.loads(texts["datapackage.json"])["title"]
    assert title.endswith(span) and json.loads(texts["metadata.json"])["title"] == title
    assert f"title: {title}" in texts["zip:CITATION.cff"]
    # the period the catalogue record covers: 1 January of the first year to 31 December of the last
    first, last = span.split("\u2013")
    assert re.search(rf'dcat:endDate "{last}-12-31"\^\^xsd:date', texts["dcat.ttl"])
    assert re.search(rf'dcat:startDate "{first}-01-01"\^\^xsd:date', texts["dcat.ttl"])


def test_the_site_of_the_new_year_names_its_years(year2025, tmp_path):
    root, _, _ = year2025
    span = _new_span(root)
    first, last = span.split("\u2013")
    with start_datasette(root / "uit" / "benchmark.db", tmp_path / "datasette.log") as url:
        pages = {path: httpx.get(url + path, timeout=30) for path in ("/", "/over", "/vragen")}
    for path, response in pages.items():
        assert response.status_code == 200, path
        html = response.text
        [title] = re.findall(r"<title>(.*?)</title>", html, flags=re.S)
        assert span in title, (path, title)
        assert not [old for old in OLD_SPANS if old in html], path
    assert f"Van {first} tot en met {last}" in pages["/"].text and f"Van {first} tot en met {last}" in pages["/over"].text
    assert f"de vragenlijst {span}" in pages["/vragen"].text
    [jsonld] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', pages["/"].text, flags=re.S)
    assert json.loads(jsonld)["temporalCoverage"] == f"{first}/{last}"
