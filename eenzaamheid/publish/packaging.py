"""The publication as a data package: the zip (one download) with datapackage.json, the CSV files
and their documentation, and the root datapackage.json kept in line with the live publication."""
from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from ..atomic import write_atomic, write_atomic_with
from ..paths import ROOT
from ..changes import changes

EXPORT_DIRS = ("csv", "json", "parquet")
PACKAGE_ZIP = "benchmark-eenzaamheid.zip"  # the data package as one download


def write_exports(frames: dict, staging: Path, live: Path, datapackage: Path | None) -> None:
    """Every download of the staged publication from the checked frames: csv/json/parquet/xlsx, the
    spreadsheets for people (publish/people_sheets.py), and with a root `datapackage` the zip (and datapackage.json, when the package lives in the
    published folder). Reads nothing but the frames and the project's metadata, so it may run in
    the build's helper process while the database is loaded and checked."""
    from . import descriptor, export, people_sheets

    export.export_tables(frames, staging)
    synthetic = bool(frames["bronbestanden"]["synthetisch"].astype(int).any())
    # after the CSV files: the workbooks' first sheet names the version, a hash of those files
    package = descriptor.datapackage("csv", synthetic, csv_dir=staging / "csv")
    notice = (descriptor.package_metadata().get("synthetisch_melding") or "").strip() if synthetic else None
    people_sheets.write_all(frames, staging, package, " ".join((notice or "").split()) or None,
                            write_atomic_with)
    if datapackage is not None:
        if package_inside(live, datapackage):  # part of the folder, switched with it
            descriptor.write_datapackage(staging / datapackage.name, "csv", synthetic=synthetic)
        package_zip(staging, staging / PACKAGE_ZIP, synthetic)


def package_zip(staging: Path, path: Path, synthetic: bool) -> None:
    """The package as one download, and beside it in the staged folder datapackage.json and the
    DCAT record (dcat.ttl), each downloadable by itself. The zip holds datapackage.json with the CSV
    files (paths csv/...), the spreadsheets for people (spreadsheets/...), README.md (with the data dictionary), CITATION.cff, the codebook, the
    DCAT record and the licence texts; fixed timestamps and order: reproducible."""
    import json

    from . import release
    from .catalog import dcat, zipdocs
    from . import descriptor, people_sheets

    package = descriptor.datapackage("csv", synthetic, csv_dir=staging / "csv")
    package_bytes = (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    meta = release.metadata(descriptor.METADATA_PATH)
    catalogus = meta["catalogus"]
    files: dict[str, int | None] = {f"{fmt}/{f.name}": f.stat().st_size for fmt in EXPORT_DIRS
                                    for f in sorted((staging / fmt).glob(f"*.{fmt}"))}
    people = [name for name in people_sheets.file_names() if (staging / name).is_file()]
    files.update({name: (staging / name).stat().st_size for name in people})
    files.update({"datapackage.json": len(package_bytes), path.name: None})
    dcat_bytes = dcat.turtle(package, catalogus, files, path.name)
    write_atomic(staging / "datapackage.json", package_bytes)
    write_atomic(staging / dcat.DCAT_NAME, dcat_bytes)
    notice = (meta.get("datapackage") or {}).get("synthetisch_melding") or ""
    members = {"datapackage.json": package_bytes,
               "README.md": zipdocs.readme(package, synthetic, notice, meta.get("panels") or {}),
               "CITATION.cff": zipdocs.citation_cff(package, catalogus),
               "codebook.yaml": zipdocs.codebook_bytes(ROOT),
               dcat.DCAT_NAME: dcat_bytes, **zipdocs.licence_files()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        info = zip_member

        def add(name: str, data: bytes) -> None:
            z.writestr(info(name, len(data)), data)
        for name, data in members.items():
            add(name, data)
        for csv_file in sorted((staging / "csv").glob("*.csv")):
            # streamed in blocks (writestr is this with the whole file in memory: the same bytes)
            with open(csv_file, "rb") as source, z.open(info(f"csv/{csv_file.name}", csv_file.stat().st_size), "w") as dest:
                shutil.copyfileobj(source, dest, 1 << 20)
        for name in people:  # described in datapackage.json too
            add(name, (staging / name).read_bytes())
        if (staging / changes.CHANGELOG_NAME).exists():  # the diff with the previous publication
            add(changes.CHANGELOG_NAME, (staging / changes.CHANGELOG_NAME).read_bytes())


# A member this large (a long table of a delivery hundreds of times the demo's size) is deflated at level 1
# instead of zlib's default 6: about three times faster for ~15 % more bytes, where the zip's compression
# was the build's largest single cost (bench/RESULTS.md, 100x: 9.4 s). Every member of the demo is far
# below it, so its zip stays byte for byte what it was.
FAST_DEFLATE_FROM = 64 << 20


def zip_member(name: str, size: int) -> zipfile.ZipInfo:
    """A zip entry with fixed time and mode (a reproducible zip); deflated at level 1 from FAST_DEFLATE_FROM."""
    member = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    member.compress_type, member.external_attr, member.file_size = zipfile.ZIP_DEFLATED, 0o644 << 16, size
    if size >= FAST_DEFLATE_FROM:
        # the level a ZipInfo written with ZipFile.open(..., "w") is deflated at: `_compresslevel` in
        # Python 3.7-3.12, kept as an alias of `compress_level` from 3.13 (tests/test_catalog.py checks it)
        member._compresslevel = 1
    return member


def package_inside(clean_dir: Path, datapackage: Path | None) -> bool:
    return datapackage is not None and Path(os.path.abspath(datapackage)).parent == clean_dir


def sync_datapackage(clean_dir: Path, datapackage: Path) -> bool:
    """Make datapackage.json outside the publication folder (the project root's) describe the live
    publication: it is the package inside the live zip with the CSV paths relative to it. Written
    right after the switch, and again at the next build's start when a kill came in between.
    Returns whether it had to be (re)written."""
    import json


    try:
        with zipfile.ZipFile(clean_dir / PACKAGE_ZIP) as z:
            package = json.loads(z.read("datapackage.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False  # no (complete) publication yet: nothing to describe
    folder = Path(os.path.relpath(clean_dir, Path(os.path.abspath(datapackage)).parent)).as_posix()
    for resource in package["resources"]:  # csv/x.csv, spreadsheets/y.xlsx: relative to the publication
        resource["path"] = f"{folder}/{resource['path']}" if folder != "." else resource["path"]
    text = (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if datapackage.exists() and datapackage.read_bytes() == text:
        return False
    write_atomic(datapackage, text)
    return True
