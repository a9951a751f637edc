"""The dataset described in DCAT-AP-NL 3.0 (Turtle), for harvesting by data.overheid.nl.

Profile: DCAT-AP-NL 3.0 (Geonovum, 2024; https://docs.geostandaarden.nl/dcat/dcat-ap-nl30/), the
Dutch profile of DCAT-AP 3.0 and the successor of DCAT-AP-DONL 1.1/2.0, which data.overheid.nl
harvests. DONL 1.1 builds on DCAT-AP 1.1 with value lists of its own; DCAT-AP-NL 3.0 follows the EU
profile (and its HVD rules) with the EU authority tables, so one record serves data.overheid.nl and
data.europa.eu. The record passes Geonovum's own SHACL shapes of the profile (copied with their source
into reference/dcat-ap-nl/; tests/test_metadata_validators.py runs pySHACL): 0 violations of the
mandatory and class-range shapes and 0 warnings of the recommended ones. For that the catalogue has a
contact point and a creator, every file a language, the standard it follows (dct:conformsTo) and the
site as its data service (dcat:accessService: a dcat:DataService, the Datasette JSON API), and the
dataset a documentation page (foaf:page).

Everything comes from metadata.yml (`catalogus`, `datapackage`) and the built package; every node
has an IRI under the site's address (no blank nodes), so the same package gives the same bytes; while
that address is a placeholder the IRIs are relative ("/#dataset"), resolved where the file is served.
"""
from __future__ import annotations

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from .. import people_sheets
from .. import release

DCAT3 = Namespace(str(DCAT))  # rdflib's DCAT is DCAT 2: dcat:version is DCAT 3
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = "https://www.iana.org/assignments/media-types/"
NL = "nl"  # the language tag of every text in the record

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
    nodes = _shared_nodes(g, catalogus, base)
    _catalog(g, package, catalogus, base, nodes)
    _dataset(g, package, catalogus, base, nodes)
    _service(g, package, catalogus, base, nodes)
    _distributions(g, package, catalogus, base, nodes, files, zip_name)
    return g


def _standard(g: Graph, url: str) -> URIRef:
    node = URIRef(url)
    g.add((node, RDF.type, DCTERMS.Standard))
    return node


def _page(g: Graph, url: str) -> URIRef:
    node = URIRef(url)
    g.add((node, RDF.type, FOAF.Document))
    return node


def _shared_nodes(g: Graph, catalogus: dict, base: str) -> dict[str, URIRef]:
    """The nodes the catalogue, dataset, service and files share: publisher, contact point, rights,
    licence, language and the IRIs of the dataset and the service."""
    nodes = {"dataset": URIRef(f"{base}/#dataset"), "catalog": URIRef(f"{base}/#catalogus"),
             "service": URIRef(f"{base}/#dienst"), "publisher": URIRef(f"{base}/#uitgever"),
             "contact": URIRef(f"{base}/#contactpunt"), "rights": URIRef(f"{base}/#rechten"),
             "licence": URIRef(catalogus["licentie"]), "access": URIRef(catalogus["toegang"]),
             "language": URIRef(catalogus["taal"])}
    g.add((nodes["publisher"], RDF.type, FOAF.Agent))
    g.add((nodes["publisher"], FOAF.name, Literal(catalogus["uitgever"]["naam"], lang=NL)))
    for kind in (VCARD.Organization, VCARD.Kind):  # Kind: the class the shapes ask (no vcard ontology loaded)
        g.add((nodes["contact"], RDF.type, kind))
    g.add((nodes["contact"], VCARD.fn, Literal(catalogus["contact"]["naam"], lang=NL)))
    g.add((nodes["contact"], VCARD.hasURL, URIRef(base + catalogus["contact"]["pad"])))
    g.add((nodes["rights"], RDF.type, DCTERMS.RightsStatement))
    g.add((nodes["rights"], RDFS.label, Literal(" ".join(catalogus["rechten"].split()), lang=NL)))
    g.add((nodes["licence"], RDF.type, DCTERMS.LicenseDocument))
    g.add((nodes["language"], RDF.type, DCTERMS.LinguisticSystem))
    return nodes


def _catalog(g: Graph, package: dict, catalogus: dict, base: str, nodes: dict) -> None:
    catalog = nodes["catalog"]
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, Literal(package["title"], lang=NL)))
    g.add((catalog, DCTERMS.description, Literal(f"Catalogus van de open data van {package['title']}.", lang=NL)))
    g.add((catalog, DCTERMS.publisher, nodes["publisher"]))
    g.add((catalog, DCTERMS.creator, nodes["publisher"]))
    g.add((catalog, DCAT.contactPoint, nodes["contact"]))
    g.add((catalog, DCTERMS.license, nodes["licence"]))
    g.add((catalog, DCTERMS.language, nodes["language"]))
    g.add((catalog, FOAF.homepage, URIRef(base + "/")))
    g.add((catalog, DCAT.dataset, nodes["dataset"]))
    g.add((catalog, DCAT.service, nodes["service"]))


