"""Export a session, or all attempts of a question, as Markdown, PDF or CSV (optionally with the audio),
follow-up answers included under their main answer.

The export runs on a worker thread (records are read with their JSON, audio copied, the file written);
the dialog asks before replacing an existing file or audio folder and shows the saved path when done.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from opsprep_voice.core.bank import QuestionBank
from opsprep_voice.practice.follow_ups import question_finder, recovered_labels
from opsprep_voice.storage.export import export_attempts, write_markdown
from opsprep_voice.storage.export_files import ExportError, audio_folder_for
from opsprep_voice.storage.repository import HistoryRepository
from opsprep_voice.ui.pdf_export import export_attempts_pdf, export_pdf
from opsprep_voice.ui.review.style import ReviewColours
from opsprep_voice.ui.workers import Task, TaskRunner

log = logging.getLogger(__name__)

FORMATS = (("md", "Markdown (.md)"), ("pdf", "PDF (.pdf)"), ("csv", "CSV spreadsheet (.csv)"))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "export"


def run_export(
    repository: HistoryRepository,
    bank: QuestionBank | None,
    *,
    fmt: str,
    path: Path,
    session_id: int | None = None,
    question_id: str | None = None,
    with_audio: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write one export (no Qt widgets: safe on a worker thread). Raises :class:`ExportError`.

    Follow-up answers go with their main answer; the items each recovered are worked out here (practice
    layer) for the Markdown and PDF.
    """
    find = question_finder(bank)
    if session_id is not None:
        session = repository.get_session(session_id)
        if not session.attempts:
            raise ExportError(f"session {session_id} has no answers to export")
        recovered = recovered_labels(session.attempts, find)
        if fmt == "pdf":
            return export_pdf(
                session, path, bank=bank, overwrite=overwrite, with_audio=with_audio, recovered=recovered
            )
        if fmt == "csv":
            return export_attempts(
                session.attempts, path, fmt="csv", overwrite=overwrite, with_audio=with_audio
            )
        return write_markdown(
            session, path, bank=bank, overwrite=overwrite, with_audio=with_audio, recovered=recovered
        )
    if question_id is None:
        raise ExportError("nothing chosen to export")
    attempts = list(reversed(repository.list_attempts(question_id=question_id)))
    if not attempts:
        raise ExportError(f"no attempts at question {question_id!r} to export")
    title: str | None = None
    if bank is not None:
        try:
            question = bank.find(question_id)
            title = f"Q{question.number}. {question.text}"
        except KeyError:
            title = None
    recovered = recovered_labels(attempts, find)
    if fmt == "pdf":
        return export_attempts_pdf(
            attempts,
            path,
            bank=bank,
            title=title,
            overwrite=overwrite,
            with_audio=with_audio,
            recovered=recovered,
        )
    return export_attempts(
        attempts,
        path,
        fmt="csv" if fmt == "csv" else "md",
        bank=bank,
        title=title,
        overwrite=overwrite,
        with_audio=with_audio,
        recovered=recovered,
    )


