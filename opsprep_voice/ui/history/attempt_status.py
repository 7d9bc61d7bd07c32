"""What the History screen shows instead of a review for an answer without a score: what happened to it,
and "Transcribe now" when its recording was kept."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from opsprep_voice.storage.records import TRANSCRIBABLE, AttemptRecord, Status

STATUS_MESSAGES: dict[Status, str] = {
    "interrupted": (
        "This answer was interrupted: the app closed while you were answering. The recording was kept "
        "and has not been transcribed yet."
    ),
    "recorded": "This answer was recorded but not transcribed yet.",
    "recording": "This answer is being recorded (or the app closed before it was saved).",
    "failed": "Transcribing this answer failed.",
    "cancelled": (
        "This take was cancelled. The recording was kept: transcribe it to review it. A cancelled take "
        "never counts in your averages, progress or best take."
    ),
}


class AttemptStatusPanel(QWidget):
    """The status message, details and a "Transcribe now" button (enabled when the recording exists)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Answer status")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened to this answer")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("Details")
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.transcribe_button = QPushButton("Transcribe now", self)
        self.transcribe_button.setAccessibleName("Transcribe this answer now")
        self.transcribe_button.setToolTip("Transcribe and score the kept recording")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.detail)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.transcribe_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)

    def show_attempt(self, attempt: AttemptRecord) -> None:
        self.message.setText(STATUS_MESSAGES.get(attempt.status, f"Status: {attempt.status}"))
        question = attempt.question_text or attempt.question_id
        if attempt.is_follow_up:  # what was answered here: the interviewer's follow-up, not the question
            asked = (
                f"“{attempt.probe_prompt}”" if attempt.probe_prompt else "(the question asked was not stored)"
            )
            details = [f"Follow-up to question {attempt.question_number}: {asked}"]
        else:
            details = [f"Question {attempt.question_number}: {question}"]
        if attempt.error:  # a cancelled take's "error" says how it was dropped: not an error
            details.append(attempt.error if attempt.status == "cancelled" else f"Error: {attempt.error}")
        audio_ok = attempt.audio_path is not None and attempt.audio_path.is_file()
        if not audio_ok:
            details.append("The recording file is missing, so it cannot be transcribed.")
        self.detail.setText("\n".join(details))
        self.transcribe_button.setVisible(attempt.status != "recording")
        self.transcribe_button.setEnabled(attempt.status in TRANSCRIBABLE and audio_ok)
        self.transcribe_button.setText("Transcribe again" if attempt.status == "failed" else "Transcribe now")
