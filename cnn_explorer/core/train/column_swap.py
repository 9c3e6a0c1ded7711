"""The column-swap rule (slide 004): a CNN needs neighbouring pixels to be neighbours; a dense net does not care.

"If your data is just as useful after swapping any of your columns with each other, then you
can't use Convolutional Neural Networks." Here the data is the X/O pictures as a table: one row
a picture, one column a pixel (81 columns for 9x9). One fixed permutation (seeded) moves those
columns, the same way in every picture. Four runs with the same budget:

- a small CNN (8 filters 3x3, ReLU, global max-pool, Dense 2) and a dense net (Dense 32 ReLU,
  Dense 2) on the original pictures and on the shuffled ones.

The CNN's filters look at 3x3 neighbourhoods and reuse them everywhere; after the shuffle the
neighbours are scattered, so it loses its advantage. A dense net joins every pixel to every unit:
on shuffled pixels it is the same model with its first layer's weights shuffled the same way. The
shuffled dense run starts from exactly those shuffled weights (same seed), so it computes the very
same function at every step and lands on the same accuracy (floating-point summation order aside).

The runs are small on purpose (60 training pictures, 400 test pictures): with thousands the
dense net also reaches 100% and the CNN's advantage, data efficiency, would not show.
``shuffle="columns"`` moves only the picture's pixel columns (whole columns of 9 pixels): vertical
strokes survive and the CNN keeps much of its accuracy, which is why the pixel table is the default.

Torch is imported lazily; ``cancel`` (a ``threading.Event``) is checked between mini-batches.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np

from cnn_explorer.core.datasets.synthetic import XO_CLASSES, make_xo
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.layers import Conv2D, Dense, Flatten, GlobalMaxPool
from cnn_explorer.core.model.spec import ModelSpec
from cnn_explorer.core.train.evaluation import Cancelled

MODELS = ("cnn", "dense")
DATA = ("original", "shuffled")
SHUFFLES = ("pixels", "columns")
MODEL_TITLES = {"cnn": "Small CNN", "dense": "Dense net"}
DATA_TITLES = {"original": "Original pictures", "shuffled": "Shuffled pictures"}
SIDE = 9


@dataclass(frozen=True)
class SwapConfig:
    """One experiment: seed (data, permutation, initial weights, batch order), epochs, what is shuffled."""

    seed: int = 0
    epochs: int = 30
    shuffle: str = "pixels"
    train_size: int = 60
    test_size: int = 400
    batch: int = 20
    learning_rate: float = 0.01
    noise: float = 0.08
    #: the shuffled dense run starts from the original run's weights, shuffled as the pixels (the same model);
    #: False: from its own random start (the benchmark's reference: the same claim, with noise)
    same_start: bool = True

    def __post_init__(self) -> None:
        for name, low, high in (("seed", 0, 1_000_000), ("epochs", 1, 500), ("train_size", 2, 20_000),
                                ("test_size", 2, 20_000), ("batch", 1, 20_000)):
            value = getattr(self, name)
            if isinstance(value, bool) or int(value) != value or not low <= int(value) <= high:
                raise CnnExplorerError(f"{name.replace('_', ' ')}: use a whole number from {low:,} to {high:,}, "
                                       f"got {value!r}")
            object.__setattr__(self, name, int(value))
        if self.shuffle not in SHUFFLES:
            raise CnnExplorerError(f"shuffle: use one of {', '.join(SHUFFLES)}, got {self.shuffle!r}")
        if not 0 < float(self.learning_rate) <= 1:
            raise CnnExplorerError(f"learning rate: use a number above 0 and at most 1, got {self.learning_rate!r}")
        if not 0 <= float(self.noise) <= 1:
            raise CnnExplorerError(f"noise: use a number from 0 to 1, got {self.noise!r}")


def permutation(seed: int, shuffle: str = "pixels", side: int = SIDE) -> np.ndarray:
    """The fixed order of the flat pixel indices (row-major): pixel ``perm[j]`` of a picture becomes pixel ``j``.

    "pixels": any pixel anywhere; "columns": whole columns of the picture move (rows keep their pixels' rows).
    """
    rng = np.random.default_rng([int(seed), 7])
    if shuffle == "columns":
        cols = rng.permutation(side)
        return (np.arange(side)[:, None] * side + cols[None, :]).ravel()
    if shuffle != "pixels":
        raise CnnExplorerError(f"shuffle: use one of {', '.join(SHUFFLES)}, got {shuffle!r}")
    return rng.permutation(side * side)


def shuffle_pictures(images: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """(N, H, W) pictures with their pixels moved by ``perm`` (see :func:`permutation`)."""
    n, h, w = images.shape
    return images.reshape(n, h * w)[:, perm].reshape(n, h, w)


@dataclass(frozen=True, eq=False)
class SwapData:
    """The pictures (N, 9, 9) in 0..1, labels (0 = X, 1 = O), and the same pictures shuffled."""

    images: np.ndarray
    labels: np.ndarray
    shuffled: np.ndarray
    perm: np.ndarray
    train_size: int

    def split(self, data: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        x = self.images if data == "original" else self.shuffled
        n = self.train_size
        return x[:n], self.labels[:n], x[n:], self.labels[n:]

    def examples(self, count: int = 4) -> list[int]:
        """Test pictures to show, X and O alternating (indices into the whole set)."""
        test = np.arange(self.train_size, len(self.labels))
        xs = [int(i) for i in test if self.labels[i] == 0][: (count + 1) // 2]
        os_ = [int(i) for i in test if self.labels[i] == 1][: count // 2]
        return [i for pair in zip(xs, os_) for i in pair] + xs[len(os_):]


def make_data(config: SwapConfig) -> SwapData:
    """The X/O pictures of ``config`` (train first, then test) and their shuffled copies."""
    images, labels = make_xo(config.train_size + config.test_size, seed=config.seed, noise=config.noise)
    images = images[..., 0].astype(np.float32)
    perm = permutation(config.seed, config.shuffle)
    return SwapData(images, labels, shuffle_pictures(images, perm), perm, config.train_size)


def model_spec(model: str) -> ModelSpec:
    """The demo's two networks for 9x9x1 X/O pictures."""
    if model == "cnn":
        layers = (Conv2D(8, 3, padding="same", activation="relu"), GlobalMaxPool(), Dense(2, "softmax"))
    elif model == "dense":
        layers = (Flatten(), Dense(32, "relu"), Dense(2, "softmax"))
    else:
        raise CnnExplorerError(f"model: use one of {', '.join(MODELS)}, got {model!r}")
    return ModelSpec(layers, (SIDE, SIDE, 1), XO_CLASSES, name=f"column-swap-{model}")


@dataclass(frozen=True)
class SwapProgress:
    """After one epoch of one run: which run (0..3), the epoch, the mean training loss; ``accuracy`` on its last."""

    run: int
    model: str
    data: str
    epoch: int
    epochs: int
    loss: float
    accuracy: float | None = None

    @property
    def fraction(self) -> float:
        """How much of the whole experiment (all four runs) is done, 0..1."""
        return (self.run + self.epoch / self.epochs) / (len(MODELS) * len(DATA))


@dataclass(frozen=True, eq=False)
class SwapResult:
    """The four test accuracies (0..1) by (model, data), the pictures, and the time it took."""

    config: SwapConfig
    accuracy: dict[tuple[str, str], float]
    data: SwapData = field(repr=False)
    seconds: float

    def drop(self, model: str) -> float:
        """Accuracy on the original minus on the shuffled pictures (0..1, positive = worse when shuffled)."""
        return self.accuracy[(model, "original")] - self.accuracy[(model, "shuffled")]

    @property
    def claim_holds(self) -> bool:
        """The CNN beats the dense net on the original, loses its lead on the shuffled, and the dense net
        stays within 3 points."""
        acc = self.accuracy
        return (acc[("cnn", "original")] > acc[("dense", "original")]
                and acc[("cnn", "shuffled")] <= acc[("dense", "shuffled")]
                and abs(self.drop("dense")) <= 0.03)


RUNS = tuple((model, data) for model in MODELS for data in DATA)

_CACHE: dict[SwapConfig, SwapResult] = {}
_CACHE_LOCK = threading.Lock()


def cached_result(config: SwapConfig) -> SwapResult | None:
    """The result of ``config`` if it ran in this session (the runs are seeded: it would come out the same)."""
    with _CACHE_LOCK:
        return _CACHE.get(config)


def column_swap_steps(config: SwapConfig = SwapConfig(),
                      cancel: threading.Event | None = None) -> Iterator[SwapProgress | SwapResult]:
    """Train the four runs, yielding a :class:`SwapProgress` after every epoch, then the :class:`SwapResult`.

    Raises ``Cancelled`` soon after ``cancel`` is set (checked between mini-batches)."""
    import torch

    start = time.perf_counter()
    data = make_data(config)
    mean, std = float(data.images[: config.train_size].mean()), float(data.images[: config.train_size].std()) or 1.0
    accuracy: dict[tuple[str, str], float] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)        # tiny models: one thread is the fastest, and the runs come out the same
    try:
        for run, (model_name, data_name) in enumerate(RUNS):
            for record in _train_one(torch, config, data, model_name, data_name, run, mean, std, cancel):
                if record.accuracy is not None:
                    accuracy[(model_name, data_name)] = record.accuracy
                yield record
    finally:
        torch.set_num_threads(threads)
    result = SwapResult(config, accuracy, data, time.perf_counter() - start)
    with _CACHE_LOCK:
        _CACHE[config] = result
    yield result


