"""compact.py: categorical text columns give the values plain strings give."""
from __future__ import annotations

import numpy as np
import pandas as pd

from eenzaamheid import compact

KEYS = ["b", "a", None, "c", "a", "zz", "b"]  # "zz" is not in the table; None is an empty key


def test_lookup_gives_what_map_gives_on_plain_strings():
    table_text = pd.Series({"a": "x", "b": "x", "c": None})
    table_int = pd.Series({"a": 1, "b": 2, "c": 3, "zz": 4})
    plain = pd.Series(KEYS, dtype=object)
    keys = pd.Series(pd.Categorical(KEYS))
    text = compact.lookup(keys, table_text)
    assert compact.is_categorical(text)
    assert text.astype(object).where(text.notna(), None).tolist() == ["x", "x", None, None, "x", None, "x"]
    assert list(text.cat.categories) == ["x"]  # equal results share one category
    # an integer result keeps its type where every key is found, and falls back to pandas' NaN otherwise
    found = pd.Series(pd.Categorical(["b", "a", "zz"]))
    assert compact.lookup(found, table_int).tolist() == [2, 1, 4]
    assert compact.lookup(found, table_int).dtype == np.int64
    assert compact.lookup(keys, table_int).equals(plain.map(table_int))


def test_map_values_merges_categories_and_keeps_order():
    s = pd.Series(pd.Categorical(["b\x01", "a", None, "b", "c"]))
    out = compact.map_values(s, {"b\x01": "b", "c": "a"})
    assert out.astype(object).where(out.notna(), None).tolist() == ["b", "a", None, "b", "a"]
    assert list(out.cat.categories) == ["a", "b"]  # sorted: sorting the column sorts the texts
    plain = pd.Series(["b\x01", "a", "c"], dtype=object)
    assert compact.map_values(plain, {"c": "a"}).tolist() == ["b\x01", "a", "a"]


def test_concat_keeps_categoricals_with_other_categories():
    one = pd.DataFrame({"t": pd.Categorical(["b", "a"]), "n": [1, 2]})
    two = pd.DataFrame({"t": pd.Categorical(["c", None]), "n": [3, 4]})
    out = compact.concat([one, two])
    assert compact.is_categorical(out["t"]) and list(out["t"].cat.categories) == ["a", "b", "c"]
    assert out["t"].astype(object).where(out["t"].notna(), None).tolist() == ["b", "a", "c", None]
    assert out["n"].tolist() == [1, 2, 3, 4]
