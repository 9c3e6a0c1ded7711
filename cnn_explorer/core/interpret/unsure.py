"""When a classifier's answer should read as "not sure": a low calibrated probability, or a drawing unlike any digit.

A network always picks one of its classes, and even after calibration it can be
sure of a wrong one for something it was never shown: the bundled digit model
reads a capital A as a 4 at 99.9%. Calibration makes its probabilities honest on
*digits*; for anything else a second question is needed: does the drawing look
like a digit at all? The rule:

* **unsure** when the top calibrated probability is below :data:`UNSURE_TOP`
  (90%: among digits read at that confidence about one in ten is wrong), or the
  runner-up is closer than :data:`UNSURE_MARGIN`;
* **not a digit** when the model sees an MNIST-style 28x28 digit and that picture
  is far from every digit of the bundled 5,000-digit sample: its cosine distance
  to the nearest one (:func:`digit_novelty`) is above :data:`FAR_FROM_DIGITS`.
  0.30 is exceeded by about 2% of the real MNIST test digits (their median is
  0.15) and by letters, scribbles, hash signs and stray dots
  (benchmarks/bench_bundled_model.py measures both).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cnn_explorer.core.datasets.bundled import load_mnist_sample

#: below this top probability (calibrated) the model counts as unsure
UNSURE_TOP = 0.9
#: ... or when the runner-up is closer than this
UNSURE_MARGIN = 0.25
#: a digit picture whose cosine distance to the nearest bundled digit is above this does not look like a digit
FAR_FROM_DIGITS = 0.30


@lru_cache(maxsize=1)
def _reference() -> np.ndarray:
    """The bundled sample's digits as unit vectors (5000, 784) float32 (read once, about 16 MB)."""
    images, _ = load_mnist_sample()
    flat = images.reshape(len(images), -1).astype(np.float32)
    return flat / np.maximum(np.linalg.norm(flat, axis=1, keepdims=True), 1e-6)


def digit_novelty(seen: np.ndarray) -> float | None:
    """Cosine distance (0..1) of a 28x28 picture (0..1, white ink on black, as MNIST) to the nearest bundled digit.

    None for pictures of another size or with no ink.
    """
    x = np.asarray(seen, np.float32)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.shape != (28, 28):
        return None
    value = float(digit_novelties(x[None])[0])
    return None if np.isnan(value) else value


def digit_novelties(pictures: np.ndarray, chunk: int = 512) -> np.ndarray:
    """:func:`digit_novelty` of (N, 28, 28) pictures at once: (N,) float64, NaN for a picture with no ink."""
    flat = np.asarray(pictures, np.float32).reshape(len(pictures), -1)
    norms = np.linalg.norm(flat, axis=1)
    out = np.full(len(flat), np.nan)
    ref = _reference()
    for start in range(0, len(flat), chunk):
        part, n = flat[start:start + chunk], norms[start:start + chunk]
        inked = n > 0
        if inked.any():
            nearest = (part[inked] / n[inked, None]) @ ref.T  # (B, 5000) cosine similarities
            out[start:start + chunk][inked] = 1.0 - nearest.max(axis=1)
    return out


def unsure(probabilities, novelty: float | None = None) -> str | None:
    """Why a reading is unsure: "not a digit", "unsure", or None when the model may be taken at its word."""
    p = np.sort(np.asarray(probabilities, np.float64).reshape(-1))[::-1]
    if novelty is not None and novelty > FAR_FROM_DIGITS:
        return "not a digit"
    if len(p) > 1 and (p[0] < UNSURE_TOP or p[0] - p[1] < UNSURE_MARGIN):
        return "unsure"
    return None
