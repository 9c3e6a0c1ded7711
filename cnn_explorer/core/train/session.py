"""TrainSession: one training run as the page sees it, driven on the worker thread.

It wraps the engine's ``TrainingRun.steps()`` and, between two engine steps
(so never racing the optimiser), adds what the live views need:

* the first conv layer's filters, copied every few steps (``filter_history``,
  for the timeline, from the untrained model at step 0 to the end);
* the activations of every conv layer for the user's probe image, which the
  GUI thread hands over through a :class:`ProbeRequest` (thread-safe);
* hand-made kernels copied into the first conv layer, frozen or trainable;
* the last good weights (after each epoch), restored when training diverges;
* the test set's predictions at the end (the engine's, for the misclassified gallery).

Everything here is plain Python + numpy + torch (imported lazily); records
handed to the GUI are :class:`LiveUpdate` values holding numpy copies.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.build import conv_layers
from cnn_explorer.core.model.spec import Conv2D
from cnn_explorer.core.train.capture import capture_outputs
from cnn_explorer.core.train.devices import describe_device
from cnn_explorer.core.train.engine import TrainingDiverged, TrainingRun
from cnn_explorer.core.train.torch_threads import gui_thread_uses_one_torch_thread

#: the timeline keeps at most about this many filter snapshots a run
TIMELINE_FRAMES = 240
#: the probe image's activations are recomputed at most this often while training (seconds): the page draws
#: them at most every 0.5 s; a new probe drawing is computed at the next step
PROBE_INTERVAL_S = 0.5


class ProbeRequest:
    """The probe image the GUI wants to see activations for; set from any thread, read by the worker.

    ``image`` is (H, W, C) float32 0..1; ``serial`` grows with each change.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._image: np.ndarray | None = None
        self._serial = 0

    def set(self, image: np.ndarray | None) -> int:
        with self._lock:
            self._image = None if image is None else np.array(image, dtype=np.float32, copy=True)
            self._serial += 1
            return self._serial

    def get(self) -> tuple[int, np.ndarray | None]:
        with self._lock:
            return self._serial, self._image


@dataclass(frozen=True)
class ProbeResult:
    """Activations of each conv layer (name -> (F, h, w), before the activation) and class probabilities (K,)."""

    serial: int
    step: int
    image: np.ndarray
    activations: dict[str, np.ndarray]
    probabilities: np.ndarray


@dataclass(frozen=True)
class LiveUpdate:
    """One record for the page: ``kind`` "started", "batch", "epoch" or "finished".

    ``step`` and ``epoch`` count across Resume (the engine's counts plus the
    earlier runs'). ``filters`` (F, C, kh, kw) are the latest first-layer
    filters; ``probe`` the latest probe activations (compare ``serial``).
    ``predictions`` (N,) holds the test set's predicted classes on "finished".
    ``cpu_threads`` (on "started") is how many CPU threads train, 0 on a GPU.
    """

    kind: str
    record: Any = None
    step: int = 0
    epoch: int = 0
    steps_per_epoch: int = 0
    filters: np.ndarray | None = None
    probe: ProbeResult | None = None
    predictions: np.ndarray | None = None
    device: str = ""
    model: Any = None
    cpu_threads: int = 0


@dataclass
class FirstLayerKernels:
    """Kernels for the first conv layer: (kh, kw) or (kh, kw, C) arrays, kept fixed while training when ``frozen``."""

    kernels: list[tuple[str, np.ndarray]] = field(default_factory=list)
    frozen: bool = True

    def check(self, spec) -> None:
        """Raise CnnExplorerError unless every kernel fits the spec's first Conv2D (kernel size, channels)."""
        convs = [layer for layer in spec.layers if isinstance(layer, Conv2D)]
        if not convs:
            raise CnnExplorerError("kernels: the model has no Conv2D layer to load them into")
        kh, kw = convs[0].kernel
        channels = spec.input_shape[2]
        for name, k in self.kernels:
            if k.shape[:2] != (kh, kw):
                raise KernelSizeMismatch(
                    f"kernel {name!r}: is {k.shape[0]}x{k.shape[1]} but the first Conv2D's kernel is {kh}x{kw}",
                    (int(k.shape[0]), int(k.shape[1])))
            if k.ndim == 3 and k.shape[2] != channels:
                raise CnnExplorerError(
                    f"kernel {name!r}: has {k.shape[2]} channels but the images have {channels}")

    def weights(self, channels: int) -> np.ndarray:
        """(K, C, kh, kw) float32: a 2-D kernel is spread over the C input channels (divided by C)."""
        out = []
        for _, k in self.kernels:
            k = np.asarray(k, dtype=np.float32)
            if k.ndim == 2:
                out.append(np.repeat(k[None] / channels, channels, axis=0))
            else:
                out.append(np.transpose(k, (2, 0, 1)))
        return np.stack(out)


