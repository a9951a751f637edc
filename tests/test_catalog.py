"""The publication as a downloader and a data catalogue meet it: datapackage.json with its release
facts, the zip's contents, frictionless on the package and the zip, the DCAT-AP-NL 3.0 record.
All on the run's shared demo build (conftest `demo_build`)."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from eenzaamheid import build, codebook
from eenzaamheid.publish import release

DCAT = Namespace("http://www.w3.org/ns/dcat#")   # open namespaces: DCAT 3 terms without warnings
DCTERMS = Namespace("http://purl.org/dc/terms/")

ROOT = Path(__file__).resolve().parent.parent
FRICTIONLESS = str(Path(sys.executable).parent / "frictionless")
RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

# DCAT-AP-NL 3.0 (Geonovum), the properties with cardinality 1..n or 1..1, written out here on
# purpose rather than imported from the module under test.
MANDATORY = {
    DCAT.Catalog: (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.dataset),
    DCAT.Dataset: (DCTERMS.title, DCTERMS.description, DCTERMS.identifier, DCTERMS.publisher, DCTERMS.creator,
                   DCAT.contactPoint, DCAT.theme, DCTERMS.accessRights),
    DCAT.Distribution: (DCAT.accessURL, DCTERMS.license),
}
ONE_ONLY = {DCAT.Dataset: (DCTERMS.identifier, DCTERMS.publisher, DCTERMS.accessRights),
            DCAT.Distribution: (DCAT.accessURL, DCTERMS.license)}


@pytest.fixture(scope="module")
def out(demo_build) -> Path:
    assert demo_build.returncode == 0, demo_build.stderr[-3000:]
    return demo_build.out


@pytest.fixture(scope="module")
def package(out) -> dict:
    return json.loads((out / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def zipped(out) -> dict[str, bytes]:
    with zipfile.ZipFile(out / build.PACKAGE_ZIP) as z:
        return {name: z.read(name) for name in z.namelist()}


def manifest_days() -> list[str]:
    with open(ROOT / "raw" / "MANIFEST.csv", encoding="utf-8-sig", newline="") as f:
        return [row["ontvangen"] for row in csv.DictReader(f)]


# ------------------------------------------------------------------ datapackage.json

def test_datapackage_carries_version_created_homepage_and_citation(out, package):
    meta = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    base, _, digest = package["version"].partition("+")
    assert base == meta["datapackage"]["version"] and re.fullmatch(r"[0-9a-f]{12}", digest)
    assert digest == release.data_hash(out / "csv")  # the version is the data's
    assert RFC3339_UTC.fullmatch(package["created"])
    assert package["created"][:10] == max(manifest_days())  # the newest delivery, no clock time
    assert package["version"] in package["citation"] and package["title"] in package["citation"]
    address = release.site_address(meta["catalogus"])
    if address is None:  # a placeholder basis_url: the package names no address at all
        assert "homepage" not in package and package["citation"].endswith("[dataset]."), package["citation"]
    else:
        assert package["homepage"] == address + "/" and package["citation"].endswith(package["homepage"])
    # speaks to a downloader: no repository paths
    assert not re.search(r"\b(raw|clean|reference|schemas)/", package["description"]), package["description"]
    # the package inside the zip is the same file
    assert (out / "datapackage.json").read_bytes() == zipfile.ZipFile(out / build.PACKAGE_ZIP).read("datapackage.json")


def test_version_changes_with_the_data_and_only_with_it(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "x.csv").write_text("k,v\n1,2\n", encoding="utf-8")
        (folder / "y.csv").write_text("k\n1\n", encoding="utf-8")
    assert release.version("0.1.0", a) == release.version("0.1.0", b)
    (b / "x.csv").write_text("k,v\n1,3\n", encoding="utf-8")  # one value changed
    assert release.version("0.1.0", a) != release.version("0.1.0", b)
    (b / "x.csv").write_text("k,v\n1,2\n", encoding="utf-8")
    (b / "z.csv").write_text("k\n", encoding="utf-8")  # a table added
    assert release.version("0.1.0", a) != release.version("0.1.0", b)


def test_created_follows_source_date_epoch_when_set(monkeypatch, tmp_path):
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text("bestand,ontvangen\na,2023-01-02\nb,2024-05-06\nc,\n", encoding="utf-8")
    assert release.created(manifest) == "2024-05-06T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    assert release.created(manifest) == "2025-01-01T00:00:00Z"


# ------------------------------------------------------------------ the zip

def test_zip_holds_readme_citation_codebook_licences_and_dcat(out, package, zipped):
    names = set(zipped)
    assert {"datapackage.json", "README.md", "CITATION.cff", "codebook.yaml", "dcat.ttl"} <= names
    assert {r["path"] for r in package["resources"]} <= names  # csv/<table>.csv and spreadsheets/ for people
    for lic in package["licenses"]:
        assert f"LICENSES/{lic['name']}.txt" in names, lic["name"]
    assert zipped["LICENSES/CC-BY-4.0.txt"].startswith(b"Attribution 4.0 International")
    assert b"CC0 1.0 Universal" in zipped["LICENSES/CC0-1.0.txt"]
    # one file for the downloader: the questionnaire merged with every year file, saying so in its header
    zipped_book = zipped["codebook.yaml"].decode("utf-8")
    assert zipped_book.startswith("#") and "schemas/jaren/" in zipped_book.splitlines()[1]
    assert yaml.safe_load(zipped_book) == codebook.load().data
    assert zipped["dcat.ttl"] == (out / "dcat.ttl").read_bytes()

    readme = zipped["README.md"].decode("utf-8")
    assert "synthetische demodata" in readme and package["version"] in readme and package["citation"] in readme
    for r in package["resources"]:  # the data dictionary: every table and every column with its meaning
        section = readme.split(f"### {r['name']} – ", 1)
        assert len(section) == 2, r["name"]
        body = section[1].split("\n### ", 1)[0]
        assert f"`{r['path']}`" in body, r["name"]
        if not r["path"].startswith("csv/"):  # a spreadsheet for people: its columns are on its sheet Kolommen
            continue
        for field in r["schema"]["fields"]:
            assert f"| `{field['name']}` |" in body, (r["name"], field["name"])

    cff = yaml.safe_load(zipped["CITATION.cff"])
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["version"] == package["version"] and cff["title"] == package["title"]
    assert cff["date-released"] == package["created"][:10] and cff["authors"]
    assert set(cff["license"]) == {lic["name"] for lic in package["licenses"]}


def test_zip_timestamps_are_fixed(out):
    with zipfile.ZipFile(out / build.PACKAGE_ZIP) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("target", ["datapackage.json", build.PACKAGE_ZIP])
def test_frictionless_validates_the_package_and_the_zip(out, tmp_path, target):
    """As a downloader gets them: datapackage.json beside csv/ as on the site, and the zip alone."""
    folder = tmp_path / "download"
    folder.mkdir()
    shutil.copy(out / target, folder / target)
    if target == "datapackage.json":
        shutil.copytree(out / "csv", folder / "csv")
        shutil.copytree(out / "spreadsheets", folder / "spreadsheets")
    proc = subprocess.run([FRICTIONLESS, "validate", "--json", target], cwd=folder, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["valid"] is True
    assert len(report["tasks"]) == len(json.loads((out / "datapackage.json").read_text())["resources"])


# ------------------------------------------------------------------ DCAT-AP-NL 3.0

@pytest.fixture(scope="module")
def dcat(out) -> Graph:
    g = Graph()
    g.parse(out / "dcat.ttl", format="turtle")
    return g


def test_dcat_record_has_the_mandatory_properties(dcat):
    for cls, properties in MANDATORY.items():
        subjects = list(dcat.subjects(RDF.type, cls))
        assert subjects, f"no {cls}"
        for s in subjects:
            for p in properties:
                assert list(dcat.objects(s, p)), (s, p)
    for cls, properties in ONE_ONLY.items():
        for s in dcat.subjects(RDF.type, cls):
            for p in properties:
                assert len(list(dcat.objects(s, p))) == 1, (s, p)
    dataset = next(dcat.subjects(RDF.type, DCAT.Dataset))
    for p in (DCTERMS.publisher, DCTERMS.creator):  # agents carry a name
        for agent in dcat.objects(dataset, p):
            assert list(dcat.objects(agent, URIRef("http://xmlns.com/foaf/0.1/name"))), agent
    assert str(next(dcat.objects(dataset, DCTERMS.accessRights))).endswith("/access-right/PUBLIC")


def test_dcat_describes_every_published_file(out, dcat, package):
    dataset = next(dcat.subjects(RDF.type, DCAT.Dataset))
    assert str(next(dcat.objects(dataset, DCAT.version))) == package["version"]
    urls = {str(next(dcat.objects(d, DCAT.accessURL))) for d in dcat.objects(dataset, DCAT.distribution)}
    published = {p.relative_to(out).as_posix() for fmt in ("csv", "json", "parquet")
                 for p in (out / fmt).glob(f"*.{fmt}")} | {"datapackage.json", build.PACKAGE_ZIP} \
        | {p.relative_to(out).as_posix() for p in (out / "spreadsheets").iterdir()}
    assert {u.split("/bestanden/", 1)[1] for u in urls} == published
    for d in dcat.objects(dataset, DCAT.distribution):
        media = str(next(dcat.objects(d, DCAT.mediaType)))
        url = str(next(dcat.objects(d, DCAT.accessURL)))
        if url.endswith(".parquet"):
            assert media.endswith("/application/vnd.apache.parquet")
        size = list(dcat.objects(d, DCAT.byteSize))
        if size:
            assert int(size[0]) == (out / url.split("/bestanden/", 1)[1]).stat().st_size


# ------------------------------------------------------------------ the site's address

# any http(s) address on a host reserved for examples (RFC 2606 / 6761)
PLACEHOLDER_URL = re.compile(rb"https?://(?:[\w-]+\.)*(?:example(?:\.(?:com|net|org))?|test|invalid|localhost)\b")
REAL_ADDRESS = "https://data.eenzaamheid-benchmark.nl"


@pytest.mark.parametrize("url, placeholder", [
    ("https://benchmark-eenzaamheid.example.org", True), ("https://example.com/", True), ("", True),
    ("http://localhost:8001", True), ("https://site.test", True), ("https://x.invalid", True),
    (REAL_ADDRESS, False), ("https://example.org.nl", False)])
def test_placeholder_addresses_are_recognised(url, placeholder):
    assert release.is_placeholder(url) is placeholder


def test_nothing_published_names_a_placeholder_host(out):
    """The committed metadata.yml has a placeholder basis_url: no published byte may point there."""
    assert release.site_address(release.metadata()["catalogus"]) is None, "metadata.yml has a real address now"
    checked = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.suffix != ".db"):
        blobs = ([zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()]
                 if path.suffix in (".zip",) else [path.read_bytes()])
        for blob in blobs:
            assert not PLACEHOLDER_URL.search(blob), (path, PLACEHOLDER_URL.search(blob).group())
            checked += 1
    assert checked > 20
    cff = yaml.safe_load(zipfile.ZipFile(out / build.PACKAGE_ZIP).read("CITATION.cff"))
    assert "url" not in cff and cff["version"]


def test_dcat_record_resolves_against_where_it_is_served(out):
    """With a placeholder address the record's IRIs are relative: read from the site they are the site's."""
    g = Graph()
    g.parse(out / "dcat.ttl", format="turtle", publicID=f"{REAL_ADDRESS}/bestanden/dcat.ttl")
    dataset = next(g.subjects(RDF.type, DCAT.Dataset))
    assert str(dataset) == f"{REAL_ADDRESS}/#dataset"
    urls = [str(next(g.objects(d, DCAT.accessURL))) for d in g.objects(dataset, DCAT.distribution)]
    assert urls and all(u.startswith(f"{REAL_ADDRESS}/bestanden/") for u in urls)


def test_a_real_address_is_named_everywhere():
    catalogus = {**release.metadata()["catalogus"], "basis_url": REAL_ADDRESS + "/"}
    facts = release.release({"title": "T", "version": "1"}, catalogus, None)
    assert facts["homepage"] == REAL_ADDRESS + "/" and facts["citation"].endswith(" " + REAL_ADDRESS + "/")
    assert release.placeholder_warning(catalogus) is None
    from eenzaamheid.publish.catalog import dcat as dcat_module
    assert dcat_module.download_url(catalogus, "csv/x.csv") == f"{REAL_ADDRESS}/bestanden/csv/x.csv"
    # the site completes a citation only when the package names no address
    assert release.served_citation(facts, "http://127.0.0.1:8001/") == facts["citation"]
    assert release.served_citation({"citation": "C [dataset]."}, "http://127.0.0.1:8001/") == \
        "C [dataset]. http://127.0.0.1:8001/"


def test_build_warns_while_the_address_is_a_placeholder(demo_build):
    assert "catalogus.basis_url in metadata.yml is nog een voorbeeldadres" in demo_build.stderr


def test_build_refuses_real_data_with_a_placeholder_address(tmp_path):
    """One real (non-synthetic) delivery and a placeholder basis_url: refused before anything is
    published, with the cause, the file and what to do, in Dutch; exit 1."""
    from conftest import cli_in_process

    raw = tmp_path / "raw"
    (raw / "2019").mkdir(parents=True)
    shutil.copy(ROOT / "raw/2019/benchmark_eenzaamheid_2019_export.xlsx", raw / "2019")
    lines = (ROOT / "raw/MANIFEST.csv").read_text(encoding="utf-8-sig").splitlines()
    row = next(line for line in lines if line.startswith("2019/"))
    assert ",true," in row
    (raw / "MANIFEST.csv").write_text(lines[0] + "\n" + row.replace(",true,", ",false,") + "\n", encoding="utf-8")
    result = cli_in_process("build", "--raw", raw, "--uit", tmp_path / "out", "--allow-quarantine")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bij stap 'adres van de publicatie'" in result.stderr
    assert "2019/benchmark_eenzaamheid_2019_export.xlsx: niet synthetisch" in result.stderr
    assert "catalogus.basis_url" in result.stderr
    assert not (tmp_path / "out" / "benchmark.db").exists()
    report = json.loads((tmp_path / "out" / "kwaliteitsrapport_geweigerd.json").read_text(encoding="utf-8"))
    assert "adres" in json.dumps(report, ensure_ascii=False)


def test_a_very_large_member_is_deflated_fast_and_a_small_one_as_before(monkeypatch):
    """packaging.zip_member: from FAST_DEFLATE_FROM bytes a member is deflated at level 1 (the zip of a
    delivery hundreds of times the demo's size spent most of its time there); below it at zlib's default,
    so the demo's zip is unchanged. Checked on real deflate output, with the threshold lowered."""
    import io
    import zipfile
    import zlib

    from eenzaamheid.publish import packaging

    data = b"".join(b"%d;GM%04d;Ja;Nee;We kennen deze tool niet\r\n" % (i, i % 400) for i in range(60_000))
    monkeypatch.setattr(packaging, "FAST_DEFLATE_FROM", len(data))

    def deflated(name: str, size: int) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z, z.open(packaging.zip_member(name, size), "w") as out:
            out.write(data)
        with zipfile.ZipFile(buffer) as z:
            assert z.read(name) == data
            member = z.getinfo(name)
        return buffer.getvalue()[member.header_offset + 30 + len(name):][:member.compress_size]

    def raw_deflate(level: int) -> bytes:
        c = zlib.compressobj(level, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    assert deflated("groot.csv", len(data)) == raw_deflate(1)
    assert deflated("klein.csv", len(data) - 1) == raw_deflate(zlib.Z_DEFAULT_COMPRESSION)
    assert raw_deflate(1) != raw_deflate(zlib.Z_DEFAULT_COMPRESSION)
