"""Shape inference for model specs: one row a layer (output shape, weights, biases) and the validity rules.

Shapes are (H, W, C) for feature maps and (n,) for flat vectors. Output sizes follow
torch (and the slides): floor((n + 2p - d(f - 1) - 1) / s) + 1 for convolutions and
pooling, ceil instead of floor in pooling's ceil mode (the last window must start
inside the input); "same" convolution padding follows TensorFlow: output ceil(n / s).
The arithmetic is ``cnn_explorer.core.conv.sizes``, shared with the explorer.

The rules ``validate`` enforces, each reported as "layer N (Type): reason":
values in range (filters, units >= 1; kernel, stride, dilation >= 1; padding >= 0 or
'valid'/'same'; pooling padding at most half the window; 0 <= dropout rate < 1; known
activations); no map shrinks below 1x1; Conv2D, pooling and global pooling need a
feature map; Dense needs a flat input: a map, even 1x1, must go through Flatten or a
global pooling layer first (Dense never flattens by itself); softmax (a Softmax layer
or a Dense activation) only at the very end; the model ends with a flat output of
one value per class; at least one layer, at least two distinct class names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from cnn_explorer.core.conv.sizes import (
    conv_size,
    effective_size,
    pool_size,
    same_padding,
)
from cnn_explorer.core.io.files import size_text
from cnn_explorer.core.io.limits import memory_budget
from cnn_explorer.core.model.layers import (
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
    Softmax,
    SpecError,
    as_pair,
    check_layer,
    layer_label,
)

if TYPE_CHECKING:
    from cnn_explorer.core.model.spec import ModelSpec

Shape = tuple[int, ...]


@dataclass(frozen=True)
class LayerRow:
    """One row of the shape table: ``index`` counts from 1; ``name`` is the layer's child in the built model.

    ``weights`` are kernel/matrix entries (BatchNorm: its scales), ``biases`` the
    biases (BatchNorm: its shifts); ``params = weights + biases``, all trainable.
    BatchNorm's running mean and variance are buffers, not parameters.
    """

    index: int
    name: str
    layer_type: str
    output_shape: Shape
    weights: int
    biases: int
    params: int
    details: str = ""


@dataclass(frozen=True)
class LayerPlan:
    """What building one layer needs: input/output shapes, module names and conv padding.

    ``pad`` is (top, bottom, left, right) zero padding for a Conv2D, else None;
    ``names`` maps a role ("pad", "main", "act", "flatten") to the child's name.
    """

    layer: Any
    in_shape: Shape
    out_shape: Shape
    pad: tuple[int, int, int, int] | None
    names: dict[str, str]


def shape_text(shape: Sequence[int]) -> str:
    """"62x62x32" for a map, "128" for a flat vector."""
    return "x".join(str(v) for v in shape)


def check_io(spec: "ModelSpec") -> None:
    """Raise SpecError unless the input shape, class names and layer list are usable."""
    shape = spec.input_shape
    if not (isinstance(shape, tuple) and len(shape) == 3
            and all(isinstance(v, int) and not isinstance(v, bool) for v in shape)):
        raise SpecError(f"input_shape: must be three integers (height, width, channels), got {shape!r}")
    if min(shape) < 1:
        raise SpecError(f"input_shape: every size must be at least 1, got {shape_text(shape)}")
    names = spec.class_names
    if not isinstance(names, tuple) or not all(isinstance(n, str) and n.strip() for n in names):
        raise SpecError(f"class_names: must be non-empty strings, got {names!r}")
    if len(names) < 2:
        raise SpecError(f"class_names: need at least 2 classes, got {len(names)}")
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise SpecError(f"class_names: duplicate name {dupes[0]!r}")
    if not isinstance(spec.layers, tuple) or not spec.layers:
        raise SpecError("layers: the model has no layers; add at least one")


class _Namer:
    """Child names in the built model: conv1, relu1, pool1, bn1, fc1, ... counted per kind."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{kind}{self.counts[kind]}"


def _one(pair: Sequence[int]) -> str:
    """"2" for (2, 2), "2x1" for (2, 1)."""
    return str(pair[0]) if pair[0] == pair[1] else shape_text(pair)


