"""Where the project's files live; every module asks here instead of guessing."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
SCHEMAS = ROOT / "schemas"
RAW = ROOT / "raw"
CLEAN = ROOT / "clean"
CHECKS = ROOT / "checks"
