"""`eenzaamheid build`: validated deliveries -> clean tables -> SQLite, exports and data package.

The stages follow the data flow (ingest, validate, harmonize, panel, reconcile, check, load,
quality gate, export). Everything is written into a staging folder first and moved into place
at the end, so a failing or killed build leaves the previous outputs intact.

The quality gate (eenzaamheid.quality: Great Expectations on the staged database) decides
whether the build may be published: a failing `fataal` check stops it, `fout` and
`waarschuwing` are published and reported. Every build writes the steward's report
(kwaliteitsrapport.html and .json): beside the published data when it passes, as
kwaliteitsrapport_geweigerd.* in the output folder when it is refused.
"""
from __future__ import annotations

import csv
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import codebook as cb
from .pipeline import cleanschema, codebook_tables, harmonize, ingest, panel, validate
from .municipalities import register
from .paths import CHECKS, CLEAN, RAW, ROOT
from .problems import FOUT, Problem

if TYPE_CHECKING:  # quality imports Great Expectations lazily; the build needs it only at the gate
    from .quality import QualityResult

DB_NAME = "benchmark.db"
DB_PATH = CLEAN / DB_NAME
EXPORT_DIRS = ("csv", "json", "parquet")
SITE_METADATA = "metadata.json"           # what Datasette serves (generated, see site_metadata)
PACKAGE_ZIP = "benchmark-eenzaamheid.zip"  # the data package as one download
REPORT = "kwaliteitsrapport"               # .html and .json: the steward's report of the build
REFUSED_REPORT = "kwaliteitsrapport_geweigerd"


class BuildError(Exception):
    """The build refuses to publish; the message (Dutch) says why and what to do."""


@dataclass
class CleanData:
    frames: dict[str, pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)
    quarantined: int = 0
    validation: validate.ValidationResult | None = None   # for the report
    clean_checks: dict[str, str] = field(default_factory=dict)  # table -> 'geslaagd' or the pandera failure
    quality: QualityResult | None = None                   # the quality gate's result


def _manifest(raw_dir: Path) -> pd.DataFrame:
    with open(raw_dir / validate.MANIFEST_NAME, encoding="utf-8") as f:
        return pd.DataFrame(list(csv.DictReader(f)))


def clean_frames(raw_dir: Path = RAW, allow_quarantine: bool = False) -> CleanData:
    """Every clean table as a DataFrame (not yet checked or loaded)."""
    book = cb.load()
    reg = register()
    manifest = _manifest(raw_dir)
    result = validate.validate_paths([raw_dir])
    errors = [p for p in result.problems if p.ernst == FOUT]
    if errors and not allow_quarantine:
        raise BuildError(f"De validatie vond {len(errors)} fout(en); de build stopt. Bekijk ze met "
                         "`eenzaamheid validate raw/` en herstel de levering, of bouw met --allow-quarantine "
                         "om de rijen met fouten apart te zetten (in_quarantaine).")
    by_file: dict[str, list[Problem]] = {}
    for p in result.problems:
        by_file.setdefault(p.bestand, []).append(p)

    parts: list[harmonize.Harmonized] = []
    files = []
    for path in validate.discover([raw_dir]):
        rel = path.resolve().relative_to(raw_dir.resolve()).as_posix()
        entry = manifest[manifest["bestand"] == rel]
        year = int(entry["jaar"].iloc[0]) if len(entry) else validate.year_of(path)
        synthetic = bool(len(entry)) and entry["synthetisch"].iloc[0].strip().lower() == "true"
        raw = ingest.read_delivery(path, year)
        parts.append(harmonize.harmonize(raw, by_file.get(validate.display_path(path), []), rel, synthetic))
        files.append({"bestand": rel, "jaar": year, "formaat": raw.detected["formaat"],
                      "sha256": validate.sha256(path), "bytes": path.stat().st_size, "rijen": len(raw.frame),
                      "ontvangen": entry["ontvangen"].iloc[0] if len(entry) else None,
                      "schema": f"schemas/raw/{year}.yaml", "synthetisch": int(synthetic)})

    inzendingen = panel.flag_submissions(pd.concat([p.inzendingen for p in parts], ignore_index=True))
    antwoorden = pd.concat([p.antwoorden for p in parts], ignore_index=True)
    held = pd.concat([p.antwoorden_quarantaine for p in parts], ignore_index=True)
    answers_delivered = {f["bestand"]: p.antwoorden_geleverd for f, p in zip(files, parts)}
    toelichtingen = pd.concat([p.toelichtingen for p in parts], ignore_index=True)
    log = pd.concat([p.opschoonlog for p in parts], ignore_index=True)
    log = log.sort_values(["bestand", "rij", "regel", "kolom"], na_position="first", kind="stable").reset_index(drop=True)
    log.insert(0, "log_id", range(1, len(log) + 1))
    bronbestanden = pd.DataFrame(files)

    latest = sorted(reg.municipalities(reg.latest_year)["gemeente_code"])
    deelname = panel.participation(inzendingen, latest, list(cb.YEARS))
    frames = {
        "gemeenten": gemeenten(),
        "jaargangen": jaargangen(book, inzendingen, bronbestanden),
        "vragen": codebook_tables.vragen(book),
        "vraagversies": codebook_tables.vraagversies(book),
        "antwoordopties": codebook_tables.antwoordopties(book),
        "bronbestanden": bronbestanden,
        "inzendingen": inzendingen,
        "antwoorden": antwoorden,
        "antwoorden_quarantaine": held,
        "toelichtingen": toelichtingen,
        "deelname": deelname,
        "opschoonlog": log,
        "gepubliceerde_cijfers": pd.read_csv(CHECKS / "published_figures.csv", dtype=str, keep_default_na=False),
        "verantwoording": accounting(inzendingen, bronbestanden, antwoorden, held, answers_delivered),
    }
    from .pipeline.reconcile import reconcile  # needs the other frames
    frames["reconciliatie"] = reconcile(frames)
    quarantined = int((inzendingen["status"] == harmonize.QUARANTINED).sum())
    return CleanData(frames, result.problems, quarantined, validation=result)


