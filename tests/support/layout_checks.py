"""Layout facts a person would notice on a screen, read from the real widgets: the window fits the screen,
lists and tables need no sideways scrolling, no label's or button's text is cut, no column title is elided,
and text stands out from what is behind it.

Each check returns the problems it found as sentences naming the widget (empty: none), so one walk through
the app reports every problem of a screen at once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QRadioButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from opsprep_voice.ui.review.style import ReviewColours, contrast_ratio

#: WCAG AA for normal text; a person with ordinary eyesight reads it without effort.
TEXT_CONTRAST = 4.5
#: The review's de-emphasised text (fillers, "none", notes) is meant to recede: 3:1, as its own colours
#: promise (tests/ui/test_review_widgets.py).
MUTED_CONTRAST = 3.0
_COLOUR = re.compile(r"(?<![-\w])color\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})")
_STYLED_SPAN = re.compile(r'style="([^"]*)"')
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})")


def name(widget: QWidget) -> str:
    """How a problem names a widget: its class, accessible or object name, and the start of its text."""
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
    plain = re.sub(r"<[^>]+>", "", text or "").strip()
    label = widget.accessibleName() or widget.objectName()
    return f"{type(widget).__name__}({label!r}, {plain[:40]!r})"


def shown(root: QWidget, kind: type[Any]) -> list[Any]:
    """The widgets of ``kind`` under ``root`` that are on screen (visible, with some size)."""
    found: list[Any] = [
        w for w in root.findChildren(kind) if w.isVisibleTo(root) and w.width() > 0 and w.height() > 0
    ]
    return [w for w in found if w.window() is root.window()]


def fits_screen(window: QWidget, screen: QSize) -> list[str]:
    """The window can be made as small as the screen and is no larger than it."""
    problems = []
    minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
    if minimum.width() > screen.width() or minimum.height() > screen.height():
        problems.append(f"minimum size {minimum.width()}x{minimum.height()} is larger than the screen")
    if window.width() > screen.width() or window.height() > screen.height():
        problems.append(f"window is {window.width()}x{window.height()}, larger than the screen")
    return problems


def no_sideways_scrolling(root: QWidget) -> list[str]:
    """No list or table on screen needs its horizontal scrollbar."""
    return [
        f"{name(view)} scrolls sideways ({view.horizontalScrollBar().maximum()} px hidden)"
        for view in shown(root, QAbstractItemView)
        if view.horizontalScrollBar().isVisible()
    ]


def _text_width(label: QLabel) -> int:
    if label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(label.text())
    ):
        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setDocumentMargin(0)
        doc.setHtml(label.text())
        return int(doc.idealWidth() + 0.999)
    metrics = QFontMetrics(label.font())
    return max(metrics.horizontalAdvance(line) for line in label.text().split("\n"))


def labels_whole(root: QWidget) -> list[str]:
    """Every label's text is painted whole: a one-line label is as wide as its text, a wrapped one as tall
    as its lines at its width."""
    problems = []
    for label in shown(root, QLabel):
        if not label.text() or (label.pixmap() is not None and not label.pixmap().isNull()):
            continue
        room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if needed > label.height():
                problems.append(f"{name(label)} needs {needed} px of height, has {label.height()}")
        else:
            needed = _text_width(label) - max(0, label.indent())
            if needed > room.width() + 1:
                problems.append(f"{name(label)} needs {needed} px, has {room.width()}: its text is cut")
    return problems


def buttons_whole(root: QWidget) -> list[str]:
    """Buttons, check boxes and radio buttons are at least as wide as their text needs."""
    problems = []
    for button in shown(root, QAbstractButton):
        if not button.text():
            continue
        if isinstance(button, (QCheckBox, QRadioButton)):
            option = QStyleOptionButton()
            option.initFrom(button)
            indicator = button.style().pixelMetric(
                QStyle.PixelMetric.PM_IndicatorWidth
                if isinstance(button, QCheckBox)
                else QStyle.PixelMetric.PM_ExclusiveIndicatorWidth,
                option,
                button,
            )
            needed = indicator + QFontMetrics(button.font()).horizontalAdvance(button.text().replace("&", ""))
        else:
            needed = button.minimumSizeHint().width()
        if needed > button.width():
            problems.append(f"{name(button)} needs {needed} px, has {button.width()}: its text is cut")
    return problems


def headers_whole(root: QWidget) -> list[str]:
    """Every column title on screen has the room its text needs (Qt elides it otherwise)."""
    problems = []
    for header in shown(root, QHeaderView):
        if header.orientation() != Qt.Orientation.Horizontal or header.model() is None:
            continue
        for logical in range(header.count()):
            if header.isSectionHidden(logical):
                continue
            title = header.model().headerData(logical, Qt.Orientation.Horizontal)
            if not title:
                continue
            needed = header.sectionSizeFromContents(logical).width()
            if needed > header.sectionSize(logical):
                problems.append(
                    f"column {title!r} of {name(header.parentWidget())} is {header.sectionSize(logical)} px, "
                    f"its title needs {needed}: elided"
                )
    return problems


def _background(image: QImage, rect: QRect) -> QColor:
    """The most common colour in ``rect`` of the window's picture: what the text is painted on."""
    rect = rect.intersected(image.rect())
    step = max(1, int((rect.width() * rect.height() / 600) ** 0.5))
    counts: Counter[int] = Counter(
        image.pixel(x, y)
        for x in range(rect.left(), rect.right() + 1, step)
        for y in range(rect.top(), rect.bottom() + 1, step)
    )
    return QColor.fromRgb(counts.most_common(1)[0][0]) if counts else QColor("white")


