"""Reconciliation of the published figures against the clean tables of the demo deliveries.

tests/test_published_figures.py recomputes every figure straight from the raw files; here the
package's own reconciliation (eenzaamheid.reconcile, on the clean frames) must reach the same
verdicts, and a few figures are checked once more by hand.
"""
from fractions import Fraction

import pandas as pd
import pytest
import yaml

from eenzaamheid.transform import reconcile as rec
from eenzaamheid.build import clean_frames
from eenzaamheid.paths import SCHEMAS

STATUSES = {"gelijk", "afrondingsverschil", "afwijkend", "bron_tegenstrijdig", "niet_berekenbaar"}


@pytest.fixture(scope="module")
def frames():
    return clean_frames(allow_quarantine=True).frames


@pytest.fixture(scope="module")
def result(frames):
    return rec.reconcile(frames)


@pytest.fixture(scope="module")
def by_id(result):
    return result.set_index("cijfer_id")


def test_every_published_figure_has_one_row(frames, result):
    published = frames["gepubliceerde_cijfers"]["cijfer_id"]
    assert result["cijfer_id"].is_unique
    assert list(result["cijfer_id"]) == list(published)
    assert set(result["status"]) <= STATUSES


def test_columns_follow_the_clean_table_schema(result):
    schema = yaml.safe_load((SCHEMAS / "clean" / "reconciliatie.yaml").read_text(encoding="utf-8"))
    # the build adds the synthetic flag of the figure's year(s) afterwards (transform/counted.label_synthetic)
    assert list(result.columns) + ["synthetisch"] == [f["name"] for f in schema["fields"]]
    enum = next(f for f in schema["fields"] if f["name"] == "status")["constraints"]["enum"]
    assert set(result["status"]) <= set(enum)
    assert (result["berekende_basis"].dropna() >= 0).all()
    assert str(result["berekende_basis"].dtype) == "Int64"


def test_no_figure_deviates(result):
    deviating = result[result["status"] == "afwijkend"]
    assert deviating.empty, deviating.to_string()


def test_computable_figures_are_equal_or_within_rounding(frames, result):
    merged = frames["gepubliceerde_cijfers"].merge(result, on="cijfer_id")
    plain = merged[~merged["kenmerk"].isin(["bron_tegenstrijdig", "buiten_levering", "niet_toewijsbaar"])]
    assert set(plain["status"]) <= {"gelijk", "afrondingsverschil"}
    assert plain["berekend"].notna().all() and plain["verschil"].notna().all()
    # a count is reproduced exactly, and so is every published base
    counts = plain[plain["maat"].isin(["aantal", "totaal", "verschil_aantal"])]
    assert (counts["verschil"] == 0).all()
    with_base = plain[(plain["basis"] != "") & (plain["vraag_id"] != "respons")]
    assert (with_base["berekende_basis"].astype(int) == with_base["basis"].astype(int)).all()


def test_contradictions_keep_the_computed_value_and_explain_the_choice(frames, result):
    merged = frames["gepubliceerde_cijfers"].merge(result, on="cijfer_id")
    contradictions = merged[merged["kenmerk"] == "bron_tegenstrijdig"]
    assert len(contradictions) == 6
    assert (contradictions["status"] == "bron_tegenstrijdig").all()
    assert (contradictions["reden"] == contradictions["toelichting"]).all()
    assert contradictions["reden"].str.len().gt(0).all()
    assert contradictions["berekend"].notna().all()
    # the fixed panel is 89 municipalities, whatever the report says elsewhere (88, 87)
    assert set(contradictions.loc[contradictions["vraag_id"] == "respons", "berekend"]) == {89.0}


def test_figures_outside_the_deliveries_are_not_computable(frames, result):
    merged = frames["gepubliceerde_cijfers"].merge(result, on="cijfer_id")
    outside = merged[merged["kenmerk"].isin(["buiten_levering", "niet_toewijsbaar"])]
    assert len(outside) == 9
    assert (outside["status"] == "niet_berekenbaar").all()
    assert outside["berekend"].isna().all()
    assert outside["reden"].str.len().gt(20).all()
    invited = merged[merged["optie_code"] == "uitgenodigd"]
    assert invited["reden"].str.contains("jaargangen").all()


