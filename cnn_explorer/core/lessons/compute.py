"""What a step computes beyond the pipeline: the kernel stack for its input, one stage's maps, a cell's sum."""

from __future__ import annotations

import numpy as np

from cnn_explorer.core.conv.convolution import conv_step, pool_step
from cnn_explorer.core.conv.pipeline import PipelineResult
from cnn_explorer.core.errors import CnnExplorerError
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
