"""Deck 003's activations and costs in numbers: sigmoid, tanh, ReLU, softmax, and MSE, RMSE, binary and
categorical cross-entropy.

The element-wise activations are the convolution engine's own (``core.conv.convolution.activate``) and
the softmax the calibration's (``core.train.calibration.softmax``); this module adds the costs, each with
its arithmetic written out for the demo. Cross-entropies clip probabilities to [ε, 1 − ε] with
ε = 1e−7, as Keras does, so a confident wrong answer costs a large finite number instead of infinity;
categorical cross-entropy first divides the predictions by their sum (Keras again), so they are a
distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from cnn_explorer.core.conv.convolution import activate
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.train.calibration import softmax

#: probabilities are clipped to [EPSILON, 1 − EPSILON] inside the cross-entropies (Keras's epsilon)
EPSILON = 1e-7
#: the activations the demo plots, with their ranges as the slide gives them
ACTIVATION_RANGES = {"sigmoid": "0 to 1", "tanh": "−1 to 1", "relu": "0 if x < 0; x otherwise"}
#: the demo's defaults: x, the logits, a prediction and its target
DEFAULT_X = 1.0
DEFAULT_LOGITS = (2.0, 1.0, 0.1)
DEFAULT_PREDICTION = (0.7, 0.2, 0.1)
DEFAULT_TARGET = (1.0, 0.0, 0.0)
COSTS = ("mse", "rmse", "binary", "categorical")
COST_TITLES = {"mse": "Mean squared error (MSE)", "rmse": "Root mean squared error (RMSE)",
               "binary": "Binary cross-entropy", "categorical": "Categorical cross-entropy"}
COST_USES = {"mse": "regression", "rmse": "regression", "binary": "binary classification",
             "categorical": "multi-class classification"}


def _n(value: float) -> str:
    return format_number(value, "operand")


def activation_values(x: float) -> dict[str, float]:
    """sigmoid(x), tanh(x) and relu(x) (float64)."""
    arr = np.array([float(x)], dtype=np.float64)
    return {name: float(activate(arr, name)[0]) for name in ("sigmoid", "tanh", "relu")}


def softmax_values(logits: Sequence[float]) -> np.ndarray:
    """softmax of a vector of logits: (K,) probabilities that sum to 1."""
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    if z.size == 0 or not np.isfinite(z).all():
        raise CnnExplorerError("logits: give at least one finite number")
    return softmax(z[None])[0]


def softmax_lines(logits: Sequence[float]) -> tuple[str, ...]:
    """softmax's arithmetic: e^z for each logit, their sum, each share."""
    z = np.asarray(logits, dtype=np.float64).reshape(-1)
    p = softmax_values(z)
    shift = float(z.max())
    e = np.exp(z - shift)
    lines = [f"e^(z − {_n(shift)}): " + ", ".join(_n(v) for v in e),
             f"sum = {_n(float(e.sum()))}",
             "p = e^(z − max) / sum: " + ", ".join(_n(v) for v in p),
             f"Σp = {_n(float(p.sum()))}"]
    return tuple(lines)


@dataclass(frozen=True)
class Cost:
    """One cost of a prediction against its target: its ``value`` and the arithmetic (``lines``)."""

    name: str
    value: float
    lines: tuple[str, ...]


def _pair(prediction, target) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(prediction, dtype=np.float64).reshape(-1)
    t = np.asarray(target, dtype=np.float64).reshape(-1)
    if p.size == 0 or p.size != t.size:
        raise CnnExplorerError(f"prediction and target: give as many numbers each (got {p.size} and {t.size})")
    if not (np.isfinite(p).all() and np.isfinite(t).all()):
        raise CnnExplorerError("prediction and target: use finite numbers")
    return p, t


def _probabilities(p: np.ndarray, what: str) -> None:
    if (p < 0).any() or (p > 1).any():
        raise CnnExplorerError(f"{what}: cross-entropy needs probabilities from 0 to 1")


def mse_cost(prediction, target) -> Cost:
    p, t = _pair(prediction, target)
    d = p - t
    value = float(np.mean(d * d))
    terms = " + ".join(f"({_n(pi)} − {_n(ti)})²" for pi, ti in zip(p, t))
    return Cost("mse", value, (f"1/{p.size}·[{terms}]", f"= {_n(value)}"))


def rmse_cost(prediction, target) -> Cost:
    m = mse_cost(prediction, target)
    value = math.sqrt(m.value)
    return Cost("rmse", value, (f"√MSE = √{_n(m.value)}", f"= {_n(value)}"))


def binary_cross_entropy(prediction, target) -> Cost:
    """Mean over the outputs of −[t·ln p + (1 − t)·ln(1 − p)]; each output is one yes/no question."""
    p, t = _pair(prediction, target)
    _probabilities(p, "prediction")
    _probabilities(t, "target")
    q = np.clip(p, EPSILON, 1 - EPSILON)
    each = -(t * np.log(q) + (1 - t) * np.log(1 - q))
    value = float(np.mean(each))
    terms = " + ".join(f"[{_n(ti)}·ln {_n(pi)} + {_n(1 - ti)}·ln {_n(1 - pi)}]" for pi, ti in zip(q, t))
    return Cost("binary", value, (f"−1/{p.size}·({terms})", f"= {_n(value)}"))


def categorical_cross_entropy(prediction, target) -> Cost:
    """−Σ t·ln p over the classes, the predictions first divided by their sum."""
    p, t = _pair(prediction, target)
    _probabilities(p, "prediction")
    if (t < 0).any():
        raise CnnExplorerError("target: categorical cross-entropy needs a target of 0s and 1s (or shares)")
    total = float(p.sum())
    if total <= 0:
        raise CnnExplorerError("prediction: categorical cross-entropy needs predictions that are not all 0")
    q = np.clip(p / total, EPSILON, 1 - EPSILON)
    value = float(-np.sum(t * np.log(q)))
    terms = " + ".join(f"{_n(ti)}·ln {_n(qi)}" for qi, ti in zip(q, t) if ti != 0) or "0"
    lines = [f"−({terms})", f"= {_n(value)}"]
    if abs(total - 1) > 1e-9:
        lines.insert(0, f"the predictions sum to {_n(total)}: each is divided by it first")
    return Cost("categorical", value, tuple(lines))


def costs(prediction, target) -> dict[str, Cost]:
    """Every cost of the slide for one prediction and target (name -> Cost)."""
    return {"mse": mse_cost(prediction, target), "rmse": rmse_cost(prediction, target),
            "binary": binary_cross_entropy(prediction, target),
            "categorical": categorical_cross_entropy(prediction, target)}


def activations_numbers(params: Mapping[str, object]) -> dict[str, str]:
    """The ``{demo.KEY}`` texts of the activations demo (see core/lessons/demos.py for the keys)."""
    x = float(params["x"])
    out = {"x": _n(x)}
    out.update({name: _n(v) for name, v in activation_values(x).items()})
    probs = softmax_values(params["logits"])
    out["softmax"] = ", ".join(_n(v) for v in probs)
    for i, v in enumerate(probs, start=1):
        out[f"softmax{i}"] = _n(float(v))
    for name, cost in costs(params["prediction"], params["target"]).items():
        out[name] = _n(cost.value)
    return out
