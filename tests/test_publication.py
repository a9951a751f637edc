"""The publication switch and the build lock on plain folders (the full builds are in test_build.py)."""
import fcntl
import os
import subprocess
import sys

import pytest

from eenzaamheid.publish import publication


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def _folders(tmp_path):
    live = tmp_path / "clean"
    (live / "csv").mkdir(parents=True)
    (live / "csv" / "a.csv").write_text("oud")
    (live / "benchmark.db").write_text("oud")
    (live / "LEESMIJ.txt").write_text("van de beheerder")      # not written by the build: carried over
    (live / "kwaliteitsrapport_geweigerd.html").write_text("x")  # an earlier refusal: not carried over
    staging = publication.staging_dir(live)
    (staging / "csv").mkdir(parents=True)
    (staging / "csv" / "a.csv").write_text("nieuw")
    (staging / "benchmark.db").write_text("nieuw")
    return live, staging


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "fallback"])
def test_switch_swaps_the_whole_folder(tmp_path, monkeypatch, exchange):
    live, staging = _folders(tmp_path)
    if not exchange:
        monkeypatch.setattr(publication, "_renameat2_exchange", lambda a, b: False)
    publication.switch(staging, live, skip={"kwaliteitsrapport_geweigerd.html"})
    assert _tree(live) == {"csv/a.csv": "nieuw", "benchmark.db": "nieuw", "LEESMIJ.txt": "van de beheerder"}
    assert _tree(staging)["benchmark.db"] == "oud"  # the previous publication, to be removed
    assert publication.recover(live) and not staging.exists()
    assert _tree(live)["benchmark.db"] == "nieuw"


def test_a_kill_inside_the_fallback_switch_is_undone_at_the_next_start(tmp_path):
    live, staging = _folders(tmp_path)
    aside = tmp_path / f".clean{publication.ASIDE_MARK}123"
    os.rename(live, aside)  # the fallback's first rename, then the kill
    assert not live.exists()
    publication.recover(live)
    assert _tree(live)["benchmark.db"] == "oud" and not aside.exists() and not staging.exists()


def test_the_lock_is_refused_while_another_process_holds_it(tmp_path):
    live = tmp_path / "clean"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from eenzaamheid.publish import publication as p\n"
                               "with p.locked(Path(sys.argv[1])):\n print('vast', flush=True); time.sleep(60)",
                               str(live)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "vast"
        with pytest.raises(publication.PublicationLocked, match=f"Er loopt al een build naar .*proces {holder.pid}"):
            with publication.locked(live):
                pass
    finally:
        holder.kill()
        holder.wait()
    with publication.locked(live) as path:  # free again once the holder is gone
        with open(path) as f, pytest.raises(BlockingIOError):
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
