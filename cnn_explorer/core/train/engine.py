"""The training engine: a generator of small frozen records, usable headless and by the window.

``for record in TrainingRun(spec, dataset, config).steps(): ...`` yields a
``BatchRecord`` per optimisation step, an ``EpochRecord`` after each epoch's
validation, and one ``FinishedRecord`` at the end. Stopping early is simply not
asking for the next record; a ``threading.Event`` passed as ``cancel`` stops the
run from another thread between steps (and between evaluation batches).

Data conventions: datasets hold NHWC images (uint8 0..255 or float 0..1); the
engine feeds the model NCHW float32 ``(x / 255 - mean) / std`` per channel.
Small datasets are held on the device as tensors and shuffled with a seeded
``torch.Generator``; augmentation runs on the device before normalisation.
Under torchrun (``group``, see distributed.py) every process takes its share of
each global batch in DistributedDataParallel and the records hold the figures
of all processes together. On CUDA, bfloat16 autocast and channels-last are on
by default (``TrainConfig.amp``, ``channels_last``).
Torch is imported inside functions only.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from typing import Iterator

import numpy as np

from cnn_explorer.core.datasets import augment_batch
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.build import build_model, conv_layers
from cnn_explorer.core.train.calibration import fit_temperature
from cnn_explorer.core.train.capture import capture_outputs
from cnn_explorer.core.train.config import (
    DIVERGED_FACTOR,
    TrainConfig,
    TrainingDiverged,
)
from cnn_explorer.core.train.devices import (
    amp_dtype,
    configure_cuda,
    configure_threads,
    describe_device,
    physical_cores,
    pick_device,
)
from cnn_explorer.core.train.distributed import rank_seed
from cnn_explorer.core.train.evaluation import (
    Cancelled,
    DeviceData,
    EvalResult,
    calibrated,
    evaluate,
    evaluate_tensors,
    predict_proba,
    to_device_data,
)
from cnn_explorer.core.train.fresh_data import fresh_draws
from cnn_explorer.core.train.interrupt import StepCancelled, StepInterrupt
from cnn_explorer.core.train.records import (
    BatchRecord,
    EpochRecord,
    FinishedRecord,
    Snapshot,
)

__all__ = [
    "TrainConfig", "BatchRecord", "EpochRecord", "Snapshot", "FinishedRecord", "TrainingRun",
    "TrainingDiverged", "EvalResult", "pick_device", "describe_device", "evaluate", "predict_proba",
]

class TrainingRun:
    """One training run of a model built from ``spec`` on ``dataset`` with ``config``.

    The model is built (with the config's seed) when the run is created, so
    ``run.model`` can be shown before training starts; pass ``model`` to train
    an existing one instead. The spec is adapted to the dataset's input shape
    and classes when they differ. ``history`` collects the EpochRecords.

    ``group`` (a distributed.ProcessGroup, under torchrun) trains this process's
    share of each batch in DistributedDataParallel; its records hold the figures
    of all processes together. ``cancel`` is not for distributed runs.
    """

    def __init__(self, spec, dataset, config: TrainConfig | None = None, *,
                 cancel: threading.Event | None = None, model=None, group=None) -> None:
        import torch

        self.config = config or TrainConfig()
        self.dataset = dataset
        self.cancel = cancel if cancel is not None else threading.Event()
        self.history: list[EpochRecord] = []
        n_train = len(dataset.train_y)
        if n_train == 0:
            raise CnnExplorerError(
                f"dataset {dataset.name}: has no training images (a test-only set cannot be trained on)")
        self.group = group
        self.device = group.device if group is not None else pick_device(self.config.device)
        if group is not None:
            group.check_shareable(n_train, min(self.config.batch_size, n_train))
        #: the autocast dtype (torch.bfloat16) or None, and whether activations are stored channels-last
        self.amp_dtype = amp_dtype(self.device, self.config.amp)
        self.channels_last = (self.config.channels_last if self.config.channels_last is not None
                              else self.device.type == "cuda")
        if spec is not None and (tuple(spec.input_shape) != tuple(dataset.input_shape)
                                 or tuple(spec.class_names) != tuple(dataset.class_names)):
            spec = spec.with_io(tuple(dataset.input_shape), tuple(dataset.class_names))
        self.spec = spec
        if model is None:
            if spec is None:
                raise CnnExplorerError("model: give a spec or a model to train")
            torch.manual_seed(self.config.seed)
            model = build_model(spec)
        self.model = model.to(self.device)
        self.class_names = tuple(dataset.class_names)
        #: the calibration: logits are divided by it before the softmax; fitted on the validation split at the end
        self.temperature = 1.0
        self.mean = tuple(float(m) for m in dataset.mean)
        self.std = tuple(float(s) for s in dataset.std)
        self._interrupt: StepInterrupt | None = None
        self._fresh = None  # the FreshDraws of a fresh_data run, while steps() runs

    @property
    def cpu_threads(self) -> int:
        """The CPU threads this run trains on (the config's, or one per physical core); 0 on a GPU."""
        if self.device.type != "cpu":
            return 0
        return self.config.threads or (self.group.cpu_threads() if self.group is not None else physical_cores())

    # -- the generator --------------------------------------------------------------------------------------------
    def steps(self) -> Iterator[BatchRecord | EpochRecord | FinishedRecord]:
        """Train, yielding records; raises TrainingDiverged when the loss stops being finite or explodes.

        ``cancel`` also stops a step between two layers (interrupt.py), so Stop never waits for a whole step."""
        self._interrupt = StepInterrupt(self.model, self.cancel) if self.group is None else None
        self._fresh = fresh_draws(self.dataset, self.config, self.cancel)
        try:
            yield from self._steps()
        finally:
            if self._fresh is not None:
                self._fresh.close()
            self._fresh = None
            if self._interrupt is not None:
                self._interrupt.remove()
            self._interrupt = None

    def _armed(self):
        return self._interrupt.armed() if self._interrupt is not None else contextlib.nullcontext()

    def _steps(self) -> Iterator[BatchRecord | EpochRecord | FinishedRecord]:
        import torch
        import torch.nn.functional as F

        cfg, model, dev, group = self.config, self.model, self.device, self.group
        rank = group.rank if group is not None else 0
        if dev.type == "cpu":
            # here, not in __init__: torch's thread count is per thread, and this is the thread that trains
            configure_threads(self.cpu_threads)
        elif dev.type == "cuda":
            configure_cuda()
        clock = _EngineClock()
        # dropout and anything else drawing from the global generator; each process draws its own
        torch.manual_seed(rank_seed(cfg.seed, rank))
        train = to_device_data(self.dataset.train_x, self.dataset.train_y, self.mean, self.std, dev)
        val = to_device_data(self.dataset.val_x, self.dataset.val_y, self.mean, self.std, dev)
        test = to_device_data(self.dataset.test_x, self.dataset.test_y, self.mean, self.std, dev)
        self._val = val
        n_classes = len(self.class_names)
        n = train.count
        batch = min(cfg.batch_size, n)  # the global batch: under torchrun the processes share each one
        per_epoch = n // batch  # the last partial batch is dropped: BatchNorm cannot train on one sample
        total = per_epoch * cfg.epochs
        memory_format = torch.channels_last if self.channels_last else torch.contiguous_format
        if self.channels_last:
            model.to(memory_format=memory_format)  # before the optimizer sees the parameters
        net = group.wrap(model) if group is not None else model
        amp = self.amp_dtype
        autocast = (lambda: torch.autocast(dev.type, dtype=amp)) if amp is not None else contextlib.nullcontext
        optimizer = self._optimizer()
        scheduler = None
        if cfg.schedule == "onecycle":
            scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=cfg.lr, total_steps=total)
        # the same order on every process (each takes its share of every batch); a CPU generator: the same draws
        # on any device
        shuffle_gen = torch.Generator().manual_seed(cfg.seed)
        augment_gen = torch.Generator().manual_seed(rank_seed(cfg.seed, rank) + 1) if cfg.augment else None
        probe = self._probe(val if val.count else train) if cfg.snapshot_every and cfg.probe_count else None

        window: deque[tuple[float, int]] = deque(maxlen=20)
        step = 0
        first_loss: float | None = None
        model.train()
        for epoch in range(1, cfg.epochs + 1):
            fresh = self._fresh is not None and epoch > 1
            if fresh:  # this epoch's images drawn afresh (waits for the background draw; None: cancelled)
                images = self._fresh.images(epoch)
                if images is None:
                    yield from clock.paused(self._finish(None, n_classes, "cancelled"))
                    return
                train = to_device_data(images, self.dataset.train_y, self.mean, self.std, dev)
            order = torch.randperm(n, generator=shuffle_gen).to(dev)
            window.clear()
            window.append((clock.now(), 0))
            loss_sum = torch.zeros((), device=dev)
            correct_sum = torch.zeros((), dtype=torch.long, device=dev)
            seen = 0
            for i in range(per_epoch):
                if self.cancel.is_set():
                    yield from clock.paused(self._finish(None, n_classes, "cancelled"))
                    return
                idx = order[i * batch:(i + 1) * batch]
                if group is not None:
                    idx = group.shard(idx)
                x = train.raw(idx)  # (B, C, H, W) 0..1
                if cfg.augment:
                    x = augment_batch(x, shift=cfg.augment_shift, rotate=cfg.augment_rotate, scale=cfg.augment_scale,
                                      elastic=cfg.augment_elastic, generator=augment_gen)
                x = train.normalize(x).contiguous(memory_format=memory_format)
                y = train.y[idx]
                try:
                    with self._armed():
                        with autocast():
                            logits = net(x)
                            if group is None:
                                loss = F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing)
                            else:  # DDP averages the processes' gradients: this makes it the whole batch's mean loss
                                loss = F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing,
                                                       reduction="sum") * (group.world_size / batch)
                        optimizer.zero_grad(set_to_none=True)
                        loss.backward()
                except StepCancelled:  # the step is abandoned before the optimiser moves: the last whole step stays
                    optimizer.zero_grad(set_to_none=True)
                    yield from clock.paused(self._finish(None, n_classes, "cancelled"))
                    return
                lr = optimizer.param_groups[0]["lr"]
                correct = (logits.detach().argmax(1) == y).sum()
                if group is None:
                    loss_value, correct_value = float(loss.item()), float(correct.item())
                else:
                    loss_value, correct_value = group.sum([loss.detach() * (batch / group.world_size), correct])
                    loss_value /= batch
                if first_loss is None:
                    first_loss = loss_value
                if not math.isfinite(loss_value) or loss_value > DIVERGED_FACTOR * max(first_loss, 1.0):
                    raise TrainingDiverged()
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                step += 1
                if group is None:
                    loss_sum += loss.detach() * len(y)
                    correct_sum += correct
                else:
                    loss_sum += loss_value * batch
                    correct_sum += int(correct_value)
                count = len(y) if group is None else batch
                seen += count
                now = clock.now()
                window.append((now, count))
                rate = _rate(window)
                snapshot = None
                if probe is not None and (step - 1) % cfg.snapshot_every == 0:
                    snapshot = self._snapshot(step, probe)
                record = BatchRecord(epoch, step, total, loss_value, correct_value / count, float(lr),
                                     rate, (total - step) * batch / rate if rate > 0 else math.nan, snapshot)
                yield from clock.paused(record)
            try:
                val_loss, val_acc = math.nan, math.nan
                if val.count:
                    result = self._evaluate(val)
                    val_loss, val_acc = result.loss, result.accuracy
            except Cancelled:
                yield from clock.paused(self._finish(None, n_classes, "cancelled"))
                return
            record = EpochRecord(epoch, float(loss_sum.item()) / seen, float(correct_sum.item()) / seen,
                                 val_loss, val_acc, clock.now(), seen, fresh)
            self.history.append(record)
            yield from clock.paused(record)
            target = cfg.target_accuracy
            reached = val_acc if val.count else record.train_accuracy
            if target is not None and reached >= target and epoch < cfg.epochs:
                which = "validation" if val.count else "training"
                reason = f"reached target {which} accuracy {target:.2%} at epoch {epoch}"
                yield from clock.paused(self._finish(test, n_classes, reason, stopped_early=True))
                return
        yield from clock.paused(self._finish(test, n_classes, "completed"))

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _optimizer(self):
        import torch

        cfg, params = self.config, self.model.parameters()
        if cfg.optimizer == "sgd":
            return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov,
                                   weight_decay=cfg.weight_decay)
        if cfg.optimizer == "adam":
            return torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)

    def _probe(self, data: DeviceData) -> tuple | None:
        """A fixed probe batch: the first image of each class in turn, up to ``probe_count`` images."""
        labels = data.y.cpu().numpy()
        picked: list[int] = []
        by_class = [np.flatnonzero(labels == k).tolist() for k in range(len(self.class_names))]
        depth = 0
        while len(picked) < min(self.config.probe_count, len(labels)):
            row = [c[depth] for c in by_class if depth < len(c)]
            if not row:
                break
            picked.extend(row[: self.config.probe_count - len(picked)])
            depth += 1
        if not picked:
            return None
        import torch

        raw = data.raw(torch.as_tensor(picked, device=data.device))  # (P, C, H, W) 0..1
        inputs = raw.permute(0, 2, 3, 1).cpu().numpy().copy()
        return data.normalize(raw), inputs, labels[picked].copy()

    def _snapshot(self, step: int, probe) -> Snapshot | None:
        import torch

        convs = conv_layers(self.model)
        if not convs:
            return None
        x, inputs, labels = probe
        self.model.eval()
        try:
            with capture_outputs(convs) as acts, torch.no_grad():
                self.model(x)
        finally:
            self.model.train()
        filters = convs[0][1].weight.detach().float().cpu().numpy().copy()
        return Snapshot(step, filters, acts, inputs, labels)

    def _evaluate(self, data: DeviceData, *, predictions: bool = False, logits: bool = False) -> EvalResult:
        """The model on a whole split; under torchrun each process evaluates its share and all get the sum
        (then without ``logits``)."""
        n_classes, batch = len(self.class_names), self.config.eval_batch_size
        if self.group is not None:
            return self.group.evaluate(self.model, data, n_classes, batch, predictions=predictions)
        with self._armed():
            return evaluate_tensors(self.model, data, n_classes, batch, self.cancel, predictions=predictions,
                                    logits=logits)

    def _finish(self, test: DeviceData | None, n_classes: int, reason: str, stopped_early: bool = False):
        confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
        accuracy, per_class = math.nan, np.full(n_classes, math.nan)
        predictions = calibration = None
        try:
            if test is not None:  # not after a cancel: calibrating takes a pass over the validation split
                self._calibrate()
            if test is not None and test.count:
                result = self._evaluate(test, predictions=True, logits=self.group is None)
                accuracy, per_class, confusion = result.accuracy, result.per_class, result.confusion
                predictions = result.predictions
                calibration = calibrated(result, test.y.cpu().numpy(), self.temperature).reliability
        except Cancelled:
            reason, stopped_early = "cancelled", True
        if reason == "cancelled":
            stopped_early = True
        self.model.train()
        return FinishedRecord(accuracy, confusion, per_class, tuple(self.history), stopped_early, reason,
                              predictions, self.temperature, calibration)

    def _calibrate(self) -> None:
        """Fit :attr:`temperature` on the validation split (all of it, on every process alike); raises Cancelled.

        Without a validation split the temperature stays as it was (1 for a new model).
        """
        val = getattr(self, "_val", None)
        if val is None or not val.count:
            return
        result = evaluate_tensors(self.model, val, len(self.class_names), self.config.eval_batch_size, self.cancel,
                                  logits=True)
        self.temperature = fit_temperature(result.logits, val.y.cpu().numpy())


class _EngineClock:
    """Seconds the engine has worked: time while the generator waits at a ``yield`` is left out."""

    def __init__(self) -> None:
        self._start = time.perf_counter()
        self._paused = 0.0

    def now(self) -> float:
        return time.perf_counter() - self._start - self._paused

    def paused(self, record):
        began = time.perf_counter()
        yield record
        self._paused += time.perf_counter() - began


def _rate(window: deque) -> float:
    """Samples per second over the steps in ``window`` ((engine time, samples) pairs)."""
    if len(window) < 2:
        return math.nan  # never: each epoch's window starts with its start time
    span = window[-1][0] - window[0][0]
    samples = sum(s for _, s in list(window)[1:])
    return samples / span if span > 0 else math.nan
