"""`eenzaamheid build`: validated deliveries -> clean tables -> SQLite, exports and data package.

The stages follow the data flow (ingest, validate, harmonize, panel, reconcile, check, load,
quality gate, export). Everything is written into a staging folder beside the output folder and
switched with it in one atomic step at the end (eenzaamheid.publication), so a failing or killed
build leaves the previous publication intact and a reader never sees a mix of two builds. One
build at a time per output folder (a lock); a refused build leads its report with the cause
(eenzaamheid.refusal).

The quality gate (eenzaamheid.quality: Great Expectations on the staged database) decides
whether the build may be published: a failing `fataal` check stops it, `fout` and
`waarschuwing` are published and reported. Every build writes the steward's report
(kwaliteitsrapport.html and .json): beside the published data when it passes, as
kwaliteitsrapport_geweigerd.* in the output folder when it is refused.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import codebook as cb
from .. import gcpolicy
from ..changes import changes  # the diff with the previous publication (wijzigingen, WIJZIGINGEN.md)
from ..commandline import progress
from ..municipalities import register
from ..paths import CHECKS, CLEAN, RAW, ROOT
from ..problems import FOUT, Problem
from ..publish import publication, refusal, release
from ..publish.packaging import EXPORT_DIRS, PACKAGE_ZIP, package_inside, package_zip, sync_datapackage  # noqa: F401
from ..tables import cleanschema, codebook_tables, foreignkeys
from ..transform import harmonize, panel
from ..validation import validate
from . import faults
from .steps import (STOPS_EVEN_WITH_QUARANTINE, BuildError, Delivered, Submissions, _manifest,  # noqa: F401
                    ReferenceTables, _latest_codes, accounting, combine, counted_tables, deliver,
                    finish_published)

if TYPE_CHECKING:  # quality imports Great Expectations lazily; the build needs it only at the gate
    from ..quality import QualityResult

DB_NAME = "benchmark.db"
DB_PATH = CLEAN / DB_NAME
SITE_METADATA = "metadata.json"           # what Datasette serves (generated, see site_metadata)
REPORT = "kwaliteitsrapport"               # .html and .json: the steward's report of the build
REFUSED_REPORT = "kwaliteitsrapport_geweigerd"


@dataclass
class CleanData:
    frames: dict[str, pd.DataFrame]
    problems: list[Problem] = field(default_factory=list)
    quarantined: int = 0
    validation: validate.ValidationResult | None = None   # for the report
    clean_checks: dict[str, str] = field(default_factory=dict)  # table -> 'geslaagd' or the pandera failure
    quality: QualityResult | None = None                   # the quality gate's result


def clean_frames(raw_dir: Path = RAW, allow_quarantine: bool = False) -> CleanData:
    """Every clean table as a DataFrame (not yet checked or loaded). The recipe, in the order the
    data flows; each step names what it reads and returns what it makes."""
    progress.step("leveringen valideren en inlezen")
    delivered = deliver(raw_dir, allow_quarantine)
    progress.step("tabellen samenstellen")
    combined = combine(delivered)
    frames = {**reference_tables(combined.inzendingen, delivered.bronbestanden),
              "bronbestanden": delivered.bronbestanden,
              "inzendingen": combined.inzendingen,
              "antwoorden": combined.antwoorden,
              "antwoorden_quarantaine": combined.antwoorden_quarantaine,
              "toelichtingen": combined.toelichtingen,
              "deelname": panel.participation(combined.inzendingen, _latest_codes(), list(cb.YEARS)),
              "opschoonlog": combined.opschoonlog,
              "gepubliceerde_cijfers": pd.read_csv(CHECKS / "published_figures.csv", dtype=str, keep_default_na=False),
              "verantwoording": combined.verantwoording}
    progress.step("reconciliatie en kerncijfers")
    frames.update(counted_tables(frames))
    progress.step("vrije tekst afschermen")
    finish_published(frames)
    quarantined = int((combined.inzendingen["status"] == harmonize.QUARANTINED).sum())
    return CleanData(frames, delivered.validation.problems, quarantined, validation=delivered.validation)


def reference_tables(inzendingen: pd.DataFrame, bronbestanden: pd.DataFrame) -> ReferenceTables:
    """Stage 4: reads the codebook and the municipality register (jaargangen also the submissions); makes
    gemeenten, jaargangen, vragen, vraagversies, antwoordopties, optielabels_per_jaar."""
    book = cb.load()
    return ReferenceTables(
        gemeenten=gemeenten(),
        jaargangen=jaargangen(book, inzendingen, bronbestanden),
        vragen=codebook_tables.vragen(book),
        vraagversies=codebook_tables.vraagversies(book),
        antwoordopties=codebook_tables.antwoordopties(book),
        optielabels_per_jaar=codebook_tables.optielabels_per_jaar(book),
    )


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
    dangling = foreignkeys.check_foreign_keys(checked)
    if dangling:
        raise BuildError("Verwijzingen tussen tabellen kloppen niet: " + "; ".join(dangling[:10]))
    return checked


def quality_gate(db_path: Path, data: CleanData, report_dir: Path, refused_dir: Path | None = None,
                 pending=None) -> QualityResult:
    """Run the Great Expectations checks on the staged database (or wait for the run `pending`
    started), store them in it as the tables kwaliteitscontroles and kwaliteitsresultaten, and
    write the report. Raises BuildRefused (after writing the refused report to refused_dir, if
    given) when a fatal check fails."""
    from .. import quality

    result = (pending or quality.start(db_path)).result()
    data.quality = result
    if not result.publiceerbaar:
        why = refusal.from_quality(result)
        stem = None if refused_dir is None else refused_dir / REFUSED_REPORT
        if stem is not None:
            write_report(stem, data, why)
        raise BuildRefused(why, stem)
    quality.write_tables(db_path, result)
    write_report(report_dir / REPORT, data)
    return result


def write_report(stem: Path, data: CleanData, why: refusal.Refusal | None = None, synthetic: bool | None = None) -> None:
    """The steward's report (stem.html and stem.json): deliveries, clean tables, database checks;
    for a refused build, led by why it was refused."""
    from ..quality import report as quality_report

    if synthetic is None:
        synthetic = bool(data.frames["bronbestanden"]["synthetisch"].astype(int).any())
    quality_report.write(stem.with_suffix(".html"), stem.with_suffix(".json"), data.validation, data.quality,
                         data.clean_checks, synthetic, refusal=None if why is None else why.as_dict())


class BuildRefused(BuildError):
    """A refusal with its cause (`refusal`), reported to the steward before it was raised."""

    def __init__(self, why: refusal.Refusal, report_stem: Path | None = None):
        super().__init__(why.message(report_stem))
        self.refusal = why


def address_refusal(bronbestanden: pd.DataFrame) -> refusal.Refusal | None:
    """A refusal when real (non-synthetic) active deliveries would be published while metadata.yml's
    `catalogus.basis_url` is a placeholder; None otherwise."""
    catalogus = release.metadata()["catalogus"]
    if release.site_address(catalogus) is not None:
        return None
    active = bronbestanden[bronbestanden["actief"].astype(int) == 1]
    real = sorted(active.loc[active["synthetisch"].astype(int) == 0, "bestand"])
    return refusal.from_placeholder_address(catalogus.get("basis_url"), real) if real else None


def _synthetic(raw_dir: Path) -> bool:
    """Any delivery flagged synthetic in the manifest (True when it cannot be read: the safe side)."""
    from ..intake import manifest

    try:
        rows = manifest.read_manifest(raw_dir / validate.MANIFEST_NAME)
    except (OSError, manifest.ManifestError):
        return True
    return any(r[manifest.SYNTHETIC] for r in rows)


def _refuse(live: Path, why: refusal.Refusal, data: CleanData, synthetic: bool | None = None) -> BuildRefused:
    """Write the refused report beside the (untouched) publication; the error to raise."""
    stem = live / REFUSED_REPORT
    write_report(stem, data, why, synthetic)
    return BuildRefused(why, stem)


def publish(staging: Path, clean_dir: Path, datapackage: Path | None) -> None:
    """Make the complete staged folder the publication by one atomic switch (see publication.py);
    files of the live folder that the build does not write are carried over, an earlier refusal
    report is not. Then remove the previous publication and bring the root datapackage.json in line."""
    faults.publishing()  # a stop signal from here on no longer stops the build: it is publishing
    publication.switch(staging, clean_dir, skip={f"{REFUSED_REPORT}.html", f"{REFUSED_REPORT}.json"})
    shutil.rmtree(staging, ignore_errors=True)  # now the previous publication
    if datapackage is not None and not package_inside(clean_dir, datapackage):
        try:
            sync_datapackage(clean_dir, datapackage)
        except OSError as exc:  # after the switch: the message must not say the old publication stands
            raise faults.Published(exc, datapackage) from exc


def build(clean_dir: Path = CLEAN, raw_dir: Path = RAW, allow_quarantine: bool = False,
          datapackage: Path | None = ROOT / "datapackage.json", redactions: Path | None = None) -> CleanData:
    """Build and publish; one build at a time per output folder (BuildError when another holds it).
    The redaction cache is `redactions`, else that of raw_dir's data root (deidentify.py)."""
    from .. import deidentify

    deidentify.use_cache(raw_dir, redactions)
    live = Path(clean_dir).resolve()
    try:
        with publication.locked(live), gcpolicy.batch():
            return _build_locked(live, raw_dir, allow_quarantine, datapackage)
    except publication.PublicationLocked as exc:
        raise BuildError(str(exc)) from None


