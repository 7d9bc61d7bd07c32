"""The dark palette the screenshots and the every-screen UI test render with: the colours of a typical dark
desktop theme (Fusion on a dark KDE/GNOME scheme), so light and dark are both checked, not only drawn."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

DARK = {
    QPalette.ColorRole.Window: "#1f2125",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#17181b",
    QPalette.ColorRole.AlternateBase: "#24262b",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#2b2d31",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.Highlight: "#3d6fb6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2b2d31",
    QPalette.ColorRole.ToolTipText: "#e6e6e6",
    QPalette.ColorRole.PlaceholderText: "#8a8d93",
    QPalette.ColorRole.Mid: "#44474d",
    QPalette.ColorRole.Link: "#7fb0ff",
}


#: A disabled control's text, as dark themes dim it (without it a disabled button reads as enabled).
DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#6f737a",
    QPalette.ColorRole.Text: "#6f737a",
    QPalette.ColorRole.ButtonText: "#6f737a",
}


def dark_palette() -> QPalette:
    p = QPalette()
    for role, color in DARK.items():
        p.setColor(role, QColor(color))
    for role, color in DARK_DISABLED.items():
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return p
