"""The steps of `eenzaamheid build` up to the clean tables, each with its contract: what it reads,
what it makes (build.clean_frames runs them in order; build.py the rest of the recipe).

1. validate   raw/ -> validate.ValidationResult (or BuildError when its errors stop the build)
2. deliver    raw/ -> Delivered: bronbestanden and each active delivery harmonized
3. combine    Delivered -> Submissions: inzendingen, antwoorden, ..., verantwoording (accounted for)
4. reference  codebook, register -> gemeenten, jaargangen, vragen, ... (build.reference_tables)
5. count      the tables so far -> antwoorden (counted), antwoorden_niet_meegeteld, reconciliatie, kerncijfers
6. finish     in place: synthetic labels, antwoorden_breed, wijzigingen, redaction of published text
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict
from pathlib import Path

import pandas as pd

from .. import compact
from ..changes import changes
from ..intake import ingest
from ..municipalities import register
from ..problems import FOUT, Problem
from ..tables import cleanschema
from ..transform import counted, harmonize, panel, wide
from ..validation import validate

STOPS_EVEN_WITH_QUARANTINE = ("levering_dubbel", "aanhalingsteken_open", "werkblad_andere_kopregel")


class BuildError(Exception):
    """The build refuses to publish; the message (Dutch) says why and what to do."""


def _manifest(raw_dir: Path) -> pd.DataFrame:
    """The manifest's rows (BOM-tolerant); empty when it cannot be read: validation reports why."""
    from ..intake import manifest

    try:
        rows = manifest.read_manifest(raw_dir / validate.MANIFEST_NAME)
    except manifest.ManifestError:
        rows = []
    return pd.DataFrame(rows, columns=list(dict.fromkeys([*validate.MANIFEST_COLUMNS, manifest.REPLACES,
                                                          *(rows[0] if rows else [])])))


@dataclass
class Delivered:
    """Stages 1-2 (reads raw/): every delivery validated, read once, and harmonized if active."""
    validation: validate.ValidationResult
    bronbestanden: pd.DataFrame                 # one row per delivery file, replaced ones included
    parts: list[harmonize.Harmonized]           # the active deliveries, in bronbestanden's order


@dataclass
class Submissions:
    """Stage 3 (reads Delivered): the active deliveries as one set of tables, accounted for."""
    inzendingen: pd.DataFrame
    antwoorden: pd.DataFrame
    antwoorden_quarantaine: pd.DataFrame
    toelichtingen: pd.DataFrame
    opschoonlog: pd.DataFrame
    verantwoording: pd.DataFrame


def _validated(raw_dir: Path, allow_quarantine: bool) -> validate.ValidationResult:
    """Stage 1: validate every delivery; BuildError when its errors stop the build."""
    result = validate.validate_paths([raw_dir])
    errors = [p for p in result.problems if p.ernst == FOUT]
    # never, not even with --quarantaine: quarantining both deliveries of a year would publish it empty,
    # and rows swallowed by an unclosed quote or on a worksheet with another header never become rows that
    # quarantine could account for
    clash = next((p for p in errors if p.regel in STOPS_EVEN_WITH_QUARANTINE), None)
    if clash:
        raise BuildError(f"{clash.melding} De build stopt (ook met --quarantaine).")
    if errors and not allow_quarantine:
        raise BuildError(f"De validatie vond {len(errors)} fout(en); de build stopt. Bekijk ze met "
                         "`eenzaamheid valideer raw/` en herstel de levering, of bouw met --quarantaine "
                         "om de rijen met fouten apart te zetten (in_quarantaine).")
    return result