class ExportDialog(QDialog):
    """Choose what (session or question), the format, audio and the file; ``exported(path)`` when saved."""

    exported = Signal(Path)
    failed = Signal(str)

    def __init__(
        self,
        repository: HistoryRepository,
        bank: QuestionBank | None,
        *,
        session_id: int | None = None,
        question_id: str | None = None,
        default_dir: Path | None = None,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if session_id is None and question_id is None:
            raise ValueError("ExportDialog needs a session_id or a question_id")
        self.setWindowTitle("Export answers")
        self.setAccessibleName("Export answers")
        self._repository = repository
        self._bank = bank
        self._session_id = session_id
        self._question_id = question_id
        self._default_dir = default_dir or Path.home()
        if runner is None:
            # A pool of our own: the global one is shared with Qt Multimedia's loaders, which can keep its
            # few threads busy; an export should never queue behind them.
            pool = QThreadPool(self)
            pool.setMaxThreadCount(1)
            runner = TaskRunner(pool)
        self._runner = runner
        self._task: Task | None = None
        self.saved_path: Path | None = None

        self.session_radio = QRadioButton(self)
        self.session_radio.setAccessibleName("Export the session")
        self.question_radio = QRadioButton(self)
        self.question_radio.setAccessibleName("Export all attempts of the question")
        if session_id is not None:
            self.session_radio.setText(f"This session: {self._session_label(session_id)}")
        if question_id is not None:
            label = question_id
            if bank is not None:
                try:
                    q = bank.find(question_id)
                    label = f"Q{q.number} · {q.text[:60]}{'…' if len(q.text) > 60 else ''}"
                except KeyError:
                    pass
            self.question_radio.setText(f"All attempts of {label}")
        self.session_radio.setVisible(session_id is not None)
        self.question_radio.setVisible(question_id is not None)
        (self.session_radio if session_id is not None else self.question_radio).setChecked(True)

        self.format_combo = QComboBox(self)
        self.format_combo.setAccessibleName("Export format")
        for key, text in FORMATS:
            self.format_combo.addItem(text, key)
        self.audio_check = QCheckBox(
            "Include the audio recordings (copied into a folder beside the file)", self
        )
        self.audio_check.setAccessibleName("Include audio recordings")

        self.path_edit = QLineEdit(self)
        self.path_edit.setAccessibleName("File to save")
        self.path_edit.setToolTip("Where the export is saved")
        self.browse_button = QPushButton("Browse…", self)
        self.browse_button.setAccessibleName("Choose the file")
        self.browse_button.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Export in progress")
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Export status")
        self.open_folder_button = QPushButton("Open folder", self)
        self.open_folder_button.setAccessibleName("Open the folder of the saved export")
        self.open_folder_button.hide()
        self.open_folder_button.clicked.connect(self._open_folder)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setAccessibleName("Export now")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        scope = QVBoxLayout()
        scope.addWidget(self.session_radio)
        scope.addWidget(self.question_radio)
        form.addRow("Export:", scope)
        form.addRow("Format:", self.format_combo)
        form.addRow("", self.audio_check)
        form.addRow("Save as:", path_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.open_folder_button)
        layout.addLayout(status_row)
        layout.addWidget(self.buttons)

        self.format_combo.currentIndexChanged.connect(self._update_suffix)
        self.session_radio.toggled.connect(lambda _on: self._suggest_path())
        self._suggest_path()
        self.resize(560, self.sizeHint().height())

    # ----------------------------------------------------------------------------------------- public API

    def _session_label(self, session_id: int) -> str:
        """How History names the session (its title and day), not its database id."""
        try:
            session = self._repository.get_session(session_id)
        except Exception:  # a session deleted meanwhile or a store error: the dialog still opens
            return f"#{session_id}"
        day = session.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return f"{session.title or session.mode.capitalize()} ({day})"

    def fmt(self) -> str:
        return str(self.format_combo.currentData())

    def set_format(self, fmt: str) -> None:
        self.format_combo.setCurrentIndex(max(0, self.format_combo.findData(fmt)))

    def set_path(self, path: Path) -> None:
        self.path_edit.setText(str(path))

    def is_running(self) -> bool:
        return self._task is not None

    def start_export(self) -> bool:
        """Start the export (asking first if it would replace something). False if not started."""
        if self._task is not None:
            return False
        text = self.path_edit.text().strip()
        if not text:
            self._show_error("Choose where to save the export.")
            return False
        path = Path(text).expanduser()
        if path.suffix.lower() != f".{self.fmt()}":
            path = path.with_suffix(f".{self.fmt()}")
            self.path_edit.setText(str(path))
        with_audio = self.audio_check.isChecked()
        existing = [
            p for p in (path, audio_folder_for(path) if with_audio else None) if p is not None and p.exists()
        ]
        overwrite = False
        if existing:
            names = "\n".join(str(p) for p in existing)
            answer = QMessageBox.question(
                self,
                "Replace existing files?",
                f"These already exist:\n{names}\n\nReplace them?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.status.setText("Not exported: the existing file was kept. Choose another name.")
                return False
            overwrite = True
        session_id = self._session_id if self.session_radio.isChecked() else None
        question_id = None if session_id is not None else self._question_id
        repository, bank, fmt = self._repository, self._bank, self.fmt()

        def work(_progress: Callable[[float, str], None], _cancel: threading.Event) -> Path:
            return run_export(
                repository,
                bank,
                fmt=fmt,
                path=path,
                session_id=session_id,
                question_id=question_id,
                with_audio=with_audio,
                overwrite=overwrite,
            )

        self._set_running(True)
        self.status.setText(f"Exporting to {path}…")
        # then(), not signals.connect(): a quick export can end before a late connect, and its outcome
        # would be lost (seen on a loaded machine: the dialog stayed "Exporting…").
        self._task = self._runner.start(work, name="export").then(self._on_finished, self._on_failed)
        return True

    # ------------------------------------------------------------------------------------------- internals
    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        for widget in (
            self.export_button,
            self.browse_button,
            self.path_edit,
            self.format_combo,
            self.audio_check,
        ):
            widget.setEnabled(not running)

    def _on_finished(self, result: object) -> None:
        self._task = None
        self._set_running(False)
        path = Path(str(result))
        self.saved_path = path
        self.status.setStyleSheet("")
        self.status.setText(f"Saved to {path}")
        self.open_folder_button.show()
        log.info("export saved: %s", path)
        self.exported.emit(path)

    def _on_failed(self, message: str) -> None:
        self._task = None
        self._set_running(False)
        self._show_error(f"Export failed: {message}")
        self.failed.emit(message)

    def _show_error(self, message: str) -> None:
        colour = ReviewColours.from_palette(self.palette()).bad
        self.status.setStyleSheet(f"color: {colour.name()};")
        self.status.setText(message)

    def _suggest_path(self) -> None:
        if self.session_radio.isChecked() and self._session_id is not None:
            stem = f"opsprep-session-{self._session_id}"
        else:
            stem = f"opsprep-{_slug(self._question_id or 'attempts')}"
        self.path_edit.setText(str(self._default_dir / f"{stem}.{self.fmt()}"))

    def _update_suffix(self) -> None:
        if self._task is None:  # "Saved to ….md" would read as if the new format had been saved too
            self.status.setText("")
            self.open_folder_button.hide()
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(f".{self.fmt()}")))

    def _browse(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.path_edit.text(),
            f"{self.format_combo.currentText()};;All files (*)",
            options=QFileDialog.Option.DontConfirmOverwrite,  # asked in start_export, with the audio folder
        )
        if name:
            self.path_edit.setText(name)

    def _open_folder(self) -> None:
        if self.saved_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.saved_path.parent)))

    def reject(self) -> None:
        if self._task is not None:
            self.status.setText("Please wait: the export is still being written.")
            return
        super().reject()
