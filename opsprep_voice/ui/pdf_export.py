"""PDF exports of the history, made by Qt's own writer (no extra dependency).

The Markdown from :mod:`opsprep_voice.storage.export` is laid out by ``QTextDocument`` and printed with
``QPdfWriter`` on A4; Qt numbers the pages. No window is needed, only a ``QGuiApplication``: one is created
if none exists (with the ``offscreen`` platform when there is no display, e.g. the CLI over SSH).
Call from the GUI thread (or any thread when no application exists yet, as in the CLI).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPdfWriter,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextLength,
    QTextTable,
)
from PySide6.QtWidgets import QApplication

from opsprep_voice.core.titles import readable_title
from opsprep_voice.storage.export import BankLike, Recovered, export_markdown, question_markdown
from opsprep_voice.storage.export_files import (
    ExportError,
    atomic_target,
    check_target,
    staged_audio,
)
from opsprep_voice.storage.places import os_error_reason
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


#: Table columns of free text and their share of the table's width, in percent. Qt sizes columns from their
#: content, so long question text left the others too narrow for their headers ("Questio/n", "WP/M"); with
#: these shares and the table across the page, the short columns split the rest and keep whole words.
TEXT_COLUMNS = {"Question": 22, "Item": 40, "Evidence": 40}
TABLE_POINT_SIZE = 7.5  # nine columns side by side on A4 portrait
TABLE_CELL_PADDING = 2.0
#: The page: A4 with a small margin of its own, inside which ``QTextDocument.print_`` keeps its documented
#: 2 cm around the text (15 mm page margins as well would leave 140 mm, too narrow for the summary
#: table's nine columns: a date in "When" would break at its hyphen).
PAGE_MARGIN_MM = 1.0
PRINT_MARGIN_MM = 20.0
TEXT_WIDTH_PT = (210.0 - 2 * PAGE_MARGIN_MM - 2 * PRINT_MARGIN_MM) * 72 / 25.4
#: Where a short column may break a line: "When" between the date and the time, never inside the date.
LINE_PIECES = {"When": " "}


def _fit_tables(document: QTextDocument) -> None:
    """Give every table the page's width, its short columns what their longest word needs (a header, a
    status, a date) and the free-text columns the rest, in a smaller font."""
    frames = list(document.rootFrame().childFrames())
    while frames:
        frame = frames.pop()
        frames.extend(frame.childFrames())
        if isinstance(frame, QTextTable):
            _fit_table(frame)


def _fit_table(table: QTextTable) -> None:
    small = QTextCharFormat()
    small.setFontPointSize(TABLE_POINT_SIZE)
    texts: list[list[str]] = []
    for column in range(table.columns()):
        texts.append([])
        for row in range(table.rows()):
            cell = table.cellAt(row, column)
            cursor = cell.firstCursorPosition()
            cursor.setPosition(cell.lastCursorPosition().position(), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(small)
            texts[-1].append(cursor.selectedText().strip())
    headers = [column[0] if column else "" for column in texts]
    table_format = table.format()
    table_format.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
    table_format.setCellPadding(TABLE_CELL_PADDING)
    table_format.setColumnWidthConstraints(
        [QTextLength(QTextLength.Type.PercentageLength, share) for share in column_shares(headers, texts)]
    )
    table.setFormat(table_format)


def column_shares(headers: list[str], texts: list[list[str]]) -> list[float]:
    """Percent of the table's width per column. A short column gets at least its widest unbreakable text
    (measured in bold, the headers' font, plus the cell's padding and borders); the free-text columns
    share what is left by their :data:`TEXT_COLUMNS` weights, and any room beyond that goes to the short
    columns in proportion to their needs."""
    font = QFont()
    font.setPointSizeF(TABLE_POINT_SIZE)
    font.setBold(True)
    metrics = QFontMetricsF(font)
    points = 72 / (QGuiApplication.primaryScreen().logicalDotsPerInchX() or 96.0)  # metrics are in pixels

    def need(column: int) -> float:
        separator = LINE_PIECES.get(headers[column])
        pieces = [p for t in texts[column] for p in (t.split(separator) if separator else [t])]
        widest = max((metrics.horizontalAdvance(p) for p in pieces), default=0.0) * points
        return 100 * (widest + 4 * TABLE_CELL_PADDING) / TEXT_WIDTH_PT

    needs = {c: need(c) for c, h in enumerate(headers) if h not in TEXT_COLUMNS}
    weights = {c: TEXT_COLUMNS[h] for c, h in enumerate(headers) if h in TEXT_COLUMNS}
    short = sum(needs.values())
    if not weights:
        return [100 * needs[c] / (short or 1) for c in range(len(headers))]
    free = min(sum(weights.values()), max(100 - short, 0.0))
    spare = 100 - free - short  # beyond the needs: shared by the short columns
    return [
        weights[c] * free / sum(weights.values()) if c in weights else needs[c] * (1 + spare / (short or 1))
        for c in range(len(headers))
    ]


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
    _fit_tables(document)
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
                QMarginsF(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM),
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
    title = readable_title(session.title, bank.find if bank is not None else None)
    with _staged(items, target, with_audio) as links:
        markdown = export_markdown(session, items, bank, audio_links=links, recovered=recovered)
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
    with _staged(attempts, target, with_audio) as links:
        markdown = question_markdown(attempts, bank, title=title, audio_links=links, recovered=recovered)
        return render_pdf(markdown, target, title=title or "Attempts", overwrite=True)


@contextlib.contextmanager
def _staged(attempts: Sequence[AttemptRecord], target: Path, with_audio: bool) -> Iterator[dict[int, str]]:
    """:func:`staged_audio` (no partial copies left), its file errors as :class:`ExportError`."""
    try:
        with staged_audio(attempts, target, with_audio) as links:
            yield links
    except OSError as exc:
        raise ExportError(f"{target}: cannot write the export: {os_error_reason(exc, target)}") from exc
