"""The demo deliveries in raw/ contain exactly the problems the demo generator planted.

scripts/ writes raw/demo_vervuiling.csv next to the synthetic deliveries: one row per
planted problem (bestand,rij,kolom,regel,ernst,omschrijving; bestand relative to raw/,
kolom empty for row- and file-level problems). `validate` on raw/ must find that set:
nothing missed, nothing extra.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from eenzaamheid.paths import RAW
from eenzaamheid.validation.validate import validate_paths

PLANTED = RAW / "demo_vervuiling.csv"


def _key(bestand: str, rij, kolom, regel: str) -> tuple:
    rij = None if rij in (None, "") else int(rij)
    return (Path(bestand).as_posix(), rij, kolom or None, regel)


def test_demo_problems_are_exactly_the_planted_ones():
    if not PLANTED.exists():
        pytest.skip("demo deliveries not generated")
    with open(PLANTED, encoding="utf-8-sig", newline="") as f:
        planted = {_key(r["bestand"], r["rij"], r["kolom"], r["regel"]) for r in csv.DictReader(f)}

    result = validate_paths([RAW])
    found = {_key(os.path.relpath(Path(p.bestand).resolve(), RAW.resolve()), p.rij, p.kolom, p.regel)
             for p in result.problems}

    assert sorted(found - planted, key=str) == [], "found by validate but not planted"
    assert sorted(planted - found, key=str) == [], "planted but not found by validate"
