"""Every published description accepted by its official validator, on the run's demo build (conftest
`demo_build`) and the committed datapackage.json:

- dcat.ttl: Geonovum's DCAT-AP-NL 3.0 SHACL shapes (pySHACL), one run per shape file per module;
- datapackage.json: the Data Package 1.0 JSON Schema profiles (jsonschema), what the tabular profile
  adds, no key the specification does not define, self-references as "";
- CITATION.cff (in the zip): the Citation File Format 1.2.0 JSON Schema.

The validators' files are copies in reference/ (each folder's README names its source and commit).
"""
from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml
from rdflib import Graph, Namespace
from rdflib.namespace import RDF, SH

from eenzaamheid import build

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "reference" / "dcat-ap-nl"
PROFILES = ROOT / "reference" / "datapackage-1.0"
CFF_SCHEMA = ROOT / "reference" / "cff-1.2" / "schema.json"
DCAT = Namespace("http://www.w3.org/ns/dcat#")

# pySHACL calls rdflib APIs that rdflib 7.6 deprecates, thousands of times a run
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")

# Warnings of the recommended shapes (dcat-ap-nl-SHACL-aanbevolen.ttl) that are accepted, as
# (class of the focus node, property), e.g. ("Distribution", "language") -> reason; the same list is in reference/dcat-ap-nl/README.md. Empty:
# the record carries every recommended property.
ACCEPTED_WARNINGS: dict[tuple[str, str], str] = {}

# Top-level keys the Data Package v1 specification defines beyond its 1.0 JSON profile's `properties`:
# `version` is in the specification's text (https://specs.frictionlessdata.io/data-package/#version)
# but not in the profile. And the one key of this project's own (the spec allows them): the suggested
# citation, which the site and CITATION.cff repeat.
SPEC_KEYS_NOT_IN_PROFILE = {"version"}
PROJECT_KEYS = {"citation"}


@pytest.fixture(scope="module")
def out(demo_build) -> Path:
    assert demo_build.returncode == 0, demo_build.stderr[-3000:]
    return demo_build.out


def local(node) -> str:
    """The part after the last # or / of an IRI (focus nodes are relative IRIs: </#dataset>)."""
    return str(node).replace("#", "/").rsplit("/", 1)[-1] if node is not None else ""


def shacl(data: Graph, shapes: str) -> list[tuple[str, str, str, str]]:
    """pySHACL with RDFS inference, as Geonovum's README runs it: (severity, focus node, property,
    message) per result, the IRIs shortened."""
    from pyshacl import validate  # here, not at collection: every xdist worker collects this module

    _conforms, report, _text = validate(data, shacl_graph=str(SHAPES / shapes), inference="rdfs",
                                        abort_on_first=False, allow_warnings=False)
    return sorted((local(report.value(r, SH.resultSeverity)), local(report.value(r, SH.focusNode)),
                   local(report.value(r, SH.resultPath)), str(report.value(r, SH.resultMessage)))
                  for r in report.subjects(SH.resultSeverity, None))


@pytest.fixture(scope="module")
def dcat_record(out) -> Graph:
    g = Graph()
    g.parse(out / "dcat.ttl", format="turtle")
    return g


@pytest.fixture(scope="module", params=["dcat-ap-nl-SHACL.ttl", "dcat-ap-nl-SHACL-klassebereik.ttl",
                                        "dcat-ap-nl-SHACL-aanbevolen.ttl"])
def shacl_results(request, dcat_record):
    return request.param, shacl(dcat_record, request.param)


def test_dcat_record_passes_geonovum_shapes(shacl_results, dcat_record):
    """0 violations; the recommended shapes' warnings each accepted with a reason (none are)."""
    shapes, results = shacl_results
    classes = {local(s): local(o) for s, o in dcat_record.subject_objects(RDF.type)
               if str(o).startswith(str(DCAT))}
    open_results = [r for r in results if not (r[0] == "Warning" and (classes.get(r[1]), r[2]) in ACCEPTED_WARNINGS)]
    assert open_results == [], f"{shapes}: {len(open_results)} results, e.g. {open_results[:5]}"


