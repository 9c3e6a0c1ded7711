"""Model specs: the slides' numbers, JSON round-trips, every invalid-spec message, presets."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.model.random_specs import random_spec
from cnn_explorer.core.model.spec import (
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
    ModelSpec,
    Softmax,
    SpecError,
    format_table,
    load_spec,
    same_padding,
    save_spec,
    shape_table,
    total_params,
    totals,
    validate,
)


def spec_of(*layers, shape=(8, 8, 1), classes=("a", "b")) -> ModelSpec:
    return ModelSpec(tuple(layers), shape, tuple(classes))


# ---------------------------------------------------------------------------- the slides' numbers


@pytest.mark.parametrize("padding", [2, "same"])
def test_ten_5x5_filters_on_32x32x3_with_pad_2(padding):
    rows = shape_table(spec_of(Conv2D(10, 5, padding=padding), shape=(32, 32, 3)))
    assert rows[0].output_shape == (32, 32, 10)
    assert (rows[0].weights, rows[0].biases, rows[0].params) == (750, 10, 760)


def test_keras_slides_model_on_64x64x3():
    rows = shape_table(preset("keras-slides", (64, 64, 3), 2))
    assert rows[0].output_shape == (62, 62, 32) and rows[0].params == 896
    assert [r.output_shape for r in rows] == [(62, 62, 32), (31, 31, 32), (29, 29, 32), (14, 14, 32),
                                              (6272,), (128,), (2,)]
    # the slide's "(64-3+2*1)/1+1 = 64" is the same convolution with padding 1
    assert shape_table(spec_of(Conv2D(32, 3, padding=1), shape=(64, 64, 3)))[0].output_shape == (64, 64, 32)


@pytest.mark.parametrize("shape", [(1, 1, 3), (3, 1, 1)])
def test_3_4_5_3_2_dense_network_has_53_weights_and_14_biases(shape):
    spec = spec_of(Flatten(), Dense(4, "sigmoid"), Dense(5, "sigmoid"), Dense(3, "sigmoid"), Dense(2),
                   shape=shape)
    assert totals(shape_table(spec)) == (53, 14, 67)
    assert total_params(spec) == 67


def test_slide_shapes_happy_face_and_xo():
    # 7x7 image, 3x3 detector -> 5x5; 2x2 pooling keeping the edge -> 3x3; flatten -> 9
    rows = shape_table(spec_of(Conv2D(1, 3), MaxPool(2, ceil=True), Flatten(), shape=(7, 7, 1)))
    assert [r.output_shape for r in rows] == [(5, 5, 1), (3, 3, 1), (9,)]
    # strided convolution 7x7 -> 3x3, 9x9 with stride 3 -> 3x3
    assert shape_table(spec_of(Conv2D(1, 3, stride=2), shape=(7, 7, 1)))[0].output_shape == (3, 3, 1)
    assert shape_table(spec_of(Conv2D(1, 3, stride=3), shape=(9, 9, 1)))[0].output_shape == (3, 3, 1)
    # X/O: three 3x3 features on 9x9 -> 7x7x3, pooled with the edge kept -> 4x4x3
    rows = shape_table(preset("xo-tiny"))
    assert [r.output_shape for r in rows[:2]] == [(7, 7, 3), (4, 4, 3)]


@pytest.mark.parametrize("size,kernel,stride,expected", [
    (5, 3, 2, (1, 1)), (6, 3, 2, (0, 1)), (7, 2, 1, (0, 1)), (4, 3, 1, (1, 1)), (1, 5, 3, (2, 2)), (9, 1, 4, (0, 0)),
])
def test_same_padding_follows_tensorflow(size, kernel, stride, expected):
    assert same_padding(size, kernel, stride) == expected


def test_same_padding_output_is_ceil_of_input_over_stride():
    for size in range(1, 12):
        for stride in (1, 2, 3):
            for kernel in (1, 2, 3, 4):
                shape = shape_table(spec_of(Conv2D(1, kernel, stride=stride, padding="same"),
                                            shape=(size, size, 1)))[0].output_shape
                assert shape[0] == -(-size // stride)


def test_pooling_sizes_floor_and_ceil():
    rows = shape_table(spec_of(MaxPool(2), shape=(7, 7, 1)))
    assert rows[0].output_shape == (3, 3, 1)
    rows = shape_table(spec_of(MaxPool(2, ceil=True), shape=(7, 7, 1)))
    assert rows[0].output_shape == (4, 4, 1)
    rows = shape_table(spec_of(AvgPool(3, 2, 1), shape=(8, 8, 2)))
    assert rows[0].output_shape == (4, 4, 2)


def test_batchnorm_counts_scale_and_shift():
    rows = shape_table(spec_of(Conv2D(4, 3, bias=False), BatchNorm(), Flatten(), BatchNorm(), shape=(5, 5, 1)))
    assert (rows[0].weights, rows[0].biases) == (36, 0)
    assert (rows[1].weights, rows[1].biases, rows[1].params) == (4, 4, 8)
    assert (rows[3].weights, rows[3].biases) == (36, 36)


def test_global_pooling_gives_one_value_a_channel():
    rows = shape_table(spec_of(Conv2D(6, 3), GlobalAvgPool(), shape=(10, 12, 3)))
    assert rows[1].output_shape == (6,)
    rows = shape_table(spec_of(Conv2D(6, 3), GlobalMaxPool(), shape=(10, 12, 3)))
    assert rows[1].output_shape == (6,)


def test_row_names_match_built_children():
    rows = shape_table(preset("mnist-fast"))
    assert [r.name for r in rows[:8]] == ["conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "pool1", "conv3"]
    assert rows[-3].name == "gap1" and rows[-1].name == "fc1"
    assert [r.index for r in rows] == list(range(1, len(rows) + 1))


def test_format_table_shows_rows_and_totals():
    spec = preset("keras-slides")
    text = format_table(shape_table(spec), input_shape=spec.input_shape, title="keras-slides")
    lines = text.splitlines()
    assert lines[0] == "keras-slides"
    assert "input" in lines[3] and "64x64x3" in lines[3]
    conv = next(line for line in lines if "conv1" in line)
    assert "62x62x32" in conv and "864" in conv and "896" in conv and "relu" in conv
    assert lines[-1] == "Total: 813,346 parameters (813,152 weights + 194 biases)"
    # columns line up: every row has its params right-aligned at the same place
    ends = {len(line.split("  details")[0]) for line in lines if line.startswith("#")}
    assert len(ends) == 1


# ---------------------------------------------------------------------------- JSON


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_round_trip_through_json(name):
    spec = preset(name)
    text = spec.to_json()
    data = json.loads(text)
    assert data["format"] == "cnn-explorer-model-spec" and data["version"] == 1
    assert ModelSpec.from_json(text) == spec


@pytest.mark.parametrize("seed", range(25))
def test_random_specs_round_trip_through_json(seed):
    spec = random_spec(seed)
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_json_defaults_and_short_forms():
    text = json.dumps({"input_shape": [9, 9, 1], "class_names": ["X", "O"], "layers": [
        {"type": "conv2d", "filters": 3, "kernel": 3}, {"type": "maxpool", "size": 2, "ceil": True},
        {"type": "leaky_relu", "negative_slope": 0.2}, {"type": "flatten"}, {"type": "dense", "units": 2},
    ]})
    spec = ModelSpec.from_json(text)
    assert spec.layers[0] == Conv2D(3, (3, 3), (1, 1), "valid", (1, 1), "relu")
    assert spec.layers[1] == MaxPool((2, 2), None, (0, 0), True)
    assert spec.layers[2] == Activation("leaky_relu", 0.2)
    validate(spec)


def test_save_and_load_spec(tmp_path):
    spec = preset("tiny-vgg", (32, 32, 3), ["a", "b", "c"])
    path = tmp_path / "tiny.json"
    save_spec(spec, path)
    assert load_spec(path) == spec
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("layer,message", [
    ({"type": "conv3d", "filters": 1}, "layer 1: unknown layer type 'conv3d'"),
    ({"filters": 1}, "layer 1: unknown layer type None"),
    ({"type": ["conv2d"]}, "layer 1: unknown layer type ['conv2d']"),
    ({"type": "conv2d", "filters": 3, "filter_size": 3}, "layer 1 (Conv2D): unknown key 'filter_size'"),
    ({"type": "conv2d", "filters": "32"}, "layer 1 (Conv2D): filters must be an integer, got '32'"),
    ({"type": "conv2d", "filters": True}, "layer 1 (Conv2D): filters must be an integer, got True"),
    ({"type": "conv2d", "filters": 3, "kernel": [3]}, "layer 1 (Conv2D): kernel must be an integer or a list of two"),
    ({"type": "conv2d", "filters": 3, "padding": 1.5}, "layer 1 (Conv2D): padding must be 'valid', 'same'"),
    ({"type": "conv2d"}, "layer 1 (Conv2D): missing 'filters'"),
    ({"type": "dense", "units": 2, "activation": 3}, "layer 1 (Dense): activation must be a string, got 3"),
    ({"type": "dropout", "rate": "half"}, "layer 1 (Dropout): rate must be a number, got 'half'"),
    ({"type": "maxpool", "ceil": 1}, "layer 1 (MaxPool): ceil must be true or false, got 1"),
    ({"type": "relu", "negative_slope": 0.1}, "layer 1 (ReLU): unknown key 'negative_slope' (allowed: no other keys)"),
    ("conv2d", "layer 1: must be an object"),
])
def test_bad_layer_json_names_the_layer(layer, message):
    data = {"input_shape": [8, 8, 1], "class_names": ["a", "b"], "layers": [layer]}
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict(data)
    assert str(info.value).startswith(message)
    assert info.value.layer_index == 0


@pytest.mark.parametrize("data,message", [
    ([], "model spec: must be a JSON object"),
    ({"format": "keras", "input_shape": [1, 1, 1], "class_names": [], "layers": []}, "format: not a CNN Explorer"),
    ({"version": 2, "input_shape": [1, 1, 1], "class_names": [], "layers": []}, "version: 2 is newer"),
    ({"input_shape": [1, 1, 1], "class_names": [], "layers": [], "optimizer": "adam"},
     "model spec: unknown key 'optimizer'"),
    ({"class_names": [], "layers": []}, "model spec: missing 'input_shape'"),
    ({"input_shape": [28, 28], "class_names": [], "layers": []}, "input_shape: must be a list of three integers"),
    ({"input_shape": [1, 1, 1], "class_names": "ab", "layers": []}, "class_names: must be a list of strings"),
    ({"input_shape": [1, 1, 1], "class_names": [], "layers": {}}, "layers: must be a list"),
    ({"input_shape": [1, 1, 1], "class_names": [], "layers": [], "name": 3}, "name: must be a string"),
])
def test_bad_spec_json_says_what(data, message):
    with pytest.raises(SpecError, match="^" + message.replace("(", r"\(")):
        ModelSpec.from_dict(data)


def test_bad_json_text_and_files(tmp_path):
    with pytest.raises(SpecError, match="not valid JSON: .* line 1"):
        ModelSpec.from_json("{layers: }")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"input_shape": [8, 8, 1], "class_names": ["a", "b"],
                                "layers": [{"type": "dense", "units": 2}]}))
    with pytest.raises(SpecError, match=r"^bad.json: layer 1 \(Dense\): needs a flat input"):
        load_spec(path)
    assert load_spec(path, check=False).layers == (Dense(2),)
    with pytest.raises(CnnExplorerError, match="spec file: not found: .*missing.json"):
        load_spec(tmp_path / "missing.json")
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CnnExplorerError, match="not a UTF-8 text"):
        load_spec(path)


# ---------------------------------------------------------------------------- validation messages

FLAT = (Flatten(), Dense(2))


@pytest.mark.parametrize("layers,shape,index,message", [
    ((Conv2D(0, 3), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): filters must be at least 1, got 0"),
    ((Conv2D(-4, 3), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): filters must be at least 1, got -4"),
    ((Conv2D(2, 0), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): kernel must be at least 1, got 0x0"),
    ((Conv2D(2, 3, stride=(1, 0)), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): stride must be at least 1, got 1x0"),
    ((Conv2D(2, 3, dilation=0), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): dilation must be at least 1"),
    ((Conv2D(2, 3, padding=-1), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): padding must be at least 0, got -1x-1"),
    ((Conv2D(2, 3, padding="full"), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): padding must be 'valid', 'same'"),
    ((Conv2D(2, 3, activation="swish"), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): unknown activation 'swish'"),
    ((Conv2D(2, 3, activation="softmax"), *FLAT), (8, 8, 1), 0,
     "layer 1 (Conv2D): softmax is only allowed on the last Dense"),
    ((Conv2D(2, 2.5), *FLAT), (8, 8, 1), 0, "layer 1 (Conv2D): kernel must be an integer or a pair"),
    ((MaxPool(0), *FLAT), (8, 8, 1), 0, "layer 1 (MaxPool): size must be at least 1, got 0x0"),
    ((AvgPool(2, 0), *FLAT), (8, 8, 1), 0, "layer 1 (AvgPool): stride must be at least 1, got 0x0"),
    ((MaxPool(2, padding=2), *FLAT), (8, 8, 1), 0, "layer 1 (MaxPool): padding 2x2 must be at most half the 2x2"),
    ((Activation("gelu"), *FLAT), (8, 8, 1), 0, "layer 1 (gelu): unknown activation 'gelu'"),
    ((Activation("leaky_relu", float("nan")), *FLAT), (8, 8, 1), 0,
     "layer 1 (LeakyReLU): negative_slope must be a finite number"),
    ((Flatten(), Dropout(1.0), Dense(2)), (8, 8, 1), 1, "layer 2 (Dropout): rate must be a number from 0 up to"),
    ((Flatten(), Dropout(-0.1), Dense(2)), (8, 8, 1), 1, "layer 2 (Dropout): rate must be"),
    ((Flatten(), Dense(0), Dense(2)), (8, 8, 1), 1, "layer 2 (Dense): units must be at least 1, got 0"),
    ((Flatten(), Dense(-3), Dense(2)), (8, 8, 1), 1, "layer 2 (Dense): units must be at least 1, got -3"),
    ((Flatten(), Dense(2, "elu")), (8, 8, 1), 1, "layer 2 (Dense): unknown activation 'elu'"),
    ((Conv2D(2, 3), Conv2D(2, 3), Conv2D(2, 3), *FLAT), (6, 6, 1), 2,
     "layer 3 (Conv2D): the 2x2 input is smaller than the 3x3 kernel (the map would shrink below 1x1)"),
    ((Conv2D(2, 5, padding=1), *FLAT), (1, 1, 1), 0, "layer 1 (Conv2D): the 3x3 padded input is smaller than the 5x5"),
    ((Conv2D(2, 3, dilation=3), *FLAT), (5, 5, 1), 0, "layer 1 (Conv2D): the 5x5 input is smaller than the 7x7 dilated"),
    ((MaxPool(2), MaxPool(2), *FLAT), (3, 3, 1), 1,
     "layer 2 (MaxPool): the 1x1 input is too small for a 2x2 window (the map would shrink below 1x1); use ceil"),
    ((Conv2D(2, 3), Dense(2)), (8, 8, 1), 1,
     "layer 2 (Dense): needs a flat input but gets a 6x6x2 map; add Flatten or a global pooling layer before it"),
    ((Dense(2),), (1, 1, 3), 0, "layer 1 (Dense): needs a flat input but gets a 1x1x3 map"),
    ((Flatten(), Conv2D(2, 1), Dense(2)), (8, 8, 1), 1,
     "layer 2 (Conv2D): needs a feature map (H, W, C) but gets 64 flat values; move it before Flatten"),
    ((GlobalAvgPool(), MaxPool(1), Dense(2)), (8, 8, 1), 1, "layer 2 (MaxPool): needs a feature map"),
    ((Flatten(), GlobalMaxPool(), Dense(2)), (8, 8, 1), 1, "layer 2 (GlobalMaxPool): needs a feature map"),
    ((Flatten(), Softmax(), Dense(2)), (8, 8, 1), 1, "layer 2 (Softmax): must be the last layer"),
    ((Flatten(), Dense(2, "softmax"), Dense(2)), (8, 8, 1), 1,
     "layer 2 (Dense): softmax is only allowed on the last layer"),
    ((Flatten(), Dense(5)), (8, 8, 1), 1,
     "layer 2 (Dense): the model gives 5 outputs but there are 2 classes; the last layer needs 2 units"),
    ((Conv2D(2, 3),), (8, 8, 1), 0,
     "layer 1 (Conv2D): the model must end with a flat output of 2 values (one a class) but ends with a 6x6x2 map"),
    ((Flatten(), "dense"), (8, 8, 1), 1, "layer 2: not a layer: 'dense'"),
])
def test_invalid_spec_names_layer_and_reason(layers, shape, index, message):
    spec = ModelSpec(tuple(layers), shape, ("a", "b"))
    with pytest.raises(SpecError) as info:
        validate(spec)
    assert str(info.value).startswith(message), str(info.value)
    assert info.value.layer_index == index
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("spec,message", [
    (ModelSpec((), (8, 8, 1), ("a", "b")), "layers: the model has no layers"),
    (ModelSpec(FLAT, (0, 8, 1), ("a", "b")), "input_shape: every size must be at least 1, got 0x8x1"),
    (ModelSpec(FLAT, (8, 8), ("a", "b")), "input_shape: must be three integers"),
    (ModelSpec(FLAT, (8, 8, 1), ("a",)), "class_names: need at least 2 classes, got 1"),
    (ModelSpec(FLAT, (8, 8, 1), ("a", "a")), "class_names: duplicate name 'a'"),
    (ModelSpec(FLAT, (8, 8, 1), ("a", " ")), "class_names: must be non-empty strings"),
])
def test_invalid_model_level_values(spec, message):
    with pytest.raises(SpecError, match="^" + message) as info:
        validate(spec)
    assert info.value.layer_index is None


def test_spec_error_is_a_user_error():
    assert issubclass(SpecError, CnnExplorerError) and issubclass(SpecError, ValueError)


# ---------------------------------------------------------------------------- presets


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3), (9, 9, 1), (2, 2, 1), (1, 1, 1)])
def test_every_preset_adapts_to_every_input(name, shape):
    spec = preset(name, shape, ["p", "q", "r"])
    validate(spec)
    assert spec.input_shape == shape and spec.class_names == ("p", "q", "r")
    assert shape_table(spec)[-1].output_shape == (3,)
    assert spec.name == name


def test_presets_adapt_padding_only_when_needed():
    assert "Adapted" not in preset("keras-slides", (28, 28, 1), 10).description
    small = preset("keras-slides", (9, 9, 1), ("X", "O"))
    assert "Adapted to the small 9x9x1 input: 'same' padding" in small.description
    assert all(layer.padding == "same" for layer in small.layers if isinstance(layer, Conv2D))
    tiny = preset("keras-slides", (2, 2, 1), ("\\", "/"))
    assert "ceil-mode pooling" in tiny.description


def test_preset_defaults_and_shapes():
    assert preset("keras-slides").input_shape == (64, 64, 3)
    assert preset("mnist-fast").class_names == tuple("0123456789")
    assert preset("xo-tiny").class_names == ("X", "O")
    assert total_params(preset("xo-tiny")) == 3 * 9 + 3 + 48 * 2 + 2
    assert total_params(preset("lenet5")) == 61_706  # LeNet-5's classic count
    # LeNet-5 on MNIST's 28x28 pads its first convolution so the rest sees 28x28x6 as on 32x32
    assert shape_table(preset("lenet5", (28, 28, 1)))[0].output_shape == (28, 28, 6)
    assert shape_table(preset("lenet5", (32, 32, 1)))[0].output_shape == (28, 28, 6)
    assert total_params(preset("tiny-vgg")) == 19_920
    rows = shape_table(preset("mnist-fast"))
    assert rows[-1].output_shape == (10,) and total_params(preset("mnist-fast")) < 200_000


def test_preset_errors():
    with pytest.raises(CnnExplorerError, match="^preset: unknown name 'vgg16'; choose from keras-slides"):
        preset("vgg16")
    with pytest.raises(SpecError, match="^input_shape: every size must be at least 1"):
        preset("lenet5", (0, 28, 1))
    with pytest.raises(SpecError, match="^class_names: need at least 2 classes, got 1"):
        preset("lenet5", None, 1)


def test_with_io_adapts_input_and_output():
    spec = preset("keras-slides").with_io((28, 28, 1), ["a", "b", "c"])
    assert spec.input_shape == (28, 28, 1) and spec.layers[-1] == Dense(3, "softmax")
    validate(spec)
    # an all-convolutional model: the last Conv2D gets one filter a class
    allconv = spec_of(Conv2D(8, 3), Conv2D(2, 1, activation="none"), GlobalAvgPool(), Softmax())
    adapted = allconv.with_io(class_names=5)
    assert adapted.layers[1].filters == 5 and adapted.class_names == tuple("01234")
    validate(adapted)
    # unchanged when nothing is given
    assert spec.with_io() == spec
    # a too small input is reported by validate, not hidden
    with pytest.raises(SpecError, match="layer 3 .*shrink below 1x1"):
        validate(spec.with_io((4, 4, 1)))


def test_specs_are_frozen_values():
    spec = preset("xo-tiny")
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]
    assert replace(spec, name="other").name == "other"
    assert Conv2D(3, 3) == Conv2D(3, (3, 3)) and hash(Conv2D(3, 3)) == hash(Conv2D(3, [3, 3]))
    assert MaxPool(2) != AvgPool(2)
    assert Activation("relu", 0.3) == Activation("relu")


SPECS_DIR = Path(__file__).resolve().parents[2] / "resources" / "specs"


@pytest.mark.parametrize("path", sorted(SPECS_DIR.glob("*.json")), ids=lambda p: p.name)
def test_bundled_example_specs_are_valid_and_current(path):
    spec = load_spec(path)
    if spec.name in PRESETS:
        assert spec == preset(spec.name), (
            f"{path.name} is out of date: cnn-explorer summary --preset {spec.name} --save-spec {path}")


def test_bundled_examples_include_the_slides_numbers():
    dense = load_spec(SPECS_DIR / "dense-3-4-5-3-2.json")
    assert totals(shape_table(dense))[:2] == (53, 14)
    filters = shape_table(load_spec(SPECS_DIR / "ten-5x5-filters.json"))[0]
    assert filters.output_shape == (32, 32, 10) and filters.params == 760
