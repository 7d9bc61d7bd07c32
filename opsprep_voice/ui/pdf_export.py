"""PDF exports of the history, made by Qt's own writer (no extra dependency).

The Markdown from :mod:`opsprep_voice.storage.export` is laid out by ``QTextDocument`` and printed with
``QPdfWriter`` on A4; Qt numbers the pages. No window is needed, only a ``QGuiApplication``: one is created
if none exists (with the ``offscreen`` platform when there is no display, e.g. the CLI over SSH).
Call from the GUI thread (or any thread when no application exists yet, as in the CLI).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import QFont, QGuiApplication, QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtWidgets import QApplication

from opsprep_voice.core.titles import readable_title
from opsprep_voice.storage.export import BankLike, Recovered, export_markdown, question_markdown
from opsprep_voice.storage.export_files import (
    ExportError,
    atomic_target,
    audio_folder_for,
    check_target,
    copy_audio,
)
from opsprep_voice.storage.records import AttemptRecord, SessionRecord

log = logging.getLogger(__name__)

_app: QCoreApplication | None = None  # keeps an application created here alive


def ensure_gui_application() -> QCoreApplication:
    """The running Qt application, or a new ``QApplication`` (offscreen when there is no display)."""
    global _app
    existing = QCoreApplication.instance()
    if existing is not None:
        if not isinstance(existing, QGuiApplication):
            raise ExportError("PDF export needs a QGuiApplication, but a console QCoreApplication is running")
        return existing
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # A QApplication (not just QGuiApplication) so widgets can still be created later in this process.
    _app = QApplication(["opsprep-voice"])
    return _app


def render_pdf(
    markdown: str, path: Path | str, *, title: str = "OpsPrep Voice", overwrite: bool = False
) -> Path:
    """Lay out ``markdown`` on A4 pages with page numbers and write it to ``path``."""
    target = check_target(path, overwrite=overwrite)
    ensure_gui_application()
    document = QTextDocument()
    font = QFont()
    font.setPointSizeF(10.5)
    document.setDefaultFont(font)
    document.setMarkdown(markdown)
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, title)
    with atomic_target(target) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setTitle(title)
        writer.setCreator("OpsPrep Voice")
        writer.setResolution(300)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(15, 15, 15, 15),
                QPageLayout.Unit.Millimeter,
            )
        )
        document.print_(writer)
        del writer  # finishes the file
        if tmp.stat().st_size == 0:
            raise ExportError(f"{target}: Qt wrote an empty PDF")
    log.info("PDF written: %s", target)
    return target


def export_pdf(
    session: SessionRecord,
    path: Path | str,
    *,
    attempts: Sequence[AttemptRecord] | None = None,
    bank: BankLike | None = None,
    overwrite: bool = False,
    with_audio: bool = False,
    recovered: Recovered | None = None,
) -> Path:
    """A session as PDF (same content as the Markdown export, follow-ups included; ``recovered``: see
    :mod:`opsprep_voice.storage.export_markdown`); audio copied beside it on request."""
    items = list(session.attempts if attempts is None else attempts)
    target = check_target(path, overwrite=overwrite, with_audio=with_audio)
    links = _copy(items, target) if with_audio else {}
    markdown = export_markdown(session, items, bank, audio_links=links, recovered=recovered)
    title = readable_title(session.title, bank.find if bank is not None else None)
    return render_pdf(markdown, target, title=title, overwrite=True)


def export_attempts_pdf(
    attempts: Sequence[AttemptRecord],
    path: Path | str,
    *,
    bank: BankLike | None = None,
    title: str | None = None,
    overwrite: bool = False,
    with_audio: bool = False,
    recovered: Recovered | None = None,
) -> Path:
    """All attempts of a question (or any set) as PDF, follow-ups under their answer."""
    target = check_target(path, overwrite=overwrite, with_audio=with_audio)
    links = _copy(attempts, target) if with_audio else {}
    markdown = question_markdown(attempts, bank, title=title, audio_links=links, recovered=recovered)
    return render_pdf(markdown, target, title=title or "Attempts", overwrite=True)


def _copy(attempts: Sequence[AttemptRecord], target: Path) -> dict[int, str]:
    try:
        return copy_audio(attempts, audio_folder_for(target))
    except OSError as exc:
        raise ExportError(f"{target}: cannot copy the audio files ({exc.strerror or exc})") from exc
