"""Render the app's icon (ui/widgets/icon.py, the one drawing) into the hicolor PNG sizes of packaging/linux/,
and the Windows .ico and macOS .icns the PyInstaller spec uses.

    python packaging/make_icons.py

Run it when the icon's drawing changes; the PNGs are committed so that packaging needs no display.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSize  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

SIZES = (16, 24, 32, 48, 64, 128, 256)
HERE = Path(__file__).resolve().parent


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (pixmaps need it)
    from cnn_explorer.ui.app import APP_ID
    from cnn_explorer.ui.widgets.icon import app_icon

    icon = app_icon()
    for size in SIZES:
        target = HERE / "linux" / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not icon.pixmap(QSize(size, size)).save(str(target), "PNG"):
            print(f"could not write {target}", file=sys.stderr)
            return 1
        print(target.relative_to(HERE.parent))
    from PIL import Image

    largest = HERE / "linux" / "share" / "icons" / "hicolor" / "256x256" / "apps" / f"{APP_ID}.png"
    picture = Image.open(largest).convert("RGBA")
    for folder, name, sizes in (("windows", "cnn-explorer.ico", [(s, s) for s in SIZES]),
                                ("macos", "cnn-explorer.icns", None)):
        target = HERE / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        picture.save(target, sizes=sizes) if sizes else picture.save(target)
        print(target.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
