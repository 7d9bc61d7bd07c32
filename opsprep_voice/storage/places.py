"""Why the history cannot be written where it is, told apart from a damaged database.

A read-only file system, a full disk, a read-only folder or a file where the audio folder should be all make
SQLite and file writes fail, often with the same words a damaged file gives ("disk I/O error", "unable to
open database file"). The fix differs: free space, make the place writable, move a file away. Moving the
database aside, the fix for a damaged one, would hide a healthy history. So a failure is explained by
looking at the place itself (``statvfs``, the folder's mode) and at the ``errno`` of the failed call, and the
message names the place and its fix. No Qt, no SQLite.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

#: Less free space than this on the history's disk counts as full: SQLite needs room for its journal, and a
#: minute of recorded answer is about 2 MB.
LOW_SPACE_BYTES = 1 << 20

#: ``errno`` values that mean "no room left" (a quota is a full disk for the user).
_NO_SPACE = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}

HISTORY_FINE = "The history itself is not damaged and nothing in it was changed."


def existing_ancestor(path: Path) -> Path:
    """``path`` itself if it exists, else its nearest existing parent."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (which must exist): the longest mount point
    above it in ``/proc/self/mountinfo`` (a bind mount keeps its device, so ``os.path.ismount`` misses it),
    else the first folder up that ``os.path.ismount`` accepts."""
    current = path.resolve()
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    found: Path | None = None
    for line in lines:
        fields = line.split(" ")
        if len(fields) < 5:
            continue
        point = Path(_unescape(fields[4]))
        if (point == current or point in current.parents) and (
            found is None or len(point.parts) > len(found.parts)
        ):
            found = point
    if found is not None:
        return found
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return current


def _unescape(field: str) -> str:
    """mountinfo writes a space, tab, newline or backslash in a path as an octal escape (``\\040``)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def read_only_file_system(place: Path) -> str:
    mount = mount_point(place)
    return (
        f"{place} is on a read-only file system (mounted at {mount}); remount {mount} read-write, or set "
        "OPSPREP_VOICE_HOME to a writable folder"
    )


def disk_full(place: Path, free: int | None = None) -> str:
    mount = mount_point(place)
    left = f" ({_size(free)} left)" if free is not None else ""
    return f"the disk holding {place} is full{left}; free some space on {mount}"


def read_only_place(place: Path) -> str:
    """Why ``place`` (which this process may not write) takes no writes, with the fix that works: a file or
    folder of another user (one made by an earlier ``sudo`` run) needs its owner changed, not its mode."""
    what = "folder" if place.is_dir() else "file"
    info = place.stat()
    mode = stat.S_IMODE(info.st_mode)
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        owner = _user_name(info.st_uid)
        return (
            f"the {what} {place} belongs to {owner}, not to you (mode {mode:o}); give it back to yourself "
            f"(sudo chown -R \"$USER\" '{place}')"
        )
    return f"the {what} {place} is read-only (mode {mode:o}); make it writable (chmod u+w '{place}')"


def _user_name(uid: int) -> str:
    try:
        import pwd

        return f"the user {pwd.getpwuid(uid).pw_name}"
    except (ImportError, KeyError):
        return f"user id {uid}"


def on_read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(existing_ancestor(path)).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return False


def unwritable_reason(path: Path) -> str | None:
    """Why nothing can be written at ``path`` (a folder or a file in it), with the fix; None when the place
    looks writable (then a failure there is something else: a lock, a damaged file)."""
    place = existing_ancestor(path)
    try:
        info = os.statvfs(place)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        info = None
    if info is not None:
        if info.f_flag & os.ST_RDONLY:
            return read_only_file_system(place)
        free = info.f_bavail * info.f_frsize
        if free < LOW_SPACE_BYTES:
            return disk_full(place, free)
    if not os.access(place, os.W_OK):
        return read_only_place(place)
    return None


def file_in_the_way(path: Path) -> Path | None:
    """The first parent of ``path`` that exists and is not a folder (a file where a folder should be)."""
    for parent in reversed(path.parents):
        if parent.exists() and not parent.is_dir():
            return parent
    return None


def describe_os_error(exc: OSError, path: Path) -> str:
    """One line for a failed write into the history at ``path``: what, where, how to fix (the history is
    fine)."""
    return f"{os_error_reason(exc, path)}. {HISTORY_FINE}"


def os_error_reason(exc: OSError, path: Path) -> str:
    """Why a write at ``path`` failed, from its ``errno``, with the fix."""
    code = exc.errno
    if code in _NO_SPACE:
        reason = disk_full(existing_ancestor(path.parent))
    elif code == errno.EROFS:
        reason = read_only_file_system(existing_ancestor(path.parent))
    elif code in (errno.ENOTDIR, errno.EEXIST) and (blocker := file_in_the_way(path)) is not None:
        reason = f"{blocker} is a file where a folder should be; move or rename it"
    elif code == errno.ENAMETOOLONG:
        reason = f"{path}: the file name is too long for this file system"
    elif code in (errno.EACCES, errno.EPERM):
        reason = read_only_place(existing_ancestor(path.parent))
    else:
        reason = f"{path} cannot be written ({exc.strerror or exc}); check the disk"
    return reason


def unwritable_message(db_path: Path, reason: str) -> str:
    """The history at ``db_path`` cannot be written because of ``reason`` (from :func:`unwritable_reason`)."""
    return f"{db_path}: answers cannot be saved here: {reason}. {HISTORY_FINE}"


def audio_folder_problem(folder: Path, make: Callable[[Path], object]) -> str | None:
    """What stops answers' audio being written into ``folder`` (created with ``make(folder)`` if missing),
    with the fix; None when it is a usable folder."""
    try:
        make(folder)
    except OSError as exc:
        return f"{folder}: the answers' audio folder cannot be made: {describe_os_error(exc, folder / 'x')}"
    if not folder.is_dir():
        return (
            f"{folder} is a file where the answers' audio folder should be; move or rename it (OpsPrep Voice "
            f"then makes the folder). {HISTORY_FINE}"
        )
    return None
