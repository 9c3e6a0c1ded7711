"""The Demos page: a list of the demos on the left, the chosen one on the right (each built the first time it shows)."""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.ui.demos.registry import demo_names, make_demo_widget

_NAME = Qt.ItemDataRole.UserRole


class DemosPage(QWidget):
    """Every demo one click away; ``show_demo(name, params)`` is what the Demos menu and lessons call."""

    status_message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._widgets: dict[str, QWidget] = {}
        self._scale = 1.0
        self.list = QListWidget(self)
        self.list.setObjectName("demo_list")
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.list.setWordWrap(True)
        group = None
        for name in demo_names():
            info = demo_info(name)
            if info.group != group:
                group = info.group
                header = QListWidgetItem(group)
                header.setFlags(Qt.ItemFlag.NoItemFlags)
                font = header.font()
                font.setBold(True)
                header.setFont(font)
                self.list.addItem(header)
            item = QListWidgetItem(info.title)
            item.setData(_NAME, name)
            item.setToolTip(info.summary)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._on_current_item_changed)
        self.title = QLabel(self)
        self.title.setObjectName("demo_title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel(self)
        self.summary.setObjectName("demo_summary")
        self.summary.setWordWrap(True)
        self.stack = QStackedWidget(self)
        self.list_button = QToolButton(self)
        self.list_button.setObjectName("demo_list_button")
        self.list_button.setText("☰")
        self.list_button.setCheckable(True)
        self.list_button.setChecked(True)
        self.list_button.setToolTip("Show or hide the list of demos (a lesson hides it to give the demo more room)")
        self.list_button.toggled.connect(self.set_list_shown)
        heading = QHBoxLayout()
        heading.addWidget(self.list_button, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.title, 1)
        right = QVBoxLayout()
        right.addLayout(heading)
        right.addWidget(self.summary)
        right.addWidget(self.stack, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(right, 4)
        self._current = ""
        names = demo_names()
        if names:
            self.show_demo(names[0])

    # ------------------------------------------------------------------ API
    def current_demo(self) -> str:
        return self._current

    def demo_widget(self, name: str) -> QWidget:
        """The widget of demo ``name``, built now if it was not yet."""
        widget = self._widgets.get(name)
        if widget is None:
            widget = make_demo_widget(name, self.stack)
            set_scale = getattr(widget, "set_scale", None)
            if callable(set_scale) and self._scale != 1.0:
                set_scale(self._scale)
            status = getattr(widget, "status_message", None)
            if status is not None:
                status.connect(self.status_message)
            self._widgets[name] = widget
            self.stack.addWidget(widget)
        return widget

    def set_list_shown(self, shown: bool) -> None:
        """Show or fold the list of demos (the ☰ button); a folded list leaves the demo the whole width."""
        self.list.setVisible(shown)
        if self.list_button.isChecked() != shown:
            self.list_button.setChecked(shown)

    def list_shown(self) -> bool:
        return self.list_button.isChecked()

    def show_demo(self, name: str, params: Mapping[str, object] | None = None, *,
                  list_shown: bool | None = None) -> QWidget:
        """Show demo ``name`` with ``params`` (its defaults for those not given); returns its widget.

        ``list_shown``: show (True) or fold (False) the list of demos; None keeps it as it is.
        """
        if list_shown is not None:
            self.set_list_shown(list_shown)
        info = demo_info(name)
        values = info.defaults()
        values.update(params or {})
        widget = self.demo_widget(info.name)
        widget.set_params(values)
        self.stack.setCurrentWidget(widget)
        self.title.setText(info.title)
        self.summary.setText(info.summary)
        self._current = info.name
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(_NAME) == info.name and self.list.currentItem() is not item:
                with QSignalBlocker(self.list):
                    self.list.setCurrentItem(item)
        return widget

    def set_scale(self, factor: float) -> None:
        self._scale = factor
        for widget in self._widgets.values():
            set_scale = getattr(widget, "set_scale", None)
            if callable(set_scale):
                set_scale(factor)

    def shutdown(self) -> None:
        for widget in self._widgets.values():
            stop = getattr(widget, "shutdown", None)
            if callable(stop):
                stop()

    def _on_current_item_changed(self, item: QListWidgetItem | None, _previous) -> None:
        name = item.data(_NAME) if item is not None else None
        if name and name != self._current:
            self.show_demo(name)
