"""Fitting a top-level window into a screen's available area (a projector smaller than the screen it was saved on)."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def fit_rect(frame: QRect, available: QRect) -> QRect:
    """``frame`` shrunk to at most ``available``'s size and moved inside it (never off-screen).

    A frame already inside is returned unchanged; one partly outside keeps its size
    and slides in; one larger than the area takes the whole area.
    """
    width = min(frame.width(), available.width())
    height = min(frame.height(), available.height())
    x = min(max(frame.x(), available.left()), available.left() + available.width() - width)
    y = min(max(frame.y(), available.top()), available.top() + available.height() - height)
    return QRect(x, y, width, height)


def screen_area_for(window: QWidget) -> QRect:
    """The available geometry (desktop minus panels and docks) of the screen the window is on, or will open on."""
    centre = window.frameGeometry().center()
    screen = QGuiApplication.screenAt(centre) or window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect()


def fit_window(window: QWidget, available: QRect | None = None) -> bool:
    """Fit a normal (not maximised or full-screen) window's frame into ``available`` (default: its screen's
    available geometry), lowering its minimum size where the screen is smaller; True when it moved or shrank."""
    area = screen_area_for(window) if available is None else QRect(available)
    if area.isEmpty() or window.isMaximized() or window.isFullScreen():
        return False
    # the title bar and borders, known once the window is shown (zero before: then fit the client area)
    frame, inner = window.frameGeometry(), window.geometry()
    margins = QMargins(inner.left() - frame.left(), inner.top() - frame.top(),
                       frame.right() - inner.right(), frame.bottom() - inner.bottom())
    room = QSize(area.width() - margins.left() - margins.right(), area.height() - margins.top() - margins.bottom())
    minimum = window.minimumSize()
    if minimum.width() > room.width() or minimum.height() > room.height():
        window.setMinimumSize(minimum.boundedTo(room))
    fitted = fit_rect(frame, area)
    if fitted == frame:
        return False
    window.resize(fitted.width() - margins.left() - margins.right(), fitted.height() - margins.top() - margins.bottom())
    window.move(QPoint(fitted.x(), fitted.y()))  # move() places the frame's top-left corner
    return True
