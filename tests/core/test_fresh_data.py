"""Fresh data: a synthetic set draws new training images every epoch (repeatable, balanced, cancellable);
validation and test never change; a set that cannot draw more of itself trains as before, with a note."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pytest

from cnn_explorer.core.datasets import load_dataset, synthetic
from cnn_explorer.core.datasets.split import make_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.recipes import (
    MAX_EPOCHS,
    RECIPES,
    Recipe,
    adapt_recipe,
    resolve_recipe,
)
from cnn_explorer.core.train.engine import (
    EpochRecord,
    FinishedRecord,
    TrainConfig,
    TrainingRun,
)
from cnn_explorer.core.train.records import EpochRecord as Record


@pytest.fixture(scope="module")
def xo():
    return load_dataset("xo")


def _config(**kw) -> TrainConfig:
    values = dict(epochs=3, batch_size=32, lr=0.05, optimizer="adam", device="cpu", threads=1, snapshot_every=0,
                  fresh_data=True)
    values.update(kw)
    return TrainConfig(**values)


def _fresh_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fresh-data")]


def test_fresh_draws_differ_per_epoch_repeat_for_a_seed_and_keep_the_classes():
    draw = synthetic.drawer("shapes")
    labels = np.array([0, 1, 2, 3] * 20)  # 80: two chunks
    first = synthetic.draw_fresh(draw, labels, seed=0, epoch=2)
    assert first.shape == (80, 28, 28, 1) and first.dtype == np.float32
    assert np.array_equal(first, synthetic.draw_fresh(draw, labels, seed=0, epoch=2))
    assert not np.allclose(first, synthetic.draw_fresh(draw, labels, seed=0, epoch=3))
    assert not np.allclose(first, synthetic.draw_fresh(draw, labels, seed=1, epoch=2))
    # each image is of the class asked for: a line's ink is far less than a square's of the same size
    ink = first.reshape(80, -1).sum(1)
    assert ink[labels == 0].mean() < ink[labels == 3].mean()
    # no fresh draw shares the loaded set's random stream (its seed is one whole number)
    loaded, _ = synthetic.make_shapes(n=80, seed=0, labels=labels)
    assert not np.allclose(first, loaded)


def test_a_stop_asked_between_chunks_ends_the_draw():
    calls = []
    draw = synthetic.drawer("xo")
    out = synthetic.draw_fresh(lambda y, s: calls.append(s) or draw(y, s), np.zeros(200, np.int64), 0, 2,
                               stop=lambda: len(calls) >= 2)
    assert out is None and len(calls) == 2


def test_labels_of_a_draw_are_checked():
    with pytest.raises(CnnExplorerError, match="labels"):
        synthetic.make_xo(labels=np.array([0, 2]))


def test_a_fresh_data_run_trains_later_epochs_on_new_images_and_never_touches_val_and_test(xo):
    seen: list[tuple] = []
    draw = xo.redraw

    def recording(labels, seed):
        seen.append(seed)
        assert set(np.unique(labels)) <= {0, 1}
        return draw(labels, seed)

    xo.redraw = recording
    try:
        before = [a.copy() for a in (xo.train_x, xo.val_x, xo.val_y, xo.test_x, xo.test_y)]
        run = TrainingRun(preset("xo-tiny", xo.input_shape, xo.class_names), xo, _config())
        records = [r for r in run.steps() if isinstance(r, EpochRecord)]
    finally:
        xo.redraw = draw
    assert [(r.fresh, r.images) for r in records] == [(False, 480), (True, 480), (True, 480)]
    chunks = math.ceil(480 / synthetic.FRESH_CHUNK)
    assert sorted({s[2] for s in seen}) == [2, 3] and len(seen) == 2 * chunks  # epochs 2 and 3, nothing more
    for kept, now in zip(before, (xo.train_x, xo.val_x, xo.val_y, xo.test_x, xo.test_y)):
        assert np.array_equal(kept, now)
    assert not _fresh_threads()


def test_the_same_seed_gives_the_same_fresh_data_run(xo):
    def history(seed):
        run = TrainingRun(preset("xo-tiny", xo.input_shape, xo.class_names), xo, _config(epochs=2, seed=seed))
        return [(r.train_loss, r.val_loss) for r in run.steps() if isinstance(r, EpochRecord)]

    assert history(3) == history(3)
    assert history(3)[1] != history(4)[1]


def test_a_dataset_that_cannot_draw_ignores_fresh_data(xo):
    fixed = make_dataset("fixed", xo.class_names, xo.train_x, xo.train_y, seed=0)
    assert not fixed.can_redraw and xo.can_redraw
    run = TrainingRun(preset("xo-tiny", fixed.input_shape, fixed.class_names), fixed, _config(epochs=2))
    records = [r for r in run.steps() if isinstance(r, EpochRecord)]
    assert [r.fresh for r in records] == [False, False]

    recipe = Recipe(fresh_data=True)
    adapted, notes = adapt_recipe(recipe, (28, 28, 1), 4000, can_redraw=False)
    assert not adapted.fresh_data and any("cannot draw more of itself" in n for n in notes)
    assert adapt_recipe(recipe, (28, 28, 1), 4000, can_redraw=True)[0].fresh_data
    # not even the user's word turns it on for such a set
    resolved = resolve_recipe(Recipe(), "test", (28, 28, 1), 4000, {"fresh_data": (True, "--fresh-data")},
                              can_redraw=False)
    assert not resolved.recipe.fresh_data and any("fresh" in n for n in resolved.notes)


def test_stop_while_the_next_set_is_drawn_stops_within_half_a_second_and_leaves_no_thread(xo):
    cancel = threading.Event()
    gate = threading.Event()
    draw = xo.redraw

    def slow(labels, seed):  # each chunk waits on the gate: the draw would take seconds
        gate.wait(0.1)
        return draw(labels, seed)

    xo.redraw = slow
    try:
        run = TrainingRun(preset("xo-tiny", xo.input_shape, xo.class_names), xo, _config(epochs=5), cancel=cancel)
        steps = run.steps()
        for record in steps:
            if isinstance(record, EpochRecord):
                break
        cancel.set()
        began = time.perf_counter()
        rest = list(steps)
        took = time.perf_counter() - began
    finally:
        xo.redraw = draw
    assert isinstance(rest[-1], FinishedRecord) and rest[-1].reason == "cancelled"
    assert took < 0.5 and not _fresh_threads()


def test_closing_a_fresh_data_run_midway_joins_its_thread(xo):
    run = TrainingRun(preset("xo-tiny", xo.input_shape, xo.class_names), xo, _config(epochs=4))
    steps = run.steps()
    next(steps)
    assert _fresh_threads() or True  # the draw may already be done on a fast machine
    steps.close()
    assert not _fresh_threads()


def test_recipe_json_round_trip_and_type_check():
    recipe = Recipe(fresh_data=True, on_pictures={"fresh_data": False})
    again = Recipe.from_dict(recipe.to_dict())
    assert again == recipe and again.fresh_data and again.to_dict()["on_pictures"] == {"fresh_data": False}
    assert not Recipe().fresh_data
    with pytest.raises(CnnExplorerError, match="fresh_data must be true or false"):
        Recipe.from_dict({"fresh_data": "yes"})


def test_only_xo_tiny_on_pictures_trains_on_fresh_data():
    assert [name for name, r in RECIPES.items() if r.fresh_data or dict(r.on_pictures).get("fresh_data")] == \
        ["xo-tiny"]
    assert not adapt_recipe(RECIPES["xo-tiny"], (9, 9, 1), 480, can_redraw=True)[0].fresh_data  # xo: as before
    shapes, notes = adapt_recipe(RECIPES["xo-tiny"], (28, 28, 1), 640, can_redraw=True)
    assert shapes.fresh_data and any("fresh data on" in n for n in notes)
    # fresh images every epoch: its 4,000 steps are not cut to MAX_EPOCHS; a fixed set of pictures keeps the cap
    assert shapes.epochs * (640 // shapes.batch_size) >= shapes.min_steps and shapes.epochs > MAX_EPOCHS
    fixed, _ = adapt_recipe(RECIPES["xo-tiny"], (28, 28, 1), 640, can_redraw=False)
    assert not fixed.fresh_data and fixed.epochs == MAX_EPOCHS


def test_epoch_records_keep_their_image_counts():
    record = Record(2, 0.5, 0.8, 0.4, 0.85, 1.5, 640, True)
    assert Record.from_dict(record.to_dict()) == record
    old = {k: v for k, v in record.to_dict().items() if k not in ("images", "fresh")}
    assert Record.from_dict(old) == Record(2, 0.5, 0.8, 0.4, 0.85, 1.5)