def _train_one(torch, config: SwapConfig, data: SwapData, model_name: str, data_name: str, run: int,
               mean: float, std: float, cancel: threading.Event | None) -> Iterator[SwapProgress]:
    from cnn_explorer.core.model.build import build_model

    torch.manual_seed(config.seed + (1 if model_name == "dense" and data_name == "shuffled" and not config.same_start
                                     else 0))
    model = build_model(model_spec(model_name))
    if model_name == "dense" and data_name == "shuffled" and config.same_start:
        # the same starting weights as the original run, moved as the pixels moved: the same model
        first = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
        with torch.no_grad():
            first.weight.copy_(first.weight[:, torch.as_tensor(data.perm)])
    x_train, y_train, x_test, y_test = data.split(data_name)
    xt = (torch.as_tensor(x_train)[:, None] - mean) / std          # (N, 1, 9, 9)
    yt = torch.as_tensor(y_train)
    xv = (torch.as_tensor(x_test)[:, None] - mean) / std
    yv = torch.as_tensor(y_test)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(config.learning_rate))
    order = torch.Generator().manual_seed(config.seed)
    loss_fn = torch.nn.functional.cross_entropy
    n = len(yt)
    for epoch in range(1, config.epochs + 1):
        model.train()
        total = 0.0
        for idx in torch.randperm(n, generator=order).split(config.batch):
            if cancel is not None and cancel.is_set():
                raise Cancelled("the column-swap runs were stopped")
            loss = loss_fn(model(xt[idx]), yt[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        accuracy = None
        if epoch == config.epochs:
            model.eval()
            with torch.no_grad():
                accuracy = float((model(xv).argmax(1) == yv).float().mean())
        yield SwapProgress(run, model_name, data_name, epoch, config.epochs, total / n, accuracy)


def run_column_swap(config: SwapConfig = SwapConfig(), cancel: threading.Event | None = None) -> SwapResult:
    """All four runs to the end (the cached result when ``config`` already ran)."""
    cached = cached_result(config)
    if cached is not None:
        return cached
    result = None
    for record in column_swap_steps(config, cancel):
        result = record
    assert isinstance(result, SwapResult)
    return result


class SwapNumbers(Mapping[str, str]):
    """The ``{demo.KEY}`` texts of the column-swap demo, trained for only when an accuracy is read.

    Keys: the four accuracies (``cnn.original``, ``cnn.shuffled``, ``dense.original``, ``dense.shuffled``),
    each model's drop in points (``cnn.drop``, ``dense.drop``), and the set's sizes (``train``, ``test``,
    ``pixels``). Listing the keys or reading a size costs nothing; the first accuracy read trains the four
    runs (a few seconds, torch loaded), then every config answers from this session's memory.
    """

    def __init__(self, config: SwapConfig) -> None:
        self.config = config
        self._sizes = {"train": f"{config.train_size:,}", "test": f"{config.test_size:,}", "pixels": f"{SIDE * SIDE}"}
        self._keys = tuple(f"{m}.{d}" for m, d in RUNS) + tuple(f"{m}.drop" for m in MODELS) + tuple(self._sizes)

    def __getitem__(self, key: str) -> str:
        if key in self._sizes:
            return self._sizes[key]
        if key not in self._keys:
            raise KeyError(key)
        result = run_column_swap(self.config)
        model, _, what = key.partition(".")
        if what == "drop":
            return f"{result.drop(model) * 100:.1f}"
        return f"{result.accuracy[(model, what)] * 100:.1f}%"

    def __contains__(self, key: object) -> bool:       # Mapping's own would read the value (and train)
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def column_swap_numbers(params) -> SwapNumbers:
    """The ``{demo.KEY}`` texts of the column-swap demo for its parameters (see :class:`SwapNumbers`)."""
    return SwapNumbers(SwapConfig(seed=int(params["seed"]), epochs=int(params["epochs"]),
                                  shuffle=str(params["shuffle"])))
