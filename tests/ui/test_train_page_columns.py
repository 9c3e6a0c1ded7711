"""The Train page's left column at a large presenter scale: it folds (layer list above the layer's form,
settings' labels above their fields, wrapped check boxes, stacked buttons) instead of scrolling sideways."""

from __future__ import annotations

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import pytest
from PySide6.QtWidgets import QBoxLayout, QLabel, QPushButton, QWidget

from cnn_explorer.ui.widgets.fold import stack_when_narrow


def test_stack_when_narrow_follows_the_room(qtbot):
    room = QWidget()                 # as a scroll area's viewport: no layout of its own, its content inside
    qtbot.addWidget(room)
    content = QWidget(room)
    box = QBoxLayout(QBoxLayout.Direction.LeftToRight, content)
    a, b = QPushButton("a wide first button", content), QPushButton("a wide second button", content)
    box.addWidget(a, 5)
    box.addWidget(b, 4)
    need = a.minimumSizeHint().width() + b.minimumSizeHint().width() + box.spacing()
    m = box.contentsMargins()
    margins = m.left() + m.right()
    stack_when_narrow(box, room, margins=margins)
    room.resize(need + margins + 40, 200)
    room.show()
    qtbot.waitExposed(room)
    assert box.direction() == QBoxLayout.Direction.LeftToRight
    room.resize(need + margins - 10, 200)
    qtbot.wait(5)
    assert box.direction() == QBoxLayout.Direction.TopToBottom
    assert box.stretch(0) == 5 and box.stretch(1) == 4          # the stretch factors stay
    room.resize(need + margins + 40, 200)
    qtbot.wait(5)
    assert box.direction() == QBoxLayout.Direction.LeftToRight
    b.hide()                                                    # a hidden widget asks for no room
    room.resize(a.minimumSizeHint().width() + margins + 5, 200)
    qtbot.wait(5)
    assert box.direction() == QBoxLayout.Direction.LeftToRight


@pytest.fixture(scope="module")
def small_window(qapp):
    window = lc.build_window(qapp, (1280, 720))
    yield window
    window.scale.reset()
    window.close()
    lc.settle(qapp)


@pytest.mark.parametrize("factor", [1.0, 2.0, 3.0])
def test_no_left_tab_scrolls_sideways_at_1280x720(qapp, small_window, factor):
    window = small_window
    window.scale.set_factor(factor)
    lc.show_view(qapp, window, "train")
    page = window.train_page()
    for index in (0, 2, 3):                                     # Model, Data, Settings (Code is an editor)
        page.left_tabs.setCurrentIndex(index)
        lc.settle(qapp, window)
        area = page.left_tabs.currentWidget()
        name = page.left_tabs.tabText(index)
        assert area.widget().minimumSizeHint().width() <= area.viewport().width(), (name, factor)
        assert not area.horizontalScrollBar().isVisible(), (name, factor)
    stacked = page.model_top.direction() == QBoxLayout.Direction.TopToBottom
    assert stacked == (factor >= 2.0)                            # side by side at 100 %
    form = page.settings_form
    assert isinstance(form.check_label(form.augment), QLabel) and form.check_label(form.augment).text() == "Augment"
    problems = lc.text_problems(window) + lc.squash_problems(window) + lc.plot_problems(window)
    assert not problems, problems


def test_a_wrapped_check_box_keeps_its_explanation_beside_the_recipe_mark(qapp, small_window):
    form = small_window.train_page().settings_form
    tip = form.check_label(form.fresh_data).toolTip()
    assert tip.startswith(form.fresh_data.toolTip()) and "recipe says" in tip
