"""What the bundled digits look like to a digit model, in its own feature space: how far a drawing is from them.

The features are the model's penultimate activations, the input of its last
Dense layer: what the network has learnt to measure before it votes. For the
bundled 5,000-digit sample they gather into one cloud a class; a letter or a
scribble lands away from every cloud even when the vote it gets is
confident. Distance is class-conditional Mahalanobis with one shared
covariance (Lee et al. 2018, "A simple unified framework for detecting
out-of-distribution samples"): the squared distance to the nearest class mean,
measured with the inverse of the digits' pooled covariance.

The reference is computed once per loaded model (a few seconds on a CPU, off
the GUI thread: :func:`digit_reference` checks a cancel event between chunks).
Its threshold is set by the bundled digits themselves: the distance that
:data:`REFERENCE_QUANTILE` of them stay within. A drawing's novelty is its
distance divided by that threshold: above 1, it is further from the digits than
99 in 100 bundled digits are (core/interpret/unsure.py reads that as "not a
digit"). Torch is imported inside functions only.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from cnn_explorer.core.datasets.bundled import load_mnist_sample
from cnn_explorer.core.interpret.common import device_of, layer_kind, layers, unwrap
from cnn_explorer.core.train.capture import this_thread_only

#: the share of the bundled digits a digit's distance stays within: its threshold of "not a digit"
REFERENCE_QUANTILE = 0.99
#: features wider than this are randomly projected down to it first (distances are kept, up to a few percent)
MAX_DIMS = 256
#: bundled digits a forward pass; the cancel event is checked between chunks (well under 0.5 s each)
CHUNK = 100
#: the class names a digit model has, in order
DIGIT_CLASSES = tuple(str(d) for d in range(10))
#: covariance shrinkage, as a share of the mean variance: keeps the inverse finite for dead features
SHRINK = 1e-3


@dataclass(frozen=True)
class DigitReference:
    """The bundled digits in one model's feature space.

    ``means``: (10, D) each class's mean feature vector; ``precision``: (D, D)
    the inverse of their pooled covariance; ``threshold``: the squared distance
    :data:`REFERENCE_QUANTILE` of the bundled digits stay within; ``projection``:
    (F, D) applied to features wider than :data:`MAX_DIMS`, else None.
    """

    means: np.ndarray
    precision: np.ndarray
    threshold: float
    projection: np.ndarray | None = None

    def distances(self, features: np.ndarray) -> np.ndarray:
        """(N, F) penultimate features -> (N,) squared Mahalanobis distance to the nearest class mean."""
        f = np.asarray(features, np.float64).reshape(len(features), -1)
        if self.projection is not None:
            f = f @ self.projection
        out = np.full(len(f), np.inf)
        for mean in self.means:
            d = f - mean
            out = np.minimum(out, ((d @ self.precision) * d).sum(axis=1))  # BLAS, not a three-operand einsum
        return out

    def novelty(self, features: np.ndarray) -> np.ndarray:
        """(N,) distance in thresholds: above 1.0 the picture is further from the digits than 99% of bundled ones."""
        return self.distances(features) / self.threshold


def last_dense(model: Any) -> Any | None:
    """The model's last Dense (Linear) layer, whose input are the penultimate features; None when it has none."""
    dense = [m for _, m in layers(model) if layer_kind(m) == "dense"]
    return dense[-1] if dense else None


def is_digit_model(input_shape, class_names) -> bool:
    """A one-channel model whose classes are the ten digits in order: the bundled digits can be its reference."""
    return int(tuple(input_shape)[-1]) == 1 and tuple(str(c) for c in class_names) == DIGIT_CLASSES


@contextmanager
def penultimate(model: Any) -> Iterator[list]:
    """While open, every forward pass of ``model`` on this thread appends its (N, F) float64 features to the list."""
    dense = last_dense(model)
    found: list[np.ndarray] = []
    if dense is None:
        yield found
        return

    def keep(module, inputs, output):
        found.append(inputs[0].detach().float().flatten(1).cpu().numpy().astype(np.float64))

    handle = dense.register_forward_hook(this_thread_only(keep))
    try:
        yield found
    finally:
        handle.remove()


