"""Guards against a Qt binding that corrupts reference counts (PySide6 6.12.0 on Python 3.11 dropped a
reference to None on each call of a method returning nothing; the app aborted after ~20,000 such calls,
i.e. a few minutes of recording with the level meter and clock updating 30 times a second)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot: Any) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(2000):
        label.setText(str(i))
        label.update()
    assert sys.getrefcount(None) >= before - 50, "the Qt binding leaks references to None"
