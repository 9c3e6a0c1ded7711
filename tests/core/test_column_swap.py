"""The column-swap rule (core/train/column_swap.py): the claim on a fixed seed, the permutation, cancelling."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.column_swap import (
    RUNS,
    SwapConfig,
    SwapProgress,
    SwapResult,
    cached_result,
    column_swap_numbers,
    column_swap_steps,
    make_data,
    permutation,
    run_column_swap,
    shuffle_pictures,
)
from cnn_explorer.core.train.evaluation import Cancelled


@pytest.fixture(scope="module")
def default_result() -> SwapResult:
    return run_column_swap(SwapConfig())


def test_claim_on_the_default_seed(default_result):
    acc = default_result.accuracy
    assert set(acc) == set(RUNS)
    assert acc[("cnn", "original")] >= 0.98                 # the CNN learns X and O almost perfectly
    assert acc[("cnn", "shuffled")] <= 0.80                 # shuffled, it loses its advantage
    assert default_result.drop("cnn") >= 0.15
    assert abs(default_result.drop("dense")) <= 0.03        # the dense net does not care
    assert acc[("dense", "original")] < acc[("cnn", "original")]
    assert default_result.claim_holds


def test_dense_on_shuffled_pixels_is_the_same_model(default_result):
    # its first layer started from the same weights, shuffled as the pixels: the same function throughout
    assert default_result.accuracy[("dense", "shuffled")] == pytest.approx(
        default_result.accuracy[("dense", "original")], abs=1 / 400)


def test_numbers_train_only_when_an_accuracy_is_read():
    numbers = column_swap_numbers({"seed": 9, "epochs": 2, "shuffle": "columns"})
    assert list(numbers)[:2] == ["cnn.original", "cnn.shuffled"] and "dense.drop" in numbers
    assert numbers["train"] == "60" and numbers["test"] == "400" and numbers["pixels"] == "81"
    assert cached_result(SwapConfig(seed=9, epochs=2, shuffle="columns")) is None      # nothing trained yet
    with pytest.raises(KeyError):
        numbers["cnn.best"]


def test_numbers_and_cache(default_result):
    assert cached_result(SwapConfig()) is default_result
    numbers = column_swap_numbers({"seed": 0, "epochs": 30, "shuffle": "pixels"})
    assert numbers["cnn.original"] == f"{default_result.accuracy[('cnn', 'original')] * 100:.1f}%"
    assert set(numbers) >= {"cnn.original", "cnn.shuffled", "dense.original", "dense.shuffled", "cnn.drop",
                            "dense.drop", "train", "test"}
    assert all(isinstance(v, str) and v for v in numbers.values())
    assert numbers["dense.drop"] == "0.0" and float(numbers["cnn.drop"]) >= 15


def test_permutation_moves_pixels_the_same_way_in_every_picture():
    perm = permutation(0)
    assert sorted(perm.tolist()) == list(range(81)) and not np.array_equal(perm, np.arange(81))
    assert np.array_equal(perm, permutation(0)) and not np.array_equal(perm, permutation(1))
    pictures = np.arange(2 * 81, dtype=np.float32).reshape(2, 9, 9)
    shuffled = shuffle_pictures(pictures, perm)
    assert np.array_equal(shuffled[0].ravel(), pictures[0].ravel()[perm])
    assert np.array_equal(shuffled[1].ravel() - 81, shuffled[0].ravel())
    cols = permutation(0, "columns").reshape(9, 9)
    assert (cols // 9 == np.arange(9)[:, None]).all()            # every pixel stays in its row
    assert len({tuple(c) for c in (cols % 9).tolist()}) == 1      # every row moves its columns the same way
    data = make_data(SwapConfig(train_size=4, test_size=6))
    assert data.images.shape == (10, 9, 9) and data.split("shuffled")[2].shape == (6, 9, 9)
    assert sorted(data.labels[data.examples(4)].tolist()) == [0, 0, 1, 1]


def test_progress_and_cancel_within_half_a_second():
    cancel = threading.Event()
    steps = column_swap_steps(SwapConfig(seed=5, epochs=500, train_size=2000), cancel)
    first = next(steps)
    assert isinstance(first, SwapProgress) and first.run == 0 and 0 < first.fraction < 0.01
    cancel.set()
    start = time.perf_counter()
    with pytest.raises(Cancelled):
        next(steps)
    assert time.perf_counter() - start < 0.5
    assert cached_result(SwapConfig(seed=5, epochs=500, train_size=2000)) is None


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": -1}, "seed"), ({"epochs": 0}, "epochs"), ({"shuffle": "rows"}, "shuffle"),
    ({"epochs": 2.5}, "epochs"), ({"learning_rate": 0}, "learning rate"),
])
def test_bad_settings_clear_messages(kwargs, match):
    with pytest.raises(CnnExplorerError, match=match):
        SwapConfig(**kwargs)