def deliver(raw_dir: Path, allow_quarantine: bool) -> Delivered:
    """Stages 1-2: reads raw/ (MANIFEST.csv and the delivery files); harmonizes each active delivery."""
    manifest = _manifest(raw_dir)
    result = _validated(raw_dir, allow_quarantine)
    by_file: dict[str, list[Problem]] = {}
    for p in result.problems:
        by_file.setdefault(p.bestand, []).append(p)
    parts: list[harmonize.Harmonized] = []
    files = []
    replaced_by = dict(zip(manifest["vervangt"], manifest["bestand"]))  # a replaced delivery is history
    for path in validate.discover([raw_dir]):
        rel = path.resolve().relative_to(raw_dir.resolve()).as_posix()
        entry = manifest[manifest["bestand"] == rel]
        year = validate.year_of(path)  # as validated; a manifest year that contradicts it is a validation error
        synthetic = bool(len(entry)) and bool(entry["synthetisch"].iloc[0])  # parsed by manifest.read_manifest
        # as validation read it: each file is read and parsed once per build
        raw = result.tables.pop(path.resolve(), None) or ingest.read_delivery(path, year)
        newer = replaced_by.get(rel) or None
        if newer is None:
            parts.append(harmonize.harmonize(raw, by_file.get(validate.display_path(path), []), rel, synthetic))
        files.append({"bestand": rel, "jaar": year, "formaat": raw.detected["formaat"] or path.suffix.lower()[1:],
                      "sha256": validate.sha256(path), "bytes": path.stat().st_size, "rijen": len(raw.frame),
                      "codering": raw.detected["codering"], "werkbladen": raw.sheet_summary(),
                      "ontvangen": entry["ontvangen"].iloc[0] if len(entry) else None,
                      "schema": f"schemas/raw/{year}.yaml", "synthetisch": int(synthetic),
                      "actief": int(newer is None), "vervangen_door": newer})
    return Delivered(result, pd.DataFrame(files), parts)


def combine(delivered: Delivered) -> Submissions:
    """Stage 3: reads the harmonized parts; makes the submission tables and the accounting per file."""
    parts, bronbestanden = delivered.parts, delivered.bronbestanden
    inzendingen = panel.flag_submissions(pd.concat([p.inzendingen for p in parts], ignore_index=True))
    antwoorden = compact.concat([p.antwoorden for p in parts])  # the codes stay categorical
    held = pd.concat([p.antwoorden_quarantaine for p in parts], ignore_index=True)
    active = bronbestanden[bronbestanden["actief"] == 1]
    answers_delivered = {bestand: p.antwoorden_geleverd for bestand, p in zip(active["bestand"], parts)}
    log = pd.concat([p.opschoonlog for p in parts], ignore_index=True)
    log = log.sort_values(["bestand", "rij", "regel", "kolom"], na_position="first", kind="stable").reset_index(drop=True)
    log.insert(0, "log_id", range(1, len(log) + 1))
    return Submissions(inzendingen=inzendingen, antwoorden=antwoorden, antwoorden_quarantaine=held,
                       toelichtingen=pd.concat([p.toelichtingen for p in parts], ignore_index=True),
                       opschoonlog=log,
                       verantwoording=accounting(inzendingen, active, antwoorden, held, answers_delivered))


def _latest_codes() -> list[str]:
    reg = register()
    return sorted(reg.municipalities(reg.latest_year)["gemeente_code"])


class ReferenceTables(TypedDict):
    """Stage 4 (build.reference_tables): from the codebook and the municipality register."""
    gemeenten: pd.DataFrame
    jaargangen: pd.DataFrame
    vragen: pd.DataFrame
    vraagversies: pd.DataFrame
    antwoordopties: pd.DataFrame
    optielabels_per_jaar: pd.DataFrame


class CountedTables(TypedDict):
    """Stage 5: what counting makes (antwoorden and antwoorden_quarantaine replace stage 3's)."""
    antwoorden: pd.DataFrame
    antwoorden_niet_meegeteld: pd.DataFrame
    antwoorden_quarantaine: pd.DataFrame
    reconciliatie: pd.DataFrame
    kerncijfers: pd.DataFrame


