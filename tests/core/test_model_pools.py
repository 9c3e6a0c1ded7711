"""MaxPool and AvgPool are siblings: neither is the other, and each builds, prints and generates as itself."""

from __future__ import annotations

import pytest

from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.codegen import keras_code, pytorch_code
from cnn_explorer.core.model.layers import check_layer, layer_from_dict, layer_to_dict
from cnn_explorer.core.model.spec import (
    AvgPool,
    Dense,
    Flatten,
    MaxPool,
    ModelSpec,
    SpecError,
    shape_table,
)


def spec_of(pool) -> ModelSpec:
    return ModelSpec(input_shape=(7, 7, 2), class_names=("a", "b"), layers=(pool, Flatten(), Dense(2)))


def test_neither_pool_is_the_other():
    assert not isinstance(AvgPool(2), MaxPool)
    assert not isinstance(MaxPool(2), AvgPool)
    assert MaxPool(2) != AvgPool(2)


@pytest.mark.parametrize("cls", [MaxPool, AvgPool])
def test_pools_share_fields_json_and_checks(cls):
    pool = cls(3, 2, 1, ceil=True)
    assert (pool.size, pool.stride, pool.padding, pool.ceil, pool.step) == ((3, 3), (2, 2), (1, 1), True, (2, 2))
    assert cls(2).step == (2, 2)
    assert layer_from_dict(layer_to_dict(pool), 0) == pool
    with pytest.raises(SpecError, match=rf"layer 1 \({cls.display}\): padding 2x2 must be at most half"):
        check_layer(cls(3, padding=2), 0)


@pytest.mark.parametrize(("pool", "details"), [
    (MaxPool(2, ceil=True), "2x2 window, stride 2, ceil"),
    (AvgPool(3, 2, 1), "3x3 window, stride 2, pad 1"),
])
def test_pools_print_in_the_shape_table(pool, details):
    row = shape_table(spec_of(pool))[0]
    assert (row.name, row.layer_type, row.output_shape, row.details) == ("pool1", pool.display, (4, 4, 2), details)


@pytest.mark.parametrize(("pool", "torch_call", "keras_call"), [
    (MaxPool(2, ceil=True), "nn.MaxPool2d(kernel_size=2, ceil_mode=True)",
     "layers.MaxPooling2D(pool_size=(2, 2), padding=\"same\"),  # -> 4x4x2; keeps the edge, like ceil mode"),
    (AvgPool(3, 2, 1), "nn.AvgPool2d(kernel_size=3, stride=2, padding=1)",
     "layers.AveragePooling2D(pool_size=(3, 3), strides=(2, 2))"),  # after its ZeroPadding2D
])
def test_pools_generate_their_own_code(pool, torch_call, keras_call):
    spec = spec_of(pool)
    assert f"('pool1', {torch_call})," in pytorch_code(spec)
    assert keras_call in keras_code(spec)


@pytest.mark.parametrize(("pool", "module"), [(MaxPool(2, ceil=True), "MaxPool2d"), (AvgPool(3, 2, 1), "AvgPool2d")])
def test_pools_build_their_own_module(pool, module):
    torch = pytest.importorskip("torch")
    model = build_model(spec_of(pool))
    assert type(model.pool1) is getattr(torch.nn, module)
    assert (model.pool1.kernel_size, model.pool1.stride, model.pool1.padding) == (
        pool.size[0], pool.step[0], pool.padding[0])
    assert model.pool1.ceil_mode == pool.ceil
    assert tuple(model.pool1(torch.zeros(1, 2, 7, 7)).shape) == (1, 2, 4, 4)