def test_the_mandatory_shapes_do_catch_a_missing_contact_point(dcat_record):
    """The shapes reach the record's nodes: without dcat:contactPoint the catalogue, the dataset and the
    data service each give a violation."""
    g = Graph()
    for triple in dcat_record:
        if triple[1] != DCAT.contactPoint:
            g.add(triple)
    violations = {(r[1], r[2]) for r in shacl(g, "dcat-ap-nl-SHACL.ttl") if r[0] == "Violation"}
    assert {("catalogus", "contactPoint"), ("dataset", "contactPoint"), ("dienst", "contactPoint")} <= violations


# ------------------------------------------------------------------ datapackage.json

@functools.cache
def profile(name: str) -> dict:
    return json.loads((PROFILES / name).read_text(encoding="utf-8"))


def field_keys(table_schema_profile: dict, field_type: str) -> set[str]:
    """The keys the Table Schema profile defines for a field of this type (its oneOf per type)."""
    for variant in table_schema_profile["properties"]["fields"]["items"]["oneOf"]:
        if field_type in variant["properties"]["type"].get("enum", []):
            return set(variant["properties"])
    raise AssertionError(f"the Table Schema profile has no field type {field_type!r}")


def stray_keys(package: dict) -> list[str]:
    """Every key of the package, a resource, its schema or a field that the specification does not define."""
    package_keys = set(profile("datapackage.json")["properties"]) | SPEC_KEYS_NOT_IN_PROFILE | PROJECT_KEYS
    resource_keys = set(profile("dataresource.json")["properties"])
    table_schema = profile("tableschema.json")
    stray = [f"package: {k}" for k in sorted(set(package) - package_keys)]
    for r in package["resources"]:
        stray += [f"{r['name']}: {k}" for k in sorted(set(r) - resource_keys)]
        stray += [f"{r['name']}.schema: {k}" for k in sorted(set(r["schema"]) - set(table_schema["properties"]))]
        for f in r["schema"]["fields"]:
            allowed = field_keys(table_schema, f.get("type", "string"))
            stray += [f"{r['name']}.{f['name']}: {k}" for k in sorted(set(f) - allowed)]
    return stray


@pytest.fixture(scope="module", params=["committed", "build"])
def package(request, out) -> dict:
    path = ROOT / "datapackage.json" if request.param == "committed" else out / "datapackage.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_datapackage_passes_the_data_package_profile(out):
    """The build's package (the committed one equals it: test_build.py checks); the package profile
    holds the resource and Table Schema profiles inline, so one validation covers every resource."""
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in
              jsonschema.Draft7Validator(profile("datapackage.json")).iter_errors(package)]
    assert errors == [], errors[:10]
    # what the tabular data package profile adds: every resource tabular, with a Table Schema
    assert package["profile"] == "tabular-data-package"
    assert all(r["profile"] == "tabular-data-resource" and r["schema"]["fields"] for r in package["resources"])


def test_datapackage_has_no_key_the_specification_does_not_define(package):
    assert stray_keys(package) == []


def test_stray_keys_are_found():
    """A YAML flow mapping split by an unquoted comma leaves a key like this one: it must be reported."""
    field = {"name": "basis", "type": "integer", "title": "Aantal", "waar vermeld of af te leiden": None}
    package = {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [field]}}], "versie": "1"}
    assert stray_keys(package) == ["package: versie", "t.basis: waar vermeld of af te leiden"]


def test_foreign_keys_refer_to_another_resource_or_to_their_own_as_empty(package):
    names = {r["name"] for r in package["resources"]}
    self_references = 0
    for r in package["resources"]:
        for fk in r["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"]
            assert target != r["name"], f"{r['name']}: a self-reference is \"\" in Data Package v1"
            assert target == "" or target in names, (r["name"], target)
            self_references += target == ""
    assert self_references >= 2  # gemeenten (opvolger_code) and bronbestanden (vervangen_door)


# ------------------------------------------------------------------ CITATION.cff

def test_citation_cff_passes_the_cff_1_2_schema(out):
    with zipfile.ZipFile(out / build.PACKAGE_ZIP) as z:
        cff = yaml.safe_load(z.read("CITATION.cff"))
    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(cff)]
    assert errors == [], errors
    assert cff["type"] == "dataset" and cff["version"] and cff["authors"]
    del cff["authors"]  # the schema is the one that says what a citation needs
    assert not jsonschema.Draft7Validator(schema).is_valid(cff)
