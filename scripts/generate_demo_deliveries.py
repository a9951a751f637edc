"""Generate the synthetic demo deliveries raw/2019 … raw/2024 (deterministic, byte-identical).

The real survey exports are not public. These files imitate the supplier's exports
(xlsx for some years, ';'-separated cp1252 CSV for others, Dutch headers from the
codebook) and are calibrated by scripts/demo_calibration.yaml so that every figure in
checks/published_figures.csv is reproduced, and so that what the reports say in words holds
(scripts/demo_claims.yaml: orderings, trends, panels, exclusive 'Geen', per-province response). They also carry the dirt real exports have,
planted on purpose and listed in raw/demo_vervuiling.csv:

  antwoord_opmaak   5 answers with stray whitespace, 3 with a case variant
  gemeente_variant  5 municipality names as people type them (alias, misspelling,
                    missing province suffix, pre-merger name)
  dubbele_inzending 1 municipality that submitted twice (2023; the earlier, partial one)
  lege_rij          1 empty trailing row (2020)
  antwoord_onbekend 1 answer outside the options (2019)
  persoonsgegevens_in_vrije_tekst  1 e-mail address (2024) and 1 phone number (2023)

Skipped questions (empty cells) follow from the calibration; their number per year and
question is printed at the end. Contact details are obviously fake (example.org).

Usage: python scripts/generate_demo_deliveries.py [--uit raw] [--schaal K --jaar 2024 [--rijen N]]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from eenzaamheid import codebook as cb  # noqa: E402

from demodata import CALIBRATION, file_name  # noqa: E402
from demodata.answers import build_year, response_id  # noqa: E402
from demodata.dirt import Dirt, plant  # noqa: E402
from demodata.files import sha256, write_csv, write_table, write_xlsx  # noqa: E402
from demodata.participants import choose_participants  # noqa: E402


def generate(out: Path, scale: int = 1, only_year: int | None = None, rows_wanted: int | None = None) -> list[dict]:
    with open(CALIBRATION, encoding="utf-8") as f:
        cal = yaml.safe_load(f)
    book = cb.load()
    rng = random.Random(cal["zaad"])
    participants = choose_participants(cal, rng)
    dirt = Dirt()
    manifest = []
    skipped = Counter()
    for year in cb.YEARS:
        yrng = random.Random(f"{cal['zaad']}-{year}")
        header, rows = build_year(year, participants[year], cal, book, yrng)
        rows = plant(year, header, rows, book, yrng, dirt)
        for r in rows:
            for c in book.answer_columns(year):
                skipped[(year, c.vraag_id)] += r.get(c.header) is None
        if only_year and year != only_year:
            continue
        if scale > 1:  # stress delivery: the same rows K times under new response ids
            srng = random.Random(f"{cal['zaad']}-stress")
            id_col = book.deliveries[year].metadata_kolommen["respons_id"]
            rows = [dict(r, **{id_col: response_id(srng)}) for _ in range(scale) for r in rows]
        if rows_wanted:  # a delivery of exactly this many rows: the first ones of the stress delivery
            rows = rows[:rows_wanted]
        delivery = book.deliveries[year]
        folder = out / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name(year, delivery.formaat)
        received = dt.date.fromisoformat(cal["ontvangen"][year])
        if delivery.formaat == "csv":
            write_csv(path, header, rows, delivery)
        else:
            write_xlsx(path, header, rows, delivery, received)
        manifest.append({"bestand": f"{year}/{path.name}", "jaar": year, "sha256": sha256(path),
                         "bytes": path.stat().st_size, "ontvangen": received.isoformat(), "synthetisch": "true",
                         "vervangt": ""})
    write_table(out / "MANIFEST.csv", manifest)
    if scale == 1 and only_year is None:
        write_table(out / "demo_vervuiling.csv", dirt.records)
    return [{"jaar": y, "vraag_id": q, "overgeslagen": n} for (y, q), n in sorted(skipped.items()) if n]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--uit", type=Path, default=ROOT / "raw", help="output folder (default raw/)")
    p.add_argument("--schaal", type=int, default=1, help="stress delivery: repeat every row K times")
    p.add_argument("--jaar", type=int, help="write only this year")
    p.add_argument("--rijen", type=int, help="stress delivery: keep the first N rows (with --schaal large enough)")
    args = p.parse_args(argv)
    skipped = generate(args.uit, args.schaal, args.jaar, args.rijen)
    print(f"written to {args.uit}; skipped answers (empty cells) per year and question:")
    for s in skipped:
        print(f"  {s['jaar']} {s['vraag_id']}: {s['overgeslagen']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
