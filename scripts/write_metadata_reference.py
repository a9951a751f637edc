"""Write docs/metadata.md, the reference of every key of the project's YAML files, from the models'
descriptions (eenzaamheid/model/). Run after changing a model: python scripts/write_metadata_reference.py"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eenzaamheid.model.reference import render  # noqa: E402

TARGET = Path(__file__).resolve().parent.parent / "docs" / "metadata.md"

if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"geschreven: {TARGET}")