def _accepted(frames, year, panel=None):
    inz = frames["inzendingen"]
    subs = inz[(inz["jaar"] == year) & (inz["status"] == "geaccepteerd")]
    if panel:
        subs = subs[subs[f"telt_in_{panel}"] == 1]
    return set(subs["inzending_id"])


def _answers(frames, ids, vraag, item=""):
    ant = frames["antwoorden"]
    return ant[ant["inzending_id"].isin(ids) & (ant["vraag_id"] == vraag) & (ant["item_code"] == item)]


@pytest.mark.parametrize("cijfer_id, year, panel, vraag, item, optie, count, base", [
    # R2024 Figuur 7: 'gemeenteraad' 23 ja of 157
    ("R2024-101", 2024, None, "bestuurlijk_commitment", "gemeenteraad", "ja", 23, 157),
    ("R2024-102", 2024, None, "bestuurlijk_commitment", "gemeenteraad", "nee", 134, 157),
    ("R2024-105", 2024, None, "bestuurlijk_commitment", "wethouder", "ja", 58, 157),
    # R2024 Figuur 3: 143 + 12 = 155 of 157 respondents; fixed panel 83 + 5 = 88 of 89
    ("R2024-026", 2024, None, "week_deelname", "", "ja", 143, 155),
    ("R2024-028", 2024, "vast_panel_2022_2024", "week_deelname", "", "ja", 83, 88),
])
def test_counts_agree_with_a_hand_check(frames, by_id, cijfer_id, year, panel, vraag, item, optie, count, base):
    answers = _answers(frames, _accepted(frames, year, panel), vraag, item)
    assert ((answers["optie_code"] == optie).sum(), len(answers)) == (count, base)  # the hand check
    row = by_id.loc[cijfer_id]
    assert (row["berekend"], row["berekende_basis"], row["status"]) == (count, base, "gelijk")


def test_percentage_point_difference_by_hand(frames, by_id):
    # R2024-195: huisbezoek 'ja' (three ja-options) in the fixed panel rose 13 points from 2022 to 2024
    ja = {"ja_volle_breedte", "ja_specifieke_doelgroepen", "ja_keukentafelgesprek"}
    pct = {}
    for year in (2022, 2024):
        answers = _answers(frames, _accepted(frames, year, "vast_panel_2022_2024"), "huisbezoek")
        pct[year] = Fraction(100 * int(answers["optie_code"].isin(ja).sum()), len(answers))
    row = by_id.loc["R2024-195"]
    assert row["berekend"] == round(float(pct[2024] - pct[2022]), 2)
    assert rec.round_half_up(pct[2024]) - rec.round_half_up(pct[2022]) == 13
    assert row["status"] == "gelijk"


def test_free_text_figure_by_hand(frames, by_id):
    # R2023-284: 13 of the 35 municipalities that chose 'Anders' mention 'ambtelijk'
    ids = _accepted(frames, 2023)
    other = _answers(frames, ids, "uitdagingen", "anders")
    texts = frames["toelichtingen"]
    texts = texts[(texts["vraag_id"] == "uitdagingen_anders") & texts["inzending_id"].isin(set(other["inzending_id"]))]
    assert (int(texts["tekst"].str.casefold().str.contains("ambtelijk").sum()), len(other)) == (13, 35)
    row = by_id.loc["R2023-284"]
    assert (row["berekend"], row["berekende_basis"], row["status"]) == (13, 35, "gelijk")


def test_response_rate_uses_the_invited_count(by_id):
    row = by_id.loc["R2024-003"]  # 157 of 268 = 58.58% -> 59%
    assert (row["berekend"], row["berekende_basis"], row["status"]) == (58.58, 268, "gelijk")
    assert row["verschil"] == -0.42


