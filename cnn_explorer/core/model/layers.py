"""The layers a model spec is made of: frozen dataclasses, their JSON form and value checks.

Conventions: shapes are (H, W, C) as in Keras and the slides; sizes given as one int
mean the same value for height and width and are stored as (h, w) pairs. A layer's
JSON form is a dict with a ``"type"`` key (``"conv2d"``, ``"maxpool"``, ...) and its
fields. Values are checked by :func:`check_layer` (called by ``validate``), not on
construction, so that a bad spec can still be built, shown and reported.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar, Union

from cnn_explorer.core.errors import CnnExplorerError

#: activations a Conv2D or Dense layer may apply; "softmax" only on the last Dense
ACTIVATIONS = ("none", "relu", "leaky_relu", "sigmoid", "tanh", "softmax")
#: kinds of a stand-alone Activation layer (its JSON "type")
ACTIVATION_KINDS = ("relu", "leaky_relu", "sigmoid", "tanh")
#: the slope LeakyReLU uses for negative inputs unless told otherwise (torch's default)
DEFAULT_NEGATIVE_SLOPE = 0.01


class SpecError(CnnExplorerError):
    """An invalid model spec; ``layer_index`` is the 0-based position in ``spec.layers``, or None.

    Messages say "layer N (Type): reason" with N counted from 1, as in the shape table.
    """

    def __init__(self, message: str, layer_index: int | None = None) -> None:
        super().__init__(message)
        self.layer_index = layer_index


def as_pair(value: Any) -> Any:
    """An int becomes (v, v), a list becomes a tuple; anything else is left for the checks."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, list):
        return tuple(value)
    return value


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Conv2D:
    """A 2-D convolution (cross-correlation, as in the slides), optionally followed by an activation.

    ``padding`` is "valid" (none), "same" (TensorFlow's rule: output = ceil(input / stride),
    an odd extra pixel goes bottom/right) or zero-padding in pixels (an int is stored as (p, p)).
    """

    filters: int
    kernel: tuple[int, int] = (3, 3)
    stride: tuple[int, int] = (1, 1)
    padding: Union[str, tuple[int, int]] = "valid"  # an int is accepted and stored as (p, p)
    dilation: tuple[int, int] = (1, 1)
    activation: str = "relu"
    bias: bool = True
    type: ClassVar[str] = "conv2d"
    display: ClassVar[str] = "Conv2D"

    def __post_init__(self) -> None:
        for name in ("kernel", "stride", "dilation"):
            _set(self, name, as_pair(getattr(self, name)))
        if not isinstance(self.padding, str):
            _set(self, "padding", as_pair(self.padding))


@dataclass(frozen=True)
class _Pool:
    """What MaxPool and AvgPool share: a window ``size``, ``stride`` (None means the window size), padding, ceil.

    ``ceil`` keeps a partial window at the edge (the slides' 7x7 -> 4x4 pooling), with
    torch's rule that the last window starts inside the input. Not a layer by itself.
    """

    size: tuple[int, int] = (2, 2)
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] = (0, 0)
    ceil: bool = False

    def __post_init__(self) -> None:
        _set(self, "size", as_pair(self.size))
        _set(self, "padding", as_pair(self.padding))
        if self.stride is not None:
            _set(self, "stride", as_pair(self.stride))

    @property
    def step(self) -> tuple[int, int]:
        """The stride actually used: the window size when ``stride`` is None."""
        return self.size if self.stride is None else self.stride


@dataclass(frozen=True)
class MaxPool(_Pool):
    """Max pooling over ``size`` windows; ``padding`` pads with -inf."""

    type: ClassVar[str] = "maxpool"
    display: ClassVar[str] = "MaxPool"


@dataclass(frozen=True)
class AvgPool(_Pool):
    """Average pooling; zero padding counts in the average (torch's default), partial ceil windows do not."""

    type: ClassVar[str] = "avgpool"
    display: ClassVar[str] = "AvgPool"