def _dataset(g: Graph, package: dict, catalogus: dict, base: str, nodes: dict) -> None:
    dataset = nodes["dataset"]
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal(package["title"], lang=NL)))
    g.add((dataset, DCTERMS.description, Literal(package["description"], lang=NL)))
    # the dataset's IRI once the site has an address; until then its identificator (no relative literal)
    g.add((dataset, DCTERMS.identifier, Literal(str(dataset) if base else catalogus["identificator"])))
    g.add((dataset, ADMS.identifier, URIRef(f"{base}/#id-{catalogus['identificator']}")))
    g.add((dataset, DCTERMS.publisher, nodes["publisher"]))
    for n, maker in enumerate(catalogus["makers"], 1):
        agent = URIRef(f"{base}/#maker-{n}")
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, FOAF.name, Literal(maker["naam"], lang=NL)))
        g.add((dataset, DCTERMS.creator, agent))
    g.add((dataset, DCAT.contactPoint, nodes["contact"]))
    for theme in catalogus["themas"]:
        g.add((dataset, DCAT.theme, URIRef(theme)))
    g.add((dataset, DCTERMS.accessRights, nodes["access"]))
    g.add((dataset, DCTERMS.language, nodes["language"]))
    g.add((dataset, DCTERMS.conformsTo, _standard(g, catalogus["standaarden"]["pakket"])))
    g.add((dataset, DCTERMS.spatial, URIRef(catalogus["gebied_uri"])))
    period = URIRef(f"{base}/#periode")
    g.add((period, RDF.type, DCTERMS.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(catalogus["periode"]["begin"], datatype=XSD.date)))
    g.add((period, DCAT.endDate, Literal(catalogus["periode"]["eind"], datatype=XSD.date)))
    g.add((dataset, DCTERMS.temporal, period))
    g.add((dataset, DCTERMS.accrualPeriodicity, URIRef(catalogus["frequentie"])))
    g.add((dataset, DCAT.landingPage, _page(g, base + catalogus["contact"]["pad"])))
    g.add((dataset, FOAF.page, _page(g, base + catalogus["documentatie"])))
    g.add((dataset, DCAT3.version, Literal(package["version"])))
    g.add((dataset, DCTERMS.issued, Literal(package["created"], datatype=XSD.dateTime)))
    g.add((dataset, DCTERMS.modified, Literal(package["created"], datatype=XSD.dateTime)))
    for keyword in package.get("keywords", []):
        g.add((dataset, DCAT.keyword, Literal(keyword, lang=NL)))
    if package.get("citation"):
        g.add((dataset, DCTERMS.bibliographicCitation, Literal(package["citation"], lang=NL)))


def _service(g: Graph, package: dict, catalogus: dict, base: str, nodes: dict) -> None:
    """The site (Datasette) as the data service through which every file is reached."""
    service, dienst = nodes["service"], catalogus["dienst"]
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal(dienst["titel"], lang=NL)))
    g.add((service, DCTERMS.description, Literal(" ".join(dienst["beschrijving"].split()), lang=NL)))
    # like the dataset's: the IRI once the site has an address, else the identificator
    g.add((service, DCTERMS.identifier, Literal(str(service) if base else f"{catalogus['identificator']}-dienst")))
    g.add((service, DCAT.endpointURL, URIRef(base + dienst["pad"])))
    g.add((service, DCAT.endpointDescription, URIRef(dienst["api_beschrijving"])))
    g.add((service, DCAT.servesDataset, nodes["dataset"]))
    for p in (DCTERMS.publisher, DCTERMS.creator):
        g.add((service, p, nodes["publisher"]))
    g.add((service, DCAT.contactPoint, nodes["contact"]))
    for theme in catalogus["themas"]:
        g.add((service, DCAT.theme, URIRef(theme)))
    g.add((service, DCTERMS.accessRights, nodes["access"]))
    g.add((service, DCTERMS.license, nodes["licence"]))
    g.add((service, DCTERMS.rights, nodes["rights"]))
    g.add((service, DCTERMS.language, nodes["language"]))
    for keyword in package.get("keywords", []):
        g.add((service, DCAT.keyword, Literal(keyword, lang=NL)))


def _distributions(g: Graph, package: dict, catalogus: dict, base: str, nodes: dict,
                   files: dict[str, int | None], zip_name: str) -> None:
    titles = {r["name"]: r["title"] for r in package["resources"]}
    standards = catalogus["standaarden"]
    for relative, size in sorted(files.items()):
        name = relative.rsplit("/", 1)[-1]
        ext = name.rsplit(".", 1)[1]
        file_type, media, _label = FORMATS[ext]
        if name == DCAT_NAME:
            continue  # this record itself
        title, text = _distribution_text(relative, package, titles, zip_name)
        dist = URIRef(f"{base}/#distributie-{relative.replace('/', '-')}")
        url = URIRef(download_url(catalogus, relative))
        g.add((nodes["dataset"], DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(title, lang=NL)))
        g.add((dist, DCTERMS.description, Literal(text, lang=NL)))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessService, nodes["service"]))
        g.add((dist, DCTERMS.license, nodes["licence"]))
        g.add((dist, DCTERMS.rights, nodes["rights"]))
        g.add((dist, DCTERMS.language, nodes["language"]))
        g.add((dist, DCTERMS.format, FILE_TYPE[file_type]))
        g.add((dist, DCAT.mediaType, URIRef(IANA + media)))
        kind = "pakket" if ext == "zip" or name == "datapackage.json" else ext
        g.add((dist, DCTERMS.conformsTo, _standard(g, standards[kind])))
        if size is not None:
            g.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))


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
