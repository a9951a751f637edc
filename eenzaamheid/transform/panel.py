"""Participation per municipality and year, and the named panels of metadata.yml.

Panels are computed on successor codes: a municipality that merged after taking part
counts under the municipality it became, as the reports' panels follow municipalities over
time. Only accepted submissions count.
"""
from __future__ import annotations

import functools

import pandas as pd
from .. import yamlfile

from ..paths import ROOT

ACCEPTED = "geaccepteerd"


@functools.lru_cache(maxsize=1)
def panels() -> dict[str, dict]:
    """Panel name -> {jaren, titel, beschrijving}, from metadata.yml."""
    return yamlfile.load(ROOT / "metadata.yml")["panels"]


def submission_flag(panel: str) -> str:
    """Column of `inzendingen` (and of the answer tables): this accepted submission counts in the
    panel's population, i.e. its municipality is a member and its year is one of the panel's years."""
    return f"telt_in_{panel}"


def member_flag(panel: str) -> str:
    """Column of `deelname`: the municipality is a member of the panel (the same value in every year)."""
    return f"lid_{panel}"


def members(inzendingen: pd.DataFrame) -> dict[str, set[str]]:
    accepted = inzendingen[inzendingen["status"] == ACCEPTED]
    by_year = accepted.groupby("jaar")["opvolger_code"].agg(set).to_dict()
    return {name: set.intersection(*(by_year.get(y, set()) for y in p["jaren"])) for name, p in panels().items()}


def flag_submissions(inzendingen: pd.DataFrame) -> pd.DataFrame:
    """Add a 0/1 column per panel (`telt_in_<panel>`): an accepted submission of a member in one of
    the panel's years, i.e. a submission that counts in the panel's figures."""
    out = inzendingen.copy()
    accepted = out["status"] == ACCEPTED
    for name, codes in members(inzendingen).items():
        in_years = out["jaar"].isin(panels()[name]["jaren"])
        out[submission_flag(name)] = (accepted & in_years & out["opvolger_code"].isin(codes)).astype(int)
    return out


def participation(inzendingen: pd.DataFrame, successor_codes: list[str], years: list[int]) -> pd.DataFrame:
    """One row per successor code and year: did it take part, with which submission(s), panel flags.

    Before a merger several predecessors may each have taken part in one year; they share the
    successor's row, so the submissions and the codes of that year are listed, comma-separated.
    """
    accepted = inzendingen[inzendingen["status"] == ACCEPTED].sort_values("inzending_id")
    taken = accepted.groupby(["opvolger_code", "jaar"]).agg(
        aantal_inzendingen=("inzending_id", "size"),
        inzending_ids=("inzending_id", ",".join),
        gemeente_codes_dat_jaar=("gemeente_code", lambda c: ",".join(sorted(set(c)))))
    grid = pd.MultiIndex.from_product([sorted(successor_codes), sorted(years)], names=["opvolger_code", "jaar"])
    out = taken.reindex(grid).reset_index().rename(columns={"opvolger_code": "gemeente_code"})
    out["aantal_inzendingen"] = out["aantal_inzendingen"].fillna(0).astype(int)
    out.insert(2, "deelgenomen", (out["aantal_inzendingen"] > 0).astype(int))
    for name, codes in members(inzendingen).items():
        out[member_flag(name)] = out["gemeente_code"].isin(codes).astype(int)
    return out
