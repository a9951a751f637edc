"""Reading the project's YAML files (codebook, schemas, contracts, metadata.yml, checks): one loader
for all, libyaml's when PyYAML has it (the same result as yaml.safe_load, several times faster)."""
from __future__ import annotations

from pathlib import Path

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path):
    """The YAML document in `path` (UTF-8), as yaml.safe_load reads it."""
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=SafeLoader)
