"""Qt test set-up: offscreen platform, and helpers to build the real app with controlled audio."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def _no_modal_questions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A modal question would block a headless test forever: answer Yes and record what was asked."""
    asked: list[str] = []

    def yes(_parent: object, title: str, *_a: object, **_k: object) -> QMessageBox.StandardButton:
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    yield asked
