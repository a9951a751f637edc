"""bench/RESULTS.md: each benchmark script replaces its own `## ` section and keeps the others."""
from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(lines: list[str]) -> None:
    """Replace the section that starts with lines[0] (its `## ` heading), or add it at the end."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    text = re.sub(rf"\n{re.escape(lines[0])}.*?(?=\n## |\Z)", "", text, flags=re.S).rstrip("\n")
    RESULTS.write_text(text + "\n\n" + "\n".join(lines), encoding="utf-8")
