"""Non-digits read as unsure (core/interpret/unsure.py) with the bundled, calibrated model; clean digits read sure."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from cnn_explorer.core.datasets.preprocess import prepare_input
from cnn_explorer.core.interpret.common import probabilities, scores
from cnn_explorer.core.interpret.unsure import (
    FAR_FROM_DIGITS,
    UNSURE_TOP,
    digit_novelties,
    digit_novelty,
    unsure,
)
from cnn_explorer.core.train.checkpoints import load_model

W = 18  # the canvas brush, in pixels of a 280x280 drawing


def _scribble(d):
    rng = np.random.default_rng(0)
    d.line([tuple(int(v) for v in p) for p in rng.integers(40, 240, (12, 2))], fill=255, width=W)


STROKES = {
    "scribble": _scribble,
    "letter A": lambda d: (d.line([(70, 240), (140, 40), (210, 240)], fill=255, width=W),
                           d.line([(100, 160), (180, 160)], fill=255, width=W)),
    "letter W": lambda d: d.line([(40, 60), (90, 230), (140, 110), (190, 230), (240, 60)], fill=255, width=W),
    "letter K": lambda d: (d.line([(80, 40), (80, 240)], fill=255, width=W),
                           d.line([(200, 40), (85, 150), (200, 240)], fill=255, width=W)),
    "stray dots": lambda d: [d.ellipse([x - 10, y - 10, x + 10, y + 10], fill=255)
                             for x, y in [(60, 70), (200, 90), (120, 210), (230, 230)]],
    "hash": lambda d: ([d.line([(x, 40), (x, 240)], fill=255, width=W) for x in (100, 180)],
                       [d.line([(40, y), (240, y)], fill=255, width=W) for y in (100, 180)]),
}
DIGITS = {
    "7": lambda d: d.line([(70, 60), (210, 60), (120, 240)], fill=255, width=20),
    "1": lambda d: d.line([(140, 40), (140, 240)], fill=255, width=20),
    "0": lambda d: d.ellipse([80, 40, 200, 240], outline=255, width=20),
}


@pytest.fixture(scope="module")
def model():
    return load_model("mnist")


def _read(model, draw):
    picture = Image.new("L", (280, 280), 0)
    draw(ImageDraw.Draw(picture))
    x = prepare_input(np.asarray(picture), model.input_shape, model.mean, model.std)
    with scores(model.model) as run, torch.inference_mode():
        p = probabilities(run(torch.from_numpy(x.array)).float() / model.temperature)[0].numpy()
    return p, digit_novelty(x.seen)


@pytest.mark.parametrize("name", list(STROKES))
def test_strokes_that_are_not_digits_read_as_unsure(model, name):
    p, novelty = _read(model, STROKES[name])
    assert unsure(p, novelty) is not None, (name, p.max(), novelty)


@pytest.mark.parametrize("name", list(DIGITS))
def test_clean_digits_read_sure(model, name):
    p, novelty = _read(model, DIGITS[name])
    assert int(np.argmax(p)) == int(name) and unsure(p, novelty) is None and p.max() > 0.99


def test_the_rule():
    sure = np.array([0.95, 0.05])
    assert unsure(sure) is None and unsure(sure, 0.1) is None
    assert unsure(sure, FAR_FROM_DIGITS + 0.01) == "not a digit"
    assert unsure(np.array([UNSURE_TOP - 0.01, 1 - UNSURE_TOP + 0.01])) == "unsure"
    assert unsure(np.array([0.5, 0.3, 0.2])) == "unsure"
    assert digit_novelty(np.zeros((28, 28))) is None and digit_novelty(np.ones((9, 9))) is None


def test_novelties_at_once_match_one_at_a_time():
    rng = np.random.default_rng(0)
    pictures = rng.random((3, 28, 28)).astype(np.float32)
    pictures[1] = 0.0
    many = digit_novelties(pictures)
    assert many[0] == pytest.approx(digit_novelty(pictures[0])) and np.isnan(many[1])
