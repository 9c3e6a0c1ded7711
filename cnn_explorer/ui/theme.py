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

#: the application's style sheet, set once: it never depends on the presenter scale (see ui/scale.py)
STYLE_SHEET = f"""
QGroupBox {{ font-weight: bold; margin-top: 1.2em; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 6px; padding: 0 3px; }}
QGroupBox#headedBox {{ margin-top: 0; }}
QLabel#boxHeading {{ font-weight: bold; padding: 0 2px; }}
QLabel#formula {{ font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; }}
QLabel#inlineError {{ background: {ERROR_BG.name()}; color: {ERROR_FG.name()}; border-radius: 3px; padding: 3px 6px; }}
QLabel#inlineInfo {{ background: {INFO_BG.name()}; color: {INFO_FG.name()}; border-radius: 3px; padding: 3px 6px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style, a light palette with the accent colour, and the shared style sheet."""
    app.setStyle("Fusion")
    palette = app.style().standardPalette()
    palette.setColor(QPalette.ColorRole.Highlight, ACCENT)
    palette.setColor(QPalette.ColorRole.Link, ACCENT)
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)


# --- explorer ---
#: the sliding window, the current output cell and the hovered map cell
WINDOW_MARK = QColor(255, 152, 0)
#: the max-pool winner
WINNER_MARK = QColor(0, 200, 83)
#: padding cells of the animation's input grid (hatched in a darker shade)
PADDING_CELL = QColor(200, 214, 232)
#: output cells the animation has not computed yet (a dotted grey slot, never a value's colour)
PENDING_CELL = QColor(226, 226, 226)
PENDING_DOTS = QColor(160, 160, 160)
#: numbers written on light / dark cells (every grid, map, matrix and weight cell of the app)
DARK_TEXT = QColor(20, 20, 20)
LIGHT_TEXT = QColor(250, 250, 250)
#: the application icon: input cells in three shades, the window and its output cell
ICON_CELLS = (QColor("#dbe9f6"), QColor("#a9cbea"), QColor("#6fa6d8"))
ICON_WINDOW = QColor("#ffb000")


def grey(level: int) -> QColor:
    """The grey with red = green = blue = ``level`` (0..255): a pixel's value as a cell background."""
    return QColor(level, level, level)


# --- train and classify ---
#: the validation curves (the training curves are the accent colour)
VALIDATION = QColor("#d9480f")
#: the batch-by-batch training curves: the accent, faint
BATCH_CURVE = QColor(31, 111, 178, 70)
#: plot titles and legends
PLOT_TEXT = QColor("#222222")
#: confusion-matrix cells of wrong predictions shade toward this (right ones toward the accent)
MISTAKE = QColor("#c92a2a")
#: the cross over a knocked-out filter's map, and the veil under it
KNOCKED_OUT = QColor("#c62828")
KNOCKED_OUT_VEIL = QColor(255, 255, 255, 150)
#: vector bars: negative values, positive values (the top class is the accent)
NEGATIVE_BAR = QColor("#c0392b")
POSITIVE_BAR = QColor("#5b7fa6")
#: secondary text: shapes beside layer titles, the empty-view hint
MUTED_TEXT = QColor("#5b6770")
#: "draw a digit here" on the empty canvas
CANVAS_HINT = QColor("#8a96a3")
#: probability bars: the empty track, and every bar but the top class's (the accent)
BAR_TRACK = QColor("#e4e9ef")
BAR_FILL = QColor("#8fa9c4")
#: the verdict when the model is unsure (a sure verdict is in INFO_FG)
UNSURE_BG = QColor("#fff3cd")
UNSURE_FG = QColor("#8a5300")