def _text_colours(widget: QWidget) -> Iterable[tuple[QColor, QColor | None]]:
    """The colours a label paints text in, each with the background its own span sets (None: the widget's)."""
    sheet = _COLOUR.search(widget.styleSheet())
    yield (QColor(sheet.group(1)) if sheet else widget.palette().color(widget.foregroundRole())), None
    if isinstance(widget, QLabel):
        for style in _STYLED_SPAN.findall(widget.text()):
            colour, background = _COLOUR.search(style), _BACKGROUND.search(style)
            if colour:
                yield QColor(colour.group(1)), QColor(background.group(1)) if background else None


def _view_cells(view: QAbstractItemView) -> Iterable[QModelIndex]:
    model = view.model()
    if model is None:
        return
    stack = [QModelIndex()]
    while stack:
        parent = stack.pop()
        try:
            columns = model.columnCount(parent)
        except TypeError:  # a QListWidget's model hides it: one column
            columns = 1
        for row in range(min(model.rowCount(parent), 200)):
            for column in range(columns):
                index = model.index(row, column, parent)
                if view.visualRect(index).intersects(view.viewport().rect()):
                    yield index
            stack.append(model.index(row, 0, parent))


def text_contrast(root: QWidget) -> list[str]:
    """Labels' text (their palette, style sheet and coloured spans) against the pixels behind them, and
    the coloured cells of lists and tables against their background."""
    problems = []
    picture = root.window().grab().toImage()
    top = root.window()
    enabled = [w for w in shown(root, QLabel) if w.isEnabled() and w.text().strip()]
    for label in enabled:
        seen = label.visibleRegion().boundingRect()  # not the part scrolled out of sight
        if seen.isEmpty():
            continue
        behind = _background(picture, seen.translated(label.mapTo(top, QPoint(0, 0))))
        muted = ReviewColours.from_palette(label.palette()).muted.name()
        selection = (
            label.palette().color(QPalette.ColorRole.HighlightedText).name(),
            label.palette().color(QPalette.ColorRole.Highlight).name(),
        )
        for colour, own in _text_colours(label):
            if own is not None and (colour.name(), own.name()) == selection:
                continue  # the desktop's own selection colours ("playing now"), not the app's choice
            ratio = contrast_ratio(colour, own or behind)
            if ratio < (MUTED_CONTRAST if colour.name() == muted else TEXT_CONTRAST):
                problems.append(
                    f"{name(label)}: {colour.name()} on {(own or behind).name()} has contrast {ratio:.1f}"
                )
    for view in shown(root, QAbstractItemView):
        base = view.palette().color(QPalette.ColorRole.Base)
        for index in _view_cells(view):
            fg = index.data(Qt.ItemDataRole.ForegroundRole)
            if fg is None or not index.data():
                continue
            colour = fg.color() if hasattr(fg, "color") else QColor(fg)
            bg = index.data(Qt.ItemDataRole.BackgroundRole)
            behind = (bg.color() if hasattr(bg, "color") else QColor(bg)) if bg is not None else base
            ratio = contrast_ratio(colour, behind)
            if ratio < TEXT_CONTRAST:
                problems.append(
                    f"{name(view)} cell {index.data()!r}: {colour.name()} on {behind.name()} "
                    f"has contrast {ratio:.1f}"
                )
    return problems


def layout_problems(root: QWidget, screen: QSize) -> list[str]:
    """All the checks above on ``root`` (a screen of the main window, or a dialog) at ``screen``'s size."""
    problems = fits_screen(root.window(), screen)
    problems += no_sideways_scrolling(root)
    problems += labels_whole(root)
    problems += buttons_whole(root)
    problems += headers_whole(root)
    problems += text_contrast(root)
    return problems
