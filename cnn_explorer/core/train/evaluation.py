"""Evaluating and applying a trained model: accuracy, per-class accuracy, confusion matrix, class probabilities.

Images come as NHWC numpy arrays, uint8 0..255 or float 0..1; the model sees
NCHW float32 ``(x / 255 - mean) / std`` per channel and returns logits.
Torch is imported inside functions only.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.calibration import Reliability, reliability, softmax

#: datasets bigger than this (bytes) stay in host memory and travel to a GPU batch by batch
DEVICE_RESIDENT_LIMIT = 1 << 30


class Cancelled(Exception):
    """Internal: the cancel event was set during an evaluation."""


@dataclass(frozen=True)
class EvalResult:
    """Accuracy (0..1), per-class accuracy (K,) (NaN for a class with no images), confusion (K, K) rows true.

    ``loss`` is the mean cross-entropy; ``count`` the number of images; ``predictions`` (N,) int64 the
    predicted class of each image, in order (when asked for); ``logits`` (N, K) float32 the model's raw
    outputs (when asked for); ``reliability`` the calibration (a calibration.Reliability, from
    :func:`evaluate`, of the probabilities at the model's temperature).
    """

    accuracy: float
    per_class: np.ndarray
    confusion: np.ndarray
    loss: float = math.nan
    count: int = 0
    predictions: np.ndarray | None = None
    logits: np.ndarray | None = None
    reliability: Reliability | None = None

    @property
    def ece(self) -> float:
        """The expected calibration error (0..1; NaN when not measured)."""
        return self.reliability.ece if self.reliability is not None else math.nan


@dataclass
class DeviceData:
    """A split as tensors: ``x`` (N, C, H, W) uint8 or float32, ``y`` (N,) int64; ``mean``/``std`` (1, C, 1, 1).

    ``scale`` turns ``x`` into 0..1 (1/255 for uint8). ``x`` lives on ``device``
    unless the split is too big, then on the CPU.
    """

    x: object
    y: object
    mean: object
    std: object
    scale: float
    device: object

    @property
    def count(self) -> int:
        return int(self.y.shape[0])

    def raw(self, idx):
        """Images ``idx`` as float32 0..1 on the device, (B, C, H, W)."""
        x = self.x[idx.to(self.x.device)]
        if x.device != self.device:
            x = x.to(self.device, non_blocking=True)
        x = x.float()
        return x.mul_(self.scale) if self.scale != 1.0 else x

    def normalize(self, x):
        return (x - self.mean) / self.std


def as_nhwc(x: np.ndarray, what: str = "images") -> np.ndarray:
    """``x`` as (N, H, W, C): adds the channel axis of (N, H, W) greyscale images."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4:
        raise CnnExplorerError(f"{what}: expected an array (N, H, W, C), got shape {tuple(x.shape)}")
    return x


def to_device_data(x: np.ndarray, y: np.ndarray, mean, std, device) -> DeviceData:
    """Put a split (NHWC numpy) on ``device`` as a DeviceData; uint8 stays uint8 (4x less memory)."""
    import torch

    y = np.asarray(y).reshape(-1).astype(np.int64, copy=False)
    channels = len(mean)
    if y.size == 0:
        empty = torch.zeros((0, channels, 1, 1), dtype=torch.float32)
        return DeviceData(empty.to(device), torch.zeros(0, dtype=torch.long, device=device),
                          _stat(mean, device), _stat(std, device), 1.0, device)
    x = as_nhwc(x)
    if x.shape[0] != y.shape[0]:
        raise CnnExplorerError(f"dataset: {x.shape[0]} images but {y.shape[0]} labels")
    if x.shape[3] != channels:
        raise CnnExplorerError(f"dataset: images have {x.shape[3]} channels but the normalisation has {channels}")
    scale = 1.0 / 255.0 if x.dtype == np.uint8 else 1.0
    if x.dtype != np.uint8:
        x = x.astype(np.float32, copy=False)
    tensor = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).contiguous()  # (N, C, H, W)
    home = device if tensor.nbytes <= DEVICE_RESIDENT_LIMIT or torch.device(device).type == "cpu" else "cpu"
    if torch.device(home).type == "cpu" and torch.device(device).type == "cuda":
        tensor = tensor.pin_memory()
    return DeviceData(tensor.to(home), torch.from_numpy(y.copy()).to(device), _stat(mean, device), _stat(std, device),
                      scale, torch.device(device))


def _stat(values, device):
    import torch

    return torch.tensor([float(v) for v in values], dtype=torch.float32, device=device).view(1, -1, 1, 1)


