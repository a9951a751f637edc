"""The facts that identify one publication: version, creation date and how to cite it.

Version rule: `<format version>+<data hash>`, where the format version is `datapackage.version` in
metadata.yml (raised by hand when tables or columns change meaning) and the data hash is the first
12 hex digits of a sha256 over the published CSV files (name and bytes). A change of the codebook,
of a delivery or of the processing that changes any published value therefore gives a new version;
two builds of the same input give the same version, and so the same package bytes. The change record
(`wijzigingen.csv`) is left out: it describes the step from the previous publication, not this data,
so the same data built after a different predecessor keeps its version.

`created` is deterministic too: the moment in $SOURCE_DATE_EPOCH when set (the reproducible-builds
convention, for a release), otherwise the day the newest delivery in raw/MANIFEST.csv was received.
A clock time would make every build differ.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from .. import yamlfile

from ..paths import CLEAN, RAW, ROOT

METADATA_PATH = ROOT / "metadata.yml"
HASH_DIGITS = 12
NOT_DATA = {"wijzigingen.csv"}  # history of the publication, not its data (see the version rule)
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")


def metadata(path: Path = METADATA_PATH, years: Iterable[int] | None = None) -> dict:
    """metadata.yml with the survey years filled in (`{jaren}` etc., eenzaamheid/years.py) and
    `catalogus.periode` derived from them unless set: `years` are the served database's on the site,
    else the codebook's (the build)."""
    from .. import years as survey_years

    if years is None:
        from .. import codebook
        years = codebook.YEARS
    meta = survey_years.fill(yamlfile.load(path), years)
    if isinstance(meta.get("catalogus"), dict):
        meta["catalogus"]["periode"] = survey_years.period(years, meta["catalogus"].get("periode"))
    return meta


# Host names that can never be a real site (RFC 2606 / RFC 6761): a `basis_url` on one of them is a
# placeholder, and no published file may send a reader there.
RESERVED_HOSTS = ("example", "example.com", "example.net", "example.org", "test", "invalid", "localhost")


def is_placeholder(url: str | None) -> bool:
    """True for an empty address or one on a reserved host (benchmark-eenzaamheid.example.org)."""
    host = (urlsplit(url or "").hostname or "").lower().rstrip(".")
    return not host or any(host == r or host.endswith("." + r) for r in RESERVED_HOSTS)


def site_address(catalogus: dict) -> str | None:
    """The site's public address without a trailing slash; None while `basis_url` is a placeholder
    (then the published files name no address and the site names the one it is served from)."""
    url = (catalogus.get("basis_url") or "").strip()
    return None if is_placeholder(url) else url.rstrip("/")


def placeholder_warning(catalogus: dict) -> str | None:
    """The steward's warning (Dutch) while `catalogus.basis_url` in metadata.yml is a placeholder."""
    if site_address(catalogus) is not None:
        return None
    return (f"Let op: catalogus.basis_url in metadata.yml is nog een voorbeeldadres "
            f"({catalogus.get('basis_url') or 'leeg'}). De gepubliceerde bestanden noemen daarom geen adres: "
            "de citatie en CITATION.cff zonder URL, dcat.ttl met adressen ten opzichte van waar het bestand "
            "staat. Zet het echte adres van de site in metadata.yml voordat u publiceert; met echte "
            "(niet-synthetische) leveringen weigert de build te publiceren zolang dit een voorbeeldadres is.")


def data_hash(csv_dir: Path) -> str | None:
    """sha256 over the CSV files of the package (sorted by name); None when there are none."""
    files = sorted(f for f in Path(csv_dir).glob("*.csv") if f.name not in NOT_DATA) \
        if csv_dir and Path(csv_dir).is_dir() else []
    if not files:
        return None
    total = hashlib.sha256()
    for f in files:
        total.update(f.name.encode() + b"\0" + _file_digest(f))
    return total.hexdigest()[:HASH_DIGITS]


_digests: dict[tuple, bytes] = {}


def _file_digest(path: Path) -> bytes:
    """sha256 of one file, once per version of it: the build asks for the package's version twice
    (the workbooks, then the zip), and at 100x the CSV files are ~700 MB. Every export is written
    as a new file (atomic.py), so a rewritten file has a new inode and mtime."""
    st = path.stat()
    key = (str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
    if key not in _digests:
        with open(path, "rb") as data:  # read in blocks: a CSV of a large delivery is hundreds of MB
            _digests[key] = hashlib.file_digest(data, "sha256").digest()
    return _digests[key]


def version(base: str, csv_dir: Path | None) -> str:
    digest = data_hash(csv_dir) if csv_dir else None
    return f"{base}+{digest}" if digest else str(base)


def created(manifest: Path = RAW / "MANIFEST.csv") -> str:
    """RFC 3339 UTC timestamp, e.g. '2024-12-16T00:00:00Z' (see the module docstring)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    days = []
    try:
        with open(manifest, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                try:
                    days.append(dt.date.fromisoformat((row.get("ontvangen") or "").strip()))
                except ValueError:
                    continue
    except OSError:
        pass
    day = max(days) if days else dt.date(1970, 1, 1)
    return f"{day.isoformat()}T00:00:00Z"


def versions(clean: Path = CLEAN) -> str:
    """`eenzaamheid --version` (Dutch): the program's version and the data's, that is the live
    publication's (clean/datapackage.json), or without one the format version in metadata.yml."""
    import importlib.metadata
    import json

    from .. import __version__
    try:
        program = importlib.metadata.version("benchmark-eenzaamheid")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without installing it
        program = __version__
    try:
        package = json.loads((clean / "datapackage.json").read_text(encoding="utf-8"))
        data = f"data {package['version']} (publicatie van {dutch_date(package['created'])}, {clean.name}/datapackage.json)"
    except (OSError, ValueError, KeyError):
        try:
            fmt = (yamlfile.load(METADATA_PATH).get("datapackage") or {}).get("version", "onbekend")
        except OSError:  # a data root without metadata.yml
            fmt = "onbekend"
        data = f"data: nog geen publicatie in {clean.name}/; formaatversie {fmt} (metadata.yml)"
    return f"eenzaamheid {program}\n{data}"


def dutch_date(timestamp: str) -> str:
    """'2024-12-16T00:00:00Z' -> '16 december 2024'."""
    day = dt.date.fromisoformat(timestamp[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def citation(title: str, publisher: str, version_: str, created_: str, url: str | None) -> str:
    """The suggested citation (Dutch, APA-like): maker (year). Title (versie X) [dataset]. URL
    (without the URL while the site has no public address yet)."""
    return (f"{publisher} ({created_[:4]}). {title} (versie {version_}, {dutch_date(created_)}) "
            f"[dataset].{' ' + url if url else ''}")


def served_citation(package: dict, served_url: str) -> str | None:
    """The citation as the site shows it: the package's own, or, while the package names no
    address (placeholder `basis_url`), with the address the site is served from."""
    text = package.get("citation")
    if not text or package.get("homepage"):
        return text
    return f"{text} {served_url}"


def release(package_meta: dict, catalogus: dict, csv_dir: Path | None, manifest: Path = RAW / "MANIFEST.csv") -> dict:
    """version, created, homepage and citation for datapackage.json."""
    v = version(package_meta.get("version", "0"), csv_dir)
    c = created(manifest)
    address = site_address(catalogus)
    homepage = address + "/" if address else None
    facts = {"version": v, "created": c, "homepage": homepage,
             "citation": citation(package_meta["title"], catalogus["uitgever"]["naam"], v, c, homepage)}
    return {k: val for k, val in facts.items() if val is not None}
