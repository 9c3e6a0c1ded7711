"""Small containers the pages share: a frameless scroll area and a titled group box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGroupBox, QScrollArea, QVBoxLayout, QWidget


def scroll_area(widget: QWidget, parent: QWidget, *,
                horizontal: Qt.ScrollBarPolicy = Qt.ScrollBarPolicy.ScrollBarAsNeeded) -> QScrollArea:
    """``widget`` in a frameless, resizable scroll area (``horizontal``: its horizontal scroll-bar policy)."""
    area = QScrollArea(parent)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(horizontal)
    return area


def group_box(title: str, widget: QWidget, parent: QWidget) -> QGroupBox:
    """``widget`` in a group box titled ``title``, with thin margins."""
    box = QGroupBox(title, parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addWidget(widget)
    return box
