"""Confidence that means what it says: temperature scaling, expected calibration error, reliability bins.

A network trained with label smoothing (or for long) is over- or under-confident:
among the digits it reads with 90% confidence, far more or far fewer than 90%
are right. Temperature scaling (Guo et al. 2017) divides the logits by one
scalar ``T``, fitted after training on the validation split so as to minimise
the negative log-likelihood; the predicted class never changes, only how sure
the model says it is. The expected calibration error (ECE) measures what is
left: the images are put into 15 equal-width bins by their top probability,
and the gaps between each bin's accuracy and its mean confidence are averaged,
weighted by the bin's share of images.

Plain numpy (float64), no torch: the logits come from the evaluation pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError

#: equal-width confidence bins of the ECE and the reliability diagram
ECE_BINS = 15
#: the temperature is searched in [1/T_LIMIT, T_LIMIT]
T_LIMIT = 100.0


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """(N, K) logits -> (N, K) probabilities of ``logits / temperature`` (float64, numerically stable)."""
    z = np.asarray(logits, np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _check(logits, labels) -> tuple[np.ndarray, np.ndarray]:
    z = np.asarray(logits, np.float64)
    y = np.asarray(labels).reshape(-1).astype(np.int64)
    if z.ndim != 2 or z.shape[0] != y.shape[0]:
        raise CnnExplorerError(f"calibration: expected logits (N, K) and N labels, got {z.shape} and {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= z.shape[1]):
        raise CnnExplorerError(f"calibration: labels must be 0..{z.shape[1] - 1}")
    return z, y


def nll(logits, labels, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of ``labels`` under softmax(``logits / temperature``)."""
    z, y = _check(logits, labels)
    if y.size == 0:
        return math.nan
    z = z / float(temperature)
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(y)), y]))


def fit_temperature(logits, labels, *, tolerance: float = 1e-4) -> float:
    """The temperature minimising the validation NLL: a bounded golden-section search on log T.

    The NLL is convex in 1/T, so it has one minimum on [1/T_LIMIT, T_LIMIT];
    the search narrows log T to ``tolerance``. Returns 1.0 for no images,
    a single class, or logits that are all alike (nothing to fit).
    """
    z, y = _check(logits, labels)
    finite = np.isfinite(z).all(axis=1)
    z, y = z[finite], y[finite]
    if y.size == 0 or z.shape[1] < 2 or np.ptp(z, axis=1).max(initial=0.0) == 0.0:
        return 1.0
    lo, hi = -math.log(T_LIMIT), math.log(T_LIMIT)
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(z, y, math.exp(a)), nll(z, y, math.exp(b))
    while hi - lo > tolerance:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(z, y, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(z, y, math.exp(b))
    return float(math.exp((lo + hi) / 2.0))


@dataclass(frozen=True)
class Reliability:
    """Per equal-width confidence bin: ``edges`` (B+1,), ``counts`` (B,), ``accuracy`` and ``confidence`` (B,)
    (NaN in an empty bin). ``ece``: expected calibration error (0..1); ``count``: images in all."""

    edges: np.ndarray
    counts: np.ndarray
    accuracy: np.ndarray
    confidence: np.ndarray
    ece: float
    count: int

    @property
    def bins(self) -> int:
        return len(self.counts)


def reliability(probabilities, labels, bins: int = ECE_BINS) -> Reliability:
    """Reliability of (N, K) class probabilities against true ``labels``: bins by top probability, and the ECE.

    A top probability on a bin's edge goes to the lower bin ((lo, hi], the first bin [0, hi]), as in Guo et al.
    """
    p = np.asarray(probabilities, np.float64)
    y = np.asarray(labels).reshape(-1).astype(np.int64)
    if p.ndim != 2 or p.shape[0] != y.shape[0]:
        raise CnnExplorerError(f"calibration: expected probabilities (N, K) and N labels, got {p.shape}, {y.shape}")
    if bins < 1:
        raise CnnExplorerError(f"calibration: bins must be at least 1, got {bins}")
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.zeros(bins, np.int64)
    accuracy = np.full(bins, math.nan)
    confidence = np.full(bins, math.nan)
    if y.size == 0:
        return Reliability(edges, counts, accuracy, confidence, math.nan, 0)
    top = p.max(axis=1)
    correct = p.argmax(axis=1) == y
    which = np.clip(np.ceil(top * bins).astype(np.int64) - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    hit = np.bincount(which, weights=correct.astype(np.float64), minlength=bins)
    conf = np.bincount(which, weights=top, minlength=bins)
    filled = counts > 0
    accuracy[filled] = hit[filled] / counts[filled]
    confidence[filled] = conf[filled] / counts[filled]
    ece = float(np.sum(np.abs(hit[filled] - conf[filled])) / y.size)
    return Reliability(edges, counts, accuracy, confidence, ece, int(y.size))


def expected_calibration_error(probabilities, labels, bins: int = ECE_BINS) -> float:
    """The ECE (0..1) of (N, K) probabilities against ``labels`` in ``bins`` equal-width bins."""
    return reliability(probabilities, labels, bins).ece


def check_temperature(value) -> float:
    """``value`` as a temperature: a positive finite number (ValueError otherwise; None, as in files saved
    before calibration, is 1)."""
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"temperature must be a number, got {value!r}")
    t = float(value)
    if not (math.isfinite(t) and t > 0):
        raise ValueError(f"temperature must be a positive finite number, got {value!r}")
    return t