def _build_locked(live: Path, raw_dir: Path, allow_quarantine: bool, datapackage: Path | None) -> CleanData:
    from .. import quality
    from ..publish import site_metadata
    from ..tables import load

    progress.step("voorbereiden")
    quality.prewarm()  # GE imported in a second process, a third for the diff and exports (quality/worker.py)
    publication.recover(live)  # what a killed build left: staging folders, a half-done fallback switch
    live.mkdir(parents=True, exist_ok=True)
    if datapackage is not None and not package_inside(live, datapackage):
        sync_datapackage(live, datapackage)
    staging = publication.staging_dir(live)
    staging.mkdir()
    try:
        try:
            data = clean_frames(raw_dir, allow_quarantine)
        except BuildError as exc:
            # clean_frames keeps no partial result: validate again for the report (refusals only)
            result = validate.validate_paths([raw_dir])
            errors = any(p.ernst == FOUT for p in result.problems)
            why = (refusal.from_validation(result.problems, raw_dir) if errors and not allow_quarantine
                   else refusal.from_build_error(str(exc)))
            raise _refuse(live, why, CleanData({}, result.problems, validation=result), _synthetic(raw_dir)) from None
        progress.step("tabellen controleren")
        try:
            data.frames = check_frames(data.frames, data.clean_checks)
        except BuildError as exc:  # no database checks: never publishable
            raise _refuse(live, refusal.from_clean_checks(data.clean_checks, str(exc)), data) from None
        if why := address_refusal(data.frames["bronbestanden"]):
            raise _refuse(live, why, data)
        # the diff with the live publication (read now, before the switch replaces it) runs in a
        # warm process, which then writes the exports, while this one loads the other tables;
        # `wijzigingen` is loaded last
        progress.step("database laden en wijzigingen bepalen")
        side = quality.start_changes(live / DB_NAME, data.frames, exports=(staging, live, datapackage))
        load.write_database(data.frames, staging / DB_NAME, raw_dir, later={"wijzigingen": side.changes})
        changes.write_changelog(data.frames["wijzigingen"], staging)
        # the gate runs in the other warm process meanwhile; nothing is published before it
        # passed, and a refusal discards the staged exports
        progress.step("metadata en exports")
        pending = quality.start(staging / DB_NAME)
        site_metadata.write(staging / DB_NAME, staging / SITE_METADATA)
        side.exports()  # (written here when the helper process could not)
        progress.step("kwaliteitspoort")
        quality_gate(staging / DB_NAME, data, staging, live, pending)
        progress.step("publiceren")
        publish(staging, live, datapackage)
    finally:
        quality.discard()
        shutil.rmtree(staging, ignore_errors=True)
    return data