def counted_tables(frames: dict[str, pd.DataFrame]) -> CountedTables:
    """Stage 5: reads inzendingen, antwoorden, antwoorden_quarantaine and the reference tables; makes
    antwoorden (only the answers that count), antwoorden_niet_meegeteld, antwoorden_quarantaine,
    reconciliatie and kerncijfers (transform/counted.py, reconcile.py, kerncijfers.py)."""
    from ..transform.kerncijfers import kerncijfers
    from ..transform.reconcile import Calculator, reconcile

    answers, not_counted, held = counted.split_answers(frames["inzendingen"], frames["antwoorden"],
                                                       frames["antwoorden_quarantaine"])
    split = {**frames, "antwoorden": answers, "antwoorden_niet_meegeteld": not_counted, "antwoorden_quarantaine": held}
    calculator = Calculator(split)  # one count of the answers for both
    reconciliatie = reconcile(split, calculator)
    return CountedTables(antwoorden=answers, antwoorden_niet_meegeteld=not_counted, antwoorden_quarantaine=held,
                         reconciliatie=reconciliatie,
                         kerncijfers=kerncijfers({**split, "reconciliatie": reconciliatie}, calculator))


def finish_published(frames: dict[str, pd.DataFrame]) -> None:
    """Stage 6, in place on the complete set: the synthetic labels and counted texts, the wide
    table antwoorden_breed, an empty wijzigingen (the build replaces it by the diff with the live
    publication), and last the redaction of every published copy of delivered text."""
    from ..privacy import redact_published

    counted.label_synthetic(frames)
    counted.mark_counted_texts(frames)
    frames["antwoorden_breed"] = wide.wide_answers(frames)
    frames["wijzigingen"] = changes.first_publication()
    redact_published(frames, cleanschema.redacted_columns())


def accounting(inzendingen: pd.DataFrame, bronbestanden: pd.DataFrame, antwoorden: pd.DataFrame,
               held: pd.DataFrame, answers_delivered: dict[str, int]) -> pd.DataFrame:
    """Per delivery file: delivered = accepted + replaced + quarantined, for rows and for answers,
    or the build stops. An answer counts under its submission's status; one set aside on its own
    (antwoorden_quarantaine) is quarantined whatever its submission's status."""
    statuses = (harmonize.ACCEPTED, harmonize.REPLACED, harmonize.QUARANTINED)
    counts = inzendingen.pivot_table(index="bestand", columns="status", values="inzending_id", aggfunc="count", fill_value=0)
    out = bronbestanden[["bestand", "rijen"]].rename(columns={"rijen": "geleverd"}).set_index("bestand")
    for status in statuses:
        out[status] = counts[status] if status in counts else 0
    of = inzendingen.set_index("inzending_id")[["bestand", "status"]]
    # answers per submission first, then per file and status: no file and status per answer
    per_submission = antwoorden["inzending_id"].astype(object).value_counts()
    per_status = of.assign(n=per_submission.reindex(of.index, fill_value=0)).groupby(["bestand", "status"])["n"].sum()
    per_status = per_status[per_status > 0]
    out["antwoorden_geleverd"] = pd.Series(answers_delivered, dtype="Int64")
    for column, status in (("antwoorden_geteld", harmonize.ACCEPTED), ("antwoorden_vervangen", harmonize.REPLACED),
                           ("antwoorden_in_quarantaine", harmonize.QUARANTINED)):
        out[column] = per_status.xs(status, level="status") if status in per_status.index.get_level_values(1) else 0
    out["antwoorden_in_quarantaine"] = out["antwoorden_in_quarantaine"].fillna(0) + held[["inzending_id"]].join(
        of, on="inzending_id").groupby("bestand").size().reindex(out.index).fillna(0)
    out = out.fillna(0).astype(int).reset_index()
    rows_close = out["geleverd"] == out[list(statuses)].sum(axis=1)
    answers_close = out["antwoorden_geleverd"] == out[["antwoorden_geteld", "antwoorden_vervangen",
                                                       "antwoorden_in_quarantaine"]].sum(axis=1)
    out["sluitend"] = (rows_close & answers_close).astype(int)
    out = out[["bestand", "geleverd", *statuses, "antwoorden_geleverd", "antwoorden_geteld", "antwoorden_vervangen",
               "antwoorden_in_quarantaine", "sluitend"]]
    if not out["sluitend"].all():
        broken = out[out["sluitend"] == 0]["bestand"].tolist()
        raise BuildError("Rijen of antwoorden zijn zoekgeraakt: geleverd ≠ geaccepteerd (geteld) + vervangen + "
                         f"quarantaine voor {broken}.")
    return out
