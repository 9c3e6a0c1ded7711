"""The fully connected layer's vote (deck 004): each class's weighted sum of the flattened feature maps.

A net that ends ``… → Flatten → Dense(K)`` scores class k as ``Σᵢ wₖᵢ·vᵢ + bₖ`` over the flattened maps
v; :func:`dense_vote` takes that sum apart (every contribution ``wₖᵢ·vᵢ``) for one picture, checks it
against the model's own logits, and gives the softmax of ``logits / temperature`` (the calibration the
training engine fitted). :func:`xo_vote_numbers` trains the X/O net (``core/train/xo_training.py``) and
gives the lesson's numbers for the slide's X. Torch is imported inside functions only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import numpy as np

from cnn_explorer.core.datasets.synthetic import slide_x
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.train.calibration import softmax
from cnn_explorer.core.train.capture import capture_outputs
from cnn_explorer.core.train.xo_training import train_xo, xo_input


@dataclass(frozen=True)
class DenseVote:
    """One picture's vote. ``features`` (n,) the dense layer's input; ``maps`` (C, h, w) the same numbers before
    flattening (None when the layer before Flatten gave no maps); ``weights`` (K, n), ``bias`` (K,);
    ``contributions`` (K, n) = weights · features; ``logits`` (K,) = their row sums + bias;
    ``model_logits`` (K,) what the model itself output; ``probabilities`` (K,) softmax(logits / temperature)."""

    class_names: tuple[str, ...]
    features: np.ndarray
    maps: np.ndarray | None
    weights: np.ndarray
    bias: np.ndarray
    contributions: np.ndarray
    logits: np.ndarray
    model_logits: np.ndarray
    temperature: float
    probabilities: np.ndarray

    @property
    def winner(self) -> int:
        return int(np.argmax(self.probabilities))

    def sum_text(self, k: int) -> str:
        """'Σ w·v + b = 3.2 + (−0.12) = 3.08' for class k."""
        total = float(self.contributions[k].sum())
        b = float(self.bias[k])
        return (f"Σ w·v + b = {format_number(total, 'operand')} + ({format_number(b, 'operand')}) = "
                f"{format_number(float(self.logits[k]), 'operand')}")


def _leaves(model: Any) -> list[tuple[str, Any]]:
    model = getattr(model, "_orig_mod", model)  # under torch.compile
    return [(name, m) for name, m in model.named_modules() if name and not any(True for _ in m.children())]


def dense_vote(model: Any, x: Any, temperature: float = 1.0,
               class_names: tuple[str, ...] | None = None) -> DenseVote:
    """The vote of ``model``'s last Dense layer for one model-ready input ``x`` ((1, C, H, W) numpy float32).

    The model must end in a Dense layer (a Softmax after it is left out: its input is the logits); what
    feeds the layer is caught in one forward pass (eval mode, no gradients; the model's mode is put back),
    the weights are read from the layer itself.
    """
    import torch

    if not (temperature > 0 and np.isfinite(temperature)):
        raise CnnExplorerError(f"temperature: must be a positive number, got {temperature!r}")
    leaves = _leaves(model)
    dense_at = [i for i, (_n, m) in enumerate(leaves) if type(m).__name__ == "Linear"]
    if not dense_at:
        raise CnnExplorerError("model: has no Dense layer to vote")
    last = dense_at[-1]
    if last == 0:
        raise CnnExplorerError("model: its Dense layer is its first layer; nothing feeds it but the picture")
    name, dense = leaves[last]
    batch = torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32))
    if batch.ndim == 3:
        batch = batch[None]
    was_training = model.training
    model.eval()
    try:
        with capture_outputs(leaves[:last + 1]) as outputs, torch.no_grad():
            model(batch.to(next(model.parameters()).device))
    finally:
        model.train(was_training)
    before = [outputs[n][0] for n, _m in leaves[:last] if n in outputs]
    features = np.asarray(before[-1], np.float64).reshape(-1)
    maps = next((np.asarray(v, np.float64) for v in reversed(before) if v.ndim == 3), None)
    if maps is not None and maps.size != features.size:
        maps = None
    weights = dense.weight.detach().double().cpu().numpy().copy()
    bias = (dense.bias.detach().double().cpu().numpy().copy() if dense.bias is not None
            else np.zeros(weights.shape[0]))
    if weights.shape[1] != features.size:
        raise CnnExplorerError(f"layer {name}: takes {weights.shape[1]} numbers, got {features.size}")
    contributions = weights * features[None, :]
    logits = contributions.sum(axis=1) + bias
    names = tuple(class_names) if class_names is not None else tuple(str(i) for i in range(len(logits)))
    probabilities = softmax(logits[None], temperature)[0]
    return DenseVote(names, features, maps, weights, bias, contributions, logits,
                     np.asarray(outputs[name][0], np.float64).reshape(-1), float(temperature), probabilities)


def picture_vote(trained: Any, picture: np.ndarray) -> DenseVote:
    """The vote of an :class:`~cnn_explorer.core.train.xo_training.XoTrained` model for a ±1 9×9 picture."""
    return dense_vote(trained.model, xo_input(picture, trained.mean, trained.std), trained.temperature,
                      trained.class_names)


@functools.lru_cache(maxsize=4)
def _trained(epochs: int, seed: int):
    return train_xo(epochs, seed)


#: the X/O vote's {demo.KEY} names (the classes are the xo set's, X and O)
XO_NUMBER_KEYS = ("accuracy", "seconds", "epochs", "winner", "features",
                  "x.score", "x.probability", "o.score", "o.probability")


class _XoNumbers(Mapping):
    """The X/O vote's numbers, computed (the net trained) only when one is read: listing the keys
    (``cnn-explorer lessons demos``) or a lesson that opens the demo without quoting them trains nothing."""

    def __init__(self, epochs: int, seed: int) -> None:
        self._epochs, self._seed = epochs, seed
        self._values: dict[str, str] | None = None

    def _computed(self) -> dict[str, str]:
        if self._values is None:
            trained = _trained(self._epochs, self._seed)
            vote = picture_vote(trained, slide_x())
            out = {"accuracy": f"{100 * trained.test_accuracy:.1f}%", "seconds": f"{trained.seconds:.1f}",
                   "epochs": str(trained.epochs), "winner": vote.class_names[vote.winner],
                   "features": str(vote.features.size)}
            for k, name in enumerate(vote.class_names):
                out[f"{name.lower()}.score"] = format_number(float(vote.logits[k]), "operand")
                out[f"{name.lower()}.probability"] = f"{100 * vote.probabilities[k]:.1f}%"
            self._values = out
        return self._values

    def __getitem__(self, key: str) -> str:
        if key not in XO_NUMBER_KEYS:
            raise KeyError(key)
        return self._computed()[key]

    def __contains__(self, key: object) -> bool:
        return key in XO_NUMBER_KEYS

    def __iter__(self) -> Iterator[str]:
        return iter(XO_NUMBER_KEYS)

    def __len__(self) -> int:
        return len(XO_NUMBER_KEYS)


def xo_vote_numbers(params: Mapping[str, object]) -> Mapping[str, str]:
    """The ``{demo.KEY}`` texts of the X/O vote demo for the slide's X. Reading one trains the net once per
    (epochs, seed) in this process (about a second; torch's first import and first optimiser add a few more)."""
    return _XoNumbers(int(params["epochs"]), int(params["seed"]))
