"""A tab that builds its page the first time it is shown, so start-up pays only for the first page.

The page fills the tab; when the tab is smaller than the page's minimum size (a big presenter
scale on a small screen) it scrolls instead of squashing the page's widgets under their size.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from cnn_explorer.ui.widgets.containers import FillColumn, scroll_area


class LazyPage(QWidget):
    """Holds ``factory()``'s page once built; forwards ``set_scale`` and ``shutdown`` to it.

    ``built(page)`` is emitted once, right after the page is created (the window
    wires the page's signals there).
    """

    built = Signal(object)

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory = factory
        self._page: QWidget | None = None
        self._scale = 1.0
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def page(self) -> QWidget | None:
        """The page, or None while it is not built yet."""
        return self._page

    def ensure_built(self) -> QWidget:
        """Build the page now if it is not built yet; returns it."""
        if self._page is None:
            page = self._factory()
            self._page = page
            holder = FillColumn(self)
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            holder_layout.addWidget(page)
            self._layout.addWidget(scroll_area(holder, self))
            set_scale = getattr(page, "set_scale", None)
            if callable(set_scale) and self._scale != 1.0:
                set_scale(self._scale)
            self.built.emit(page)
        return self._page

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        set_scale = getattr(self._page, "set_scale", None)
        if callable(set_scale):
            set_scale(factor)

    def shutdown(self) -> None:
        """Stop the page's background work, if it was ever built."""
        stop = getattr(self._page, "shutdown", None) or getattr(self._page, "stop", None)
        if callable(stop):
            stop()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.ensure_built()
        super().showEvent(event)
