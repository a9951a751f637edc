"""Where the project's files live; every module asks here instead of guessing.

ROOT is the data root: schemas/, raw/, reference/, checks/, clean/ and metadata.yml. It is
the repository unless the environment variable EENZAAMHEID_ROOT names another folder (a
copy of those folders, e.g. to try a new survey year without touching the repository).
CODE_ROOT is always the repository: the site's plugins, templates and static files.
"""
import os
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parent.parent
ROOT = Path(os.environ["EENZAAMHEID_ROOT"]).resolve() if os.environ.get("EENZAAMHEID_ROOT") else CODE_ROOT
REFERENCE = ROOT / "reference"
SCHEMAS = ROOT / "schemas"
RAW = ROOT / "raw"
CLEAN = ROOT / "clean"
CHECKS = ROOT / "checks"


def missing_from_root() -> list[str]:
    """What the data root lacks of what every command reads (the codebook with its contracts)."""
    needed = {"schemas/": SCHEMAS, "schemas/codebook.yaml": SCHEMAS / "codebook.yaml"}
    missing = [name for name, path in needed.items() if not path.exists()]
    return missing[:1]  # without schemas/ its codebook is missing too: name the folder
