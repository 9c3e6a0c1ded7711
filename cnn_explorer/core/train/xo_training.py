"""Training deck 004's X/O net in a lesson: the ``xo-tiny`` preset on the ``xo`` set, with the preset's recipe.

:func:`train_xo_steps` is a generator of the engine's records (``BatchRecord``, ``EpochRecord``, the
``FinishedRecord``) ending with one :class:`XoTrained`: the trained model and what using it needs (the
data's normalisation, the calibration temperature), the test accuracy and the seconds it took. A
``threading.Event`` cancels it between steps, as the engine does. Torch is imported inside the engine.

The run uses one CPU thread: on a 9×9 picture and a 3-filter net every operation is tiny, and a pool
of threads spends more time waking its threads than computing (measured on a 2-core machine: 0.3 s
with one thread against 1.7–22 s with two fighting the window and other programs).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Iterator

import numpy as np

from cnn_explorer.core.datasets import Dataset, load_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.recipes import RECIPES, ResolvedRecipe, resolve_recipe
from cnn_explorer.core.train.engine import TrainConfig, TrainingRun
from cnn_explorer.core.train.records import EpochRecord, FinishedRecord

XO_PRESET = "xo-tiny"
XO_DATASET = "xo"
#: the recipe's epochs (the demo's default)
DEFAULT_EPOCHS = RECIPES[XO_PRESET].epochs
#: one CPU thread (see the module's docstring)
TRAIN_THREADS = 1
MAX_EPOCHS = 200


@dataclass(frozen=True)
class XoTrained:
    """The end of an X/O run: the model (torch, eval mode, on the CPU) and what feeding it needs.

    ``mean``/``std``: the training set's normalisation (0..1 units); ``temperature``: the calibration
    the engine fitted on the validation split; ``test_accuracy`` 0..1 (NaN when cancelled); ``seconds``:
    the run's working time (data, model, training, evaluation; time a caller spent between records is
    not counted); ``cancelled``: stopped before the end (the model holds the last whole step).
    """

    model: Any
    class_names: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    temperature: float
    test_accuracy: float
    seconds: float
    epochs: int
    seed: int
    history: tuple[EpochRecord, ...]
    cancelled: bool
    recipe: str


def xo_dataset() -> Dataset:
    """The X/O set (600 pictures, split 80:10:10), the same pictures and split for every run: the demo's seed
    is the model's (its first weights and the batches' order), so a class compares runs on the same data."""
    return load_dataset(XO_DATASET, seed=0)


def xo_recipe(dataset: Dataset, epochs: int | None = None) -> ResolvedRecipe:
    """The preset's recipe fitted to the X/O set; ``epochs`` given overrides the recipe's."""
    if epochs is not None and not (isinstance(epochs, int) and 1 <= epochs <= MAX_EPOCHS):
        raise CnnExplorerError(f"epochs: use a whole number from 1 to {MAX_EPOCHS}, got {epochs!r}")
    # the recipe's own number is no override: the summary then says "the recipe", not "yours"
    overrides = {"epochs": (epochs, "the demo's epochs")} if epochs not in (None, DEFAULT_EPOCHS) else None
    return resolve_recipe(RECIPES[XO_PRESET], f"the {XO_PRESET} preset's recipe", tuple(dataset.input_shape),
                          len(dataset.train_y), overrides)


def train_xo_steps(epochs: int | None = None, seed: int = 0,
                   cancel: threading.Event | None = None) -> Iterator[Any]:
    """Train ``xo-tiny`` on the X/O set: the engine's records, then one :class:`XoTrained`.

    Raises the engine's TrainingDiverged (a CnnExplorerError) should the loss blow up.
    """
    paused = 0.0
    start = time.perf_counter()
    cancel = cancel if cancel is not None else threading.Event()
    dataset = xo_dataset()
    resolved = xo_recipe(dataset, epochs)
    config = replace(TrainConfig(**resolved.settings()), device="cpu", seed=int(seed), threads=TRAIN_THREADS,
                     snapshot_every=0)
    spec = preset(XO_PRESET, dataset.input_shape, dataset.class_names)
    run = TrainingRun(spec, dataset, config, cancel=cancel)
    finished: FinishedRecord | None = None
    for record in run.steps():
        if isinstance(record, FinishedRecord):
            finished = record
        began = time.perf_counter()
        yield record
        paused += time.perf_counter() - began
    model = run.model.eval()
    cancelled = finished is None or finished.reason == "cancelled"
    accuracy = float("nan") if finished is None else float(finished.test_accuracy)
    yield XoTrained(model, tuple(dataset.class_names), tuple(run.mean), tuple(run.std), float(run.temperature),
                    accuracy, time.perf_counter() - start - paused, config.epochs, int(seed), tuple(run.history),
                    cancelled, resolved.summary())


def train_xo(epochs: int | None = None, seed: int = 0, cancel: threading.Event | None = None) -> XoTrained:
    """:func:`train_xo_steps` run to its end."""
    result = None
    for record in train_xo_steps(epochs, seed, cancel):
        result = record
    assert isinstance(result, XoTrained)
    return result


def xo_input(picture: np.ndarray, mean, std) -> np.ndarray:
    """A 9×9 drawing of +1 (ink) and −1 (paper), as the slides write it -> the model's (1, 1, 9, 9) input.

    The set stores ink as 1 and paper as 0, ``(picture + 1) / 2`` of the slides' numbers; the net sees
    ``(x − mean) / std`` of that, as the engine feeds it.
    """
    arr = np.asarray(picture, dtype=np.float64)
    if arr.shape != (9, 9) or not np.isfinite(arr).all() or arr.min() < -1 or arr.max() > 1:
        raise CnnExplorerError(f"picture: expected 9×9 numbers from −1 to 1, got shape {arr.shape}")
    x = ((arr + 1.0) / 2.0 - float(mean[0])) / float(std[0])
    return x.astype(np.float32)[None, None]


def _glyph_picture(rows: tuple[str, ...], top: int, left: int) -> np.ndarray:
    picture = -np.ones((9, 9))
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            if ch == "1":
                picture[top + r, left + c] = 1.0
    return picture


_X7 = tuple("".join("1" if c in (r, 6 - r) else "0" for c in range(7)) for r in range(7))
_O7 = ("0011100", "0100010", "1000001", "1000001", "1000001", "0100010", "0011100")
_X5 = tuple("".join("1" if c in (r, 4 - r) else "0" for c in range(5)) for r in range(5))
_O5 = ("01110", "10001", "10001", "10001", "01110")

#: stock pictures for the canvas, ±1 as the slides write them: the slide's X, an O, and smaller, shifted ones
XO_PICTURES: dict[str, np.ndarray] = {
    "The slide's X": _glyph_picture(_X7, 1, 1),
    "O": _glyph_picture(_O7, 1, 1),
    "Small X": _glyph_picture(_X5, 0, 0),
    "Small O": _glyph_picture(_O5, 4, 4),
    "X moved right": _glyph_picture(_X7, 1, 2),
}
