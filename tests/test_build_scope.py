"""A build touches only what it is given (issue 23).

- A fresh clone's `make serve` builds into the committed clean/ and leaves `git status` clean: with
  no benchmark.db (not committed) the build compares with the committed data package, finds the
  same data and keeps the committed change record, so every tracked file stays byte for byte.
- A data root (EENZAAMHEID_ROOT) without schemas/ is a Dutch message naming what is missing.
- (The redaction cache of the data root being built, not the checkout's: test_privacy.py's planted
  build, the one build of the suite that learns new free text.)
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from eenzaamheid import deidentify

from conftest import EENZAAMHEID, ROOT

GIT = shutil.which("git")


def _git(clone, *args: str) -> str:
    return subprocess.run([GIT, "-C", str(clone), *args], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(GIT is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout")
def test_a_fresh_clones_first_build_leaves_git_status_clean(tmp_path):
    """The tracked files (as they are in this checkout) copied as a clone has them, then the build
    of `make serve` (`eenzaamheid build --allow-quarantine` in the clone, its own code and data)."""
    clone = tmp_path / "kloon"
    tracked = [f for f in subprocess.run([GIT, "-C", str(ROOT), "ls-files", "-z"], capture_output=True,
                                         check=True).stdout.decode().split("\0") if f and (ROOT / f).is_file()]
    for name in tracked:
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)
    _git(clone, "init", "-q")
    _git(clone, "add", "-A")
    _git(clone, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "kloon")
    assert (clone / "clean" / "datapackage.json").exists() and not (clone / "clean" / "benchmark.db").exists()
    env = {k: v for k, v in os.environ.items() if k not in ("EENZAAMHEID_ROOT", deidentify.CACHE_ENV)}
    proc = subprocess.run([EENZAAMHEID, "build", "--allow-quarantine"], cwd=clone, capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(clone)}, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "Eerste publicatie" not in proc.stdout
    assert (clone / "clean" / "benchmark.db").exists(), "built into the clone's clean/"
    status = _git(clone, "status", "--porcelain")
    assert status == "", f"the first build changed tracked files or left unignored ones:\n{status[:3000]}"


def test_a_data_root_without_schemas_is_a_message(tmp_path):
    root = tmp_path / "datamap"
    shutil.copytree(ROOT / "raw", root / "raw")
    proc = subprocess.run([sys.executable, "-m", "eenzaamheid.cli", "build", "--raw", str(root / "raw"),
                           "--uit", str(root / "clean")], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "EENZAAMHEID_ROOT": str(root)}, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert f"{root} (EENZAAMHEID_ROOT) mist schemas/" in proc.stderr
    assert not (root / "clean").exists()
