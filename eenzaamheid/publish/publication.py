"""Publishing a build by switching one thing: the output folder, swapped whole with one rename.

A build writes its complete output into a staging folder *beside* the live folder (in its parent,
`.<name>.bouw-<pid>`, so the site, which serves the live folder under /bestanden/, never sees it).
At the end the staging folder and the live folder trade places in one atomic step: Linux
`renameat2(..., RENAME_EXCHANGE)`. A reader or a `kill -9` sees either the previous publication
or the new one, never a mix. Files in the live folder that the build does not produce (anything
but its outputs and an earlier refusal report) are carried over into the staging folder first.

Fallback (no renameat2: another OS, or a file system that refuses the flag): two renames, live ->
`.<name>.vorige-<pid>` then staging -> live. A kill between them leaves no live folder for an
instant; the next build (`recover`) puts the previous publication back.

A lock (`fcntl.flock` on `.<name>.lock` in the parent) lets one build at a time work on a folder;
the lock file stays outside the folder because the folder itself is swapped.

`EENZAAMHEID_PAUZE_PUBLICATIE=voor|na` (tests only) stops the build process (SIGSTOP) right
before or right after the switch, so a test can kill it at exactly that moment.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import signal
from pathlib import Path

STAGING_MARK, ASIDE_MARK, LOCK_SUFFIX = ".bouw-", ".vorige-", ".lock"
PAUSE_ENV = "EENZAAMHEID_PAUZE_PUBLICATIE"
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


class PublicationLocked(Exception):
    """Another build holds the lock on this output folder; the message (Dutch) says so."""


def _sibling(live: Path, mark: str, pid: int | None = None) -> Path:
    return live.parent / f".{live.name}{mark}{'' if pid is None else pid}"


def staging_dir(live: Path) -> Path:
    return _sibling(live, STAGING_MARK, os.getpid())


def lock_path(live: Path) -> Path:
    return _sibling(live, LOCK_SUFFIX)


@contextlib.contextmanager
def locked(live: Path):
    """Hold the build lock on `live` for the duration; PublicationLocked when another build has it."""
    live.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(live)
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            f.seek(0)
            holder = f.read().strip()
            raise PublicationLocked(
                f"Er loopt al een build naar {live}" + (f" (proces {holder})" if holder else "")
                + f". Er kan maar één build tegelijk naar dezelfde map schrijven (slot: {path}). Wacht tot die "
                "klaar is en start de build dan opnieuw; er is niets veranderd.") from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        try:
            yield path
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f, fcntl.LOCK_UN)


def recover(live: Path) -> list[Path]:
    """Undo what a killed build left (call while holding the lock): restore a publication set
    aside by the fallback switch when the live folder is missing, and remove staging folders.
    Also removes `.bouw-*` folders inside the live folder (the layout before this module)."""
    removed = []
    asides = sorted(live.parent.glob(f".{live.name}{ASIDE_MARK}*"))
    if not live.exists() and asides:
        os.rename(asides[-1], live)  # killed between the two renames of the fallback
        asides = asides[:-1]
    for old in [*live.parent.glob(f".{live.name}{STAGING_MARK}*"), *asides, *live.glob(".bouw-*")]:
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    return removed


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Swap a and b atomically; False when this system cannot (then the caller falls back)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _pause(moment: str) -> None:
    if os.environ.get(PAUSE_ENV) == moment:
        os.kill(os.getpid(), signal.SIGSTOP)


def _carry_over(live: Path, staging: Path, skip: set[str]) -> None:
    """Copy into staging what the live folder has and the build did not write (hard links where possible)."""
    for entry in live.iterdir():
        target = staging / entry.name
        if entry.name in skip or target.exists() or target.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry, target)


def _link_or_copy(src, dst) -> None:
    src, dst = Path(src), Path(dst)
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def switch(staging: Path, live: Path, skip: set[str] = frozenset()) -> None:
    """Make the complete folder `staging` the live publication in one step. Afterwards `staging`
    holds the previous publication (remove it) or no longer exists (there was none)."""
    if live.exists():
        _carry_over(live, staging, set(skip))
        staging.chmod(live.stat().st_mode & 0o7777)
    _pause("voor")
    if not live.exists():
        os.rename(staging, live)
    elif not _renameat2_exchange(staging, live):
        aside = _sibling(live, ASIDE_MARK, os.getpid())
        os.rename(live, aside)
        os.rename(staging, live)
        os.rename(aside, staging)
    _pause("na")
