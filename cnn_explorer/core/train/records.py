"""The records the training engine yields: small frozen values, safe to hand to another thread.

``BatchRecord`` per optimisation step (with an occasional ``Snapshot``),
``EpochRecord`` after each epoch's validation, one ``FinishedRecord`` at the end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Snapshot", "BatchRecord", "EpochRecord", "FinishedRecord"]


@dataclass(frozen=True)
class Snapshot:
    """What the network looks like at ``step``: numpy copies, safe to hand to another thread.

    ``first_filters`` (F, C, kh, kw) are the first conv layer's weights;
    ``activations`` maps each conv layer's name to its output (P, F, h, w) on the
    probe batch (before the activation function); ``probe_inputs`` (P, H, W, C)
    are the probe images as float 0..1, and ``probe_labels`` (P,) their classes.
    """

    step: int
    first_filters: np.ndarray
    activations: dict[str, np.ndarray]
    probe_inputs: np.ndarray
    probe_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


@dataclass(frozen=True)
class BatchRecord:
    """One optimisation step: its batch's loss and accuracy (0..1), the lr used, throughput, ETA in seconds."""

    epoch: int
    step: int
    total_steps: int
    loss: float
    accuracy: float
    lr: float
    samples_per_s: float
    eta_s: float
    snapshot: Snapshot | None = None


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: mean train loss/accuracy over its batches, validation loss/accuracy (NaN without a validation split).

    ``elapsed_s`` counts the engine's own working time since the run started:
    time spent by the consumer between records is not included. ``images``: the
    training images the epoch trained on (0 in records saved before it was kept);
    ``fresh``: they were drawn afresh for this epoch (``fresh_data``), not the
    loaded training split.
    """

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    elapsed_s: float
    images: int = 0
    fresh: bool = False

    def to_dict(self) -> dict:
        """Plain JSON-ready values (NaN becomes None)."""
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> "EpochRecord":
        values = {k: data.get(k) for k in ("epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                                           "elapsed_s")}
        return cls(int(values.pop("epoch")), **{k: math.nan if v is None else float(v) for k, v in values.items()},
                   images=int(data.get("images") or 0), fresh=bool(data.get("fresh", False)))


@dataclass(frozen=True)
class FinishedRecord:
    """The end of a run: test accuracy, confusion matrix (K, K; rows true, columns predicted), per-class accuracy (K,).

    Without a test split, or after a cancel, ``test_accuracy`` is NaN, the
    confusion matrix is all zeros and the per-class accuracies are NaN.
    ``reason``: "completed", "reached target accuracy ...", or "cancelled".
    ``test_predictions`` (N,) int64: each test image's predicted class, in the
    split's order (None when there was no test pass). ``temperature``: the
    calibration fitted on the validation split (1 without one);
    ``calibration``: the test split's reliability at that temperature (a
    calibration.Reliability with the ECE; None without a test pass).
    """

    test_accuracy: float
    confusion: np.ndarray
    per_class_accuracy: np.ndarray
    history: tuple[EpochRecord, ...]
    stopped_early: bool
    reason: str
    test_predictions: np.ndarray | None = None
    temperature: float = 1.0
    calibration: object = None
