"""Every published figure, recomputed straight from the raw demo deliveries.

Counts must be reproduced exactly and percentages within the report's rounding, for all
respondents and for the panel groups; figures the reports contradict themselves on are
marked `bron_tegenstrijdig` and must indeed differ from what the data says.
"""
import pytest
from frictionless import Resource, Schema
import yaml

from eenzaamheid import codebook as cb
from published import ROOT, Recomputer, base_of, matches, published_figures

FIGURES = published_figures()
SKIP_KINDS = {"buiten_levering", "niet_toewijsbaar"}  # not derivable from a delivery, or not assignable


@pytest.fixture(scope="module")
def rc():
    return Recomputer()


def test_published_figures_file_is_valid_against_its_table_schema():
    schema = Schema.from_descriptor(yaml.safe_load((ROOT / "schemas" / "published_figures.yaml").read_text(encoding="utf-8")))
    report = Resource(path="checks/published_figures.csv", basepath=str(ROOT), schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])[:10]


def test_published_figures_cover_the_reports():
    assert len(FIGURES) > 200
    docs = {f["document"] for f in FIGURES}
    assert docs == {"R2024", "R2023", "K2025", "B2021"}
    assert sum(f["maat"] == "aantal" for f in FIGURES) >= 90  # counts under the charts count too
    contradictions = [f for f in FIGURES if f["kenmerk"] == "bron_tegenstrijdig"]
    assert {f["waarde"] for f in contradictions if f["vraag_id"] == "respons"} == {"88", "87"}
    assert all(f["toelichting"] for f in contradictions), "every contradiction says which choice was made"


def test_published_figures_refer_to_the_codebook():
    book = cb.load()
    for f in FIGURES:
        if f["vraag_id"] == "respons":
            continue
        q = book.questions[f["vraag_id"]]
        assert int(f["jaar"]) in book.years_asked(f["vraag_id"]), f["cijfer_id"]
        if f["item_code"]:
            assert f["item_code"] in {i["item_code"] for i in q["items"]}, f["cijfer_id"]
        if f["optie_code"] and f["kenmerk"] != "vrije_tekst":
            codes = {o["optie_code"] for o in q.get("opties", [])} | {g["groep_code"] for g in q.get("optiegroepen", [])}
            assert f["optie_code"] in codes, f["cijfer_id"]


@pytest.mark.parametrize("fig", [f for f in FIGURES if f["kenmerk"] not in SKIP_KINDS], ids=lambda f: f["cijfer_id"])
def test_figure_recomputed_from_raw(rc, fig):
    computed = rc.value(fig)
    if fig["kenmerk"] == "bron_tegenstrijdig":
        assert not matches(fig, computed), f"{fig['cijfer_id']} is marked contradictory but the data reproduces it"
        return
    assert matches(fig, computed), f"{fig['cijfer_id']} {fig['citaat']!r}: published {fig['waarde']}, computed {computed}"
    if fig["basis"] and fig["vraag_id"] != "respons":
        assert base_of(rc, fig) == int(fig["basis"]), f"{fig['cijfer_id']}: base"


def test_panels_have_the_published_sizes(rc):
    assert len(rc.panels["vast_panel_2022_2024"]) == 89
    assert len(rc.panels["groep_2022_2023"]) == 118
    # 2019: the row with one answer outside the options counts (only that answer is held back)
    assert [len(rc.years[y].rows) for y in cb.YEARS] == [126, 103, 110, 162, 174, 157]