class KernelSizeMismatch(CnnExplorerError):
    """A hand-made kernel's size differs from the first conv layer's; ``size`` is the kernel's (kh, kw)."""

    def __init__(self, message: str, size: tuple[int, int]) -> None:
        super().__init__(message)
        self.size = size


def install_kernels(model, kernels: FirstLayerKernels, channels: int) -> tuple[Any, np.ndarray]:
    """Copy ``kernels`` into the model's first conv layer; returns (that layer, the (K, C, kh, kw) weights).

    When frozen and the kernels fill every filter, the weight and bias stop
    requiring gradients (the bias is set to 0); when they fill only some
    filters, :meth:`TrainSession` copies them back after every step.
    """
    import torch

    convs = conv_layers(model)
    if not convs:
        raise CnnExplorerError("kernels: the model has no Conv2D layer to load them into")
    conv = convs[0][1]
    weights = kernels.weights(channels)
    count = min(len(weights), conv.weight.shape[0])
    weights = weights[:count]
    if tuple(weights.shape[1:]) != tuple(conv.weight.shape[1:]):
        raise CnnExplorerError(
            f"kernels: shape {weights.shape[1:]} does not fit the first conv layer's {tuple(conv.weight.shape[1:])}")
    with torch.no_grad():
        conv.weight[:count] = torch.as_tensor(weights, dtype=conv.weight.dtype, device=conv.weight.device)
        if conv.bias is not None and kernels.frozen:
            conv.bias[:count] = 0.0
    if kernels.frozen and count == conv.weight.shape[0]:
        conv.weight.requires_grad_(False)
        if conv.bias is not None:
            conv.bias.requires_grad_(False)
    return conv, weights


