"""The foreign keys between the checked clean tables (schemas/clean's foreignKeys): every key of a
child row found in its parent table, with examples of the rows that are not."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .cleanschema import TABLES, _is_missing, _key_value, foreign_keys, missing_values, primary_key


def _keys(frame: pd.DataFrame, columns: list[str], empty: list[str]) -> list[tuple | None]:
    """Per row the key tuple, or None when any part is empty (an empty reference is allowed)."""
    out = []
    for row in frame[columns].itertuples(index=False, name=None):
        if any(_is_missing(v) or (isinstance(v, str) and v in empty) for v in row):
            out.append(None)
        else:
            out.append(tuple(_key_value(v) for v in row))
    return out


def _key_ids(frame: pd.DataFrame, columns: list[str], empty: list[str]) -> tuple[np.ndarray, list[tuple]] | None:
    """`_keys` by distinct value: per row the index of its key in the returned list of key tuples,
    -1 for an empty reference. None for columns whose equal values pandas could merge although
    `_keys` tells them apart (object columns with other values than text): use `_keys` then."""
    codes, parts = [], []
    for name in columns:
        column = frame[name]
        dtype = column.dtype
        if dtype == object:
            na = column.isna().to_numpy()
            if (pd.api.types.infer_dtype(column[~na], skipna=False) not in ("string", "empty")
                    or not all(_is_missing(v) for v in column[na])):
                return None
        elif not (isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or str(dtype) in ("Int64", "float64")):
            return None
        c, uniques = pd.factorize(column, use_na_sentinel=True)  # missing values -> -1
        values = uniques.tolist() if dtype != object else list(uniques)
        blank = np.array([_is_missing(v) or (isinstance(v, str) and v in empty) for v in values] + [True])
        codes.append(c)
        parts.append(([_key_value(v) for v in values], blank))
    missing = np.zeros(len(frame), dtype=bool)
    for c, (_, blank) in zip(codes, parts):
        missing |= blank[c]  # code -1 picks the last entry: True
    # one integer per combination of codes (mixed radix), then its distinct values
    sizes = [len(values) + 1 for values, _ in parts]
    if math.prod(sizes) >= 2**62:
        return None
    combined = np.zeros(len(frame), dtype=np.int64)
    for c, size in zip(codes, sizes):
        combined = combined * size + (c + 1)
    ids, distinct = pd.factorize(combined)
    per_column = []
    for size in reversed(sizes):
        per_column.append((distinct % size - 1).tolist())
        distinct = distinct // size
    per_column.reverse()
    keys = [tuple(values[k] if k >= 0 else None for k, (values, _) in zip(combo, parts))
            for combo in zip(*per_column)]
    ids = ids.astype(np.intp)
    ids[missing] = -1
    return ids, keys


def check_foreign_keys(frames: dict[str, pd.DataFrame], examples: int = 5) -> list[str]:
    """Check every foreignKey of every given table against the given frames; Dutch messages.

    An empty reference (None/NaN, or '' where the schema counts '' as missing) is allowed. A
    foreign key whose referenced table is not among `frames` is skipped (partial builds).
    """
    messages = []
    for table in TABLES:
        if table not in frames:
            continue
        child = frames[table]
        for fk in foreign_keys(table):
            parent_name = fk["resource"]
            if parent_name not in frames:
                continue
            parent = frames[parent_name]
            absent = [c for c in fk["fields"] if c not in child.columns]
            absent += [f"{parent_name}.{c}" for c in fk["reference_fields"] if c not in parent.columns]
            if absent:
                messages.append(f"{table}: kolom(men) voor de verwijzing ontbreken: {', '.join(absent)}")
                continue
            fast_parent = _key_ids(parent, fk["reference_fields"], missing_values(parent_name))
            if fast_parent is not None:
                ids, parent_keys = fast_parent
                targets = {parent_keys[i] for i in np.unique(ids[ids >= 0]).tolist()}
            else:
                targets = {k for k in _keys(parent, fk["reference_fields"], missing_values(parent_name)) if k is not None}
            fast_child = _key_ids(child, fk["fields"], missing_values(table))
            if fast_child is not None:  # each distinct key looked up once
                ids, child_keys = fast_child
                absent = np.array([k not in targets for k in child_keys] + [False])  # id -1: empty, allowed
                rows = np.flatnonzero(absent[ids])
                dangling = [(child.index[r], child_keys[ids[r]]) for r in rows.tolist()]
            else:
                keys = _keys(child, fk["fields"], missing_values(table))
                dangling = [(i, k) for i, k in zip(child.index, keys) if k is not None and k not in targets]
            if not dangling:
                continue
            pk = [c for c in primary_key(table) if c in child.columns]
            shown = []
            for i, k in dangling[:examples]:
                value = k[0] if len(k) == 1 else k
                who = ", ".join(f"{c}={_key_value(child.at[i, c])!r}" for c in pk)
                shown.append(f"{value!r} (rij {who})" if who else repr(value))
            more = f" … en nog {len(dangling) - examples}" if len(dangling) > examples else ""
            messages.append(
                f"{table}.{'+'.join(fk['fields'])} verwijst naar {parent_name}.{'+'.join(fk['reference_fields'])}: "
                f"{len(dangling)} waarde(n) zonder tegenhanger, bijvoorbeeld " + "; ".join(shown) + more)
    return messages
