"""The files an export writes: checked targets, atomic writes and the copied audio folder.

Nothing is overwritten silently: an existing target (file or audio folder) raises :class:`ExportError`
unless ``overwrite=True``, and what is not a regular file (a device, a pipe, a link to one) is never
replaced. Files are written to a temporary name and renamed, and the audio is copied into a hidden staging
folder that takes the audio folder's name only once the export is written, so a failed export (a full disk,
say) leaves no half file and no partial copy of anyone's recordings behind. Used by the Markdown/CSV
exports (:mod:`.export`) and the PDF export (``opsprep_voice.ui.pdf_export``) alike.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from opsprep_voice.storage.db import private_copy
from opsprep_voice.storage.records import AttemptRecord

log = logging.getLogger(__name__)


class ExportError(Exception):
    """An export cannot be written; the message names the path and what to do."""


def audio_folder_for(path: Path) -> Path:
    """The folder beside an export that holds its audio copies: ``report.md`` -> ``report-audio/``."""
    return path.with_name(f"{path.stem}-audio")


def check_target(path: Path | str, *, overwrite: bool = False, with_audio: bool = False) -> Path:
    """Raise :class:`ExportError` if writing ``path`` (and its audio folder) would replace something."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a folder; give a file name for the export")
    if not target.parent.is_dir():
        raise ExportError(f"{target.parent} does not exist; create the folder first or choose another")
    if target.exists() and not target.is_file():
        raise ExportError(
            f"{target} is not a regular file (a device, pipe or socket, or a link to one); an export never "
            "replaces it, even with --force: choose another name"
        )
    if (target.exists() or target.is_symlink()) and not overwrite:
        raise ExportError(f"{target} already exists; choose another name or overwrite it (--force)")
    folder = audio_folder_for(target)
    if with_audio and (folder.exists() or folder.is_symlink()):
        if not overwrite:
            raise ExportError(f"{folder} already exists; choose another name or overwrite it (--force)")
        if folder.is_symlink() or not folder.is_dir():
            raise ExportError(f"{folder} exists and is not a folder; move it aside to export the audio")
    return target


@contextlib.contextmanager
def atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on failure it is removed."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_file(path: Path, text: str) -> None:
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def copy_audio(
    attempts: Sequence[AttemptRecord], folder: Path, *, link_folder: str | None = None
) -> dict[int, str]:
    """Copy each attempt's audio into ``folder`` (user-only copies); return attempt id -> link relative to
    the export file (``link_folder``, default ``folder``'s name, then the file name).

    Attempts without an audio file on disk are skipped (and logged).
    """
    links: dict[int, str] = {}
    for attempt in attempts:
        source = attempt.audio_path
        if source is None or not source.is_file():
            if source is not None:
                log.warning("attempt %d: audio file %s is missing; not exported", attempt.id, source)
            continue
        folder.mkdir(exist_ok=True)
        private_copy(source, folder / source.name)
        links[attempt.id] = f"{link_folder or folder.name}/{source.name}"
    return links


@contextlib.contextmanager
def staged_audio(
    attempts: Sequence[AttemptRecord], target: Path, with_audio: bool
) -> Iterator[dict[int, str]]:
    """With ``with_audio``, copy the audio into a hidden folder beside ``target`` and yield the links; when
    the block (writing the export) succeeds, that folder becomes ``target``'s audio folder (replacing the
    old one, which :func:`check_target` allowed). On any failure the copies are removed."""
    if not with_audio:
        yield {}
        return
    folder = audio_folder_for(target)
    _remove_stale_staging(folder)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=target.parent))
    try:
        links = copy_audio(attempts, staging, link_folder=folder.name)
        yield links
        if links:
            _put_in_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_stale_staging(folder: Path) -> None:
    """Hidden copies of recordings a killed export left beside ``folder`` (its staging and the old folder
    it was replacing): voices must not stay in the user's export folder, so the next export there clears
    them. The names are this module's own (``.<name>-audio.<random>.tmp`` / ``.old``)."""
    for suffix in (".tmp", ".old"):
        for stale in folder.parent.glob(f".{glob.escape(folder.name)}.*{suffix}"):
            if stale.is_dir() and not stale.is_symlink():
                log.info("removing %s, left by an export that was stopped", stale)
                shutil.rmtree(stale, ignore_errors=True)


def _put_in_place(staging: Path, folder: Path) -> None:
    old: Path | None = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
        os.replace(folder, old / folder.name)
    os.replace(staging, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
