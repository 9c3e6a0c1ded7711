"""The named model presets, each adapted to the input shape and classes it is trained on.

A preset is first built as published. If an input is too small for it (a map would
shrink below 1x1), its convolutions switch to 'same' padding, then its pooling to
ceil mode; the spec's description says which adaptation was made.
"""

from __future__ import annotations

from typing import Callable, Sequence, Union

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.layers import (
    Activation,
    AvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAvgPool,
    MaxPool,
    SpecError,
)
from cnn_explorer.core.model.shapes import shape_text, validate
from cnn_explorer.core.model.spec import ModelSpec, class_names_from

#: preset name -> one-line description (``preset(name)`` builds it)
PRESETS: dict[str, str] = {
    "keras-slides": "the slides' Keras model: Conv 32 3x3 ReLU, MaxPool 2, Conv 32 3x3 ReLU, MaxPool 2, "
                    "Flatten, Dense 128 ReLU, Dense out (default 64x64x3, cat/dog)",
    "lenet5": "LeCun et al. 1998: Conv 6 5x5 tanh, AvgPool 2, Conv 16 5x5 tanh, AvgPool 2, Dense 120, 84, out "
              "(default 32x32x1, digits)",
    "tiny-vgg": "CNN Explainer's Tiny VGG: two blocks of Conv 10 3x3 ReLU x2 + MaxPool 2, Flatten, Dense out "
                "(default 64x64x3, 10 classes)",
    "mnist-fast": "a fast, accurate digit net: Conv-BN-ReLU blocks 32, 32, 64, 64, 128, global average pool, "
                  "Dropout, Dense out (default 28x28x1, digits)",
    "xo-tiny": "the slides' X/O toy net: Conv 3 3x3 ReLU, MaxPool 2 ceil, Flatten, Dense 2 (default 9x9x1, X/O)",
}

DIGITS = tuple(str(i) for i in range(10))
#: the ten Tiny ImageNet classes CNN Explainer's Tiny VGG was trained on
TINY_VGG_CLASSES = ("lifeboat", "ladybug", "pizza", "bell pepper", "school bus", "koala", "espresso",
                    "red panda", "orange", "sport car")

#: name -> (default input shape (H, W, C), default class names)
DEFAULTS: dict[str, tuple[tuple[int, int, int], tuple[str, ...]]] = {
    "keras-slides": ((64, 64, 3), ("cat", "dog")),
    "lenet5": ((32, 32, 1), DIGITS),
    "tiny-vgg": ((64, 64, 3), TINY_VGG_CLASSES),
    "mnist-fast": ((28, 28, 1), DIGITS),
    "xo-tiny": ((9, 9, 1), ("X", "O")),
}

Builder = Callable[[tuple[int, int, int], int, bool, bool], list]


def _keras_slides(shape: tuple[int, int, int], n: int, same: bool, ceil: bool) -> list:
    pad = "same" if same else "valid"
    return [Conv2D(32, 3, padding=pad, activation="relu"), MaxPool(2, ceil=ceil),
            Conv2D(32, 3, padding=pad, activation="relu"), MaxPool(2, ceil=ceil),
            Flatten(), Dense(128, "relu"), Dense(n, "softmax")]


def _lenet5(shape: tuple[int, int, int], n: int, same: bool, ceil: bool) -> list:
    # LeNet-5 was designed for 32x32 digits; on smaller ones (MNIST's 28x28) its first
    # convolution pads by 2 so that the rest of the network sees the sizes it expects.
    first = "same" if same or min(shape[:2]) < 32 else "valid"
    return [Conv2D(6, 5, padding=first, activation="tanh"), AvgPool(2, ceil=ceil),
            Conv2D(16, 5, padding="same" if same else "valid", activation="tanh"), AvgPool(2, ceil=ceil),
            Flatten(), Dense(120, "tanh"), Dense(84, "tanh"), Dense(n, "softmax")]


def _tiny_vgg(shape: tuple[int, int, int], n: int, same: bool, ceil: bool) -> list:
    pad = "same" if same else "valid"
    block = [Conv2D(10, 3, padding=pad, activation="relu"), Conv2D(10, 3, padding=pad, activation="relu"),
             MaxPool(2, ceil=ceil)]
    return [*block, *block, Flatten(), Dense(n, "softmax")]


def _mnist_fast(shape: tuple[int, int, int], n: int, same: bool, ceil: bool) -> list:
    pad = "same" if same else "valid"

    def conv_bn_relu(filters: int) -> list:
        # no conv bias: BatchNorm's shift replaces it
        return [Conv2D(filters, 3, padding=pad, activation="none", bias=False), BatchNorm(), Activation("relu")]

    return [*conv_bn_relu(32), *conv_bn_relu(32), MaxPool(2, ceil=ceil),
            *conv_bn_relu(64), *conv_bn_relu(64), MaxPool(2, ceil=ceil),
            *conv_bn_relu(128), GlobalAvgPool(), Dropout(0.2), Dense(n, "softmax")]


def _xo_tiny(shape: tuple[int, int, int], n: int, same: bool, ceil: bool) -> list:
    # ceil-mode pooling keeps the edge: 7x7 -> 4x4, as on the slides
    return [Conv2D(3, 3, padding="same" if same else "valid", activation="relu"), MaxPool(2, ceil=True),
            Flatten(), Dense(n, "softmax")]


BUILDERS: dict[str, Builder] = {
    "keras-slides": _keras_slides, "lenet5": _lenet5, "tiny-vgg": _tiny_vgg,
    "mnist-fast": _mnist_fast, "xo-tiny": _xo_tiny,
}

_ADAPTATIONS = ((False, False, ""), (True, False, "'same' padding in every convolution"),
                (True, True, "'same' padding in every convolution and ceil-mode pooling"))


def build_preset(name: str, input_shape: Sequence[int] | None,
                 class_names: Union[int, Sequence[str], None]) -> ModelSpec:
    """The preset ``name`` for this input and these classes (defaults from :data:`DEFAULTS`); validated."""
    default_shape, default_names = DEFAULTS[name]
    shape = default_shape if input_shape is None else tuple(input_shape)
    names = default_names if class_names is None else class_names_from(class_names)
    last: SpecError | None = None
    for same, ceil, note in _ADAPTATIONS:
        layers = BUILDERS[name](shape, len(names), same, ceil)
        description = PRESETS[name]
        if note:
            description += f". Adapted to the small {shape_text(shape)} input: {note}"
        spec = ModelSpec(tuple(layers), shape, tuple(names), name=name, description=description)
        try:
            validate(spec)
        except SpecError as exc:
            if exc.layer_index is None:  # the input shape or class names themselves are wrong
                raise
            last = exc
            continue
        return spec
    raise SpecError(f"preset {name}: the {shape_text(shape)} input is too small even with 'same' padding and "
                    f"ceil-mode pooling ({last})", last.layer_index if last else None)


def preset(name: str, input_shape: Sequence[int] | None = None,
           class_names: Union[int, Sequence[str], None] = None) -> ModelSpec:
    """A named preset (see :data:`PRESETS`) adapted to the input shape and classes; validated.

    Inputs too small for the preset's layers are handled by 'same' convolution
    padding, then ceil-mode pooling (the spec's description says so); if even that
    shrinks a map below 1x1 a SpecError says which input size is needed.
    """
    if name not in PRESETS:
        raise CnnExplorerError(f"preset: unknown name {name!r}; choose from {', '.join(PRESETS)}")
    return build_preset(name, input_shape, class_names)
