"""The steward's steps for a new year, as the tests take them: a copy of the project's data, the CLI run on
it through EENZAAMHEID_ROOT, and the TODOs of a draft filled from a fixture's `invullingen.yaml`."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DATA = ("schemas", "raw", "reference", "checks", "metadata.yml")
CLI = [sys.executable, "-m", "eenzaamheid.cli"]
TODO = "TODO:"


def data_copy(root: Path) -> Path:
    """The project's data in `root`, as it is committed (no drafts), with the fixtures and the committed
    publication (clean/) beside it for the commands that read them."""
    for name in DATA:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy2)(REPO / name, root / name)
    for draft in (root / "schemas" / "jaren").glob("*.concept.*"):
        draft.unlink()
    (root / "tests").mkdir()
    (root / "tests" / "fixtures").symlink_to(REPO / "tests" / "fixtures")
    (root / "clean").mkdir()  # the committed publication, as far as `verschil` reads it
    shutil.copy2(REPO / "clean" / "datapackage.json", root / "clean")
    for folder in ("csv", "spreadsheets"):
        shutil.copytree(REPO / "clean" / folder, root / "clean" / folder)
    return root


def run(args: list[str], root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EENZAAMHEID_ROOT": str(root), "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def todo_paths(node, path: tuple = ()) -> list[tuple]:
    """The key path of every TODO value in a year file's data, in file order."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in todo_paths(v, path + (k,))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in todo_paths(v, path + (i,))]
    return [path] if isinstance(node, str) and node.startswith(TODO) else []


def shown(path: tuple) -> str:
    return " > ".join(map(str, path))


def fill(concept: Path, answers_file: Path) -> list[str]:
    """Fill exactly the TODOs `answers_file` names (path -> value) in the draft; return the paths filled.
    A TODO without an answer, or an answer without a TODO, fails: the draft changed."""
    data = yaml.safe_load(concept.read_text(encoding="utf-8"))
    answers = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    found = [shown(p) for p in todo_paths(data)]
    assert sorted(found) == sorted(answers), f"TODOs in the draft: {found}; answered: {list(answers)}"
    for path in todo_paths(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = answers[shown(path)]
    concept.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return found


def readme_example() -> list[tuple[str, list[str]]]:
    """The worked example of README "Een nieuw jaar toevoegen": (command, lines its output must contain)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"<!-- uitgewerkt-voorbeeld: begin -->(.*?)<!-- uitgewerkt-voorbeeld: einde -->", text, re.S)
    steps: list[tuple[str, list[str]]] = []
    for body in re.findall(r"```console\n(.*?)```", block, re.S):
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif line.startswith("> "):
                steps[-1][1].append(line[2:])
    return steps
