"""The window's look: a light Fusion palette with one accent colour, and the inline-message colours."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor("#1f6fb2")
ERROR_BG = QColor("#fde8e8")
ERROR_FG = QColor("#9b1c1c")
INFO_BG = QColor("#e8f1fb")
INFO_FG = QColor("#1c3d6b")
INVALID_CELL = QColor("#f8b4b4")
GRID_LINE = QColor("#9aa5b1")

STYLE_SHEET = f"""
QGroupBox {{ font-weight: bold; margin-top: 1.2em; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 6px; padding: 0 3px; }}
QLabel#formula {{ font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; }}
QLabel#inlineError {{ background: {ERROR_BG.name()}; color: {ERROR_FG.name()}; border-radius: 3px; padding: 3px 6px; }}
QLabel#inlineInfo {{ background: {INFO_BG.name()}; color: {INFO_FG.name()}; border-radius: 3px; padding: 3px 6px; }}
"""


def style_sheet(font_point_size: float | None = None) -> str:
    """The shared style sheet; with ``font_point_size`` every widget's font is set to it (presenter scale)."""
    if font_point_size is None:
        return STYLE_SHEET
    return f"QWidget {{ font-size: {font_point_size:.1f}pt; }}\n" + STYLE_SHEET


def apply_theme(app: QApplication) -> None:
    """Fusion style, a light palette with the accent colour, and the shared style sheet."""
    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    palette.setColor(QPalette.ColorRole.Highlight, ACCENT)
    palette.setColor(QPalette.ColorRole.Link, ACCENT)
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
