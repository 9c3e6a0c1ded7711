"""Random valid model specs, for checking shape inference, building and code generation against torch.

Every kind of layer and option appears: strides, dilation, 'same' (also asymmetric)
and pixel padding, ceil pooling, BatchNorm on maps and on flat vectors, all activations.
"""

from __future__ import annotations

import random

from cnn_explorer.core.model.layers import (
    ACTIVATION_KINDS,
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
)
from cnn_explorer.core.model.shapes import validate
from cnn_explorer.core.model.spec import ModelSpec


def _conv(rng: random.Random) -> Conv2D:
    padding = rng.choice(["valid", "same", rng.randint(0, 2), (rng.randint(0, 2), rng.randint(0, 2))])
    return Conv2D(rng.randint(1, 6), (rng.randint(1, 4), rng.randint(1, 4)),
                  stride=(rng.randint(1, 3), rng.randint(1, 2)), padding=padding,
                  dilation=rng.choice([(1, 1), (1, 1), (2, 1), (2, 2)]),
                  activation=rng.choice(["none", "relu", "leaky_relu", "sigmoid", "tanh"]),
                  bias=rng.random() < 0.8)


def _pool(rng: random.Random) -> MaxPool | AvgPool:
    size = (rng.randint(1, 3), rng.randint(1, 3))
    stride = rng.choice([None, (rng.randint(1, 3), rng.randint(1, 3))])
    padding = (rng.randint(0, size[0] // 2), rng.randint(0, size[1] // 2))
    cls = rng.choice([MaxPool, AvgPool])
    return cls(size, stride, padding, rng.random() < 0.5)


def _pointwise(rng: random.Random):
    kind = rng.randrange(3)
    if kind == 0:
        return Activation(rng.choice(ACTIVATION_KINDS), round(rng.uniform(0.0, 0.3), 3))
    if kind == 1:
        return BatchNorm()
    return Dropout(round(rng.uniform(0.0, 0.6), 2))


def random_spec(seed: int, *, max_size: int = 20) -> ModelSpec:
    """A valid spec drawn from ``seed`` (the same seed, the same spec); inputs up to max_size pixels."""
    rng = random.Random(seed)
    while True:
        shape = (rng.randint(1, max_size), rng.randint(1, max_size), rng.randint(1, 3))
        n = rng.randint(2, 5)
        layers: list = []
        for _ in range(rng.randint(0, 5)):
            pick = rng.random()
            layers.append(_conv(rng) if pick < 0.5 else _pool(rng) if pick < 0.75 else _pointwise(rng))
        end = rng.random()
        if end < 0.2 and layers:
            # an all-convolutional ending: one filter a class, then global pooling
            layers.append(Conv2D(n, 1, activation="none"))
            layers.append(rng.choice([GlobalAvgPool(), GlobalMaxPool()]))
        else:
            layers.append(rng.choice([Flatten(), Flatten(), GlobalAvgPool(), GlobalMaxPool()]))
            for _ in range(rng.randint(0, 2)):
                layers.append(Dense(rng.randint(1, 8), rng.choice(["none", "relu", "leaky_relu", "sigmoid", "tanh"]),
                                    bias=rng.random() < 0.8))
                if rng.random() < 0.4:
                    layers.append(_pointwise(rng))
            layers.append(Dense(n, rng.choice(["none", "softmax"])))
        if rng.random() < 0.3 and not (isinstance(layers[-1], Dense) and layers[-1].activation == "softmax"):
            layers.append(Softmax())
        spec = ModelSpec(tuple(layers), shape, tuple(f"class {i}" for i in range(n)), name=f"random-{seed}")
        try:
            validate(spec)
        except SpecError:
            continue
        return spec
