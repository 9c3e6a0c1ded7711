"""A model spec made into a ``torch.nn.Sequential``; torch is imported inside the functions.

The model takes float32 (N, C, H, W) input and returns (N, classes) logits: a Softmax
layer, or a softmax activation on the last Dense, is left out of the module (the
cross-entropy loss applies it while training; call ``logits.softmax(1)`` at inference).
Children are named by kind and counted: conv1, relu1, pool1, bn1, dropout1, flatten1,
gap1 (+ gap1_flatten), fc1, ...; those names are the shape table's ``name`` column.
An asymmetric 'same' padding (even kernel, or stride > 1) becomes a ``ZeroPad2d``
child ``padN`` before ``convN``, as TensorFlow pads (extra pixel bottom/right).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from cnn_explorer.core.model.layers import (
    DEFAULT_NEGATIVE_SLOPE,
    Activation,
    AvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool,
)
from cnn_explorer.core.model.shapes import LayerPlan, check_memory, plan, validate

if TYPE_CHECKING:
    import torch

    from cnn_explorer.core.model.spec import ModelSpec


def _square(pair: tuple[int, int]) -> Any:
    return pair[0] if pair[0] == pair[1] else tuple(pair)


def _activation(kind: str, negative_slope: float) -> "torch.nn.Module":
    from torch import nn

    if kind == "relu":
        return nn.ReLU()
    if kind == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    if kind == "sigmoid":
        return nn.Sigmoid()
    return nn.Tanh()


def _modules(step: LayerPlan) -> list[tuple[str, "torch.nn.Module"]]:
    """The named children one layer becomes (none for Softmax)."""
    from torch import nn

    layer, names = step.layer, step.names
    out: list[tuple[str, nn.Module]] = []
    if isinstance(layer, Conv2D):
        top, bottom, left, right = step.pad
        padding: Any = (top, left)
        if "pad" in names:
            out.append((names["pad"], nn.ZeroPad2d((left, right, top, bottom))))
            padding = (0, 0)
        out.append((names["main"], nn.Conv2d(step.in_shape[2], layer.filters, _square(layer.kernel),
                                             stride=_square(layer.stride), padding=_square(padding),
                                             dilation=_square(layer.dilation), bias=layer.bias)))
        if "act" in names:
            out.append((names["act"], _activation(layer.activation, DEFAULT_NEGATIVE_SLOPE)))
    elif isinstance(layer, MaxPool):
        out.append((names["main"], nn.MaxPool2d(_square(layer.size), _square(layer.step),
                                                _square(layer.padding), ceil_mode=layer.ceil)))
    elif isinstance(layer, AvgPool):
        out.append((names["main"], nn.AvgPool2d(_square(layer.size), _square(layer.step),
                                                _square(layer.padding), ceil_mode=layer.ceil)))
    elif isinstance(layer, Activation):
        out.append((names["main"], _activation(layer.kind, layer.negative_slope)))
    elif isinstance(layer, BatchNorm):
        norm = nn.BatchNorm2d if len(step.in_shape) == 3 else nn.BatchNorm1d
        out.append((names["main"], norm(step.in_shape[-1])))
    elif isinstance(layer, Dropout):
        out.append((names["main"], nn.Dropout(float(layer.rate))))
    elif isinstance(layer, Flatten):
        out.append((names["main"], nn.Flatten()))
    elif isinstance(layer, (GlobalAvgPool, GlobalMaxPool)):
        pool = nn.AdaptiveAvgPool2d(1) if isinstance(layer, GlobalAvgPool) else nn.AdaptiveMaxPool2d(1)
        out += [(names["main"], pool), (names["flatten"], nn.Flatten())]
    elif isinstance(layer, Dense):
        out.append((names["main"], nn.Linear(step.in_shape[0], layer.units, bias=layer.bias)))
        if "act" in names:
            out.append((names["act"], _activation(layer.activation, DEFAULT_NEGATIVE_SLOPE)))
    return out


def build_model(spec: "ModelSpec") -> "torch.nn.Sequential":
    """A freshly initialised torch model for a valid spec (SpecError otherwise; nothing is built).

    Input (N, C, H, W) float32, output (N, classes) logits; parameter count = ``total_params(spec)``.
    """
    validate(spec)
    check_memory(spec)  # before torch loads: a model that cannot fit is refused at once
    from torch import nn

    plans, _ = plan(spec)
    children: OrderedDict[str, nn.Module] = OrderedDict()
    for step in plans:
        children.update(_modules(step))
    return nn.Sequential(children)


def conv_layers(model: "torch.nn.Module") -> list[tuple[str, "torch.nn.Conv2d"]]:
    """The model's convolutions in order, with their child names (``torch.compile`` wrappers unwrapped)."""
    from torch import nn

    model = getattr(model, "_orig_mod", model)
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
