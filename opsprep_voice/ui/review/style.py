"""Palette-derived colours and small formatting helpers shared by the review and history widgets.

Colours are computed from the widget's palette so they read well in light and dark themes: tinted
backgrounds are mixed from the palette's Base colour, text stays the palette's Text colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QWidget


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    t = max(0.0, min(1.0, amount))
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
        1.0,
    )


@dataclass(frozen=True, slots=True)
class ReviewColours:
    text: QColor
    base: QColor
    muted: QColor
    hit_bg: QColor
    hit_fuzzy_bg: QColor
    missed_bg: QColor
    good: QColor
    bad: QColor
    warn: QColor
    figure: QColor
    pause_bg: QColor
    current_bg: QColor
    current_fg: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> ReviewColours:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        dark = is_dark(palette)
        green = QColor("#2e9e4f")
        amber = QColor("#d9a400")
        # Tinted backgrounds: a little of the hue over Base keeps Text readable on top (contrast > 7:1 in the
        # default light and dark palettes).
        hit_bg = mix(base, green, 0.40 if dark else 0.28)
        hit_fuzzy_bg = mix(base, amber, 0.28 if dark else 0.30)
        muted = mix(text, base, 0.45)
        good = QColor("#5fd07f") if dark else QColor("#1a7a36")
        bad = QColor("#ff7b72") if dark else QColor("#b3261e")
        warn = QColor("#e3b341") if dark else QColor("#8a5a00")  # amber that still reads as text
        figure = QColor("#79b8ff") if dark else QColor("#0b4fa8")
        pause_bg = mix(base, text, 0.12)
        return cls(
            text=text,
            base=base,
            muted=muted,
            hit_bg=hit_bg,
            hit_fuzzy_bg=hit_fuzzy_bg,
            missed_bg=mix(base, QColor("#d0453a"), 0.30 if dark else 0.20),
            good=good,
            bad=bad,
            warn=warn,
            figure=figure,
            pause_bg=pause_bg,
            current_bg=palette.color(QPalette.ColorRole.Highlight),
            current_fg=palette.color(QPalette.ColorRole.HighlightedText),
        )


def fmt_clock(seconds: float | None) -> str:
    """``m:ss`` (or ``h:mm:ss``); ``--:--`` for None."""
    if seconds is None:
        return "--:--"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fmt_seconds(seconds: float | None, digits: int = 1) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.{digits}f} s"


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours (1..21)."""

    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())

    la, lb = lum(a), lum(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def pause_glyph(font: QFont) -> str:
    """``⏸`` when the font (or a fallback) can draw it, else ``‖``."""
    return "⏸" if QFontMetrics(font).inFontUcs4(0x23F8) else "‖"


def bold_font(widget: QWidget, scale: float = 1.0) -> None:
    """Make ``widget``'s font bold and ``scale`` times its size (titles and headlines in the review)."""
    font = widget.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    widget.setFont(font)
