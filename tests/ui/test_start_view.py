"""The start view (issue 11): first start only, from Help ▸ Start here, keyboard reachable, and each journey
lands where it says; the illustrated help beside the shortcut list."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication

from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.core.kernels.samples import SAMPLES
from cnn_explorer.ui.journeys import EDGES_KERNELS, EDGES_PHOTO, JOURNEYS, run_journey
from cnn_explorer.ui.main_window import START_DISMISSED_KEY, MainWindow
from cnn_explorer.ui.start_view import StartView
from cnn_explorer.ui.widgets.pictograms import PICTOGRAMS, pictogram_image

SCREEN = QRect(0, 0, 1366, 768)


@pytest.fixture
def started(qtbot, temp_settings):
    """A window opened as the app opens it, on a first start (fresh settings)."""
    window = MainWindow(settings=temp_settings)
    qtbot.addWidget(window)
    window.open_as_app(SCREEN)
    qtbot.waitExposed(window)
    yield window
    window.close()


def _activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


def test_start_view_shows_on_first_start_only(qtbot, temp_settings):
    first = MainWindow(settings=temp_settings)
    qtbot.addWidget(first)
    first.open_as_app(SCREEN)
    qtbot.waitExposed(first)
    assert first.start_view_shown() and first.start_view.isVisible()
    _activate(qtbot, first)
    assert first.start_view.cards[0].hasFocus()  # keyboard-ready: Enter takes the first journey
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # dismissed from the keyboard
    assert not first.start_view_shown() and first.pages.isVisible()
    first.close()
    assert temp_settings.value(START_DISMISSED_KEY, False, bool)

    second = MainWindow(settings=temp_settings)
    qtbot.addWidget(second)
    second.open_as_app(SCREEN)
    qtbot.waitExposed(second)
    assert not second.start_view_shown()
    second.start_here_action.trigger()  # Help ▸ Start here still brings it
    assert second.start_view_shown()
    assert "Start here" in [a.text().replace("&", "") for a in second.menuBar().actions()[-1].menu().actions()]
    second.start_view.skip_button.click()
    assert not second.start_view_shown()
    second.close()


def test_the_window_started_without_settings_shows_no_start_view(qtbot):
    window = MainWindow(settings=None)  # --screenshot and tests: nothing remembered, nothing shown in front
    qtbot.addWidget(window)
    window.open_as_app(SCREEN)
    assert not window.start_view_shown()
    window.close()


def test_explorer_keys_do_not_act_behind_the_start_view(qtbot, started):
    step = started.explorer.animation_panel.actions()[0]
    assert started.start_view_shown()
    assert all(not a.shortcuts() for a in started.explorer.animation_panel.actions())
    started.start_view.dismissed.emit()
    assert step.shortcuts()  # back once the explorer shows


def test_convolution_journey_lands_on_step_1_of_the_6x6_example(qtbot, started):
    qtbot.mouseClick(started.start_view.card("convolution"), Qt.MouseButton.LeftButton)
    page = started.explorer
    assert not started.start_view_shown() and started.pages.currentWidget() is page
    np.testing.assert_array_equal(page.state.image, SAMPLES["000-1"].image)
    np.testing.assert_array_equal(page.state.kernels[0], get_preset("slide-corners").values)
    assert page.showing_step_by_step()
    panel = page.animation_panel
    assert panel.step == 0 and panel.stage == "conv"
    assert panel.position_label.text().startswith("Step 1 of 16")


def test_edges_journey_is_a_photo_with_sobel_and_one_undo_goes_back(qtbot, started):
    before = started.explorer.state.image.copy()
    started.start_view.card("edges").click()
    state, page = started.explorer.state, started.explorer
    assert started.pages.currentWidget() is page and not page.showing_step_by_step()
    np.testing.assert_array_equal(state.image, SAMPLES[EDGES_PHOTO].image)
    assert list(state.kernel_names) == list(EDGES_KERNELS)
    for kernel, name in zip(state.kernels, EDGES_KERNELS):
        np.testing.assert_array_equal(kernel, get_preset(name).values)
    state.undo_stack.undo()
    np.testing.assert_array_equal(state.image, before)


def test_xo_journey_shows_the_9x9_x_with_its_three_features(qtbot, started):
    started.start_view.card("xo").click()
    page = started.explorer
    np.testing.assert_array_equal(page.state.image, SAMPLES["004"].image)
    assert list(page.state.kernel_names) == ["xo-diagonal", "xo-x", "xo-anti-diagonal"]
    assert not page.showing_step_by_step()


def test_number_keys_and_arrows_choose_journeys(qtbot, started):
    view = started.start_view
    _activate(qtbot, started)
    first = view.cards[0]
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Right)
    assert view.cards[1].hasFocus()
    qtbot.keyClick(view.cards[1], Qt.Key.Key_Down)
    assert view.cards[1 + view.columns()].hasFocus()
    qtbot.keyClick(view.cards[1 + view.columns()], Qt.Key.Key_Left)
    assert view.cards[view.columns()].hasFocus()
    qtbot.keyClick(view.cards[view.columns()], Qt.Key.Key_1)  # "Press 1": step through a convolution
    assert not started.start_view_shown()
    assert started.explorer.showing_step_by_step()
    started.show_start_view()
    _activate(qtbot, started)
    qtbot.keyClick(view.cards[0], Qt.Key.Key_Return)
    assert not started.start_view_shown()


def test_digit_journey_opens_classify_with_the_canvas_ready(qtbot, started):
    started.start_view.card("digit").click()
    assert started.pages.tabText(started.pages.currentIndex()) == "Classify"
    page = started.classify_page()
    qtbot.waitUntil(page.canvas.isVisible, timeout=5000)
    qtbot.waitUntil(lambda: not page.controller.is_loading, timeout=60000)  # the network is ready to answer
    assert page.controller.loaded is not None


@pytest.mark.slow
def test_train_journeys_pick_a_preset_that_works_and_its_dataset(qtbot, started):
    started.start_view.card("train-xo").click()
    page = started.train_page()
    assert started.pages.tabText(started.pages.currentIndex()) == "Train"
    assert page.state.spec.name == "xo-tiny"
    qtbot.waitUntil(lambda: page.data_panel.dataset is not None and not page.data_panel.is_loading(), timeout=60000)
    assert page.data_panel.dataset.name == "xo" and page.train_button.isEnabled()
    started.show_start_view()
    started.start_view.card("train-digits").click()
    assert page.state.spec.name == "mnist-fast"
    qtbot.waitUntil(lambda: page.data_panel.dataset is not None and page.data_panel.dataset.name == "mnist-sample"
                    and not page.data_panel.is_loading(), timeout=60000)
    assert page.state.spec.input_shape == (28, 28, 1) and page.train_button.isEnabled()


def test_lessons_card_opens_the_first_shipped_lesson(qtbot, started):
    # issue 13: the lessons exist now, so the card shows from the start (it waited for a lessons page before)
    view = started.start_view
    assert not view.lessons_card.isHidden(), (started.page_names(), view.visible_cards())
    assert len(view.visible_cards()) == len(JOURNEYS) + 1
    view.lessons_card.click()
    assert not started.start_view_shown()
    player = started.lesson_player()
    assert player.is_active() and player.index == 0 and player.lesson.name == "000-cnn-architecture"
    assert started.pages.currentWidget() is started.explorer


def test_cards_fit_every_width_and_scale_without_clipping(qtbot):
    view = StartView()
    qtbot.addWidget(view)
    for width, height, factor, columns in ((1366, 700, 1.0, 3), (1280, 650, 1.5, 2), (1280, 650, 3.0, 1),
                                           (1920, 1000, 2.0, 3), (1366, 768, 2.5, 1)):
        view.set_scale(factor)
        view.resize(width, height)
        view.show()
        qtbot.waitExposed(view)
        qtbot.wait(20)
        assert view.columns() == columns, (width, view.width(), factor, view.minimumSizeHint())
        for card in view.cards:
            for label in (card.title, card.text, card.key_hint):
                # word-wrapped labels get the height their text needs; single lines their width
                assert label.height() >= label.heightForWidth(label.width()) - 1 or not label.wordWrap()
                assert card.rect().contains(label.geometry())
        rows = {}
        for card in view.cards:
            rows.setdefault(card.y(), []).append(card)
        for row in rows.values():
            row.sort(key=lambda c: c.x())
            assert all(a.geometry().right() < b.geometry().left() for a, b in zip(row, row[1:]))
    view.close()


def test_run_journey_rejects_an_unknown_key(qtbot, main_window):
    with pytest.raises(ValueError, match="unknown 'nope'"):
        run_journey(main_window, "nope")


def test_help_guide_is_illustrated_and_beside_the_shortcuts(qtbot, main_window):
    help_window = main_window.show_help("guide")
    assert help_window.tabs.currentWidget() is help_window.guide
    text = help_window.guide.toPlainText()
    assert "One step of a convolution" in text and "= 429" in text  # the core's first cell of slide 000-1
    assert "Ctrl+0" in text
    html = help_window.guide.toHtml()
    assert html.count("pictogram:") >= 5
    assert main_window.show_shortcuts() is help_window  # one help window, F1 brings the shortcut tab forward
    assert help_window.tabs.currentWidget() is help_window.shortcuts
    assert "Quit" in help_window.shortcuts.toPlainText() and "Ctrl+Q" in help_window.shortcuts.toPlainText()
    help_window.close()


def test_every_pictogram_draws_something(qtbot):
    for name in PICTOGRAMS:
        image = pictogram_image(name, 48, 2.0)
        assert image.width() == 96
        colours = {image.pixel(x, y) for x in range(0, 96, 3) for y in range(0, 96, 3)}
        assert len(colours) > 3, name
