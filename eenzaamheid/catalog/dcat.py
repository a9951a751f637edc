"""The dataset described in DCAT-AP-NL 3.0 (Turtle), for harvesting by data.overheid.nl.

Profile: DCAT-AP-NL 3.0 (Geonovum, 2024; https://docs.geostandaarden.nl/dcat/dcat-ap-nl30/), the
Dutch profile of DCAT-AP 3.0 and the successor of DCAT-AP-DONL 1.1/2.0, which data.overheid.nl
harvests. DONL 1.1 builds on DCAT-AP 1.1 with value lists of its own; DCAT-AP-NL 3.0 follows the EU
profile (and its HVD rules) with the EU authority tables, so one record serves data.overheid.nl and
data.europa.eu. Its mandatory properties, all present here:
- dcat:Dataset: dct:title, dct:description, dct:identifier, dct:publisher, dct:creator,
  dcat:contactPoint, dcat:theme, dct:accessRights;
- dcat:Distribution: dcat:accessURL, dct:license;
- dcat:Catalog: dct:title, dct:description, dct:publisher, dcat:dataset.
(MANDATORY below is what the test checks.)

Everything comes from metadata.yml (`catalogus`, `datapackage`) and the built package; every node
has an IRI under the site's address (no blank nodes), so the same package gives the same bytes; while
that address is a placeholder the IRIs are relative ("/#dataset"), resolved where the file is served.
"""
from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from ..pipeline import people_sheets
from . import release

DCAT3 = Namespace(str(DCAT))  # rdflib's DCAT is DCAT 2: dcat:version is DCAT 3
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = "https://www.iana.org/assignments/media-types/"
FRICTIONLESS = URIRef("https://specs.frictionlessdata.io/data-package/")

MANDATORY = {
    DCAT.Dataset: (DCTERMS.title, DCTERMS.description, DCTERMS.identifier, DCTERMS.publisher, DCTERMS.creator,
                   DCAT.contactPoint, DCAT.theme, DCTERMS.accessRights),
    DCAT.Distribution: (DCAT.accessURL, DCTERMS.license),
    DCAT.Catalog: (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.dataset),
}

