"""datapackage.json: the clean tables as a Frictionless data package, described from their Table
Schemas (`cleanschema`) and the `datapackage:` block of metadata.yml."""
from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_atomic
from ..paths import RAW, ROOT
from . import people_sheets
from ..tables import cleanschema
from ..tables.cleanschema import may_be_empty

METADATA_PATH = ROOT / "metadata.yml"


def package_metadata(metadata_path: Path = METADATA_PATH) -> dict:
    """The `datapackage` block (plus `title`), the survey years filled in (release.metadata)."""
    from . import release

    metadata = release.metadata(metadata_path)
    block = dict(metadata.get("datapackage") or {})
    block.setdefault("title", metadata.get("title"))
    return block


def any_synthetic(manifest: Path = RAW / "MANIFEST.csv") -> bool:
    """True while any delivery in raw/MANIFEST.csv is flagged synthetic (read by intake/manifest.py)."""
    from ..intake.manifest import any_synthetic as in_manifest

    return in_manifest(manifest)


def resource_schema(table: str) -> dict:
    """The Table Schema as it goes into datapackage.json (keys in a fixed order). Every export writes
    "" as missing, so the published schema says missingValues [""] and does not require a field
    that may be empty."""
    schema = cleanschema.load(table)
    fields = []
    for f in schema["fields"]:
        if may_be_empty(f) and (f.get("constraints") or {}).get("required"):
            f = {**f, "constraints": {k: v for k, v in f["constraints"].items() if k != "required"}}
        fields.append(f)
    out = {"fields": fields}
    for key in ("primaryKey", "foreignKeys"):
        if key in schema:
            out[key] = schema[key]
    out["missingValues"] = [""]
    return out


def datapackage(csv_dir_relative: str = "clean/csv", synthetic: bool | None = None,
                metadata_path: Path = METADATA_PATH, csv_dir: Path | None = None) -> dict:
    """The package; `csv_dir` (the CSV files it describes) gives the data part of its version
    (eenzaamheid/publish/release.py: version, created, homepage and suggested citation)."""
    from . import release

    meta = package_metadata(metadata_path)
    if synthetic is None:
        synthetic = any_synthetic()
    description = meta["description"].strip()
    if synthetic and meta.get("synthetisch_melding"):
        description = meta["synthetisch_melding"].strip() + "\n\n" + description
    prefix = csv_dir_relative.strip("/")
    resources = []
    for table in cleanschema.TABLES:
        schema = cleanschema.load(table)
        resources.append({
            "name": table,
            "path": f"{prefix}/{table}.csv" if prefix else f"{table}.csv",
            "profile": "tabular-data-resource",
            "title": schema["title"],
            "description": " ".join(schema["description"].split()),
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": resource_schema(table),
        })
    # the spreadsheets for people (publish/people_sheets.py) written beside the CSV folder, with paths
    # relative to the publication folder
    folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
    written = Path(csv_dir).parent if csv_dir is not None else None
    for resource in people_sheets.resources(meta["title"]) if written is not None else []:
        if (written / resource["path"]).is_file():
            resources.append({**resource, "path": f"{folder}/{resource['path']}" if folder else resource["path"]})
    package = {"profile": "tabular-data-package", "name": meta["name"], "title": meta["title"],
               "description": description}
    catalogus = release.metadata(metadata_path).get("catalogus") or {}
    package.update(release.release(meta, catalogus, csv_dir) if catalogus else {"version": meta.get("version")})
    for key in ("licenses", "sources", "contributors", "keywords"):
        if meta.get(key):
            package[key] = meta[key]
    package["resources"] = resources
    return package


def write_datapackage(path: Path, csv_dir_relative: str = "clean/csv", synthetic: bool | None = None) -> dict:
    """Write datapackage.json (resource paths relative to its folder) and return it as a dict.
    `synthetic=None` reads raw/MANIFEST.csv: the synthetic-data notice is in the description
    while any delivery is synthetic."""
    package = datapackage(csv_dir_relative, synthetic, csv_dir=Path(path).parent / csv_dir_relative)
    text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
    write_atomic(Path(path), text)
    return package
