"""Building torch models from specs: parameter counts and shapes agree with the table, layer by layer."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_explorer.core.model.build import build_model, conv_layers
from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.model.random_specs import random_spec
from cnn_explorer.core.model.spec import (
    Conv2D,
    Dense,
    Flatten,
    GlobalAvgPool,
    MaxPool,
    ModelSpec,
    Softmax,
    SpecError,
    shape_table,
    total_params,
)


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def child_outputs(model: nn.Sequential, x: torch.Tensor) -> dict[str, torch.Tensor]:
    outputs = {}
    for name, child in model.named_children():
        x = child(x)
        outputs[name] = x
    return outputs


def torch_shape(row_shape: tuple[int, ...]) -> tuple[int, ...]:
    """(H, W, C) -> (C, H, W); flat shapes unchanged."""
    return (row_shape[2], row_shape[0], row_shape[1]) if len(row_shape) == 3 else row_shape


def check_against_torch(spec: ModelSpec) -> None:
    """Every row's output shape and parameter count equals what torch computes."""
    model = build_model(spec).eval()
    assert count(model) == total_params(spec)
    h, w, c = spec.input_shape
    with torch.no_grad():
        outputs = child_outputs(model, torch.randn(2, c, h, w))
    children = dict(model.named_children())
    for row in shape_table(spec):
        if row.layer_type == "Softmax":
            continue
        key = row.name + "_flatten" if row.layer_type.startswith("Global") else row.name
        assert tuple(outputs[key].shape[1:]) == torch_shape(row.output_shape), (row, spec)
        assert count(children[row.name]) == row.params, (row, spec)
    final = list(outputs.values())[-1]
    assert tuple(final.shape) == (2, spec.num_classes)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("shape", [None, (28, 28, 1), (9, 9, 1), (2, 2, 1)])
def test_presets_match_torch(name, shape):
    check_against_torch(preset(name, shape, None if shape is None else 3))


@pytest.mark.parametrize("seed", range(60))
def test_random_specs_match_torch(seed):
    check_against_torch(random_spec(seed))


def test_children_are_named_by_kind():
    model = build_model(preset("keras-slides", (28, 28, 1), 10))
    assert [name for name, _ in model.named_children()] == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1", "fc1", "relu3", "fc2"]
    assert isinstance(model.conv1, nn.Conv2d) and model.conv1.weight.shape == (32, 1, 3, 3)
    assert [name for name, _ in conv_layers(model)] == ["conv1", "conv2"]
    assert all(isinstance(m, nn.Conv2d) for _, m in conv_layers(model))
    assert conv_layers(build_model(preset("mnist-fast")))[-1][0] == "conv5"


def test_output_is_logits_softmax_left_to_inference():
    spec = preset("xo-tiny")
    assert spec.layers[-1] == Dense(2, "softmax")
    model = build_model(spec)
    assert not any(isinstance(m, nn.Softmax) for m in model.modules())
    explicit = ModelSpec((Flatten(), Dense(3), Softmax()), (2, 2, 1), ("a", "b", "c"))
    model = build_model(explicit)
    assert [type(m) for m in model.children()] == [nn.Flatten, nn.Linear]
    logits = model(torch.full((4, 1, 2, 2), 3.0))
    assert not torch.allclose(logits.sum(1), torch.ones(4))


# the reference call below, not our model, makes torch warn about a padded copy
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_same_padding_matches_torch_same_for_stride_one():
    # torch's padding="same" puts an odd extra pixel bottom/right, as TensorFlow does
    for kernel in [(2, 2), (4, 3), (3, 3), (2, 5)]:
        spec = ModelSpec((Conv2D(2, kernel, padding="same", activation="none"), GlobalAvgPool(), Dense(2)),
                         (7, 6, 3), ("a", "b"))
        model = build_model(spec)
        x = torch.randn(1, 3, 7, 6)
        ours = model[:2](x) if "pad1" in dict(model.named_children()) else model[:1](x)
        expected = F.conv2d(x, model.conv1.weight, model.conv1.bias, padding="same")
        assert torch.allclose(ours, expected, atol=1e-6)


def test_strided_same_padding_is_tensorflows():
    # 6 wide, kernel 3, stride 2: TF pads 0 left and 1 right -> 3 outputs
    spec = ModelSpec((Conv2D(1, (1, 3), stride=(1, 2), padding="same", activation="none", bias=False),
                      Flatten(), Dense(2)), (1, 6, 1), ("a", "b"))
    model = build_model(spec)
    with torch.no_grad():
        model.conv1.weight.copy_(torch.tensor([[[[1.0, 10.0, 100.0]]]]))
        out = model[:2](torch.arange(1.0, 7.0).reshape(1, 1, 1, 6))
    # windows [1,2,3], [3,4,5], [5,6,0]
    assert out.flatten().tolist() == [321.0, 543.0, 65.0]


def test_invalid_spec_builds_nothing():
    spec = ModelSpec((Conv2D(4, 3), Dense(2)), (8, 8, 1), ("a", "b"))
    with pytest.raises(SpecError, match=r"^layer 2 \(Dense\): needs a flat input"):
        build_model(spec)
    with pytest.raises(SpecError, match="shrink below 1x1"):
        build_model(ModelSpec((MaxPool(4), Flatten(), Dense(2)), (3, 3, 1), ("a", "b")))


def test_model_trains_on_float32_nchw():
    spec = preset("xo-tiny")
    torch.manual_seed(0)
    model = build_model(spec)
    x, y = torch.randn(8, 1, 9, 9), torch.tensor([0, 1] * 4)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
