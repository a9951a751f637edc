"""Which answers count, said in the tables themselves, so that a naive sum of an export is right.

`harmonize` gives every delivered answer with an option code in one long frame, whatever became
of its submission. Published, they are split:

- `antwoorden`: only the answers that count (the submission is `geaccepteerd`): filtering and
  counting this one table gives the published figures, no join needed;
- `antwoorden_niet_meegeteld`: the valid answers of submissions that do not count (replaced by a
  later submission of the same municipality, or quarantined whole), with the submission's status
  and reason;
- `antwoorden_quarantaine` (unchanged in meaning): single answers set aside because the answer
  itself is invalid (no option code).

Together they hold every delivered answer (verantwoording checks that). Every table that carries
answers or figures also says whose answer it is (`gemeente_code`, `opvolger_code`) and carries the
`synthetisch` flag of its delivery, so that a synthetic number cannot travel without its label.
"""
from __future__ import annotations

import pandas as pd

from .. import compact
from .harmonize import ACCEPTED
from .panel import panels, submission_flag

COUNTED_COLUMNS = ["inzending_id", "jaar", "gemeente_code", "opvolger_code", "vraag_id", "item_code", "optie_code",
                   "waarde", "ruwe_waarde", "bron_kolom"]
# the submission's reason is not repeated on each of its answers: it is inzendingen.reden (at 100x
# the demo it was two thirds of this table's ~900,000 rows in every format)
NOT_COUNTED_COLUMNS = COUNTED_COLUMNS + ["status", "synthetisch"]
HELD_COLUMNS = ["inzending_id", "jaar", "gemeente_code", "opvolger_code", "vraag_id", "item_code", "bron_kolom",
                "ruwe_waarde", "regel", "reden", "synthetisch"]


def panel_flags() -> list[str]:
    """The per-submission panel columns (telt_in_<panel>), in metadata.yml's order."""
    return [submission_flag(name) for name in panels()]


def _with_submission(frame: pd.DataFrame, inzendingen: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`frame` with the given columns of its submission (looked up by inzending_id)."""
    of = inzendingen.set_index("inzending_id")
    out = frame.drop(columns=[c for c in columns if c in frame.columns])
    # column by column (a lookup each) rather than DataFrame.join: at 100x the demo the join
    # took ~1.5 GB for ~1 million answers
    for c in columns:
        out[c] = compact.lookup(out["inzending_id"], of[c])
    return out


def split_answers(inzendingen: pd.DataFrame, antwoorden: pd.DataFrame,
                  held: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(antwoorden: counted only, antwoorden_niet_meegeteld, antwoorden_quarantaine), each with the
    municipality and the synthetic flag; the counted answers also with the panel flags.

    The rows are split first and the submission's columns added to each part afterwards: adding
    them to every delivered answer first cost ~1.5 GB at 100x the demo (~1 million answers)."""
    flags = panel_flags()
    status = compact.lookup(antwoorden["inzending_id"], inzendingen.set_index("inzending_id")["status"])
    counts = (status == ACCEPTED).to_numpy()
    base = [c for c in antwoorden.columns if c in COUNTED_COLUMNS]
    counted = _with_submission(antwoorden.loc[counts, base].reset_index(drop=True), inzendingen,
                               ["gemeente_code", "opvolger_code", "synthetisch", *flags])
    not_counted = _with_submission(antwoorden.loc[~counts, base].reset_index(drop=True), inzendingen,
                                   ["gemeente_code", "opvolger_code", "status", "synthetisch"])
    held = _with_submission(held, inzendingen, ["gemeente_code", "opvolger_code", "synthetisch"])[HELD_COLUMNS]
    return (counted[COUNTED_COLUMNS + flags + ["synthetisch"]], not_counted[NOT_COUNTED_COLUMNS],
            held.reset_index(drop=True))


def mark_counted_texts(frames: dict[str, pd.DataFrame]) -> None:
    """`toelichtingen.telt_mee`: 1 when the text belongs to a submission that counts. Free text is
    kept for every submission (it can be searched), so the table says which texts a count may use."""
    status = frames["inzendingen"].set_index("inzending_id")["status"]
    texts = frames["toelichtingen"]
    frames["toelichtingen"] = texts.assign(telt_mee=texts["inzending_id"].map(status).eq(ACCEPTED).astype(int))


def synthetic_by_year(bronbestanden: pd.DataFrame) -> dict[int, int]:
    """Year -> 1 when any active delivery of that year is synthetic, else 0."""
    active = bronbestanden[bronbestanden["actief"].astype(int) == 1]
    return {int(y): int(s) for y, s in active.groupby("jaar")["synthetisch"].max().astype(int).items()}


def label_synthetic(frames: dict[str, pd.DataFrame]) -> None:
    """Add `synthetisch` to the tables that carry answers or figures but not yet the flag:
    toelichtingen (per submission), deelname, kerncijfers and reconciliatie (per year)."""
    frames["toelichtingen"] = _with_submission(frames["toelichtingen"], frames["inzendingen"], ["synthetisch"])
    by_year = synthetic_by_year(frames["bronbestanden"])
    any_synthetic = int(any(by_year.values()))
    for table in ("deelname", "kerncijfers"):
        frames[table] = frames[table].assign(
            synthetisch=frames[table]["jaar"].astype(int).map(by_year).fillna(0).astype(int))
    # a computed figure rests on the deliveries of its year (a comparison on two years: any synthetic)
    years = frames["gepubliceerde_cijfers"].set_index("cijfer_id")[["jaar", "vergelijkingsjaar"]]

    def figure_synthetic(cijfer_id: str) -> int:
        jaar, other = years.loc[cijfer_id]
        found = [by_year.get(int(y)) for y in (jaar, other) if str(y).strip()]
        found = [f for f in found if f is not None]
        return int(any(found)) if found else any_synthetic

    frames["reconciliatie"] = frames["reconciliatie"].assign(
        synthetisch=[figure_synthetic(c) for c in frames["reconciliatie"]["cijfer_id"]])