def gemeenten() -> pd.DataFrame:
    reg = register()
    centroids = pd.read_csv(ROOT / "reference" / "cbs" / "municipality_centroids.csv", dtype={"gm_code": str})
    points = centroids.set_index("gm_code")[["latitude", "longitude"]]
    return reg.validity().join(points, on="gemeente_code")


def jaargangen(book: cb.Codebook, inzendingen: pd.DataFrame, bronbestanden: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for y in book.data["jaargangen"]:
        subs = inzendingen[inzendingen["jaar"] == y["jaar"]]
        accepted = int((subs["status"] == harmonize.ACCEPTED).sum())
        files = bronbestanden[bronbestanden["jaar"] == y["jaar"]]
        rows.append({"jaar": y["jaar"], "uitgenodigd": y["uitgenodigd"], "geleverde_rijen": len(subs),
                     "respondenten": accepted,
                     "responspercentage": round(100 * accepted / y["uitgenodigd"], 1) if y["uitgenodigd"] else None,
                     "synthetisch": int(files["synthetisch"].astype(bool).any()), "notitie": y["notitie"]})
    return pd.DataFrame(rows)


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
    answered = antwoorden[["inzending_id"]].join(of, on="inzending_id")
    per_status = answered.groupby(["bestand", "status"]).size()
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


def check_frames(frames: dict[str, pd.DataFrame], outcome: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
    """Every clean table against its pandera model (from schemas/clean), then the foreign keys.

    All tables are checked before it stops; `outcome` (if given) receives per table 'geslaagd' or
    the failure text, for the report."""
    outcome = {} if outcome is None else outcome
    checked, failures = {}, []
    for t in cleanschema.TABLES:
        try:
            checked[t] = cleanschema.check(t, frames[t])
            outcome[t] = "geslaagd"
        except cleanschema.CleanTableError as exc:
            outcome[t] = str(exc)
            failures.append(str(exc))
    if failures:
        raise BuildError("\n".join(failures))
    dangling = cleanschema.check_foreign_keys(checked)
    if dangling:
        raise BuildError("Verwijzingen tussen tabellen kloppen niet: " + "; ".join(dangling[:10]))
    return checked


def quality_gate(db_path: Path, data: CleanData, report_dir: Path, refused_dir: Path) -> QualityResult:
    """Run the Great Expectations checks on the staged database, store them in it as the tables
    kwaliteitscontroles and kwaliteitsresultaten, and write the report. Raises BuildError (after
    writing the report to refused_dir) when a fatal check fails."""
    from . import quality

    result = quality.run(db_path)
    data.quality = result
    if not result.publiceerbaar:
        write_report(refused_dir / REFUSED_REPORT, data)
        failed = result.fatal_failures
        raise BuildError(
            f"{len(failed)} fatale kwaliteitscontrole(s) gefaald; de vorige publicatie blijft staan. "
            + "; ".join(f"{r['controle_id']} ({r['afwijkend']} afwijkend)" for r in failed.to_dict("records")[:10])
            + f". Alle afwijkende rijen: {refused_dir / REFUSED_REPORT}.html (of `eenzaamheid check`).")
    quality.write_tables(db_path, result)
    write_report(report_dir / REPORT, data)
    return result


def write_report(stem: Path, data: CleanData) -> None:
    """The steward's report (stem.html and stem.json): deliveries, clean tables, database checks."""
    from . import quality_report

    synthetic = bool(data.frames["bronbestanden"]["synthetisch"].astype(int).any())
    quality_report.write(stem.with_suffix(".html"), stem.with_suffix(".json"), data.validation, data.quality,
                         data.clean_checks, synthetic)


def package_zip(staging: Path, path: Path, synthetic: bool) -> None:
    """datapackage.json with the CSV files beside it (paths csv/...), fixed timestamps: reproducible."""
    import json
    import zipfile

    from .pipeline import export

    package = export.datapackage("csv", synthetic)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, data)
        add("datapackage.json", (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        for csv_file in sorted((staging / "csv").glob("*.csv")):
            add(f"csv/{csv_file.name}", csv_file.read_bytes())


def publish(staging: Path, clean_dir: Path, datapackage: Path | None) -> None:
    """Move the staged outputs into place: the database by an atomic rename, folders by swap."""
    os.replace(staging / DB_NAME, clean_dir / DB_NAME)
    for name in (SITE_METADATA, PACKAGE_ZIP, f"{REPORT}.html", f"{REPORT}.json"):
        if (staging / name).exists():
            os.replace(staging / name, clean_dir / name)
    for name in EXPORT_DIRS:
        new, target = staging / name, clean_dir / name
        if not new.exists():
            continue
        old = staging / f"{name}.oud"
        if target.exists():
            os.replace(target, old)
        os.replace(new, target)
    if datapackage is not None and (staging / "datapackage.json").exists():
        os.replace(staging / "datapackage.json", datapackage)


def build(clean_dir: Path = CLEAN, raw_dir: Path = RAW, allow_quarantine: bool = False,
          datapackage: Path | None = ROOT / "datapackage.json") -> CleanData:
    from . import site_metadata
    from .pipeline import export, load

    clean_dir.mkdir(parents=True, exist_ok=True)
    for old in clean_dir.glob(".bouw-*"):  # left behind by a killed build
        shutil.rmtree(old, ignore_errors=True)
    staging = clean_dir / f".bouw-{os.getpid()}"
    staging.mkdir()
    try:
        data = clean_frames(raw_dir, allow_quarantine)
        try:
            data.frames = check_frames(data.frames, data.clean_checks)
        except BuildError:
            write_report(clean_dir / REFUSED_REPORT, data)  # no database checks: never publishable
            raise
        load.write_database(data.frames, staging / DB_NAME, raw_dir)
        quality_gate(staging / DB_NAME, data, staging, clean_dir)
        site_metadata.write(staging / DB_NAME, staging / SITE_METADATA)
        export.export_tables(data.frames, staging)
        if datapackage is not None:
            csv_dir = Path(os.path.relpath(clean_dir / "csv", datapackage.parent)).as_posix()
            synthetic = bool(data.frames["bronbestanden"]["synthetisch"].astype(int).any())
            export.write_datapackage(staging / "datapackage.json", csv_dir, synthetic=synthetic)
            package_zip(staging, staging / PACKAGE_ZIP, synthetic)
        publish(staging, clean_dir, datapackage)
        for suffix in (".html", ".json"):  # an earlier refusal is history now
            (clean_dir / f"{REFUSED_REPORT}{suffix}").unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return data
