"""Build clean/benchmark.db. So far: the codebook, municipalities, deliveries and published
figures as tables (the harmonized answers follow with the clean stage).

Written aside and moved into place, so a failed build leaves the previous database intact.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd
import sqlite_utils

from . import codebook as cb
from . import codebook_tables
from .municipalities import register
from .paths import CHECKS, CLEAN, RAW

DB_PATH = CLEAN / "benchmark.db"


def reference_tables() -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """table name -> (frame, primary key)."""
    book = cb.load()
    with open(RAW / "MANIFEST.csv", encoding="utf-8") as f:
        manifest = pd.DataFrame(list(csv.DictReader(f)))
    manifest["synthetisch"] = manifest["synthetisch"].str.lower().eq("true").astype(int)
    figures = pd.read_csv(CHECKS / "published_figures.csv", dtype=str, keep_default_na=False)
    return {
        "vragen": (codebook_tables.vragen(book), ["vraag_id"]),
        "vraagversies": (codebook_tables.vraagversies(book), ["vraag_id", "jaar"]),
        "antwoordopties": (codebook_tables.antwoordopties(book), ["vraag_id", "item_code", "optie_code"]),
        "gemeenten": (register().validity(), ["gemeente_code"]),
        "bronbestanden": (manifest, ["bestand"]),
        "gepubliceerde_cijfers": (figures, ["cijfer_id"]),
    }


def build(db_path: Path = DB_PATH) -> Path:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        db = sqlite_utils.Database(tmp)
        for name, (frame, pk) in reference_tables().items():
            records = frame.astype(object).where(frame.notna(), None).to_dict("records")
            db[name].insert_all(records, pk=pk)
        db.conn.close()
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
    return db_path
