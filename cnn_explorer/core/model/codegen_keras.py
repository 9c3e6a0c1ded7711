"""A model spec as Keras 3 code, as the slides teach it: ``keras.Sequential([keras.Input(...), ...])``, channels-last.

The code runs as written with Keras 3 on any backend (TensorFlow, JAX or PyTorch), and the
model it builds has the app's output shape and trainable parameters at every layer. Where
Keras has no direct equivalent, the code builds one and its comments say how:

- a Conv2D with both a stride and a dilation above 1 (Keras' Conv2D refuses the pair) is
  the stride-1 dilated convolution followed by a 1x1 max pooling with that stride, which
  keeps every stride-th value: the same result;
- PyTorch pads max pooling with -inf. Zeros give the same maximum only when the inputs are
  never negative (after ReLU, sigmoid, softmax), so the code pads with ZeroPadding2D there
  and with a Lambda that pads -inf elsewhere;
- ceil mode is extra padding at the bottom and right: exact for max pooling; an average
  pooling's edge windows then also average those zeros, which PyTorch leaves out, and the
  comment says so (the shapes stay the same);
- BatchNormalization keeps its moving mean and variance as (non-trainable) weights, which
  ``model.count_params()`` counts; the comments name them apart.

Weights are not interchangeable as is: Flatten orders values H, W, C in Keras and C, H, W
in PyTorch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from cnn_explorer.core.model.codegen_torch import code_header
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
    Softmax,
)
from cnn_explorer.core.model.shapes import (
    LayerPlan,
    LayerRow,
    plan,
    shape_text,
    validate,
)

if TYPE_CHECKING:
    from cnn_explorer.core.model.spec import ModelSpec

#: activations whose outputs are never negative: zero padding then equals PyTorch's -inf max-pool padding
NON_NEGATIVE = ("relu", "sigmoid", "softmax")

Call = tuple[str, str]  # (layer source, comment without "#")


def _pair(pair: Sequence[int]) -> str:
    return f"({pair[0]}, {pair[1]})"


def _padding(top: int, bottom: int, left: int, right: int) -> str:
    """ZeroPadding2D's argument: (top, left) when symmetric, else ((top, bottom), (left, right))."""
    if (top, left) == (bottom, right):
        return f"({top}, {left})"
    return f"(({top}, {bottom}), ({left}, {right}))"


def _shape(shape: Sequence[int], params: int = 0) -> str:
    return f"-> {shape_text(shape)}" + (f", {params:,} parameters" if params else "")


def _activation_layer(kind: str, slope: float) -> str:
    if kind == "relu":
        return "layers.ReLU()"
    if kind == "leaky_relu":
        return f"layers.LeakyReLU(negative_slope={slope!r})"
    return f'layers.Activation("{kind}")'


def _with_activation(cls: str, args: list[str], layer) -> tuple[str, list[str]]:
    """``layers.<cls>(...)`` with the layer's activation and bias arguments, and the layers that follow it
    (leaky ReLU, which Keras layers take no name for, is a layer of its own)."""
    args = list(args)
    if layer.activation not in ("none", "leaky_relu"):
        args.append(f'activation="{layer.activation}"')
    if not layer.bias:
        args.append("use_bias=False")
    after = [_activation_layer("leaky_relu", DEFAULT_NEGATIVE_SLOPE)] if layer.activation == "leaky_relu" else []
    return f"layers.{cls}({', '.join(args)})", after


def _conv(step: LayerPlan, row: LayerRow) -> list[Call]:
    layer = step.layer
    h, w, c = step.in_shape
    top, bottom, left, right = step.pad
    split = layer.stride != (1, 1) and layer.dilation != (1, 1)
    out: list[Call] = []
    args = [str(layer.filters), _pair(layer.kernel)]
    if layer.stride != (1, 1) and not split:
        args.append(f"strides={_pair(layer.stride)}")
    if layer.padding == "same" and not split:
        args.append('padding="same"')
    elif any(step.pad):
        h, w = h + top + bottom, w + left + right
        out.append((f"layers.ZeroPadding2D(padding={_padding(top, bottom, left, right)})", _shape((h, w, c))))
    if layer.dilation != (1, 1):
        args.append(f"dilation_rate={_pair(layer.dilation)}")
    call, after = _with_activation("Conv2D", args, layer)
    if split:
        full = (h - layer.dilation[0] * (layer.kernel[0] - 1), w - layer.dilation[1] * (layer.kernel[1] - 1),
                layer.filters)
        out.append((call, _shape(full, row.params)))
        out.append((f"layers.MaxPooling2D(pool_size=(1, 1), strides={_pair(layer.stride)})",
                    f"{_shape(row.output_shape)}; Keras' Conv2D takes no strides with a dilation_rate, so this "
                    f"applies the stride {_pair(layer.stride)}: the same result"))
    else:
        out.append((call, _shape(row.output_shape, row.params)))
    return out + [(source, "") for source in after]


