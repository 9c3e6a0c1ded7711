"""How a training run is set up (``TrainConfig``) and how it fails when the loss blows up (``TrainingDiverged``).

The engine (engine.py) runs a ``TrainConfig``; recipes (core/model/recipes.py) and the Train page make one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnn_explorer.core.errors import CnnExplorerError

DIVERGED_MESSAGE = "training diverged: lower the learning rate"
OPTIMIZERS = ("sgd", "adam", "adamw")
SCHEDULES = ("constant", "onecycle")


#: A loss this many times the run's first loss means the run has blown up, even while still finite.
DIVERGED_FACTOR = 1e4


class TrainingDiverged(CnnExplorerError):
    """The loss became NaN or infinite, or exploded to DIVERGED_FACTOR times its first value: the learning
    rate is too large (the slides warn of this)."""

    def __init__(self, message: str = DIVERGED_MESSAGE) -> None:
        super().__init__(message)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise CnnExplorerError(message)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimiser, schedule, batches, device, seed, augmentation, snapshots.

    ``lr`` is the constant rate, or the peak of the one-cycle schedule.
    ``target_accuracy`` (0..1) stops after the first epoch whose validation
    accuracy reaches it. ``snapshot_every`` = 0 turns snapshots off.
    ``threads`` = None uses one CPU thread per physical core. ``channels_last``
    stores activations NHWC in memory (faster convolutions on GPUs, often on
    CPUs too); None turns it on for CUDA only. ``amp`` trains in bfloat16
    mixed precision; None turns it on where the GPU supports it (never on a
    CPU), True insists (an error where it cannot run), False turns it off.
    ``fresh_data`` trains every epoch after the first on training images drawn
    afresh when the dataset can draw more of itself (fresh_data.py); others
    train on their split as without it.
    """

    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    device: str = "auto"
    seed: int = 0
    augment: bool = False
    target_accuracy: float | None = None
    snapshot_every: int = 50
    probe_count: int = 8
    threads: int | None = None
    nesterov: bool = False
    label_smoothing: float = 0.0
    augment_shift: float = 2.0
    augment_rotate: float = 10.0
    augment_scale: float = 0.1
    augment_elastic: float = 0.0
    eval_batch_size: int = 500
    channels_last: bool | None = None
    amp: bool | None = None
    fresh_data: bool = False

    def __post_init__(self) -> None:
        _check(isinstance(self.epochs, int) and self.epochs >= 1, f"epochs: must be at least 1, got {self.epochs}")
        _check(isinstance(self.batch_size, int) and self.batch_size >= 1,
               f"batch size: must be at least 1, got {self.batch_size}")
        _check(math.isfinite(self.lr) and self.lr > 0, f"learning rate: must be a positive number, got {self.lr}")
        _check(self.optimizer in OPTIMIZERS,
               f"optimizer: must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        _check(self.schedule in SCHEDULES, f"schedule: must be one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        _check(0 <= self.momentum < 1, f"momentum: must be in [0, 1), got {self.momentum}")
        _check(self.weight_decay >= 0, f"weight decay: must be at least 0, got {self.weight_decay}")
        _check(not self.nesterov or (self.optimizer == "sgd" and self.momentum > 0),
               "nesterov: needs the sgd optimizer with a momentum above 0")
        if self.target_accuracy is not None:
            _check(0 < self.target_accuracy <= 1,
                   f"target accuracy: must be in (0, 1], got {self.target_accuracy}")
        _check(self.snapshot_every >= 0, f"snapshot every: must be at least 0, got {self.snapshot_every}")
        _check(self.probe_count >= 0, f"probe count: must be at least 0, got {self.probe_count}")
        _check(self.threads is None or self.threads >= 1, f"threads: must be at least 1, got {self.threads}")
        _check(0 <= self.label_smoothing < 1, f"label smoothing: must be in [0, 1), got {self.label_smoothing}")
        _check(self.augment_shift >= 0, f"augment shift: must be at least 0, got {self.augment_shift}")
        _check(self.augment_rotate >= 0, f"augment rotate: must be at least 0, got {self.augment_rotate}")
        _check(0 <= self.augment_scale < 1, f"augment scale: must be in [0, 1), got {self.augment_scale}")
        _check(self.augment_elastic >= 0, f"augment elastic: must be at least 0, got {self.augment_elastic}")
        _check(self.eval_batch_size >= 1, f"eval batch size: must be at least 1, got {self.eval_batch_size}")
