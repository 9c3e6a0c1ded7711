"""How much room the step view's written-out sum gets: what the visible area leaves below the controls,
shared with the grids, so a big presenter scale on a small screen shrinks the sum's font instead of
pushing the sum (or the grids) out of sight."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea, QWidget

#: the share of the height below the controls the sum may take (the grids keep the rest)
SUM_SHARE = 0.45


class SumRoom(QObject):
    """Watches ``panel`` (and the scroll area's viewport it sits in) and tells ``arithmetic.set_room``
    the width and height the sum may fill whenever either is resized."""

    def __init__(self, panel: QWidget, controls: QWidget, body: QWidget, arithmetic) -> None:
        super().__init__(panel)
        self._panel, self._controls, self._body, self._arithmetic = panel, controls, body, arithmetic
        self._viewport: QWidget | None = None
        panel.installEventFilter(self)
        if isinstance(body, QScrollArea) and body.widget() is not None:
            body.widget().installEventFilter(self)      # the grids' least height changed (a title wraps)
        self._watch_viewport()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if "_panel" not in self.__dict__:
            # The garbage collector is taking this object apart (its attributes already gone) while
            # Qt still has the filter installed: nothing to fit any more.
            return False
        kind = event.type()
        if watched is self._panel and kind == QEvent.Type.ParentChange:
            self._watch_viewport()
        elif kind in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self.fit()                            # the panel, the room it can show or the grids' need changed
        return False

    def _watch_viewport(self) -> None:
        parent = self._panel.parentWidget()
        viewport = parent if parent is not None and isinstance(parent.parentWidget(), QAbstractScrollArea) else None
        if viewport is not self._viewport:
            if self._viewport is not None:
                self._viewport.removeEventFilter(self)
            self._viewport = viewport
            if viewport is not None:
                viewport.installEventFilter(self)

    def room(self) -> tuple[int, int]:
        """(width, height) for the sum: the visible height (the viewport's, or the panel's own) less the
        controls, the grids' least height and the spacing, and at most SUM_SHARE of what the controls leave."""
        panel = self._panel
        layout = panel.layout()
        m = layout.contentsMargins()
        width = panel.width() - m.left() - m.right()
        visible = self._viewport.height() if self._viewport is not None else panel.height()
        controls = self._controls.minimumSizeHint().height()
        if self._controls.hasHeightForWidth():
            controls = max(controls, self._controls.heightForWidth(width))
        below = visible - controls - 2 * layout.spacing() - m.top() - m.bottom()
        # the grids' least height; where they must fit the room (the presenter view), what the body's content
        # needs (a scroll area's own minimum is next to nothing)
        fits = getattr(self._body, "fits_room", None)
        content = self._body.widget() if isinstance(self._body, QScrollArea) and fits is not None and fits() else None
        grids = (content if content is not None else self._body).minimumSizeHint().height()
        return width, int(min(below - grids, SUM_SHARE * below))

    def fit(self) -> None:
        if self._panel.layout() is not None:
            self._arithmetic.set_room(*self.room())
