"""The X/O vote: the xo-tiny preset trains to 100 % on a fixed seed, the dense layer's sums are the model's
logits, and a cancel stops the run between steps."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from cnn_explorer.core.datasets.synthetic import slide_x
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.dense_vote import picture_vote, xo_vote_numbers
from cnn_explorer.core.train.records import BatchRecord
from cnn_explorer.core.train.xo_training import (
    DEFAULT_EPOCHS,
    XoTrained,
    train_xo,
    train_xo_steps,
    xo_input,
)


@pytest.fixture(scope="module")
def trained() -> XoTrained:
    return train_xo(seed=0)


def test_the_recipe_trains_to_100_percent_quickly(trained):
    assert trained.test_accuracy == 1.0 and not trained.cancelled
    assert trained.epochs == DEFAULT_EPOCHS == 10 and len(trained.history) == 10
    assert trained.seconds > 0      # how fast: benchmarks/bench_xo_vote.py (a timed test would be flaky)
    assert trained.temperature > 0 and "xo-tiny" in trained.recipe


def test_the_vote_is_the_models_own_arithmetic(trained):
    rng = np.random.default_rng(1)
    pictures = [slide_x(), -np.ones((9, 9)), np.where(rng.random((9, 9)) < 0.3, 1.0, -1.0)]
    for picture in pictures:
        vote = picture_vote(trained, picture)
        assert vote.features.shape == (48,) and vote.maps.shape == (3, 4, 4)
        assert np.array_equal(vote.maps.reshape(-1), vote.features)
        assert vote.contributions.shape == (2, 48)
        assert vote.logits == pytest.approx(vote.model_logits, abs=1e-4)
        z = vote.logits / trained.temperature
        assert vote.probabilities == pytest.approx(np.exp(z - z.max()) / np.exp(z - z.max()).sum(), abs=1e-12)
    assert picture_vote(trained, slide_x()).class_names[picture_vote(trained, slide_x()).winner] == "X"


def test_an_o_is_voted_o(trained):
    o = -np.ones((9, 9))
    o[1, 3:6] = o[7, 3:6] = o[3:6, 1] = o[3:6, 7] = 1
    o[2, 2] = o[2, 6] = o[6, 2] = o[6, 6] = 1
    assert picture_vote(trained, o).winner == 1


def test_bad_pictures_are_refused():
    with pytest.raises(CnnExplorerError, match="9×9"):
        xo_input(np.zeros((8, 9)), (0.2,), (0.4,))
    with pytest.raises(CnnExplorerError, match="from −1 to 1"):
        xo_input(np.full((9, 9), 3.0), (0.2,), (0.4,))


def test_cancel_stops_between_steps():
    cancel = threading.Event()
    last = None
    began = None
    for record in train_xo_steps(seed=0, cancel=cancel):
        if isinstance(record, BatchRecord) and record.step == 3:
            cancel.set()
            began = time.perf_counter()
        last = record
    assert isinstance(last, XoTrained) and last.cancelled
    assert time.perf_counter() - began < 0.5
    assert np.isnan(last.test_accuracy) and len(last.history) == 0


def test_the_lessons_numbers():
    numbers = xo_vote_numbers({"epochs": 10, "seed": 0})
    assert numbers["accuracy"] == "100.0%" and numbers["winner"] == "X" and numbers["features"] == "48"
    assert float(numbers["x.score"].replace("−", "-")) > float(numbers["o.score"].replace("−", "-"))


def test_listing_the_numbers_trains_nothing(monkeypatch):
    import cnn_explorer.core.train.dense_vote as dense_vote

    def no_training(*args, **kwargs):
        raise AssertionError("trained")

    monkeypatch.setattr(dense_vote, "train_xo", no_training)
    numbers = xo_vote_numbers({"epochs": 7, "seed": 123})
    assert list(numbers) == list(dense_vote.XO_NUMBER_KEYS) and "x.score" in numbers and "nope" not in numbers
    with pytest.raises(AssertionError, match="trained"):
        numbers["accuracy"]
