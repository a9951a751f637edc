"""The copies of Datasette's templates and internals are listed in one place and still match the
installed Datasette: an upgrade fails here until every copy has been compared with its new original."""
from __future__ import annotations

import hashlib
from pathlib import Path

import datasette
import pytest
from datasette.version import __version__ as installed_version

from eenzaamheid.paths import CODE_ROOT
from eenzaamheid.site.datasette import overrides

DATASETTE_DIR = Path(datasette.__file__).parent
OUR_TEMPLATES = CODE_ROOT / "templates"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_installed_datasette_is_the_version_the_copies_were_taken_from():
    assert installed_version == overrides.DATASETTE_VERSION


@pytest.mark.parametrize("name", sorted(overrides.TEMPLATES))
def test_each_overridden_template_still_matches_its_original(name):
    assert (OUR_TEMPLATES / name).is_file(), f"listed but not in templates/: {name}"
    original = DATASETTE_DIR / "templates" / name
    assert original.is_file(), f"Datasette no longer has {name}: review templates/{name}"
    assert sha256(original) == overrides.TEMPLATES[name][0], (
        f"Datasette's {name} changed: compare it with templates/{name}, carry our changes over, update the hash")


@pytest.mark.parametrize("name", sorted(overrides.INTERNALS))
def test_each_replaced_internal_still_matches(name):
    assert sha256(DATASETTE_DIR / name) == overrides.INTERNALS[name][0], f"Datasette's {name} changed: review"


def test_every_template_that_shadows_datasette_is_listed():
    shadowing = {p.name for p in OUR_TEMPLATES.glob("*.html") if (DATASETTE_DIR / "templates" / p.name).exists()}
    assert shadowing == set(overrides.TEMPLATES)
