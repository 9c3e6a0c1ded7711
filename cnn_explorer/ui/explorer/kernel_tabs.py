"""The kernel stack's selector: one tab per kernel while every tab fits, a compact list when they do not.

A stack of many kernels (or long kernel names) in a narrow column (a small screen, a big presenter
scale) would push tabs out of the bar; instead the selector swaps the tab bar for a drop-down list
with previous / next buttons, so every kernel stays one click away and no name is ever cut.
The tab bar stays the one source of truth (its index and texts); the list mirrors it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QSizePolicy,
    QTabBar,
    QToolButton,
    QWidget,
)


class KernelTabs(QTabBar):
    """The kernel stack's tab bar: every tab at its full width (no elision, no scroll arrows: when the
    tabs do not all fit, ``KernelStackSelector`` shows its list instead)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setExpanding(False)
        self.setDrawBase(False)
        self.setElideMode(Qt.TextElideMode.ElideNone)
        self.setUsesScrollButtons(False)

    def full_width(self) -> int:
        """The width every tab needs side by side."""
        return sum(self.tabSizeHint(i).width() for i in range(self.count()))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self.full_width()), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.full_width()), hint.height())


class KernelStackSelector(QWidget):
    """``tabs`` when all its tabs fit the width, else a list of the kernels with ◀ ▶ buttons.

    Call ``sync()`` after changing the tabs' texts or count (QTabBar has no signal for a new text).
    """

    def __init__(self, tabs: KernelTabs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = tabs
        self.combo = QComboBox(self)
        self.combo.setToolTip("The kernel to edit (the stack has too many kernels for tabs here)")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(6)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.previous_button = QToolButton(self)
        self.previous_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.previous_button.setToolTip("Previous kernel of the stack")
        self.next_button = QToolButton(self)
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.next_button.setToolTip("Next kernel of the stack")
        self._compact_parts = (self.previous_button, self.combo, self.next_button)

        tabs.setParent(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(tabs, 1)
        for w in self._compact_parts:
            layout.addWidget(w, 1 if w is self.combo else 0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self.combo.activated.connect(tabs.setCurrentIndex)
        self.previous_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(1))
        tabs.currentChanged.connect(self._on_tabs_current_changed)
        self._compact = False
        self._synced_texts: list[str] | None = None
        self._show_compact(False)

    # ----------------------------------------------------------------- public
    def is_compact(self) -> bool:
        """True while the list (not the tabs) is shown."""
        return self._compact

    def sync(self) -> None:
        """Mirror the tabs' texts (full names as tooltips) and current index into the list, and choose
        tabs or list for the present width."""
        tabs = self.tabs
        texts = [tabs.tabText(i) for i in range(tabs.count())]
        for i, text in enumerate(texts):
            if tabs.tabToolTip(i) != text:
                tabs.setTabToolTip(i, text)
        if [self.combo.itemText(i) for i in range(self.combo.count())] != texts:
            blocked = self.combo.blockSignals(True)
            self.combo.clear()
            for i, text in enumerate(texts):
                self.combo.addItem(text)
                self.combo.setItemData(i, text, Qt.ItemDataRole.ToolTipRole)
            self.combo.blockSignals(blocked)
        self._on_tabs_current_changed(tabs.currentIndex())
        if texts != self._synced_texts:            # new names: another width (a value edit changes nothing here)
            self._synced_texts = texts
            self.updateGeometry()
        self._choose(self.width())

    # ----------------------------------------------------------------- Qt
    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        """The compact list's width: the selector never asks its column for the tabs' width."""
        spacing = self.layout().spacing()
        width = sum(w.minimumSizeHint().width() if w is self.combo else w.sizeHint().width()
                    for w in self._compact_parts) + 2 * spacing
        height = max(self.tabs.minimumSizeHint().height(), *(w.sizeHint().height() for w in self._compact_parts))
        return QSize(width, height)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        minimum = self.minimumSizeHint()
        return QSize(max(self.tabs.sizeHint().width(), minimum.width()), minimum.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._choose(event.size().width())
        super().resizeEvent(event)

    # ----------------------------------------------------------------- internals
    def _choose(self, width: int) -> None:
        self._show_compact(self.tabs.full_width() > width)

    def _show_compact(self, compact: bool) -> None:
        if compact == self._compact and self.tabs.isHidden() == compact and self.combo.isHidden() != compact:
            return
        self._compact = compact
        self.tabs.setVisible(not compact)
        for w in self._compact_parts:
            w.setVisible(compact)

    def _on_tabs_current_changed(self, index: int) -> None:
        if 0 <= index < self.combo.count() and self.combo.currentIndex() != index:
            blocked = self.combo.blockSignals(True)
            self.combo.setCurrentIndex(index)
            self.combo.blockSignals(blocked)
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(0 <= index < self.tabs.count() - 1)

    def _step(self, delta: int) -> None:
        index = self.tabs.currentIndex() + delta
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)
