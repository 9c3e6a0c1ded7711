"""LazyPage: builds its page on first show; a page bigger than the tab scrolls instead of being squashed."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QScrollArea, QVBoxLayout, QWidget

from cnn_explorer.ui.widgets.lazy_page import LazyPage


def make_page() -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    for n in range(12):
        layout.addWidget(QPushButton(f"button {n}", page))
    page.setMinimumWidth(500)
    return page


def test_a_page_fills_the_tab_and_scrolls_below_its_minimum_size(qtbot):
    built = []
    lazy = LazyPage(make_page)
    lazy.built.connect(built.append)
    qtbot.addWidget(lazy)
    assert lazy.page() is None
    lazy.resize(900, 700)
    lazy.show()
    qtbot.waitExposed(lazy)
    page = lazy.page()
    assert built == [page]
    area = lazy.findChild(QScrollArea)
    assert area is not None and area.isAncestorOf(page)
    qtbot.waitUntil(lambda: page.width() >= area.viewport().width() - 1)
    assert page.height() >= area.viewport().height() - 1                # fills the tab when it fits
    lazy.resize(300, 150)                                               # far smaller than the page
    qtbot.waitUntil(lambda: page.width() == 500)
    buttons = page.findChildren(QPushButton)
    assert all(b.height() >= b.minimumSizeHint().height() for b in buttons)   # never squashed
    assert area.verticalScrollBar().maximum() > 0 and area.horizontalScrollBar().maximum() > 0