def bundled_digit_batches(input_shape, mean, std, chunk: int = CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The bundled digits as the model takes them: ((n, 1, H, W) float32 normalised, (n,) labels) chunk by chunk."""
    from PIL import Image

    images, labels = load_mnist_sample()
    h, w = int(input_shape[0]), int(input_shape[1])
    m, s = float(np.reshape(mean, -1)[0]), float(np.reshape(std, -1)[0])
    for start in range(0, len(images), chunk):
        part = images[start:start + chunk, ..., 0]
        if (h, w) != part.shape[1:]:
            part = np.stack([np.asarray(Image.fromarray(p).resize((w, h), Image.Resampling.BILINEAR)) for p in part])
        x = (part.astype(np.float32) / 255.0 - m) / s
        yield np.ascontiguousarray(x[:, None]), labels[start:start + chunk]


def digit_reference(model: Any, input_shape, class_names, mean, std,
                    cancel: threading.Event | None = None) -> DigitReference | None:
    """The bundled digits' reference for ``model`` (a digit model; give a copy the GUI thread does not edit).

    None when the model is not a digit model (:func:`is_digit_model`), has no
    Dense layer, or ``cancel`` was set (checked between chunks of :data:`CHUNK` digits).
    """
    import torch

    model = unwrap(model)
    if not is_digit_model(input_shape, class_names) or last_dense(model) is None:
        return None
    was_training = model.training
    model.eval()
    features, labels, projection = [], [], None
    try:
        with penultimate(model) as found, torch.inference_mode():
            for x, y in bundled_digit_batches(input_shape, mean, std):
                if cancel is not None and cancel.is_set():
                    return None
                found.clear()
                model(torch.from_numpy(x).to(device_of(model)))
                f = found[-1]
                if projection is None and f.shape[1] > MAX_DIMS:
                    rng = np.random.default_rng(0)
                    projection = rng.standard_normal((f.shape[1], MAX_DIMS)) / np.sqrt(MAX_DIMS)
                features.append(f @ projection if projection is not None else f)
                labels.append(y)
    finally:
        model.train(was_training)
    return fit_reference(np.concatenate(features), np.concatenate(labels), projection)


def fit_reference(features: np.ndarray, labels: np.ndarray, projection: np.ndarray | None = None) -> DigitReference:
    """The reference of (N, D) features of labelled digits (already projected when ``projection`` is given)."""
    f = np.asarray(features, np.float64)
    classes = np.unique(labels)
    means = np.stack([f[labels == c].mean(axis=0) for c in classes])
    centred = f - means[np.searchsorted(classes, labels)]
    cov = centred.T @ centred / len(f)
    cov += SHRINK * max(float(np.trace(cov)) / len(cov), 1e-12) * np.eye(len(cov))
    reference = DigitReference(means, np.linalg.inv(cov), 1.0, None)
    own = reference.distances(f)
    threshold = float(np.quantile(own, REFERENCE_QUANTILE))
    return DigitReference(means, reference.precision, max(threshold, 1e-12), projection)


#: references already computed, by model fingerprint (the last few models: a page switching back finds it at once)
_CACHE: dict[str, DigitReference | None] = {}
_CACHE_SIZE = 4
_CACHE_LOCK = threading.Lock()


def fingerprint(model: Any, input_shape, class_names, mean, std) -> str:
    """A digest of everything the reference depends on: the weights and buffers, the input and the normalisation."""
    import hashlib

    digest = hashlib.sha256(repr((tuple(input_shape), tuple(class_names), tuple(np.reshape(mean, -1).tolist()),
                                  tuple(np.reshape(std, -1).tolist()))).encode())
    for name, tensor in unwrap(model).state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def cached_digit_reference(model: Any, input_shape, class_names, mean, std,
                           cancel: threading.Event | None = None) -> DigitReference | None:
    """:func:`digit_reference`, computed once per model (same weights, input and normalisation) in this process."""
    key = fingerprint(model, input_shape, class_names, mean, std)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    reference = digit_reference(model, input_shape, class_names, mean, std, cancel)
    if cancel is not None and cancel.is_set():
        return None  # not cached: a cancelled run is no answer
    with _CACHE_LOCK:
        _CACHE[key] = reference
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return reference