def test_dropped_answers_make_figures_deviate(frames):
    ant = frames["antwoorden"]
    ids_2024 = _accepted(frames, 2024)
    drop = ant[(ant["vraag_id"] == "week_deelname") & ant["inzending_id"].isin(ids_2024)
               & (ant["optie_code"] == "ja")].index[:10]
    altered = dict(frames, antwoorden=ant.drop(index=drop))
    result = rec.reconcile(altered).set_index("cijfer_id")
    row = result.loc["R2024-026"]  # 143 ja published, 133 left
    assert (row["berekend"], row["berekende_basis"], row["status"]) == (133, 145, "afwijkend")
    assert row["verschil"] == -10
    assert "basis" in row["reden"] and "145" in row["reden"]
    # everything not about week_deelname 2024 is untouched
    untouched = result.drop(index=[c for c in result.index if c in set(
        frames["gepubliceerde_cijfers"].query("vraag_id == 'week_deelname' and jaar == '2024'")["cijfer_id"])])
    assert "afwijkend" not in set(untouched["status"])


def test_a_quarantined_submission_never_counts(frames):
    inz = frames["inzendingen"].copy()
    target = inz.index[(inz["jaar"] == 2024) & (inz["status"] == "geaccepteerd")][0]
    inz.loc[target, "status"] = "in_quarantaine"
    result = rec.reconcile(dict(frames, inzendingen=inz)).set_index("cijfer_id")
    assert result.loc["R2024-001", "berekend"] == 156
    assert result.loc["R2024-001", "status"] == "afwijkend"


def _fig(maat, waarde, operator="=", toelichting=""):
    return {"maat": maat, "waarde": waarde, "operator": operator, "toelichting": toelichting}


@pytest.mark.parametrize("fig, value, rounded, status", [
    (_fig("percentage", "13"), Fraction(25, 2), Fraction(13), "gelijk"),             # 12.5 rounds half up
    (_fig("percentage", "13"), Fraction(27, 2), Fraction(14), "afrondingsverschil"),  # 13.5 printed as 13
    (_fig("percentage", "13"), Fraction(1249, 100), Fraction(12), "afwijkend"),
    (_fig("percentage", "13"), Fraction(12), Fraction(12), "afwijkend"),
    (_fig("aantal", "23"), Fraction(24), Fraction(24), "afwijkend"),
    (_fig("procentpuntverschil", "9"), Fraction(17, 2), Fraction(8), "afrondingsverschil"),
    (_fig("procentpuntverschil", "-9", "<="), Fraction(-10), Fraction(-10), "gelijk"),
    (_fig("procentpuntverschil", "-9", "<="), Fraction(-87, 10), Fraction(-8), "afrondingsverschil"),
    (_fig("procentpuntverschil", "-9", "<="), Fraction(-5), Fraction(-5), "afwijkend"),
    (_fig("percentage", "90", "≈", "binnen 5 procentpunt"), Fraction(86), Fraction(86), "gelijk"),
    (_fig("percentage", "90", "≈", "binnen 5 procentpunt"), Fraction(847, 10), Fraction(85), "afrondingsverschil"),
    (_fig("percentage", "90", "≈", "binnen 5 procentpunt"), Fraction(80), Fraction(80), "afwijkend"),
])
def test_judging_rules(fig, value, rounded, status):
    assert rec.judge(fig, value, rounded)[0] == status


def test_round_half_up_is_exact():
    assert rec.round_half_up(Fraction(25, 2)) == 13
    assert rec.round_half_up(Fraction(-25, 2)) == -13
    assert rec.round_half_up(Fraction(100 * 1, 8), 1) == Fraction(125, 10)
    assert rec.round_half_up(Fraction(100 * 29, 58)) == 50


def test_reconcile_does_not_modify_its_input(frames):
    before = {k: v.copy() for k, v in frames.items() if k in ("antwoorden", "inzendingen", "gepubliceerde_cijfers")}
    rec.reconcile(frames)
    for k, v in before.items():
        pd.testing.assert_frame_equal(frames[k], v)
