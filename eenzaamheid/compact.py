"""Compact text columns for the long tables (antwoorden and its siblings): pandas categoricals.

A delivered answer repeats a handful of texts (question, item, option code, label, source column,
status): as pandas' Arrow-backed strings every cell holds its own copy, ~800 bytes per answer row,
and every row selection copies them again (bench/RESULTS.md: 3.1 GB for 15,700 delivered rows).
As a categorical a cell is a small integer code into the distinct texts, and selecting rows copies
only the codes. The values are the same: every step that reads them (groupby, sort, compare,
factorize, astype(object)) sees the same texts in the same (lexicographic) order.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals


def is_categorical(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype)


def categorical(values) -> pd.Categorical:
    """Text values (None = missing) as a categorical with lexicographically sorted categories."""
    return pd.Categorical(values)


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """pd.concat(frames, ignore_index=True), keeping categorical columns categorical (pd.concat
    falls back to plain strings when the parts have different categories: a full copy)."""
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    for name in frames[0].columns:
        parts = [f[name] for f in frames if name in f.columns]
        if len(parts) == len(frames) and all(is_categorical(p) for p in parts) and not is_categorical(out[name]):
            out[name] = union_categoricals(parts, sort_categories=True, ignore_order=True)
    return out


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """keys.map(table), worked out once per distinct key when `keys` is categorical: a text result
    is categorical again, another result a plain array of table's type (NaN where a key is missing)."""
    if not is_categorical(keys):
        return keys.map(table)
    per_key = pd.Series(keys.cat.categories, dtype=object).map(table)
    codes = keys.cat.codes.to_numpy()
    text = table.dtype == object or pd.api.types.is_string_dtype(table.dtype) or is_categorical(table)
    if text:
        mapped = categorical(np.asarray(per_key.astype(object).where(per_key.notna(), None), dtype=object))
        picked = np.where(codes >= 0, mapped.codes[np.maximum(codes, 0)] if len(mapped) else -1, -1)
        return pd.Series(pd.Categorical.from_codes(picked.astype(mapped.codes.dtype, copy=False),
                                                   dtype=mapped.dtype), index=keys.index, name=keys.name)
    if (codes < 0).any() or per_key.isna().any():
        return keys.astype(object).map(table)  # missing keys: as pandas maps plain keys (NaN, a float column)
    return pd.Series(per_key.to_numpy(dtype=table.dtype)[codes], index=keys.index, name=keys.name)


def map_values(series: pd.Series, changed: dict) -> pd.Series:
    """series with every value that is a key of `changed` replaced by its value; a categorical stays
    categorical (its distinct texts are replaced; two that become equal are merged)."""
    if not is_categorical(series):
        return series.map(lambda v: changed.get(v, v) if isinstance(v, str) else v)
    old = list(series.cat.categories)
    new = categorical(np.asarray([changed.get(v, v) for v in old], dtype=object))
    codes = series.cat.codes.to_numpy()
    picked = np.where(codes >= 0, new.codes[np.maximum(codes, 0)] if len(old) else -1, -1)
    return pd.Series(pd.Categorical.from_codes(picked.astype(new.codes.dtype, copy=False), dtype=new.dtype),
                     index=series.index, name=series.name)
