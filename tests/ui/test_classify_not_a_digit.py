"""The Classify page: a scribble or a letter reads "does not look like a digit" once the model's digit reference is
ready (computed on a worker, once per model); a digit reads sure; a new model gets a reference of its own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.train.checkpoints import model_files, resolve_model_path


def _bundled() -> bool:
    weights, meta = model_files(resolve_model_path("mnist"))
    return weights.is_file() and meta.is_file()


pytestmark = pytest.mark.skipif(not _bundled(), reason="the bundled mnist model is not installed")

#: canvas strokes (280x280 picture pixels), drawn with the page's own brush
HASH = [[(100, 40), (100, 240)], [(180, 40), (180, 240)], [(40, 100), (240, 100)], [(40, 180), (240, 180)]]
LETTER_W = [[(40, 60), (90, 230), (140, 110), (190, 230), (240, 60)]]
ONE = [[(140, 40), (140, 240)]]


@pytest.fixture(scope="module")
def bundled():
    from cnn_explorer.core.train.checkpoints import load_model

    return load_model("mnist")


@pytest.fixture
def page(qtbot, show_classify_page, bundled):
    p = show_classify_page(bundled)
    qtbot.waitUntil(lambda: not p.controller.reference_pending, timeout=120_000)  # a few seconds, once a session
    yield p
    p.shutdown()


def _draw(qtbot, page, strokes) -> None:
    canvas = page.canvas
    for stroke in strokes:
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*stroke[0]).toPoint())
        for (ax, ay), (bx, by) in zip(stroke, stroke[1:]):
            for k in range(1, 21):
                qtbot.mouseMove(canvas, canvas.to_widget(ax + (bx - ax) * k / 20, ay + (by - ay) * k / 20).toPoint())
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(*stroke[-1]).toPoint())
    qtbot.waitUntil(lambda: not page.controller.reading_pending(), timeout=5000)


@pytest.mark.parametrize("strokes", [HASH, LETTER_W], ids=["hash", "letter W"])
def test_a_non_digit_reads_as_not_a_digit(qtbot, page, strokes):
    assert page.controller.reference is not None
    _draw(qtbot, page, strokes)
    reading = page.controller.reading
    assert reading.novelty is not None and reading.novelty > 1.0
    assert page.verdict.text().startswith("Not sure: this does not look like a digit (closest: ")
    assert page.verdict.property("unsure") is True


def test_a_digit_reads_sure_and_clearing_forgets_the_novelty(qtbot, page):
    _draw(qtbot, page, ONE)
    assert page.verdict.text().startswith("It's a 1"), page.verdict.text()
    assert page.controller.reading.novelty < 1.0 and page.verdict.property("unsure") is False
    page.canvas.clear()
    qtbot.waitUntil(lambda: page.controller.reading.model_input is None, timeout=5000)
    assert page.controller.reading.novelty is None and page.verdict.text() == "Draw a digit"


def test_a_model_that_is_not_a_digit_model_gets_no_reference(qtbot, page, bundled):
    import copy

    from cnn_explorer.core.train.checkpoints import TrainedModel

    letters = TrainedModel(copy.deepcopy(bundled.model), bundled.spec, tuple("ABCDEFGHIJ"), bundled.mean, bundled.std)
    page.set_model(letters)
    qtbot.waitUntil(lambda: not page.controller.reference_pending, timeout=60_000)
    assert page.controller.reference is None
    _draw(qtbot, page, HASH)
    assert page.controller.reading.novelty is None  # judged by its probabilities alone
    assert "does not look like a digit" not in page.verdict.text()