# extension -> (EU file type, media type, Dutch name)
FORMATS = {
    "csv": ("CSV", "text/csv", "CSV"),
    "json": ("JSON", "application/json", "JSON"),
    "parquet": ("PARQUET", "application/vnd.apache.parquet", "Parquet"),
    "zip": ("ZIP", "application/zip", "zip"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    "ttl": ("RDF_TURTLE", "text/turtle", "Turtle"),
}
DCAT_NAME = "dcat.ttl"


def _base(catalogus: dict) -> str:
    """The site's address; "" while it is a placeholder: the record's IRIs are then relative
    ("/#dataset", "/bestanden/…"), so they resolve against wherever dcat.ttl is served."""
    return release.site_address(catalogus) or ""


def download_url(catalogus: dict, relative: str) -> str:
    """The public address of a published file: <site>/bestanden/<relative>."""
    return f"{_base(catalogus)}/bestanden/{relative}"


def graph(package: dict, catalogus: dict, files: dict[str, int | None], zip_name: str) -> Graph:
    """`files`: relative path under /bestanden/ -> size in bytes (None: unknown, e.g. the zip that
    holds this record)."""
    base = _base(catalogus)
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("adms", ADMS)):
        g.bind(prefix, ns)
    nl = "nl"
    dataset, catalog = URIRef(f"{base}/#dataset"), URIRef(f"{base}/#catalogus")
    publisher, contact = URIRef(f"{base}/#uitgever"), URIRef(f"{base}/#contactpunt")
    period, rights = URIRef(f"{base}/#periode"), URIRef(f"{base}/#rechten")
    licence, access = URIRef(catalogus["licentie"]), URIRef(catalogus["toegang"])

    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(catalogus["uitgever"]["naam"], lang=nl)))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(catalogus["contact"]["naam"], lang=nl)))
    g.add((contact, VCARD.hasURL, URIRef(base + catalogus["contact"]["pad"])))
    g.add((rights, RDF.type, DCTERMS.RightsStatement))
    g.add((rights, RDFS.label, Literal(" ".join(catalogus["rechten"].split()), lang=nl)))
    g.add((licence, RDF.type, DCTERMS.LicenseDocument))

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(package["title"], lang=nl)))
    g.add((catalog, DCTERMS.description, Literal(f"Catalogus van de open data van {package['title']}.", lang=nl)))
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, DCTERMS.license, licence))
    g.add((catalog, DCTERMS.language, URIRef(catalogus["taal"])))
    g.add((catalog, FOAF.homepage, URIRef(base + "/")))
    g.add((catalog, DCAT.dataset, dataset))

    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(package["title"], lang=nl)))
    g.add((dataset, DCTERMS.description, Literal(package["description"], lang=nl)))
    # the dataset's IRI once the site has an address; until then its identificator (no relative literal)
    g.add((dataset, DCTERMS.identifier, Literal(str(dataset) if base else catalogus["identificator"])))
    g.add((dataset, ADMS.identifier, URIRef(f"{base}/#id-{catalogus['identificator']}")))
    g.add((dataset, DCTERMS.publisher, publisher))
    for n, maker in enumerate(catalogus["makers"], 1):
        agent = URIRef(f"{base}/#maker-{n}")
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal(maker["naam"], lang=nl)))
        g.add((dataset, DCTERMS.creator, agent))
    g.add((dataset, DCAT.contactPoint, contact))
    for theme in catalogus["themas"]:
        g.add((dataset, DCAT.theme, URIRef(theme)))
    g.add((dataset, DCTERMS.accessRights, access))
    g.add((dataset, DCTERMS.language, URIRef(catalogus["taal"])))
    g.add((dataset, DCTERMS.spatial, URIRef(catalogus["gebied_uri"])))
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(catalogus["periode"]["begin"], datatype=XSD.date)))
    g.add((period, DCAT.endDate, Literal(catalogus["periode"]["eind"], datatype=XSD.date)))
    g.add((dataset, DCTERMS.temporal, period))
    g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(catalogus["frequentie"])))
    g.add((dataset, DCAT.landingPage, URIRef(base + catalogus["contact"]["pad"])))
    g.add((dataset, DCAT3.version, Literal(package["version"])))
    g.add((dataset, DCTERMS.issued, Literal(package["created"], datatype=XSD.dateTime)))
    g.add((dataset, DCTERMS.modified, Literal(package["created"], datatype=XSD.dateTime)))
    for keyword in package.get("keywords", []):
        g.add((dataset, DCAT.keyword, Literal(keyword, lang=nl)))
    if package.get("citation"):
        g.add((dataset, DCTERMS.bibliographicCitation, Literal(package["citation"], lang=nl)))

    titles = {r["name"]: r["title"] for r in package["resources"]}
    for relative, size in sorted(files.items()):
        name = relative.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[1]
        file_type, media, _label = FORMATS[ext]
        if name == DCAT_NAME:
            continue  # this record itself
        title, text = _distribution_text(relative, package, titles, zip_name)
        dist = URIRef(f"{base}/#distributie-{relative.replace('/', '-')}")
        url = URIRef(download_url(catalogus, relative))
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(title, lang=nl)))
        g.add((dist, DCTERMS.description, Literal(text, lang=nl)))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCTERMS.license, licence))
        g.add((dist, DCTERMS.rights, rights))
        g.add((dist, DCTERMS.format, FILE_TYPE[file_type]))
        g.add((dist, DCAT.mediaType, URIRef(IANA + media)))
        if ext == "zip" or name == "datapackage.json":
            g.add((dist, DCTERMS.conformsTo, FRICTIONLESS))
        if size is not None:
            g.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    return g


def _distribution_text(relative: str, package: dict, titles: dict, zip_name: str) -> tuple[str, str]:
    """A published file's title and description in the catalogue (Dutch)."""
    name = relative.rsplit("/", 1)[-1]
    stem, ext = name.rsplit(".", 1)
    if relative == zip_name:
        return (f"{package['title']}: het hele datapakket (zip)",
                "Alle tabellen als CSV met datapackage.json (Frictionless), README met de betekenis van elke "
                "kolom, codeboek, licenties, CITATION.cff en deze DCAT-beschrijving.")
    if name == "datapackage.json":
        return (f"{package['title']}: beschrijving van het datapakket",
                "Frictionless datapackage.json: tabellen, kolommen, typen en sleutels; de CSV-paden zijn relatief.")
    if relative.startswith(f"{people_sheets.FOLDER}/"):  # the spreadsheets for people
        return people_sheets.describe(relative, package["title"])
    label = FORMATS[ext][2]
    return f"{titles.get(stem, stem)} ({label})", f"De tabel {stem} als {label}-bestand."


def turtle(package: dict, catalogus: dict, files: dict[str, int | None], zip_name: str) -> bytes:
    text = graph(package, catalogus, files, zip_name).serialize(format="turtle")
    return text.encode("utf-8")
