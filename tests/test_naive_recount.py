"""An analyst who downloads one file and filters and counts it, without joins and without reading
the code, gets the figures the reports printed: `antwoorden` holds only answers that count, and
says whose answer it is and in which panel it counts; `antwoorden_breed` has one row per counted
submission. Checked on every export format of the real demo build (CSV, JSON, Parquet, and xlsx
for the wide table), for every printed count and percentage that the reconciliation finds equal.
"""
from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from eenzaamheid import codebook
from eenzaamheid.paths import CHECKS

READERS = {
    "csv": lambda path: pd.read_csv(path),
    "json": lambda path: pd.read_json(path),
    "parquet": lambda path: pd.read_parquet(path),
}


@pytest.fixture(scope="module")
def out(demo_build):
    assert demo_build.returncode == 0, demo_build.stdout[-2000:] + demo_build.stderr[-3000:]
    return demo_build.out


@pytest.fixture(scope="module")
def figures(out) -> pd.DataFrame:
    """The printed counts, percentages and totals (operator '=') that the build reconciles as equal."""
    printed = pd.read_csv(CHECKS / "published_figures.csv", dtype=str, keep_default_na=False)
    status = pd.read_csv(out / "csv" / "reconciliatie.csv", dtype=str, keep_default_na=False)
    printed = printed.merge(status[["cijfer_id", "status"]], on="cijfer_id")
    chosen = printed[(printed["status"] == "gelijk") & (printed["operator"] == "=")
                     & printed["maat"].isin(["aantal", "percentage", "totaal"])]
    chosen = chosen[(chosen["vraag_id"] != "respons") | (chosen["optie_code"] == "respondenten")]
    chosen = chosen[chosen["kenmerk"] != "vrije_tekst"]  # counted in toelichtingen, a search in free text
    assert {"aantal", "percentage", "totaal"} <= set(chosen.loc[chosen["jaar"] == "2023", "maat"])
    return chosen


def _population(frame: pd.DataFrame, populatie: str) -> pd.DataFrame:
    return frame if populatie == "alle_respondenten" else frame[frame[f"telt_in_{populatie}"] == 1]


def _half_up(value: Fraction, decimals: int) -> Fraction:
    scale = Fraction(10) ** decimals
    return Fraction(int(value * scale + Fraction(1, 2)), 1) / scale


def _matches(fig, count: int, base: int) -> bool:
    if fig["maat"] in ("aantal", "totaal"):
        return count == int(fig["waarde"])
    decimals = len(fig["waarde"].partition(".")[2])
    return base > 0 and _half_up(Fraction(100 * count, base), decimals) == Fraction(fig["waarde"])


def long_count(answers: pd.DataFrame, fig, book) -> tuple[int, int]:
    """(count, base) from `antwoorden` alone: filter the year, the population flag, the question and
    item (no item = missing), count the rows with the option(s) and the submissions that answered."""
    rows = _population(answers[answers["jaar"] == int(fig["jaar"])], fig["populatie"])
    if fig["vraag_id"] == "respons":
        n = rows["inzending_id"].nunique()
        return n, n
    rows = rows[rows["vraag_id"] == fig["vraag_id"]]
    multiple = book.questions[fig["vraag_id"]]["type"] == "meervoudig"
    base_rows = rows if multiple else rows[rows["item_code"].isna() if not fig["item_code"]
                                           else rows["item_code"] == fig["item_code"]]
    item_rows = rows[rows["item_code"].isna()] if not fig["item_code"] else rows[rows["item_code"] == fig["item_code"]]
    count = int(item_rows["optie_code"].isin(book.option_group(fig["vraag_id"], fig["optie_code"])).sum())
    return count, base_rows["inzending_id"].nunique()