class TrainSession:
    """One run (or one Resume) of the page's model; ``steps(cancel)`` is the worker's generator.

    ``model`` None builds a fresh model from ``spec`` (seeded); otherwise training
    continues that model. ``step_offset``/``epoch_offset`` continue the curves.
    """

    def __init__(self, spec, dataset, config, *, model=None, kernels: FirstLayerKernels | None = None,
                 probe: ProbeRequest | None = None, step_offset: int = 0, epoch_offset: int = 0,
                 predict_limit: int = 10000) -> None:
        self.spec = spec
        self.dataset = dataset
        self.config = config
        self.model = model
        self.kernels = kernels if kernels and kernels.kernels else None
        self.probe = probe or ProbeRequest()
        self.step_offset = step_offset
        self.epoch_offset = epoch_offset
        self.predict_limit = predict_limit
        self.run = None
        self.filter_history: list[tuple[int, np.ndarray]] = []
        self.last_good: dict | None = None
        self.last_good_epoch = epoch_offset
        self._frozen: tuple[Any, Any, int] | None = None  # (conv, tensor of weights, count) to copy back
        self._conv_of: tuple[Any, Any] | None = None  # (model, its first conv layer or None)

    # ------------------------------------------------------------------ the generator
    def steps(self, cancel: threading.Event) -> Iterator[LiveUpdate]:
        """Build (or continue) the model, train it, and yield LiveUpdates; errors propagate as CnnExplorerError."""
        import torch

        fresh = self.model is None
        self.run = run = TrainingRun(self.spec, self.dataset, self.config, cancel=cancel, model=self.model)
        self.model = model = run.model
        if fresh and self.kernels is not None:
            conv, weights = install_kernels(model, self.kernels, self.dataset.input_shape[2])
            if self.kernels.frozen and conv.weight.requires_grad:
                self._frozen = (conv, torch.as_tensor(weights, device=conv.weight.device), len(weights))
        elif not fresh and self.kernels is not None and self.kernels.frozen:
            # Resume: keep the frozen filters exactly as the model has them now
            conv = self._first_conv()
            if conv is not None and conv.weight.requires_grad:
                count = min(len(self.kernels.kernels), conv.weight.shape[0])
                self._frozen = (conv, conv.weight.detach()[:count].clone(), count)
        self.last_good = _state_copy(model)
        n = len(self.dataset.train_y)
        per_epoch = max(1, n // max(1, min(self.config.batch_size, n)))
        total = per_epoch * self.config.epochs
        every = max(1, math.ceil(total / TIMELINE_FRAMES))
        filters = self._filters()
        if filters is not None:
            self.filter_history.append((self.step_offset, filters))
        yield LiveUpdate("started", None, self.step_offset, self.epoch_offset, per_epoch, filters,
                         self._probe_now(self.step_offset), device=describe_device(run.device), model=model,
                         cpu_threads=run.cpu_threads)
        probe_due = 0.0
        probe_result: ProbeResult | None = None
        last_step = self.step_offset
        try:
            for record in run.steps():
                kind = type(record).__name__
                if kind == "BatchRecord":
                    if self._frozen is not None:
                        self._copy_back()
                    step = last_step = self.step_offset + record.step
                    if record.step % every == 0 or record.step == record.total_steps:
                        filters = self._filters()
                        if filters is not None:
                            self.filter_history.append((step, filters))
                    serial, _ = self.probe.get()
                    now = time.perf_counter()
                    if now >= probe_due or probe_result is None or probe_result.serial != serial:
                        probe_result = self._probe_now(step) or probe_result
                        probe_due = now + PROBE_INTERVAL_S
                    yield LiveUpdate("batch", record, step, self.epoch_offset + record.epoch, per_epoch,
                                     filters, probe_result)
                elif kind == "EpochRecord":
                    self.last_good = _state_copy(model)
                    self.last_good_epoch = self.epoch_offset + record.epoch
                    yield LiveUpdate("epoch", record, self.step_offset + record.epoch * per_epoch,
                                     self.epoch_offset + record.epoch, per_epoch, filters, probe_result)
                else:
                    predictions = None
                    if record.reason != "cancelled" and record.test_predictions is not None:
                        predictions = record.test_predictions[: self.predict_limit]  # the engine's test pass
                    final_probe = self._probe_now(last_step) or probe_result
                    yield LiveUpdate("finished", record, last_step,
                                     self.epoch_offset + len(record.history), per_epoch, self._filters(),
                                     final_probe, predictions)
        except TrainingDiverged as exc:
            if self.last_good is not None:
                model.load_state_dict(self.last_good)
            raise TrainingDiverged(f"{exc}; the model from epoch {self.last_good_epoch} was kept") from None

    # ------------------------------------------------------------------ helpers (worker thread)
    def _first_conv(self):
        """The model's first conv layer (looked up once per model: the filters are read every few steps)."""
        if self._conv_of is None or self._conv_of[0] is not self.model:
            convs = conv_layers(self.model)
            self._conv_of = (self.model, convs[0][1] if convs else None)
        return self._conv_of[1]

    def _filters(self) -> np.ndarray | None:
        conv = self._first_conv()
        return None if conv is None else conv.weight.detach().float().cpu().numpy().copy()

    def _copy_back(self) -> None:
        import torch

        conv, weights, count = self._frozen
        with torch.no_grad():
            conv.weight[:count] = weights
            if conv.bias is not None:
                conv.bias[:count] = 0.0

    def _probe_now(self, step: int) -> ProbeResult | None:
        serial, image = self.probe.get()
        if image is None or self.model is None:
            return None
        acts, probs = probe_activations(self.model, image, self.dataset.mean, self.dataset.std)
        return ProbeResult(serial, step, image, acts, probs)


def _state_copy(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def probe_activations(model, image: np.ndarray, mean: Sequence[float], std: Sequence[float],
                      temperature: float = 1.0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each conv layer's output (F, h, w) for one (H, W, C) 0..1 image, and the class probabilities (K,)
    (calibrated with ``temperature``: a trained model's own, 1 while it trains).

    Runs the model in eval mode without gradients and restores its mode;
    call it only where nothing else uses the model (the worker between steps,
    or the GUI thread when no run is going).
    """
    import torch

    gui_thread_uses_one_torch_thread()  # no-op on the training thread
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    x = torch.as_tensor(np.asarray(image, dtype=np.float32), device=device).permute(2, 0, 1)[None]
    m = torch.as_tensor(np.asarray(mean, np.float32), device=device).view(1, -1, 1, 1)
    s = torch.as_tensor(np.asarray(std, np.float32), device=device).view(1, -1, 1, 1)
    x = (x - m) / s  # (1, C, H, W)
    was_training = model.training
    model.eval()
    try:
        with capture_outputs(conv_layers(model)) as outputs, torch.no_grad():
            probs = torch.softmax(model(x).float() / temperature, dim=1)[0].cpu().numpy()
    finally:
        model.train(was_training)
    return {name: out[0] for name, out in outputs.items()}, probs