def _same_is_ceil(size: int, window: int, stride: int, out: int) -> bool:
    """True when Keras' 'same' pooling has ``out`` windows, all where ceil mode (without padding) puts them."""
    return math.ceil(size / stride) == out and max((out - 1) * stride + window - size, 0) // 2 == 0


def _pool(step: LayerPlan, row: LayerRow, non_negative: bool) -> list[Call]:
    layer = step.layer
    is_max = isinstance(layer, MaxPool)
    cls = "MaxPooling2D" if is_max else "AveragePooling2D"
    h, w, c = step.in_shape
    out_h, out_w, _ = row.output_shape
    (kh, kw), (sh, sw), (ph, pw) = layer.size, layer.step, layer.padding
    # ceil mode's last window may reach past the padded input: that much more padding at the bottom / right
    extra_h = max(0, (out_h - 1) * sh + kh - (h + 2 * ph))
    extra_w = max(0, (out_w - 1) * sw + kw - (w + 2 * pw))
    args = [f"pool_size={_pair(layer.size)}"]
    if layer.step != layer.size:
        args.append(f"strides={_pair(layer.step)}")
    if is_max and (extra_h or extra_w) and (ph, pw) == (0, 0) and _same_is_ceil(h, kh, sh, out_h) \
            and _same_is_ceil(w, kw, sw, out_w):
        args.append('padding="same"')
        return [(f"layers.{cls}({', '.join(args)})", f"{_shape(row.output_shape)}; keeps the edge, like ceil mode")]
    out: list[Call] = []
    pads = (ph, ph + extra_h, pw, pw + extra_w)
    if any(pads):
        padded = (h + 2 * ph + extra_h, w + 2 * pw + extra_w, c)
        notes = []
        if not is_max:
            source = f"layers.ZeroPadding2D(padding={_padding(*pads)})"
            if ph or pw:
                notes.append("PyTorch's average pooling counts the padded zeros too")
        elif non_negative:
            source = f"layers.ZeroPadding2D(padding={_padding(*pads)})"
            notes.append("zeros act as PyTorch's -inf padding here: the inputs are never negative")
        else:
            widths = f"((0, 0), {_pair(pads[:2])}, {_pair(pads[2:])}, (0, 0))"
            source = f'layers.Lambda(lambda x: keras.ops.pad(x, {widths}, constant_values=float("-inf")))'
            notes.append("pads with -inf, as PyTorch's max pooling does (zeros would beat negative values)")
        if extra_h or extra_w:
            notes.append("the extra bottom/right padding gives ceil mode's last windows")
        out.append((source, "; ".join([_shape(padded), *notes])))
    comment = _shape(row.output_shape)
    if not is_max and (extra_h or extra_w):
        comment += ("; the bottom/right windows also average the extra padded zeros, which PyTorch's ceil mode "
                    "leaves out: values there are smaller")
    return out + [(f"layers.{cls}({', '.join(args)})", comment)]


def _calls(step: LayerPlan, row: LayerRow, non_negative: bool) -> list[Call]:
    """(source, comment) for each Keras layer one spec layer becomes."""
    layer = step.layer
    if isinstance(layer, Conv2D):
        return _conv(step, row)
    if isinstance(layer, (MaxPool, AvgPool)):
        return _pool(step, row, non_negative)
    if isinstance(layer, Dense):
        call, after = _with_activation("Dense", [str(layer.units)], layer)
        return [(call, _shape(row.output_shape, row.params)), *((source, "") for source in after)]
    if isinstance(layer, BatchNorm):
        channels = step.in_shape[-1]
        return [("layers.BatchNormalization(momentum=0.9, epsilon=1e-5)",
                 f"{_shape(row.output_shape, row.params)} + {2 * channels:,} moving statistics "
                 "(mean, variance); PyTorch's momentum and epsilon")]
    if isinstance(layer, Activation):
        source = _activation_layer(layer.kind, layer.negative_slope)
    elif isinstance(layer, Dropout):
        source = f"layers.Dropout({float(layer.rate)!r})"
    elif isinstance(layer, Flatten):
        source = "layers.Flatten()"
    elif isinstance(layer, GlobalAvgPool):
        source = "layers.GlobalAveragePooling2D()"
    elif isinstance(layer, GlobalMaxPool):
        source = "layers.GlobalMaxPooling2D()"
    else:  # Softmax
        source = "layers.Softmax()"
    return [(source, _shape(row.output_shape))]


