"""The package's layout as the next developer finds it: small modules, folders that can be taken in at a
glance, every package saying what it is, and the README's map naming every folder. Derived from the files
on disk; the import rules (stage order, the site apart, no cycles) are `lint-imports` in `make lint`."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eenzaamheid"
MAX_LINES = 400     # house rule: a module is read in one sitting
MAX_MODULES = 15    # house rule: a folder's modules are taken in at a glance

# Over the limit today, each with who is on it; an entry that is no longer over fails too, so the list shrinks.
KNOWN_LONG: dict[str, str] = {}  # path -> why it may stay over the limit for now (none)


def _modules() -> list[Path]:
    return sorted(p for top in (PACKAGE, ROOT / "plugins") for p in top.rglob("*.py") if "__pycache__" not in p.parts)


def _packages() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.rglob("__init__.py") if "__pycache__" not in p.parts)


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    new = {path: n for path, n in long.items() if path not in KNOWN_LONG}
    assert not new, f"modules over {MAX_LINES} lines (split them by job): {new}"
    assert set(KNOWN_LONG) <= set(long), f"no longer over {MAX_LINES} lines, drop from KNOWN_LONG: " \
                                         f"{sorted(set(KNOWN_LONG) - set(long))}"


def test_no_folder_holds_more_than_15_modules():
    crowded = {str(folder.relative_to(ROOT)): n for folder in [*_packages(), ROOT / "plugins"]
               if (n := sum(1 for p in folder.glob("*.py") if p.name != "__init__.py")) > MAX_MODULES}
    assert not crowded, f"folders with more than {MAX_MODULES} modules side by side (make sub-packages): {crowded}"


def test_every_module_and_package_says_what_it_is():
    silent = [str(p.relative_to(ROOT)) for p in _modules()
              if not (ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or "").strip()]
    assert not silent, f"modules without a docstring: {silent}"
    # a stage package says what comes in and what goes out
    stages = [folder for folder in _packages() if re.match(r"Stage \d", ast.get_docstring(
        ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or "")]
    assert len(stages) >= 6, [str(f) for f in stages]
    for folder in stages:
        text = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert "In:" in text and "Out:" in text, f"{folder.relative_to(ROOT)}/__init__.py: say what comes in and goes out"


def test_readme_layout_names_every_package_folder():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout"):]
    layout = layout[:layout.index("\n## ", 3)]
    missing = [str(folder.relative_to(PACKAGE)) for folder in _packages()[1:]
               if not re.search(rf"(^|\s){re.escape(folder.name)}/", layout, re.M)]
    assert not missing, f"README's Layout section does not name these folders: {missing}"


def test_every_relative_import_resolves():
    """A module moved to another stage keeps its imports working, also those inside functions, which
    import time and lint-imports never see (the first build that needs them would fail)."""
    import ast
    import importlib
    import importlib.util

    broken = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        package = list(parts if path.name == "__init__.py" else parts[:-1])
        package = package[:-1] if package[-1] == "__init__" else package
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = ".".join(package[: len(package) - (node.level - 1)] + ([node.module] if node.module else []))
            if node.module:
                found = importlib.util.find_spec(base) is not None
                wanted = [base]
            else:
                wanted = [f"{base}.{alias.name}" for alias in node.names]
                found = all(importlib.util.find_spec(w) is not None or hasattr(importlib.import_module(base),
                                                                                 w.rsplit(".", 1)[1]) for w in wanted)
            if not found:
                broken.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {', '.join(wanted)}")
    assert not broken, broken
