"""Run a command in a private mount namespace (``unshare -m``) after some setup, so a test can give it a
read-only bind mount or a small full tmpfs. As root, file modes do not stop writes; a mount does.

:func:`mount_ns_problem` says why namespaces are unusable here (None when they work); the tests skip with
that reason, loudly, and CI (root) always has them.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def mount_ns_problem() -> str | None:
    probe = ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"]
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"UNSHARE UNAVAILABLE, storage-fault tests NOT RUN: {exc}"
    if proc.returncode != 0:
        return f"UNSHARE -m + tmpfs FAILED, storage-fault tests NOT RUN: {proc.stderr.strip()}"
    return None


def read_only(path: Path) -> str:
    """Shell lines making ``path`` a read-only bind mount of itself."""
    p = shlex.quote(str(path))
    return f"mount --bind {p} {p} && mount -o remount,bind,ro {p}"


def small_tmpfs(path: Path, size_kib: int, fill_kib: int = 0) -> str:
    """Shell lines mounting a ``size_kib`` tmpfs at ``path`` (created first), optionally filled so that
    only ``size_kib - fill_kib`` is left (a full disk when they are equal)."""
    p = shlex.quote(str(path))
    lines = f"mkdir -p {p} && mount -t tmpfs -o size={size_kib}k,mode=0700 tmpfs {p}"
    if fill_kib:
        lines += f" && (head -c {fill_kib * 1024} /dev/zero > {p}/.filler 2>/dev/null || true)"
    return lines


def run_in_mount_ns(
    setup: str, argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``argv`` in a new mount namespace after the shell lines ``setup`` (all mounts vanish with it)."""
    full_env = child_env(env)
    script = f'set -e; {setup}; exec "$@"'
    command = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *argv]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, env=full_env, cwd=ROOT
    )


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with the repository importable (for ``tests.support``) and ``extra`` on top."""
    return {**os.environ, "PYTHONPATH": str(ROOT), **(extra or {})}


def cli(*args: str) -> list[str]:
    """The ``opsprep-voice`` command with the fake transcriber (:mod:`tests.support.score_child`)."""
    return [sys.executable, "-m", "tests.support.score_child", *args]
