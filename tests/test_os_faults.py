"""Operating-system faults during a build (issue 23): one Dutch sentence with cause, path and what
to do, exit 1, never a traceback; the previous publication byte-identical, no staging folder left,
the lock free.

Each fault is made for real, in a subprocess `eenzaamheid build` of the demo deliveries into a
folder that holds a small previous publication: a file size limit (RLIMIT_FSIZE with SIGXFSZ
ignored, so writes fail with EFBIG), a small tmpfs that is or becomes full (ENOSPC), a folder that
cannot be written (chmod, which root ignores; a read-only tmpfs: EROFS), the staging folder
removed under a build paused right before its switch (ENOENT), and SIGTERM once the staging folder
exists. Mounting needs privileges: without them those variants are skipped with the reason.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from eenzaamheid.build import faults
from eenzaamheid.publish import publication

from conftest import EENZAAMHEID, ROOT


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _previous(out: Path) -> dict[str, str]:
    """A small previous publication in `out`; its files' hashes."""
    (out / "csv").mkdir(parents=True)
    (out / "csv" / "gemeenten.csv").write_text("gemeente_code\nGM0003\n", encoding="utf-8")
    (out / "LEESMIJ.txt").write_text("de vorige publicatie\n", encoding="utf-8")
    return _hashes(out)


def _command(out: Path) -> list[str]:
    return [EENZAAMHEID, "build", "--allow-quarantine", "--uit", str(out)]


def _assert_stopped_cleanly(proc: subprocess.CompletedProcess, out: Path, before: dict[str, str],
                            *words: str) -> str:
    """Exit 1 with one 'Build gestopt: …' line that holds `words`; nothing changed or left behind."""
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text[-3000:]
    assert "Traceback" not in text and "Error:" not in text, text[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("Build gestopt: ")]
    assert len(lines) == 1, text[-3000:]
    message = lines[0]
    assert message.endswith(faults.KEPT) and all(w in message for w in words), message
    assert _hashes(out) == before, "the previous publication changed"
    assert not list(out.parent.glob(f".{out.name}{publication.STAGING_MARK}*")), "staging folder left behind"
    if publication.lock_path(out).exists():  # not where even the lock file could not be made
        with open(publication.lock_path(out)) as lock:  # released: this process gets it at once
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return message


@contextlib.contextmanager
def _tmpfs(where: Path, size: str):
    """A tmpfs of `size` mounted at `where` (skips when this process may not mount one)."""
    where.mkdir()
    mount = shutil.which("mount")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True) if mount else None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN): "
                    + (done.stderr.strip() if done else "no mount command"))
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path) -> None:
    """Write until the file system is full."""
    with open(disk / "vulling", "wb") as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 2**16)
                f.flush()


@pytest.mark.parametrize("room", ["vol", "4m"], ids=["full-at-start", "full-during-build"])
def test_a_full_disk_is_a_message(tmp_path, room):
    """`vol`: full before the build starts (its lock and staging); `4m`: room for the start, not for
    the database and the exports (SQLite's 'database or disk is full' or ENOSPC of an export)."""
    with _tmpfs(tmp_path / "schijf", "4m" if room == "4m" else "1m") as disk:
        out = disk / "clean"
        before = _previous(out)
        if room == "vol":
            _fill(disk)
        proc = subprocess.run(_command(out), capture_output=True, text=True, cwd=ROOT, timeout=120)
        _assert_stopped_cleanly(proc, out, before, "Schijf vol bij", str(disk), "maak ruimte vrij")


def test_a_file_size_limit_is_a_message(tmp_path):
    def limit():  # in the child, before exec; inherited by the build's helper processes
        resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the first write beyond it kills the process

    out = tmp_path / "clean"
    before = _previous(out)
    proc = subprocess.run(_command(out), capture_output=True, text=True, cwd=ROOT, timeout=120, preexec_fn=limit)
    _assert_stopped_cleanly(proc, out, before, str(out), "grens voor bestandsgrootte")


@pytest.mark.parametrize("how", ["chmod", "read-only-tmpfs"])
def test_a_folder_that_cannot_be_written_is_a_message(tmp_path, how):
    """The output folder's parent (where the lock and the staging folder go) cannot be written."""
    if how == "chmod" and os.geteuid() == 0:
        pytest.skip("root ignores file permissions (the read-only tmpfs variant makes this fault for root)")
    with (contextlib.nullcontext(tmp_path / "site") if how == "chmod" else _tmpfs(tmp_path / "site", "1m")) as site:
        out = site / "clean"
        before = _previous(out)
        if how == "chmod":
            site.chmod(0o555)
        else:
            subprocess.run(["mount", "-o", "remount,ro", str(site)], check=True)
        try:
            proc = subprocess.run(_command(out), capture_output=True, text=True, cwd=ROOT, timeout=120)
        finally:
            if how == "chmod":
                site.chmod(0o755)  # so that pytest can remove it
        words = ("Geen toegang bij",) if how == "chmod" else ("Alleen-lezen bestandssysteem bij", "--uit")
        _assert_stopped_cleanly(proc, out, before, *words, str(site))


def test_a_folder_that_vanishes_during_the_build_is_a_message(tmp_path):
    """The staging folder removed (by a clean-up job, say) while the build is paused right before
    its switch (the test hook of publication.py)."""
    out = tmp_path / "clean"
    before = _previous(out)
    victim = subprocess.Popen(_command(out), cwd=ROOT, env={**os.environ, publication.PAUSE_ENV: "voor"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status = os.waitpid(victim.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the build ended instead of pausing at the switch"
    (staging,) = tmp_path.glob(f".clean{publication.STAGING_MARK}*")
    shutil.rmtree(staging)
    os.kill(victim.pid, signal.SIGCONT)
    stdout, stderr = victim.communicate(timeout=60)
    proc = subprocess.CompletedProcess(victim.args, victim.returncode, stdout, stderr)
    _assert_stopped_cleanly(proc, out, before, "verdwenen", str(staging), "niets het weghaalt")


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(c) for c in path.read_text().split()} if path.exists() else set()


def test_sigterm_stops_the_build_like_a_refusal(tmp_path):
    """A process manager's SIGTERM once the build stages: previous publication intact, staging
    removed, lock released, the helper processes gone, one message."""
    out = tmp_path / "clean"
    before = _previous(out)
    victim = subprocess.Popen(_command(out), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(f".clean{publication.STAGING_MARK}*")):
        assert victim.poll() is None and time.monotonic() < deadline, "the build never staged"
        time.sleep(0.02)
    helpers = _children(victim.pid)
    victim.send_signal(signal.SIGTERM)
    stdout, stderr = victim.communicate(timeout=60)
    proc = subprocess.CompletedProcess(victim.args, victim.returncode, stdout, stderr)
    _assert_stopped_cleanly(proc, out, before, "onderbroken", str(out))
    time.sleep(0.2)
    assert not [p for p in helpers if Path(f"/proc/{p}").exists() and "eenzaamheid" in
                Path(f"/proc/{p}/cmdline").read_text(errors="replace")], "a helper process outlived the build"