def layer_details(layer: Any) -> str:
    if isinstance(layer, Conv2D):
        parts = [f"{layer.filters} filters {shape_text(layer.kernel)}"]
        if layer.stride != (1, 1):
            parts.append(f"stride {_one(layer.stride)}")
        pad = layer.padding
        parts.append(pad if isinstance(pad, str) else f"pad {_one(as_pair(pad))}")
        if layer.dilation != (1, 1):
            parts.append(f"dilation {_one(layer.dilation)}")
        if layer.activation != "none":
            parts.append(layer.activation)
        if not layer.bias:
            parts.append("no bias")
        return ", ".join(parts)
    if isinstance(layer, (MaxPool, AvgPool)):
        parts = [f"{shape_text(layer.size)} window", f"stride {_one(layer.step)}"]
        if layer.padding != (0, 0):
            parts.append(f"pad {_one(layer.padding)}")
        if layer.ceil:
            parts.append("ceil")
        return ", ".join(parts)
    if isinstance(layer, Dense):
        parts = [f"{layer.units} units"]
        if layer.activation != "none":
            parts.append(layer.activation)
        if not layer.bias:
            parts.append("no bias")
        return ", ".join(parts)
    if isinstance(layer, Activation) and layer.kind == "leaky_relu":
        return f"slope {layer.negative_slope:g}"
    if isinstance(layer, Dropout):
        return f"rate {layer.rate:g}"
    if isinstance(layer, Softmax):
        return "at inference"
    return ""


def _plan_layer(layer: Any, index: int, shape: Shape, namer: _Namer) -> tuple[LayerPlan, int, int]:
    """The plan of one layer on input ``shape``, with its weights and biases; SpecError if it cannot apply."""
    label = layer_label(layer, index)
    is_map = len(shape) == 3
    names: dict[str, str] = {}
    pad = None
    weights = biases = 0
    if isinstance(layer, (Conv2D, MaxPool, AvgPool, GlobalAvgPool, GlobalMaxPool)) and not is_map:
        raise SpecError(f"{label}: needs a feature map (H, W, C) but gets {shape[0]} flat values; "
                        "move it before Flatten or global pooling", index)
    if isinstance(layer, Dense) and is_map:
        raise SpecError(f"{label}: needs a flat input but gets a {shape_text(shape)} map; "
                        "add Flatten or a global pooling layer before it", index)
    if isinstance(layer, Conv2D):
        h, w, c = shape
        (kh, kw), (sh, sw), (dh, dw) = layer.kernel, layer.stride, layer.dilation
        if layer.padding == "same":
            (top, bottom), (left, right) = same_padding(h, kh, sh, dh), same_padding(w, kw, sw, dw)
        elif layer.padding == "valid":
            top = bottom = left = right = 0
        else:
            (top, left) = as_pair(layer.padding)
            bottom, right = top, left
        oh, ow = conv_size(h, kh, sh, top + bottom, dh), conv_size(w, kw, sw, left + right, dw)
        if oh < 1 or ow < 1:
            eh, ew = effective_size(kh, dh), effective_size(kw, dw)
            padded = f"{h + top + bottom}x{w + left + right} padded" if top + bottom + left + right else f"{h}x{w}"
            raise SpecError(f"{label}: the {padded} input is smaller than the {eh}x{ew} "
                            f"{'dilated ' if (dh, dw) != (1, 1) else ''}kernel (the map would shrink below 1x1); "
                            "use padding 'same', a smaller kernel or a larger input", index)
        pad = (top, bottom, left, right)
        if (top, left) != (bottom, right):
            names["pad"] = f"pad{namer.counts.get('conv', 0) + 1}"
        names["main"] = namer("conv")
        weights, biases = kh * kw * c * layer.filters, layer.filters if layer.bias else 0
        out: Shape = (oh, ow, layer.filters)
        if layer.activation != "none":
            names["act"] = namer(layer.activation)
    elif isinstance(layer, (MaxPool, AvgPool)):
        h, w, c = shape
        (kh, kw), (sh, sw), (ph, pw) = layer.size, layer.step, layer.padding
        oh, ow = pool_size(h, kh, sh, ph, layer.ceil), pool_size(w, kw, sw, pw, layer.ceil)
        if oh < 1 or ow < 1:
            hint = "use ceil mode, a smaller window, remove this pooling" if not layer.ceil else "remove this pooling"
            raise SpecError(f"{label}: the {h}x{w} input is too small for a {kh}x{kw} window "
                            f"(the map would shrink below 1x1); {hint} or use a larger input", index)
        names["main"] = namer("pool")
        out = (oh, ow, c)
    elif isinstance(layer, Activation):
        names["main"] = namer(layer.kind)
        out = shape
    elif isinstance(layer, BatchNorm):
        names["main"] = namer("bn")
        weights = biases = shape[-1]
        out = shape
    elif isinstance(layer, Dropout):
        names["main"] = namer("dropout")
        out = shape
    elif isinstance(layer, Flatten):
        names["main"] = namer("flatten")
        out = (math.prod(shape),)
    elif isinstance(layer, (GlobalAvgPool, GlobalMaxPool)):
        names["main"] = namer("gap" if isinstance(layer, GlobalAvgPool) else "gmp")
        names["flatten"] = names["main"] + "_flatten"
        out = (shape[-1],)
    elif isinstance(layer, Dense):
        names["main"] = namer("fc")
        weights, biases = shape[0] * layer.units, layer.units if layer.bias else 0
        out = (layer.units,)
        if layer.activation not in ("none", "softmax"):
            names["act"] = namer(layer.activation)
    else:  # Softmax: applied at inference, nothing in the built model
        names["main"] = "softmax"
        out = shape
    return LayerPlan(layer, shape, out, pad, names), weights, biases