@dataclass(frozen=True)
class Activation:
    """A stand-alone activation: ``kind`` is "relu", "leaky_relu", "sigmoid" or "tanh" (its JSON type)."""

    kind: str = "relu"
    negative_slope: float = DEFAULT_NEGATIVE_SLOPE

    def __post_init__(self) -> None:
        if self.kind != "leaky_relu":  # the slope means nothing for other kinds: keep equality semantic
            _set(self, "negative_slope", DEFAULT_NEGATIVE_SLOPE)

    @property
    def type(self) -> str:
        return self.kind

    @property
    def display(self) -> str:
        return {"relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "Sigmoid", "tanh": "Tanh"}.get(
            self.kind, str(self.kind)
        )


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalisation over channels (maps) or features (flat); 2 parameters a channel (gamma, beta)."""

    type: ClassVar[str] = "batchnorm"
    display: ClassVar[str] = "BatchNorm"


@dataclass(frozen=True)
class Dropout:
    """Zeroes each value with probability ``rate`` while training (0 <= rate < 1); identity at inference."""

    rate: float = 0.5
    type: ClassVar[str] = "dropout"
    display: ClassVar[str] = "Dropout"


@dataclass(frozen=True)
class Flatten:
    """Turns an (H, W, C) map into H*W*C values (torch order C, H, W)."""

    type: ClassVar[str] = "flatten"
    display: ClassVar[str] = "Flatten"


@dataclass(frozen=True)
class GlobalAvgPool:
    """The mean of each channel over the whole map: (H, W, C) -> C values (flat)."""

    type: ClassVar[str] = "global_avg_pool"
    display: ClassVar[str] = "GlobalAvgPool"


@dataclass(frozen=True)
class GlobalMaxPool:
    """The maximum of each channel over the whole map: (H, W, C) -> C values (flat)."""

    type: ClassVar[str] = "global_max_pool"
    display: ClassVar[str] = "GlobalMaxPool"


@dataclass(frozen=True)
class Dense:
    """A fully connected layer on a flat input: ``units`` outputs, then an optional activation."""

    units: int
    activation: str = "none"
    bias: bool = True
    type: ClassVar[str] = "dense"
    display: ClassVar[str] = "Dense"


@dataclass(frozen=True)
class Softmax:
    """Turns the last layer's scores into probabilities; only as the last layer.

    Built models output logits (the loss applies softmax); this layer is applied at inference.
    """

    type: ClassVar[str] = "softmax"
    display: ClassVar[str] = "Softmax"


Layer = Union[Conv2D, MaxPool, AvgPool, Activation, BatchNorm, Dropout, Flatten,
              GlobalAvgPool, GlobalMaxPool, Dense, Softmax]

_CLASSES: dict[str, type] = {
    c.type: c for c in (Conv2D, MaxPool, AvgPool, BatchNorm, Dropout, Flatten,
                        GlobalAvgPool, GlobalMaxPool, Dense, Softmax)
}
LAYER_TYPES = tuple(_CLASSES) + ACTIVATION_KINDS

# How each JSON field is read: "int", "pair", "pair?" (pair or null), "padding", "str", "float", "bool".
_FIELD_KINDS: dict[str, str] = {
    "filters": "int", "units": "int", "kernel": "pair", "stride": "pair", "dilation": "pair",
    "size": "pair", "padding": "pair", "activation": "str", "bias": "bool", "ceil": "bool",
    "rate": "float", "negative_slope": "float",
}


def layer_label(layer: Any, index: int | None) -> str:
    """"layer 3 (Dense)" for the layer at 0-based ``index``; "layer (Dense)" without one."""
    display = getattr(layer, "display", type(layer).__name__)
    return f"layer {index + 1} ({display})" if index is not None else f"layer ({display})"


def _fail(index: int | None, layer: Any, reason: str) -> SpecError:
    return SpecError(f"{layer_label(layer, index)}: {reason}", index)


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "x".join(str(v) for v in value) if all(isinstance(v, int) for v in value) else repr(list(value))
    return repr(value)


# ---------------------------------------------------------------------------- JSON


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    """The JSON form: ``{"type": ..., field: value, ...}``; pairs become lists."""
    out: dict[str, Any] = {"type": layer.type}
    for f in fields(layer):
        if isinstance(layer, Activation) and f.name == "kind":
            continue
        if isinstance(layer, Activation) and f.name == "negative_slope" and layer.kind != "leaky_relu":
            continue
        value = getattr(layer, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _read(index: int, display: str, key: str, value: Any) -> Any:
    """One JSON value checked for its type (not its range: see check_layer)."""
    kind = _FIELD_KINDS[key]
    where = f"layer {index + 1} ({display}): {key}"

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if kind == "int" and is_int(value):
        return value
    if kind == "pair" and (is_int(value) or (isinstance(value, list) and len(value) == 2 and all(map(is_int, value)))):
        return as_pair(value)
    if key == "stride" and value is None and display in ("MaxPool", "AvgPool"):
        return None
    if key == "padding" and display == "Conv2D" and isinstance(value, str):
        return value
    if kind == "str" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "float" and (is_int(value) or isinstance(value, float)):
        return float(value)
    wanted = {"int": "an integer", "pair": "an integer or a list of two integers", "str": "a string",
              "bool": "true or false", "float": "a number"}[kind]
    if key == "padding" and display == "Conv2D":
        wanted = "'valid', 'same', an integer or a list of two integers"
    if key == "stride" and display in ("MaxPool", "AvgPool"):
        wanted += " (or null for the window size)"
    raise SpecError(f"{where} must be {wanted}, got {value!r}", index)


def layer_from_dict(data: Any, index: int) -> Layer:
    """A layer from its JSON form; unknown types or keys and wrong value types raise SpecError."""
    if not isinstance(data, dict):
        raise SpecError(f"layer {index + 1}: must be an object with a \"type\", got {data!r}", index)
    kind = data.get("type")
    if not isinstance(kind, str) or (kind not in _CLASSES and kind not in ACTIVATION_KINDS):
        raise SpecError(
            f"layer {index + 1}: unknown layer type {kind!r}; expected one of {', '.join(LAYER_TYPES)}", index
        )
    if kind in ACTIVATION_KINDS:
        cls, display = Activation, Activation(kind).display
        allowed = ("negative_slope",) if kind == "leaky_relu" else ()
    else:
        cls, display = _CLASSES[kind], _CLASSES[kind].display
        allowed = tuple(f.name for f in fields(cls))
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "type":
            continue
        if key not in allowed:
            known = ", ".join(allowed) or "no other keys"
            raise SpecError(f"layer {index + 1} ({display}): unknown key {key!r} (allowed: {known})", index)
        values[key] = _read(index, display, key, value)
    required = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING]
    for name in required:
        if name not in values:
            raise SpecError(f"layer {index + 1} ({display}): missing {name!r}", index)
    if cls is Activation:
        return Activation(kind, **values)
    return cls(**values)


# ---------------------------------------------------------------------------- value checks


def _check_int(index: int, layer: Any, name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(index, layer, f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise _fail(index, layer, f"{name} must be at least {minimum}, got {value}")


def _check_pair(index: int, layer: Any, name: str, value: Any, minimum: int) -> None:
    ok = isinstance(value, tuple) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    )
    if not ok:
        raise _fail(index, layer, f"{name} must be an integer or a pair of integers, got {value!r}")
    if min(value) < minimum:
        raise _fail(index, layer, f"{name} must be at least {minimum}, got {_show(value)}")


def _check_activation(index: int, layer: Any, value: Any) -> None:
    if value not in ACTIVATIONS:
        raise _fail(index, layer, f"unknown activation {value!r}; expected one of {', '.join(ACTIVATIONS)}")


def check_layer(layer: Any, index: int) -> None:
    """Raise SpecError if a layer's own values are out of range (shapes are checked elsewhere)."""
    if isinstance(layer, Conv2D):
        _check_int(index, layer, "filters", layer.filters, 1)
        _check_pair(index, layer, "kernel", layer.kernel, 1)
        _check_pair(index, layer, "stride", layer.stride, 1)
        _check_pair(index, layer, "dilation", layer.dilation, 1)
        pad = layer.padding
        if isinstance(pad, str):
            if pad not in ("valid", "same"):
                raise _fail(index, layer, f"padding must be 'valid', 'same' or a number of pixels, got {pad!r}")
        else:
            _check_pair(index, layer, "padding", as_pair(pad), 0)
        _check_activation(index, layer, layer.activation)
        if layer.activation == "softmax":
            raise _fail(index, layer, "softmax is only allowed on the last Dense layer (or as a Softmax layer)")
        if not isinstance(layer.bias, bool):
            raise _fail(index, layer, f"bias must be true or false, got {layer.bias!r}")
    elif isinstance(layer, (MaxPool, AvgPool)):
        _check_pair(index, layer, "size", layer.size, 1)
        _check_pair(index, layer, "stride", layer.step, 1)
        _check_pair(index, layer, "padding", layer.padding, 0)
        if layer.padding[0] * 2 > layer.size[0] or layer.padding[1] * 2 > layer.size[1]:
            raise _fail(index, layer, f"padding {_show(layer.padding)} must be at most half the "
                                      f"{_show(layer.size)} window")
        if not isinstance(layer.ceil, bool):
            raise _fail(index, layer, f"ceil must be true or false, got {layer.ceil!r}")
    elif isinstance(layer, Activation):
        if layer.kind not in ACTIVATION_KINDS:
            raise _fail(index, layer, f"unknown activation {layer.kind!r}; expected one of "
                                      f"{', '.join(ACTIVATION_KINDS)}")
        slope = layer.negative_slope
        if isinstance(slope, bool) or not isinstance(slope, (int, float)) or not math.isfinite(slope):
            raise _fail(index, layer, f"negative_slope must be a finite number, got {slope!r}")
    elif isinstance(layer, Dropout):
        rate = layer.rate
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise _fail(index, layer, f"rate must be a number from 0 up to (not including) 1, got {rate!r}")
    elif isinstance(layer, Dense):
        _check_int(index, layer, "units", layer.units, 1)
        _check_activation(index, layer, layer.activation)
        if not isinstance(layer.bias, bool):
            raise _fail(index, layer, f"bias must be true or false, got {layer.bias!r}")
    elif not isinstance(layer, (BatchNorm, Flatten, GlobalAvgPool, GlobalMaxPool, Softmax)):
        raise SpecError(f"layer {index + 1}: not a layer: {layer!r}", index)
