"""The "Over deze data" page (/over) and the schema.org Dataset JSON-LD of the home page.

Both read the publication they describe: datapackage.json next to the served database (version,
creation date, citation, licences: eenzaamheid/publish/release.py), the database's `build` table
(source commit) and the Store of the plugin (years, questions, comparability breaks); the rest
comes from metadata.yml (`catalogus`, `panels`), the one source of the catalogue records.
"""
from __future__ import annotations

import json
from pathlib import Path

from eenzaamheid.publish import release

NOT_COMPARABLE = ("nee", "onzeker")
ZIP_NAME = "benchmark-eenzaamheid.zip"
JSONLD_FORMATS = {"CSV": "text/csv", "JSON": "application/json", "Parquet": "application/vnd.apache.parquet",
                  "Excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def package(db_path: str | None) -> dict:
    """datapackage.json next to the served database, or {} when the build wrote none."""
    if not db_path:
        return {}
    try:
        return json.loads((Path(db_path).parent / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def catalogus(store) -> dict:
    """metadata.yml with the served database's years filled in (`{jaren}`, `catalogus.periode`)."""
    try:
        return release.metadata(years=store.jaren)
    except OSError:
        return {}


async def build_facts(db) -> dict:
    try:
        rows = await db.execute("select sleutel, waarde from build")
    except Exception:  # noqa: BLE001 - a database without provenance: say it is unknown
        return {}
    return {r["sleutel"]: r["waarde"] for r in rows}


def breaks(store) -> list[dict]:
    """Question-years that cannot be compared with the year before, in questionnaire order."""
    out = []
    for v in store.vragen:
        for jaar in store.jaren:
            versie = store.versies.get((v["vraag_id"], jaar))
            if versie and versie.get("vergelijkbaar_met_vorig_jaar") in NOT_COMPARABLE:
                out.append({"vraag_id": v["vraag_id"], "onderwerp": v["onderwerp"], "jaar": jaar,
                            "status": versie["vergelijkbaar_met_vorig_jaar"], "reden": versie.get("reden") or ""})
    return out


async def context(datasette, store, db) -> dict:
    """Everything the template over.html shows (cached per served database)."""
    cached = store.cache.get("over")
    if cached is not None:
        return cached
    pkg = package(db.path)
    meta = catalogus(store)
    facts = await build_facts(db)
    created = pkg.get("created")
    out = {
        "pakket": pkg,
        "versie": pkg.get("version"),
        "datum": release.dutch_date(created) if created else None,
        "citaat": pkg.get("citation"),  # completed per request: served_citation
        "commit": facts.get("git_commit"),
        "pakketversie": facts.get("pakketversie"),
        "licenties": pkg.get("licenses") or [],
        "panels": meta.get("panels") or {},
        "jaargangen": [store.jaargangen[j] for j in store.jaren],
        "breuken": breaks(store),
        "aantal_vragen": len(store.vragen),
    }
    store.cache["over"] = out
    return out


def served_citation(context: dict, served_url: str) -> str | None:
    """/over's citation: the package's, with the address the site is served from while the
    package names none (a placeholder `basis_url`)."""
    return release.served_citation(context["pakket"], served_url)


def cached_jsonld(store, db_path: str | None, base_url: str, downloads: dict) -> dict | None:
    key = ("jsonld", base_url)
    if key not in store.cache:
        store.cache[key] = jsonld(package(db_path), catalogus(store), base_url, store, downloads)
    return store.cache[key]


def jsonld(pkg: dict, meta: dict, base_url: str, store, downloads: dict) -> dict | None:
    """schema.org Dataset for dataset search engines (https://schema.org/Dataset); None without a
    package. `base_url` is the site's address as the request reached it; `downloads` the files found
    next to the database (plugin's _downloads: relative URLs)."""
    if not pkg:
        return None
    cat = meta.get("catalogus") or {}
    base = base_url.rstrip("/")

    def absolute(url: str) -> str:
        return url if url.startswith("http") else base + url

    distribution = [{"@type": "DataDownload", "name": f["naam"], "contentUrl": absolute(f["url"]),
                     "encodingFormat": "application/zip" if f["naam"].endswith(".zip") else "application/json"}
                    for f in downloads.get("pakket", []) if f["naam"] in (ZIP_NAME, "datapackage.json")]
    for table in downloads.get("tabellen", []):
        for f in table["bestanden"]:
            distribution.append({"@type": "DataDownload", "name": f"{table['naam']} ({f['formaat']})",
                                 "contentUrl": absolute(f["url"]),
                                 "encodingFormat": JSONLD_FORMATS.get(f["formaat"], "application/octet-stream")})
    period = cat.get("periode") or {}
    record = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": pkg["title"],
        "description": " ".join(pkg["description"].split())[:5000],
        "url": base + "/",
        "sameAs": pkg.get("homepage"),  # absent while the site's address is a placeholder
        "identifier": cat.get("identificator", pkg.get("name")),
        "version": pkg.get("version"),
        "datePublished": (pkg.get("created") or "")[:10] or None,
        # a publication is never edited in place: each build is a new version, published the day it was created
        "dateModified": (pkg.get("created") or "")[:10] or None,
        "inLanguage": "nl",
        "isAccessibleForFree": True,
        "keywords": pkg.get("keywords", []),
        "license": [lic["path"] for lic in pkg.get("licenses", []) if lic.get("path")],
        "creator": [{"@type": "Organization", "name": m["naam"]} for m in cat.get("makers", [])],
        "publisher": {"@type": "Organization", "name": (cat.get("uitgever") or {}).get("naam")},
        "citation": release.served_citation(pkg, base + "/"),
        "temporalCoverage": f"{period.get('begin', '')[:4]}/{period.get('eind', '')[:4]}",
        "spatialCoverage": {"@type": "Place", "name": cat.get("gebied", "Nederland")},
        "variableMeasured": [{"@type": "PropertyValue", "propertyID": v["vraag_id"], "name": v["onderwerp"],
                              "description": v.get("sectie_label") or ""} for v in store.vragen],
        "distribution": distribution,
    }
    return {k: v for k, v in record.items() if v is not None}
