"""`antwoorden_breed`: columns generated from the codebook and described from it; every cell agrees
with the long table `antwoorden`."""
from __future__ import annotations

import pandas as pd
import pytest

from eenzaamheid import codebook
from eenzaamheid.tables import cleanschema
from eenzaamheid.transform import wide

FIXED = ["inzending_id", "jaar", "gemeente_code", "gemeente", "provincie", "opvolger_code",
         "telt_in_vast_panel_2022_2024", "telt_in_groep_2022_2023", "synthetisch"]


def test_columns_follow_the_codebook_with_stable_names():
    book = codebook.load()
    names = cleanschema.field_names("antwoorden_breed")
    assert names[:len(FIXED)] == FIXED
    generated = names[len(FIXED):]
    expected = []
    for q in book.data["vragen"]:
        if q["type"] in ("open", "getal"):
            continue
        expected += [f"{q['vraag_id']}__{i['item_code']}" for i in q["items"]] if q.get("items") else [q["vraag_id"]]
    assert generated == expected


def test_every_generated_column_is_described_from_the_codebook():
    book = codebook.load()
    fields = {f["name"]: f for f in cleanschema.load("antwoorden_breed")["fields"]}
    for column in wide.columns(book):
        field, q = fields[column.name], book.questions[column.vraag_id]
        assert field["title"].startswith(q["onderwerp"]) and column.vraag_id in field["description"]
        if column.item_code:
            label = next(i["label"] for i in q["items"] if i["item_code"] == column.item_code)
            assert label in field["title"] and label in field["description"]
        if column.multiple:
            assert field["type"] == "integer" and field["constraints"]["enum"] == [0, 1]
            assert "1 = aangevinkt" in field["description"]
        else:
            codes = [o["optie_code"] for o in q["opties"]]
            assert field["type"] == "string" and field["constraints"]["enum"] == codes
            assert all(f"{o['optie_code']} = {o['label']}" in field["description"] for o in q["opties"])


def test_a_reworded_option_is_described_with_its_years_words():
    """A codebook whose last version of a question rewords an option (`optielabels`): the column's
    description adds that year's words to the option's general label; other columns are unchanged."""
    import copy

    book = codebook.load()
    q = next(q for q in book.data["vragen"] if q["type"] not in ("open", "getal", "meervoudig") and not q.get("items")
             and len(q["versies"]) > 1)
    option, year, new = q["opties"][0], q["versies"][-1]["jaar"], "Nieuw geformuleerd antwoord (test)"
    data = copy.deepcopy(book.data)
    version = next(v for x in data["vragen"] if x["vraag_id"] == q["vraag_id"] for v in x["versies"] if v["jaar"] == year)
    version["optielabels"] = {**(version.get("optielabels") or {}), option["optie_code"]: new}
    before = {f["name"]: f["description"] for f in wide.fields(book)}
    after = {f["name"]: f["description"] for f in wide.fields(codebook.Codebook(data))}
    text = after[q["vraag_id"]]
    listed = text[text.index(f"{option['optie_code']} = {option['label']}"):].split(";")[0]
    assert new in listed and str(year) in listed and new not in before[q["vraag_id"]]
    assert {k: v for k, v in after.items() if k != q["vraag_id"]} == {k: v for k, v in before.items() if k != q["vraag_id"]}


@pytest.fixture(scope="module")
def exported(demo_build):
    assert demo_build.returncode == 0, demo_build.stdout[-2000:] + demo_build.stderr[-3000:]
    read = {"keep_default_na": False, "dtype": str}
    return (pd.read_csv(demo_build.out / "csv" / "antwoorden_breed.csv", **read),
            pd.read_csv(demo_build.out / "csv" / "antwoorden.csv", **read),
            pd.read_csv(demo_build.out / "csv" / "inzendingen.csv", **read))


def test_one_row_per_counted_submission_and_every_cell_agrees_with_antwoorden(exported):
    breed, long, subs = exported
    accepted = subs[subs["status"] == "geaccepteerd"]
    assert sorted(breed["inzending_id"]) == sorted(accepted["inzending_id"])
    flags = accepted.set_index("inzending_id")[["telt_in_vast_panel_2022_2024", "synthetisch"]]
    assert (breed.set_index("inzending_id")[flags.columns].loc[flags.index] == flags).all().all()
    cells = breed.set_index("inzending_id")
    book = codebook.load()
    multiple = {c.name for c in wide.columns(book) if c.multiple}
    seen = 0
    for row in long.itertuples(index=False):
        if row.vraag_id not in book.questions or book.questions[row.vraag_id]["type"] == "open":
            continue
        column = f"{row.vraag_id}__{row.item_code}" if row.item_code else row.vraag_id
        value = cells.at[row.inzending_id, column]
        assert value == ("1" if column in multiple else row.optie_code), (row.inzending_id, column, value)
        seen += 1
    filled = sum(int((cells[c.name] != "").sum()) for c in wide.columns(book) if not c.multiple) + \
        sum(int((cells[c] == "1").sum()) for c in multiple)
    assert seen == filled == len(long), "no cell without its answer, no answer without its cell"
    # a multiple-choice option is 0 only beside another ticked option of the question that year
    for name in multiple:
        vraag_id = name.split("__")[0]
        zero = cells[cells[name] == "0"]
        ticked_any = cells[[c for c in multiple if c.startswith(vraag_id + "__")]].eq("1").any(axis=1)
        assert ticked_any.loc[zero.index].all(), name
