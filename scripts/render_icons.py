"""Render the app icon's PNG sizes from assets/io.github.opsprep.OpsPrepVoice.svg with Qt's QSvgRenderer.

The PNGs are committed (the desktop, the installer and the bundle use them as they are); rerun this after
editing the SVG. ``--check`` renders into memory and fails when a committed PNG differs by more than a
rounding error, so the PNGs cannot drift from the SVG (tests/test_app_assets.py runs it).

    .venv/bin/python scripts/render_icons.py           # rewrite assets/icons/NxN/<id>.png
    .venv/bin/python scripts/render_icons.py --check   # exit 1 if one is missing or out of date
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from opsprep_voice.core.appinfo import ICON_SIZES, icon_png, icon_svg  # noqa: E402

#: Largest per-channel difference tolerated by --check (anti-aliasing may differ by a step across Qt builds).
TOLERANCE = 8


def render(size: int) -> QImage:
    renderer = QSvgRenderer(str(icon_svg()))
    if not renderer.isValid():
        raise SystemExit(f"{icon_svg()} is not a valid SVG for Qt")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def max_difference(a: QImage, b: QImage) -> int:
    a = a.convertToFormat(QImage.Format.Format_ARGB32)
    b = b.convertToFormat(QImage.Format.Format_ARGB32)
    if a.size() != b.size():
        return 255
    return max(abs(x - y) for x, y in zip(a.constBits().tobytes(), b.constBits().tobytes(), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare the committed PNGs")
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication([])
    stale = []
    for size in ICON_SIZES:
        image, target = render(size), icon_png(size)
        if args.check:
            if not target.is_file() or max_difference(image, QImage(str(target))) > TOLERANCE:
                stale.append(str(target.relative_to(REPO_ROOT)))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"could not write {target}")
        print(f"wrote {target.relative_to(REPO_ROOT)}")
    if stale:
        print("out of date (run scripts/render_icons.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