def _non_negative_after(layer, before: bool) -> bool:
    """Whether a layer's outputs are never negative, given whether its inputs are."""
    if isinstance(layer, (Conv2D, Dense)):
        return layer.activation in NON_NEGATIVE
    if isinstance(layer, Activation):
        return layer.kind in NON_NEGATIVE or (layer.kind == "leaky_relu" and layer.negative_slope == 0)
    if isinstance(layer, Softmax):
        return True
    if isinstance(layer, BatchNorm):
        return False
    return before  # pooling, dropout, flatten: never negative in, never negative out


def _layer_calls(plans: Sequence[LayerPlan], rows: Sequence[LayerRow]):
    """(plan, Keras calls) for each spec layer, in order."""
    non_negative = False  # normalised images have negative values
    for step, row in zip(plans, rows):
        yield step, _calls(step, row, non_negative)
        non_negative = _non_negative_after(step.layer, non_negative)


def keras_notes(spec: "ModelSpec") -> list[str]:
    """Plain sentences on where the Keras code differs from one Keras layer a spec layer (empty: nowhere)."""
    validate(spec)
    notes = []
    for index, (step, calls) in enumerate(_layer_calls(*plan(spec)), 1):
        label = f"Layer {index} ({step.layer.display})"
        sources = " ".join(source for source, _ in calls)
        if isinstance(step.layer, Conv2D) and "layers.MaxPooling2D(pool_size=(1, 1)" in sources:
            notes.append(f"{label}: Keras' Conv2D cannot combine a stride with a dilation, so the code applies "
                         "the stride with a 1x1 pooling after it (the same result).")
        if "layers.Lambda(" in sources:
            notes.append(f"{label}: pads with -inf as PyTorch does, in a Lambda layer (a .keras file saved from "
                         "it loads with keras.saving.load_model(path, safe_mode=False)).")
        if any("ceil mode leaves out" in comment for _, comment in calls):
            notes.append(f"{label}: Keras has no ceil mode; the windows at the bottom/right edge also average "
                         "padded zeros, so values there are smaller than the app's.")
    return notes


def keras_code(spec: "ModelSpec") -> str:
    """Keras 3 source for the spec: ``model = keras.Sequential([keras.Input(...), ...])``, compiled with adam."""
    validate(spec)
    plans, rows = plan(spec)
    h, w, c = spec.input_shape
    lines = code_header(spec, "Keras 3")
    lines += ["# Keras 3 (pip install keras) runs on TensorFlow, JAX or PyTorch: pick one with the KERAS_BACKEND",
              "# environment variable before Python starts, e.g. KERAS_BACKEND=jax python model.py",
              '# (or KERAS_BACKEND=torch, or "tensorflow", the default; that backend must be installed).',
              "# Keras is channels-last: images are (N, height, width, channels).",
              "import keras", "from keras import layers", "",
              f"CLASS_NAMES = {list(spec.class_names)!r}", "", "model = keras.Sequential([",
              f"    keras.Input(shape=({h}, {w}, {c})),"]
    moving = 0
    for step, calls in _layer_calls(plans, rows):
        lines += [f"    {source},  # {comment}" if comment else f"    {source}," for source, comment in calls]
        if isinstance(step.layer, BatchNorm):
            moving += 2 * step.in_shape[-1]
    last = spec.layers[-1]
    probabilities = isinstance(last, Softmax) or (isinstance(last, Dense) and last.activation == "softmax")
    loss = '"categorical_crossentropy"' if probabilities else \
        "keras.losses.CategoricalCrossentropy(from_logits=True)"
    trainable = sum(r.params for r in rows)
    lines += ["])", ""]
    if moving:
        lines.append(f"# {trainable:,} trainable parameters, and {moving:,} BatchNorm moving statistics: "
                     f"model.count_params() gives {trainable + moving:,}.")
    else:
        lines.append(f"# {trainable:,} parameters: model.count_params()")
    if spec.num_classes == 2:
        lines += ["# Two classes: the slides' equivalent ends with layers.Dense(1, activation=\"sigmoid\")",
                  "# and compiles with loss=\"binary_crossentropy\"."]
    lines += ["# Labels one-hot encoded: keras.utils.to_categorical(y, len(CLASS_NAMES)).",
              f"model.compile(optimizer=\"adam\", loss={loss}, metrics=[\"accuracy\"])",
              "model.summary()", ""]
    return "\n".join(lines)