def wide_count(wide: pd.DataFrame, fig, book) -> tuple[int, int]:
    """(count, base) from `antwoorden_breed` alone: one row per counted submission."""
    rows = _population(wide[wide["jaar"] == int(fig["jaar"])], fig["populatie"])
    if fig["vraag_id"] == "respons":
        return len(rows), len(rows)
    column = f"{fig['vraag_id']}__{fig['item_code']}" if fig["item_code"] else fig["vraag_id"]
    values = rows[column].dropna()
    if book.questions[fig["vraag_id"]]["type"] == "meervoudig":  # 1 ticked, 0 not ticked, empty not answered
        return int(values.astype(int).sum()), len(values)
    return int(values.isin(book.option_group(fig["vraag_id"], fig["optie_code"])).sum()), len(values)


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_published_figures_recount_from_one_file(out, figures, fmt):
    book = codebook.load()
    answers = READERS[fmt](out / fmt / f"antwoorden.{fmt}")
    wide = READERS[fmt](out / fmt / f"antwoorden_breed.{fmt}")
    wrong = []
    for _, fig in figures.iterrows():
        for name, table, count in (("antwoorden", answers, long_count), ("antwoorden_breed", wide, wide_count)):
            got = count(table, fig, book)
            if not _matches(fig, *got):
                wrong.append((name, fig["cijfer_id"], fig["maat"], fig["waarde"], got))
    assert not wrong, f"{len(wrong)} of {2 * len(figures)} recounts differ from the print: {wrong[:10]}"
    assert (figures["jaar"] == "2023").sum() >= 50


def test_wide_xlsx_recounts_too(out, figures):
    book = codebook.load()
    wide = pd.read_excel(out / "xlsx" / "antwoorden_breed.xlsx", sheet_name="antwoorden_breed")
    wrong = [fig["cijfer_id"] for _, fig in figures.iterrows() if not _matches(fig, *wide_count(wide, fig, book))]
    assert not wrong


def test_answers_that_do_not_count_would_change_a_2023_figure(out, figures):
    """The split matters: with the answers of replaced or quarantined submissions back in (what
    antwoorden held before), a naive 2023 recount misses a printed figure."""
    book = codebook.load()
    counted = pd.read_csv(out / "csv" / "antwoorden.csv")
    not_counted = pd.read_csv(out / "csv" / "antwoorden_niet_meegeteld.csv")
    assert len(not_counted) and set(not_counted["status"]) <= {"vervangen_duplicaat", "in_quarantaine"}
    everything = pd.concat([counted, not_counted.assign(telt_in_vast_panel_2022_2024=0, telt_in_groep_2022_2023=0)])
    answer_figures = figures[(figures["jaar"] == "2023") & (figures["vraag_id"] != "respons")]
    assert any(not _matches(fig, *long_count(everything, fig, book)) for _, fig in answer_figures.iterrows())


def test_answer_tables_account_for_every_delivered_answer(out):
    verantwoording = pd.read_csv(out / "csv" / "verantwoording.csv")
    counted = pd.read_csv(out / "csv" / "antwoorden.csv")
    not_counted = pd.read_csv(out / "csv" / "antwoorden_niet_meegeteld.csv")
    held = pd.read_csv(out / "csv" / "antwoorden_quarantaine.csv")
    assert verantwoording["sluitend"].eq(1).all()
    assert len(counted) == verantwoording["antwoorden_geteld"].sum()
    assert len(counted) + len(not_counted) + len(held) == verantwoording["antwoorden_geleverd"].sum()
    for table in (counted, not_counted, held):
        assert table["synthetisch"].eq(1).all()  # the demo deliveries are synthetic
    assert counted["gemeente_code"].notna().all() and counted["opvolger_code"].notna().all()


def test_free_texts_say_whether_they_count(out):
    texts = pd.read_csv(out / "csv" / "toelichtingen.csv")
    subs = pd.read_csv(out / "csv" / "inzendingen.csv").set_index("inzending_id")["status"]
    expected = texts["inzending_id"].map(subs).eq("geaccepteerd").astype(int)
    assert texts["telt_mee"].tolist() == expected.tolist()
    assert texts["synthetisch"].eq(1).all()
