"""Activation maximization: optimise an input picture to excite one conv channel or one class.

Gradient ascent in pixel space (0..1) with Adam, as in Erhan et al. 2009 and
Olah et al. 2017: random jitter each step, L2 and total-variation penalties,
and a light Gaussian blur every few steps keep the picture natural. A
generator yields the picture as it forms; a ``threading.Event`` stops it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.interpret.common import (
    device_of,
    eval_mode,
    find_layer,
    layer_kind,
    layers,
    normalisation,
    pre_activation,
    softmax_tail,
)
from cnn_explorer.core.train.capture import this_thread_only

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class VisFrame:
    """The picture after ``step`` of ``steps``: (H, W) or (H, W, C) float32 0..1; ``activation``: the
    target's value on it (channel mean, or class logit), measured without jitter."""

    step: int
    steps: int
    image: np.ndarray
    activation: float
    done: bool


class _Reached(Exception):
    """Raised by a hook to stop the forward pass once the target layer has run."""


def _objective(model: Any, layer: str | None, index: int):
    """A function picture (N, C, H, W) -> (N,) target values, and a cleanup for its hooks."""
    if layer is None:
        last = layers(model)[-1][1]
        kept: list[torch.Tensor] = []
        hook = this_thread_only(lambda m, inp, out: kept.append(inp[0]))
        handle = last.register_forward_hook(hook) if softmax_tail(model) else None

        def value(x: "torch.Tensor") -> "torch.Tensor":
            kept.clear()
            out = model(x)
            logits = kept[-1] if kept else out
            if logits.ndim != 2 or not 0 <= index < logits.shape[1]:
                raise CnnExplorerError(f"index: the model has classes 0..{logits.shape[-1] - 1}, got {index}")
            return logits[:, index]

        return value, (lambda: handle.remove() if handle is not None else None)

    module = find_layer(model, layer)
    if layer_kind(module) == "conv2d":
        module = find_layer(model, pre_activation(model, layer))
    kept = []

    def stop(m: Any, inp: Any, out: "torch.Tensor") -> None:
        kept.append(out)
        raise _Reached

    handle = module.register_forward_hook(this_thread_only(stop))

    def value(x: "torch.Tensor") -> "torch.Tensor":
        kept.clear()
        try:
            model(x)
        except _Reached:
            pass
        out = kept[-1]
        if out.ndim != 4:
            raise CnnExplorerError(f"layer: {layer} ({layer_kind(module)}) has no channels; pick a conv layer")
        if not 0 <= index < out.shape[1]:
            raise CnnExplorerError(f"index: {layer} has channels 0..{out.shape[1] - 1}, got {index}")
        return out[:, index].mean(dim=(1, 2))

    return value, handle.remove


def _blur(p: "torch.Tensor", sigma: float) -> "torch.Tensor":
    import torch
    import torch.nn.functional as F

    t = torch.arange(-1, 2, dtype=p.dtype, device=p.device)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = g / g.sum()
    c = p.shape[1]
    k = (g[:, None] * g[None, :]).expand(c, 1, 3, 3)
    return F.conv2d(F.pad(p, (1, 1, 1, 1), mode="replicate"), k, groups=c)