def plan(spec: "ModelSpec") -> tuple[list[LayerPlan], list[LayerRow]]:
    """Plans and table rows, layer by layer; SpecError at the first layer that cannot apply.

    Checks the input, each layer's values and shapes, but not the structural rules
    (softmax last, output size = classes): see :func:`validate`.
    """
    check_io(spec)
    namer = _Namer()
    shape: Shape = tuple(spec.input_shape)
    plans, rows = [], []
    for index, layer in enumerate(spec.layers):
        check_layer(layer, index)
        step, weights, biases = _plan_layer(layer, index, shape, namer)
        plans.append(step)
        rows.append(LayerRow(index + 1, step.names["main"], layer.display, step.out_shape,
                             weights, biases, weights + biases, layer_details(layer)))
        shape = step.out_shape
    return plans, rows


def shape_table(spec: "ModelSpec") -> list[LayerRow]:
    """One row a layer: output shape, weights, biases, parameters (see :func:`plan` for what is checked)."""
    return plan(spec)[1]


def total_params(spec: "ModelSpec") -> int:
    """All trainable parameters: equals the built torch model's parameter count."""
    return sum(row.params for row in shape_table(spec))


def validate(spec: "ModelSpec") -> None:
    """Raise SpecError, naming the layer and the reason, unless the spec can be built and trained."""
    plans, _ = plan(spec)
    last = len(spec.layers) - 1
    for index, layer in enumerate(spec.layers):
        if index == last:
            continue
        if isinstance(layer, Softmax):
            raise SpecError(f"{layer_label(layer, index)}: must be the last layer", index)
        if isinstance(layer, Dense) and layer.activation == "softmax":
            raise SpecError(f"{layer_label(layer, index)}: softmax is only allowed on the last layer; "
                            "use another activation here", index)
    out, n = plans[-1].out_shape, len(spec.class_names)
    label = layer_label(spec.layers[last], last)
    if len(out) != 1:
        raise SpecError(f"{label}: the model must end with a flat output of {n} values (one a class) "
                        f"but ends with a {shape_text(out)} map; add Flatten and Dense({n})", last)
    if out[0] != n:
        raise SpecError(f"{label}: the model gives {out[0]} outputs but there are {n} classes; "
                        f"the last layer needs {n} units", last)


def memory_estimate(spec: "ModelSpec") -> tuple[int, int]:
    """(weight bytes, activation bytes for one image) of the built float32 model, from the shapes alone."""
    rows = shape_table(spec)
    weights = sum(r.params for r in rows) * 4
    activations = (math.prod(spec.input_shape) + sum(math.prod(r.output_shape) for r in rows)) * 4
    return weights, activations


def check_memory(spec: "ModelSpec", budget: int | None = None) -> None:
    """SpecError "this model needs 36 GB of weights; the limit is 8 GB" before anything is allocated.

    Weights and one image's activations are each checked against ``budget`` (default: the memory budget).
    """
    limit = memory_budget() if budget is None else budget
    weights, activations = memory_estimate(spec)
    for need, what in ((weights, "of weights"), (activations, "for the activations of one image")):
        if need > limit:
            raise SpecError(f"this model needs {size_text(need)} {what}; the limit is {size_text(limit)} "
                            "(use fewer filters or units, or a smaller input)")


def totals(rows: Iterable[LayerRow]) -> tuple[int, int, int]:
    """(weights, biases, params) summed over the rows."""
    rows = list(rows)
    return sum(r.weights for r in rows), sum(r.biases for r in rows), sum(r.params for r in rows)


def format_table(rows: Sequence[LayerRow], *, input_shape: Sequence[int] | None = None, title: str = "") -> str:
    """The shape table as aligned text, Keras-summary style, with totals; the input as a first line if given."""
    header = ("#", "name", "layer", "output", "weights", "biases", "params", "details")
    body = [(str(r.index), r.name, r.layer_type, shape_text(r.output_shape), f"{r.weights:,}",
             f"{r.biases:,}", f"{r.params:,}", r.details) for r in rows]
    if input_shape is not None:
        body.insert(0, ("", "input", "Input", shape_text(input_shape), "", "", "", ""))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = {0, 4, 5, 6}

    def fmt(line: Sequence[str]) -> str:
        cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(line)]
        return "  ".join(cells).rstrip()

    rule = "-" * len(fmt(header))
    weights, biases, params = totals(rows)
    lines = [title] if title else []
    lines += [fmt(header), rule, *map(fmt, body), rule,
              f"Total: {params:,} parameters ({weights:,} weights + {biases:,} biases)"]
    return "\n".join(lines)
