"""Dependencies where they belong and `eenzaamheid --version`.

What the code imports is read from the code itself (ast) and mapped to its distribution by the installed
metadata (importlib.metadata.packages_distributions), so a new import without a declared dependency fails.
"""
from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import EENZAAMHEID

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Runtime dependencies that no module imports, each with why it is one.
NOT_IMPORTED = {
    "frictionless": "the build records its version (load.LIBRARIES); the zip's README tells users to validate with it",
    "sqlalchemy": "Great Expectations needs it for SQL sources (the quality checks on SQLite)",
    "datasette-hashed-urls": "a Datasette plugin, loaded by its entry point",
    "httptools": "uvicorn's C HTTP parser, picked up when installed",
    "uvloop": "uvicorn's event loop, picked up when installed",
}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    return normalized(re.split(r"[<>=!~\[; ]", spec.strip(), maxsplit=1)[0])


@functools.cache
def distributions_of_modules() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()  # reads every installed package's metadata: once


def imported_distributions(*folders: str) -> set[str]:
    """The distributions whose top-level modules the .py files under `folders` import (absolute imports only)."""
    modules: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    providers = distributions_of_modules()
    found = set()
    for module in modules - set(sys.stdlib_module_names):
        found |= {normalized(d) for d in providers.get(module, []) if normalized(d) != "benchmark-eenzaamheid"}
    return found


def runtime() -> set[str]:
    return {requirement_name(d) for d in PYPROJECT["project"]["dependencies"]}


def extra_for_tests() -> set[str]:
    return {requirement_name(d) for d in PYPROJECT["project"]["optional-dependencies"]["test"]}


def pins(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            out[requirement_name(name)] = version.strip()
    return out


def test_what_the_package_imports_is_a_runtime_dependency():
    imported = imported_distributions("eenzaamheid", "plugins")
    assert {"deduce", "rdflib"} <= imported  # the two the issue found undeclared
    assert imported - runtime() == set()
    assert runtime() - imported == set(NOT_IMPORTED)


def test_what_only_the_tests_import_is_in_the_test_extra():
    only_tests = imported_distributions("tests") - runtime()
    assert {"pytest", "hypothesis", "httpx", "jsonschema", "pyshacl"} <= only_tests
    assert only_tests - extra_for_tests() == set()
    assert not extra_for_tests() & runtime()


def test_every_declared_dependency_is_pinned_in_the_lock():
    requirements, lock = pins(ROOT / "requirements.txt"), pins(ROOT / "constraints.txt")
    assert (runtime() | extra_for_tests()) - set(requirements) == set()
    assert set(requirements) - set(lock) == set()
    assert all(lock[name] for name in lock), "the lock pins every package"
    assert {name: v for name, v in requirements.items() if v and lock[name] != v} == {}


def test_version_names_the_program_and_the_published_data():
    proc = subprocess.run([EENZAAMHEID, "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    program, data = proc.stdout.splitlines()
    assert program == f"eenzaamheid {PYPROJECT['project']['version']}"
    package = json.loads((ROOT / "clean" / "datapackage.json").read_text(encoding="utf-8"))
    assert data.startswith(f"data {package['version']} ") and package["created"][:4] in data