class _Adam:
    """Adam for the one picture tensor, step for step what ``torch.optim.Adam`` computes (its single-tensor path).

    Built here because creating a ``torch.optim`` optimiser imports ``torch._dynamo`` the first time, which
    takes seconds and would hold back the first frame (issue 12).
    """

    def __init__(self, p: "torch.Tensor", lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        import torch

        self.p, self.lr, self.betas, self.eps = p, lr, betas, eps
        self.exp_avg = torch.zeros_like(p, memory_format=torch.preserve_format)
        self.exp_avg_sq = torch.zeros_like(p, memory_format=torch.preserve_format)
        self.t = 0

    def step(self, grad: "torch.Tensor") -> None:
        import torch

        beta1, beta2 = self.betas
        self.t += 1
        with torch.no_grad():
            self.exp_avg.lerp_(grad, 1 - beta1)
            self.exp_avg_sq.mul_(beta2).addcmul_(grad, grad.conj(), value=1 - beta2)
            bias_correction1 = 1 - beta1**self.t
            bias_correction2_sqrt = math.sqrt(1 - beta2**self.t)
            denom = (self.exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(self.eps)
            self.p.addcdiv_(self.exp_avg, denom, value=-(self.lr / bias_correction1))


def maximize_activation(
    model: Any,
    input_shape: Sequence[int],
    *,
    layer: str | None = None,
    index: int = 0,
    steps: int = 200,
    lr: float = 0.05,
    jitter: int = 1,
    l2: float = 0.3,
    tv: float = 0.3,
    blur_every: int = 4,
    blur_sigma: float = 0.5,
    every: int = 10,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    seed: int = 0,
    cancel: threading.Event | None = None,
    frame_interval_s: float | None = None,
) -> Iterator[VisFrame]:
    """Yield the picture that maximizes channel ``index`` of ``layer`` (class ``index`` when ``layer`` is None).

    ``input_shape``: the model's (H, W, C). ``mean``/``std``: its input
    normalisation (0..1 units). A channel's value is the mean of its map at
    the layer's output (for a conv, after its BatchNorm, before its
    activation, so there is a gradient to climb from the start); a class's
    value is its logit. The picture starts from uniform noise (0..0.3) on the
    background (black for one channel, as MNIST; grey for colour), is
    shifted by up to ``jitter`` px each step, penalised by ``l2`` x the mean
    squared distance to the background and ``tv`` x the mean total
    variation, and blurred every ``blur_every`` steps. Frames come at step 0,
    every ``every`` steps, after any step ending ``frame_interval_s`` seconds
    or more after the last frame (a steady frame rate however fast the steps
    are), and at the end (``done``). Setting ``cancel`` stops
    it before the next step, without a final frame. Close the generator (or
    run it to the end) to remove its hooks; the model is left as it was.
    """
    import torch

    if len(input_shape) != 3:
        raise CnnExplorerError(f"input_shape: expected (H, W, C), got {tuple(input_shape)}")
    h, w, c = (int(v) for v in input_shape)
    limits = (("steps", steps, 1), ("every", every, 1), ("jitter", jitter, 0), ("blur_every", blur_every, 0))
    for name, val, low in limits:
        if int(val) < low:
            raise CnnExplorerError(f"{name}: must be at least {low}, got {val}")
    if not lr > 0:
        raise CnnExplorerError(f"lr: must be positive, got {lr}")
    device = device_of(model)
    m, s = normalisation(mean, std, c, device)
    rest = 0.0 if c == 1 else 0.5
    gen = torch.Generator(device="cpu").manual_seed(seed)
    p0 = rest + 0.3 * torch.rand((1, c, h, w), generator=gen)
    p = p0.clamp(0, 1).to(device).requires_grad_(True)
    shifts = torch.randint(-jitter, jitter + 1, (steps, 2), generator=gen).tolist()
    optimizer = _Adam(p, lr)

    with eval_mode(model) as net:
        value, cleanup = _objective(net, layer, int(index))
        try:

            def frame(step: int, done: bool) -> VisFrame:
                with torch.no_grad():
                    act = float(value((p - m) / s)[0])
                img = p.detach()[0].permute(1, 2, 0).cpu().numpy().astype(np.float32)
                return VisFrame(step, steps, img[..., 0] if c == 1 else img, act, done)

            yield frame(0, False)
            last_frame = time.perf_counter()
            for step in range(1, steps + 1):
                if cancel is not None and cancel.is_set():
                    return
                dy, dx = shifts[step - 1]
                shifted = torch.roll(p, shifts=(dy, dx), dims=(2, 3)) if (dy or dx) else p
                target = value((shifted - m) / s)[0]
                penalty = l2 * ((p - rest) ** 2).mean()
                if tv:
                    penalty = penalty + tv * ((p[..., 1:, :] - p[..., :-1, :]).abs().mean()
                                              + (p[..., :, 1:] - p[..., :, :-1]).abs().mean())
                loss = penalty - target
                (grad,) = torch.autograd.grad(loss, p)
                optimizer.step(grad)
                with torch.no_grad():
                    if blur_every and step % blur_every == 0 and blur_sigma > 0:
                        p.copy_(_blur(p, blur_sigma))
                    p.clamp_(0.0, 1.0)
                due = frame_interval_s is not None and time.perf_counter() - last_frame >= frame_interval_s
                if step == steps or step % every == 0 or due:
                    yield frame(step, step == steps)
                    last_frame = time.perf_counter()
        finally:
            cleanup()
