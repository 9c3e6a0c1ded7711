"""What a step computes beyond the pipeline: the kernel stack for its input, one stage's maps, a cell's sum."""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.convolution import conv_step, pool_step
from cnn_explorer.core.conv.pipeline import PipelineResult
from cnn_explorer.core.conv.settings import resolve_padding
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import MINUS, format_number
from cnn_explorer.core.lessons.state import StepState, Target


def kernel_stack(state: StepState) -> np.ndarray:
    """The kernels as one (K, kh, kw[, C]) stack for the state's image (2-D kernels on RGB: every channel)."""
    channels = state.image.shape[2] if state.image is not None and state.image.ndim == 3 else 0
    out = []
    for i, k in enumerate(state.kernels):
        if channels and k.ndim == 2:
            k = np.repeat(k[:, :, None], channels, axis=2)
        elif not channels and k.ndim == 3:
            raise CnnExplorerError(f"kernel {i + 1} has {k.shape[2]} channels but the input is a grey grid")
        elif channels and k.shape[2] != channels:
            raise CnnExplorerError(f"kernel {i + 1} has {k.shape[2]} channels but the input has {channels}")
        out.append(k)
    if any(k.shape != out[0].shape for k in out):
        raise CnnExplorerError("the kernels of a stack must all have the same size")
    return np.stack(out)


def stage_map(result: PipelineResult, stage: str) -> np.ndarray:
    if stage == "pool":
        if result.pooled is None:
            raise CnnExplorerError("the step has no pooling (add @pool max 2)")
        return np.asarray(result.pooled.values)
    return np.asarray(result.feature)


def value_at(result: PipelineResult, target: Target) -> float:
    return float(stage_map(result, target.stage)[target.k, target.i, target.j])


def arithmetic_at(result: PipelineResult, state: StepState, target: Target) -> str:
    """The worked sum of the target cell, as the step-by-step view writes it."""
    if target.stage == "pool":
        return pool_step(result.activated, state.pool, target.i, target.j, target.k).arithmetic("cell")
    return conv_step(state.image, kernel_stack(state)[target.k], state.conv, target.i, target.j).arithmetic()


def _factor(value: float) -> str:
    """A number as the step arithmetic writes it, a negative one in parentheses: "(−1)"."""
    text = format_number(float(value))
    return f"({text})" if text.startswith(MINUS) else text


def _offset(start: int, name: str) -> str:
    """"r" or "2+r": the input index i + r − 1 of the slides' formula with i filled in."""
    return name if start == 0 else f"{start}+{name}"


def formula_at(state: StepState, target: Target) -> str:
    """The slides' conv-layer formula h[i,j,p] = Σr Σs Σk w[r,s,k]·h[i+r−1, j+s−1, k] worked out for one cell.

    Indices count from 1 as in the formula (map cell R,C is i = R+1, j = C+1; kernel K is p = K):
    "h[2,3,1] = Σr Σs Σk w[r,s,k]·h[1+r, 2+s, k] = (k=1: 1·0 + … = 4) + (k=2: … = 3) = 7".
    Only for the formula's own setting: stride 1, no padding or dilation, no flip or normalising.
    """
    conv = state.conv
    image = np.asarray(state.image)
    kernel = kernel_stack(state)[target.k]
    pads = resolve_padding(image.shape[:2], kernel.shape[:2], conv)
    if conv.stride != (1, 1) or conv.dilation != (1, 1) or any(pads) or conv.flip or conv.normalize:
        raise CnnExplorerError("{formula}: the slides' formula is for stride 1 without padding, dilation, flip or "
                               "normalising; use {arith[R,C]} for this step")
    step = conv_step(image, kernel, conv, target.i, target.j)
    window = step.window if step.window.ndim == 3 else step.window[:, :, None]
    weights = step.kernel if step.kernel.ndim == 3 else step.kernel[:, :, None]
    depth = window.shape[2]
    groups = []
    for k in range(depth):
        terms = " + ".join(f"{_factor(w)}·{_factor(h)}"
                           for w, h in zip(weights[:, :, k].ravel(), window[:, :, k].ravel()))
        subtotal = float(np.sum(weights[:, :, k] * window[:, :, k]))
        groups.append(f"(k={k + 1}: {terms} = {format_number(subtotal)})" if depth > 1 else terms)
    i, j, p = target.i + 1, target.j + 1, target.k + 1
    head = (f"h[{i},{j},{p}] = Σr Σs Σk w[r,s,k]·h[{_offset(i - 1, 'r')}, {_offset(j - 1, 's')}, k]"
            if depth > 1 else f"h[{i},{j},{p}] = Σr Σs w[r,s]·h[{_offset(i - 1, 'r')}, {_offset(j - 1, 's')}]")
    body = " + ".join(groups)
    if conv.bias:
        body += f" {MINUS if conv.bias < 0 else '+'} {format_number(abs(conv.bias))}"
    return f"{head} = {body} = {format_number(step.value)}"
