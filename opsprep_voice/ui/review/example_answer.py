"""The example-answer panel beside a review: the question's example answer with the wording of the missed
checklist items underlined, and why employers ask the question.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from opsprep_voice.core.bank import Question
from opsprep_voice.ui.review import report_data as rd
from opsprep_voice.ui.review.style import ReviewColours, bold_font


class ExampleAnswerPanel(QWidget):
    """Why employers ask the question and the example answer, with the wording of missed items underlined."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Example answer")
        title = QLabel("Example answer", self)
        bold_font(title, 1.1)
        self.browser = QTextBrowser(self)
        self.browser.setAccessibleName("Example answer and guidance")
        self.browser.setOpenLinks(False)
        font = self.browser.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.browser.setFont(font)
        self.browser.document().setDocumentMargin(8)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.browser, 1)

    def set_question(self, question: Question | None, report: rd.Report | None) -> None:
        if question is None:
            self.browser.setHtml("<p>This question is no longer in the question bank.</p>")
            return
        colours = ReviewColours.from_palette(self.palette())
        answer = question.example_answer
        checklist = rd.as_report(report).checklist if report is not None else ()
        missed = [e.example for e in checklist if not e.hit and e.example]
        marks: list[tuple[int, int]] = []
        folded = answer.casefold()
        for wording in missed:
            at = folded.find(wording.casefold())
            if at >= 0:
                marks.append((at, at + len(wording)))
        marks.sort()
        parts: list[str] = []
        pos = 0
        for start, end in marks:
            if start < pos:
                continue
            parts.append(html.escape(answer[pos:start]))
            parts.append(
                f'<span style="background:{colours.missed_bg.name()}; text-decoration: underline;">'
                f"{html.escape(answer[start:end])}</span>"
            )
            pos = end
        parts.append(html.escape(answer[pos:]))
        legend = (
            f'<p style="color:{colours.muted.name()};"><small>Marked: wording of the points you missed.'
            "</small></p>"
            if marks
            else ""
        )
        guidance = html.escape(question.guidance)
        self.browser.setHtml(
            f"<p>{''.join(parts)}</p>{legend}"
            f'<p style="color:{colours.muted.name()};"><b>Why they ask:</b> {guidance}</p>'
        )
