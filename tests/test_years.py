"""The one formatter of the survey years (eenzaamheid/years.py) and the metadata it fills in."""
from __future__ import annotations

from eenzaamheid import years
from eenzaamheid.publish import release


def test_a_range_of_years_is_written_with_an_en_dash():
    assert years.span([2019, 2020, 2021, 2022, 2023, 2024]) == "2019\u20132024"
    assert years.span([2025, 2019, 2019]) == "2019\u20132025"  # any order, duplicates
    assert years.span(["2021"]) == "2021" and years.span([]) == ""
    assert years.in_words([2024, 2019]) == "van 2019 tot en met 2024" and years.in_words([2021]) == "in 2021"


def test_placeholders_are_filled_and_other_braces_stay():
    text = {"a": ["{jaren}: {aantal_jaren} jaar, {eerste_jaar} tot {laatste_jaar}", "^[0-9]{4}$ {onbekend}"], "b": 3}
    assert years.fill(text, [2021, 2019, 2020]) == {
        "a": ["2019\u20132021: 3 jaar, 2019 tot 2021", "^[0-9]{4}$ {onbekend}"], "b": 3}


def test_the_period_follows_the_years_unless_metadata_sets_it():
    assert years.period([2020, 2019, 2023]) == {"begin": "2019-01-01", "eind": "2023-12-31"}
    assert years.period([2019, 2023], {"begin": "2019-03-01"}) == {"begin": "2019-03-01", "eind": "2023-12-31"}


def test_metadata_yml_types_no_survey_range_and_the_build_fills_it():
    from eenzaamheid import codebook

    raw = release.METADATA_PATH.read_text(encoding="utf-8")
    span = f"{min(codebook.YEARS)}\u2013{max(codebook.YEARS)}"
    assert span not in raw and "{jaren}" in raw
    meta = release.metadata()
    assert meta["title"].endswith(span) and span in meta["datapackage"]["description"]
    assert "{jaren}" not in str(meta)
    assert release.metadata(years=[2019, 2026])["title"].endswith("2019\u20132026")
