"""Lessons 002 and 003 beyond the explorer: a step puts its dataset on the Train page (slide 003's "8" and
"not 8" folders), once, and never under a running training; model and demo steps show their page."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def window(shared_window):
    return shared_window


@pytest.fixture
def lesson_003(qapp, window, tmp_path, monkeypatch):
    from layout_check import settle

    monkeypatch.setenv("CNN_EXPLORER_CACHE", str(tmp_path))     # the 8-vs-not-8 folders are written here
    p = window.lesson_player()
    assert p.open_shipped("003"), p.last_error
    settle(qapp, rounds=2)
    yield p
    p.close()
    settle(qapp)


def _go(qapp, player, title: str) -> None:
    from layout_check import settle

    player.go(next(s.index for s in player.lesson.steps if s.title.startswith(title)))
    settle(qapp, rounds=3)      # waits for the Train page's loader too


def _page(window) -> str:
    return window.pages.tabText(window.pages.currentIndex()).replace("&", "")


def test_the_eight_or_not_eight_step_loads_two_image_folders_on_the_train_page(qapp, window, lesson_003, tmp_path):
    _go(qapp, lesson_003, "\"8\" or not \"8\"")
    assert _page(window) == "Train"
    panel = window.train_page().data_panel
    assert not panel.is_loading()
    assert panel.dataset.class_names == ("8", "not 8")
    folder = tmp_path / "lessons" / "8-vs-not-8"
    assert sorted(p.name for p in folder.iterdir()) == ["8", "not 8"]
    loaded = panel.dataset
    _go(qapp, lesson_003, "How many inputs")          # back and forth: the dataset is kept, not loaded again
    assert _page(window) == "Explorer"
    _go(qapp, lesson_003, "\"8\" or not \"8\"")
    assert panel.dataset is loaded and not panel.is_loading()


def test_a_running_training_keeps_its_dataset(qapp, window, lesson_003, monkeypatch):
    from layout_check import settle

    page = window.train_page()
    page.load_dataset("slashes")
    settle(qapp)
    held = page.data_panel.dataset
    assert held.name == "slashes"
    monkeypatch.setattr(page, "is_training", lambda: True)     # as while a model trains
    _go(qapp, lesson_003, "\"8\" or not \"8\"")
    assert _page(window) == "Train" and not page.data_panel.is_loading() and page.data_panel.dataset is held
    assert "the dataset stays while the model trains" in window.messages.text()


def test_model_and_demo_steps_show_their_pages(qapp, window, lesson_003):
    _go(qapp, lesson_003, "Weights and biases")
    assert _page(window) == "Train" and lesson_003.panel.model_table.isVisible()
    assert "53 weights + 14 biases" in lesson_003.panel.model_table.text()
    _go(qapp, lesson_003, "Convolution for translation invariance")
    assert _page(window) == "Demos" and window.demos_page().current_demo() == "why-convolution"
    _go(qapp, lesson_003, "A picture is three matrices")
    assert _page(window) == "Explorer" and window.explorer.state.image.shape[2] == 3
    assert [k.shape for k in window.explorer.state.kernels] == [(1, 1, 3)]