def evaluate_tensors(model, data: DeviceData, n_classes: int | None = None, batch_size: int = 500,
                     cancel: threading.Event | None = None, *, predictions: bool = False,
                     logits: bool = False) -> EvalResult:
    """Evaluate ``model`` on a DeviceData in eval mode, restoring its mode; raises Cancelled when ``cancel`` is set.

    With ``predictions``, the result also holds every image's predicted class; with ``logits``, its logits.
    """
    import torch
    import torch.nn.functional as F

    was_training = model.training
    model.eval()
    confusion = None
    loss_sum = 0.0
    predicted = []
    outputs = []
    try:
        with torch.inference_mode():
            for start in range(0, data.count, batch_size):
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
                idx = torch.arange(start, min(start + batch_size, data.count), device=data.device)
                y = data.y[idx]
                out = model(data.normalize(data.raw(idx)))
                k = n_classes or out.shape[1]
                if confusion is None:
                    confusion = torch.zeros(k * k, dtype=torch.long, device=out.device)
                if out.shape[1] != k:
                    raise CnnExplorerError(f"model: gives {out.shape[1]} outputs but the dataset has {k} classes")
                if int(y.max()) >= k:
                    raise CnnExplorerError(f"dataset: has label {int(y.max())} but the model knows only {k} classes")
                loss_sum += float(F.cross_entropy(out.float(), y, reduction="sum"))
                best = out.argmax(1)
                confusion += torch.bincount(y * k + best, minlength=k * k)
                if predictions:
                    predicted.append(best)
                if logits:
                    outputs.append(out.float().cpu())
    finally:
        model.train(was_training)
    if confusion is None:
        k = n_classes or 0
        return EvalResult(math.nan, np.full(k, math.nan), np.zeros((k, k), np.int64), math.nan, 0)
    k = int(math.isqrt(confusion.numel()))
    matrix = confusion.view(k, k).cpu().numpy().astype(np.int64)
    labels = torch.cat(predicted).cpu().numpy().astype(np.int64) if predictions else None
    raw = torch.cat(outputs).numpy().astype(np.float32, copy=False) if logits else None
    return EvalResult(float(np.trace(matrix)) / data.count, per_class_accuracy(matrix), matrix,
                      loss_sum / data.count, data.count, labels, raw)


def calibrated(result: EvalResult, labels, temperature: float) -> EvalResult:
    """``result`` (evaluated with logits) with the reliability of its probabilities at ``temperature``."""
    if result.logits is None or result.count == 0:
        return result
    probs = softmax(result.logits, temperature)
    return replace(result, reliability=reliability(probs, labels))


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Diagonal over row sums of a confusion matrix (rows true); NaN for a class with no images."""
    totals = confusion.sum(axis=1).astype(np.float64)
    out = np.full(len(totals), math.nan)
    np.divide(np.diag(confusion).astype(np.float64), totals, out=out, where=totals > 0)
    return out


def _model_device(model):
    import torch

    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def evaluate(model, dataset_or_xy, *, normalization=None, split: str = "test", device=None, batch_size: int = 500,
             cancel: threading.Event | None = None, temperature: float = 1.0) -> EvalResult:
    """Accuracy, per-class accuracy, confusion matrix and calibration of ``model`` on a Dataset's ``split`` or on
    ``(x, y)``.

    ``normalization`` is ``(mean, std)`` per channel on the 0..1 scale; use the
    model's own (from its checkpoint). It defaults to the dataset's and is
    required for ``(x, y)``. ``device`` defaults to where the model is.
    ``temperature`` (the model's own, from its checkpoint) divides the logits
    before the softmax whose reliability and ECE the result holds.
    """
    if isinstance(dataset_or_xy, tuple):
        x, y = dataset_or_xy
        if normalization is None:
            raise CnnExplorerError("normalization: needed to evaluate on plain arrays")
    else:
        if split not in ("train", "val", "test"):
            raise CnnExplorerError(f"split: must be train, val or test, got {split!r}")
        x, y = getattr(dataset_or_xy, f"{split}_x"), getattr(dataset_or_xy, f"{split}_y")
        if normalization is None:
            normalization = (dataset_or_xy.mean, dataset_or_xy.std)
    mean, std = normalization
    device = device if device is not None else _model_device(model)
    model.to(device)
    data = to_device_data(x, y, mean, std, device)
    try:
        result = evaluate_tensors(model, data, None, batch_size, cancel, logits=True)
    except Cancelled:
        raise CnnExplorerError("evaluation cancelled") from None
    return calibrated(result, y, temperature)


def predict_proba(model, x_nhwc: np.ndarray, normalization, *, batch_size: int = 500,
                  temperature: float = 1.0) -> np.ndarray:
    """Class probabilities (N, K) float32 for images (N, H, W, C) or one image (H, W, C), uint8 or float 0..1.

    ``temperature``: the model's calibration (its checkpoint's); the logits are divided by it.
    """
    import torch

    x = np.asarray(x_nhwc)
    single = x.ndim == 3 and x.shape[-1] == len(normalization[0]) and len(normalization[0]) in (1, 3)
    x = as_nhwc(x[None] if single else x)
    if len(x) == 0:
        raise CnnExplorerError("images: none given")
    device = _model_device(model)
    mean, std = normalization
    data = to_device_data(x, np.zeros(len(x), np.int64), mean, std, device)
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.inference_mode():
            for start in range(0, data.count, batch_size):
                idx = torch.arange(start, min(start + batch_size, data.count), device=device)
                out.append(torch.softmax(model(data.normalize(data.raw(idx))).float() / temperature, dim=1).cpu().numpy())
    finally:
        model.train(was_training)
    return np.concatenate(out).astype(np.float32, copy=False)
