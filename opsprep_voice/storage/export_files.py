"""The files an export writes: checked targets, atomic writes and the copied audio folder.

Nothing is overwritten silently: an existing target (file or audio folder) raises :class:`ExportError`
unless ``overwrite=True``. Files are written to a temporary name and renamed, so a failed export never
leaves half a file under the chosen name. Used by the Markdown/CSV exports (:mod:`.export`) and the PDF
export (``opsprep_voice.ui.pdf_export``) alike.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

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
    if target.exists() and not overwrite:
        raise ExportError(f"{target} already exists; choose another name or overwrite it (--force)")
    folder = audio_folder_for(target)
    if with_audio and folder.exists() and not overwrite:
        raise ExportError(f"{folder} already exists; choose another name or overwrite it (--force)")
    if with_audio and folder.exists() and not folder.is_dir():
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


def copy_audio(attempts: Sequence[AttemptRecord], folder: Path) -> dict[int, str]:
    """Copy each attempt's audio into ``folder``; return attempt id -> link relative to the export file.

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
        shutil.copy2(source, folder / source.name)
        links[attempt.id] = f"{folder.name}/{source.name}"
    return links
