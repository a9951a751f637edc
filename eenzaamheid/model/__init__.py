"""One strict model of the project's metadata: every YAML file the build reads, each with its pydantic
model (unknown keys and wrong types are errors) and its references checked, every problem named with
file, line and key path in Dutch. The models' descriptions are the reference (docs/metadata.md,
written by scripts/write_metadata_reference.py)."""
from .errors import MetadataError  # noqa: F401  (no pydantic: the CLI imports it for every command)
