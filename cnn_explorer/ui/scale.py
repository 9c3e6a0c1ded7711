"""Presenter scale: one factor that enlarges fonts, numbers and grids together (Ctrl+= / Ctrl+- / Ctrl+0).

The factor multiplies the application's base font size; views that draw their
own numbers or grids connect to ``scale_changed`` (or get ``set_scale(f)`` from
the page) and multiply their cell sizes and font sizes by it.

The application style sheet never changes with the scale: setting a new one re-polishes every
widget (a quarter of a second and more at 1366x768). With a style sheet, Qt no longer passes the
application font down to widgets already made, so each widget whose font is in points gets its
own font at the new size (fonts in pixels belong to views that scale them in ``set_scale``).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

#: The steps Zoom in / Zoom out walk through (1.0 = normal size).
STEPS = (0.75, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
#: In the presenter view the teacher's own controls (the slim bar, the step controls) stop growing at this
#: scale: the room they would take goes to what the class reads (grids, numbers, the written-out sum).
TEACHER_MAX_SCALE = 1.5
#: the dynamic property holding a widget's font size in points at 100 % (set the first time it is rescaled)
BASE_POINT_SIZE = "cnnBasePointSize"


class PresenterScale(QObject):
    """The current presenter scale factor; changing it rescales the application font."""

    scale_changed = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factor = 1.0
        app = QApplication.instance()
        self._base_font = QFont(app.font()) if app is not None else QFont()

    @property
    def factor(self) -> float:
        return self._factor

    def set_factor(self, factor: float) -> None:
        """Set the factor (clamped to the range of STEPS) and rescale the application font."""
        factor = min(max(float(factor), STEPS[0]), STEPS[-1])
        if abs(factor - self._factor) < 1e-9:
            return
        self._factor = factor
        app = QApplication.instance()
        if app is not None:
            font = QFont(self._base_font)
            base = self._base_font.pointSizeF() if self._base_font.pointSizeF() > 0 else 9.0
            font.setPointSizeF(base * factor)
            # widgets not rescaled yet were made at the application font of now
            previous = app.font().pointSizeF() / base if app.font().pointSizeF() > 0 else 1.0
            # Qt walks every widget here, running Python event handlers as it goes; a garbage collection
            # started by one of them could delete a widget Qt is about to visit (a crash), so none runs
            collecting = gc.isenabled()
            gc.disable()
            try:
                app.setFont(font)                    # widgets made from now on
                rescale_widget_fonts(app.allWidgets(), previous, factor)
            finally:
                if collecting:
                    gc.enable()
        self.scale_changed.emit(factor)

    def zoom_in(self) -> None:
        self.set_factor(next((s for s in STEPS if s > self._factor + 1e-9), STEPS[-1]))

    def zoom_out(self) -> None:
        self.set_factor(next((s for s in reversed(STEPS) if s < self._factor - 1e-9), STEPS[0]))

    def reset(self) -> None:
        self.set_factor(1.0)


def rescale_widget_fonts(widgets, previous: float, factor: float) -> None:
    """Set each widget's font in points from scale ``previous`` to ``factor``, keeping its own size
    relative to the application font (a heading 1.3 times larger stays so); pixel fonts are left alone.

    Every widget's size at 100 % is read before any font changes: some widgets pass their new font
    on to their parts (a spin box to its line edit), which would otherwise be scaled twice."""
    widgets = [w for w in widgets if w.font().pointSizeF() > 0]
    for w in widgets:
        if w.property(BASE_POINT_SIZE) is None:
            w.setProperty(BASE_POINT_SIZE, w.font().pointSizeF() / previous)
    for w in widgets:
        font = w.font()
        target = w.property(BASE_POINT_SIZE) * factor
        if font.pointSizeF() > 0 and abs(font.pointSizeF() - target) > 1e-3:
            font = QFont(font)
            font.setPointSizeF(target)
            w.setFont(font)


def scaled(value: float, factor: float, minimum: int = 1) -> int:
    """``value`` pixels at presenter scale ``factor``, rounded, at least ``minimum``."""
    return max(minimum, round(value * factor))


def scaled_font(base: QFont, pixels: float, factor: float, minimum: int = 1, *, bold: bool = False) -> QFont:
    """A copy of ``base`` at ``pixels`` pixel size times presenter scale ``factor`` (at least ``minimum``)."""
    font = QFont(base)
    font.setPixelSize(scaled(pixels, factor, minimum))
    if bold:
        font.setBold(True)
    return font
