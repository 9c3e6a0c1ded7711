"""The Demos page: the menu and the page list every demo, lessons open one with their parameters, and every
demo fits the window (no clipped or overlapping text) at 1366x768 at 100 % and 150 %, and 1280x720 at 200 %."""

from __future__ import annotations

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import pytest
from PySide6.QtWidgets import QStyle, QTableWidget

from cnn_explorer.core.lessons.demos import DEMOS, group_rank
from cnn_explorer.core.lessons.resolve import lesson_from_text
from cnn_explorer.ui.demos.registry import DEMO_WIDGETS, demo_names


def test_every_demo_core_knows_has_a_widget_and_the_other_way_round():
    assert set(DEMOS) == set(DEMO_WIDGETS)
    names = demo_names()
    assert sorted(names) == sorted(DEMOS)
    groups = [DEMOS[n].group for n in names]
    assert groups == sorted(groups, key=group_rank)          # one heading a topic, in the decks' order
    assert [n for n in names if DEMOS[n].group == "Training"] == [n for n in DEMOS if DEMOS[n].group == "Training"]


def test_the_demos_menu_opens_each_demo(qtbot, main_window):
    menu_titles = [a.text().replace("&&", "&") for a in main_window.demo_actions.values()]
    assert menu_titles == [DEMOS[n].title for n in demo_names()]
    for name, action in main_window.demo_actions.items():
        action.trigger()
        page = main_window.demos_page()
        assert main_window.page_names()[main_window.pages.currentIndex()] == "demos"
        assert page.current_demo() == name and page.stack.currentWidget() is page.demo_widget(name)
        assert page.title.text() == DEMOS[name].title


def test_the_list_switches_demos(qtbot, main_window):
    main_window.show_page("demos")
    page = main_window.demos_page()
    rows = [r for r in range(page.list.count()) if page.list.item(r).data(0x0100)]
    assert len(rows) == len(DEMOS)
    page.list.setCurrentRow(rows[-1])
    assert page.current_demo() == demo_names()[-1]


def test_a_lesson_step_opens_its_demo_with_its_parameters_and_the_next_goes_back(qtbot, main_window):
    lesson = lesson_from_text("# Demo\n\n## Fewer weights\nConv: {demo.conv.weights}.\n@demo why-convolution units=10"
                              "\n\n## Back\nThe explorer again.\n@sample 000-1\n")
    assert "270" in lesson.steps[0].text
    player = main_window.lesson_player()
    player.open_lesson(lesson)
    player.go(0)
    page = main_window.demos_page()
    assert main_window.page_names()[main_window.pages.currentIndex()] == "demos"
    widget = page.demo_widget("why-convolution")
    assert widget.values()["units"] == 10 and widget.table.item(1, 1).text() == "270"
    assert page.list.isHidden() and not page.list_button.isChecked()      # the lesson bar is the way on
    page.list_button.click()
    assert not page.list.isHidden()
    page.list_button.click()
    player.go(1)
    assert main_window.page_names()[main_window.pages.currentIndex()] == "explorer"
    player.close()
    main_window.demo_actions["why-convolution"].trigger()                     # the menu shows the list again
    assert not page.list.isHidden() and page.list_button.isChecked()


def _elided_cells(table) -> list[str]:
    """Cells (and headers) whose text is wider than their column: Qt would draw them cut with "…"."""
    found = []
    metrics = table.fontMetrics()
    header = table.horizontalHeader()
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    for c in range(table.columnCount()):
        width = table.columnWidth(c) - margin
        head = table.horizontalHeaderItem(c)
        if head is not None and header.isVisible() and \
                header.fontMetrics().horizontalAdvance(head.text()) > width:
            found.append(f"{table.objectName()}: header {head.text()!r} cut at {width} px")
        for r in range(table.rowCount()):
            item = table.item(r, c)
            if item is not None and not table.wordWrap() and metrics.horizontalAdvance(item.text()) > width:
                found.append(f"{table.objectName()}: cell {r},{c} {item.text()!r} cut at {width} px")
            elif item is not None and metrics.horizontalAdvance(item.text()) > width and \
                    metrics.boundingRect(0, 0, width, 10_000, 0x1000, item.text()).height() > table.rowHeight(r):
                found.append(f"{table.objectName()}: cell {r},{c} {item.text()!r} cut at {width} px")
    return found


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


@pytest.mark.parametrize(("size", "scale"), [((1366, 768), 1.0), ((1366, 768), 1.5), ((1280, 720), 2.0)],
                         ids=["1366x768-100%", "1366x768-150%", "1280x720-200%"])
@pytest.mark.parametrize("name", list(DEMOS))
def test_every_demo_fits(qapp, window, name, size, scale):
    window.resize(*size)
    window.scale.set_factor(scale)
    window.show_demo(name)
    lc.settle(qapp, rounds=3)
    page = window.demos_page()
    problems = lc.text_problems(page) + lc.overlap_problems(page) + lc.squash_problems(page)
    problems += [(t, text) for t in page.findChildren(QTableWidget) if t.isVisible() for text in _elided_cells(t)]
    window.scale.set_factor(1.0)
    assert not problems, "\n".join(text for _w, text in problems)
