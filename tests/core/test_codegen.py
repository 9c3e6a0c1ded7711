"""Generated code: the PyTorch code runs as written and builds the same model (same output on the same weights);
the Keras code's text (test_codegen_keras.py runs it with Keras 3)."""

from __future__ import annotations

import ast
import contextlib
import io
import re

import pytest
import torch

from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.codegen import keras_code, pytorch_code
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
    GlobalMaxPool,
    MaxPool,
    ModelSpec,
    Softmax,
    SpecError,
    total_params,
)


def run_generated(code: str) -> "torch.nn.Module":
    namespace: dict = {"__name__": "generated"}
    exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["model"]


def run_as_script(code: str) -> str:
    """What the code prints when run as a script (its ``__main__`` demo), in a fresh namespace."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<generated>", "exec"), {"__name__": "__main__"})  # noqa: S102 - our generated code
    return out.getvalue()


def check_same_model(spec: ModelSpec) -> None:
    torch.manual_seed(0)
    built = build_model(spec)
    generated = run_generated(pytorch_code(spec))
    assert sum(p.numel() for p in generated.parameters()) == total_params(spec)
    assert [n for n, _ in generated.named_children()] == [n for n, _ in built.named_children()]
    # BatchNorm running statistics that are not the defaults, so they matter
    with torch.no_grad():
        for module in built.modules():
            if isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                module.running_mean.uniform_(-1, 1)
                module.running_var.uniform_(0.5, 2)
    generated.load_state_dict(built.state_dict())
    built.eval(), generated.eval()
    h, w, c = spec.input_shape
    x = torch.randn(3, c, h, w)
    with torch.no_grad():
        assert torch.equal(built(x), generated(x))
        assert tuple(generated(x).shape) == (3, spec.num_classes)
    # the demo runs as written (eval mode, no gradients), also with BatchNorm on flat features
    assert run_as_script(pytorch_code(spec)).strip() == f"torch.Size([1, {spec.num_classes}])"


@pytest.mark.parametrize("name", list(PRESETS))
def test_pytorch_code_of_presets_is_the_same_model(name):
    check_same_model(preset(name))


@pytest.mark.parametrize("seed", range(40))
def test_pytorch_code_of_random_specs_is_the_same_model(seed):
    check_same_model(random_spec(seed))


def test_pytorch_code_is_readable():
    code = pytorch_code(preset("keras-slides"))
    assert "model = nn.Sequential(OrderedDict([" in code
    assert "('conv1', nn.Conv2d(3, 32, kernel_size=3))," in code
    assert "('pool1', nn.MaxPool2d(kernel_size=2)),  # -> (32, 31, 31)" in code
    assert "('fc2', nn.Linear(128, 2)),  # -> (2,), 258 parameters" in code
    assert "# 813,346 parameters" in code
    assert "CLASS_NAMES = ['cat', 'dog']" in code
    assert "softmax(dim=1)" in code
    ast.parse(code)


def test_pytorch_shape_comment_sits_on_the_layer_with_the_parameters():
    code = pytorch_code(preset("tiny-vgg"))
    conv = next(line for line in code.splitlines() if "('conv1'" in line)
    relu = next(line for line in code.splitlines() if line.strip().startswith("('relu1'"))
    assert "parameters" in conv and "#" not in relu
    spec = ModelSpec((Conv2D(2, 3, padding=1, activation="leaky_relu"), GlobalMaxPool(), Dense(2, "tanh"),
                      Dense(2)), (5, 5, 1), ("a", "b"))
    lines = pytorch_code(spec).splitlines()
    commented = [line.split("(", 1)[1].split(",")[0] for line in lines if "# ->" in line]
    assert commented == ["'conv1'", "'gmp1_flatten'", "'fc1'", "'fc2'"]


def test_pytorch_demo_runs_in_eval_mode_with_batchnorm_on_flat_features():
    spec = ModelSpec((Flatten(), Dense(4), BatchNorm(), Dropout(0.5), Dense(2)), (3, 3, 1), ("a", "b"))
    code = pytorch_code(spec)
    assert "model.eval()" in code and "with torch.no_grad():" in code
    assert run_as_script(code).strip() == "torch.Size([1, 2])"


def test_pytorch_code_is_safe_with_odd_names_and_descriptions():
    spec = ModelSpec((Flatten(), Dense(2)), (2, 2, 1), ("it's", 'say "hi"\n]))'), name="x\ny",
                     description='"""\nimport os\n')
    model = run_generated(pytorch_code(spec))
    assert isinstance(model, torch.nn.Sequential)
    assert "\nimport os" not in pytorch_code(spec)


def keras_calls(code: str) -> list[str]:
    """The layer calls inside keras.Sequential([...]), as source text."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "keras.Sequential":
            return [ast.unparse(element) for element in node.args[0].elts]
    raise AssertionError("no keras.Sequential([...]) in the code")


def test_keras_code_of_the_slides_model():
    code = keras_code(preset("keras-slides"))
    assert keras_calls(code) == [
        "keras.Input(shape=(64, 64, 3))",
        "layers.Conv2D(32, (3, 3), activation='relu')",
        "layers.MaxPooling2D(pool_size=(2, 2))",
        "layers.Conv2D(32, (3, 3), activation='relu')",
        "layers.MaxPooling2D(pool_size=(2, 2))",
        "layers.Flatten()",
        "layers.Dense(128, activation='relu')",
        "layers.Dense(2, activation='softmax')",
    ]
    assert 'model.compile(optimizer="adam", loss="categorical_crossentropy"' in code
    assert "binary_crossentropy" in code  # the slides' two-class form, as a comment
    assert "# -> 62x62x32, 896 parameters" in code


def test_keras_code_is_keras_3_for_any_backend():
    code = keras_code(preset("lenet5"))
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import keras", "from keras import layers"]
    assert "tensorflow.keras" not in code and "input_shape=" not in code
    assert "KERAS_BACKEND=jax" in code and "KERAS_BACKEND=torch" in code and "tensorflow" in code


def test_keras_code_maps_every_layer():
    spec = ModelSpec((
        Conv2D(4, (3, 2), stride=2, padding="same", dilation=1, activation="leaky_relu", bias=False),
        Conv2D(4, 3, padding=1, dilation=(2, 1), activation="tanh"),
        MaxPool(2, ceil=True), AvgPool(3, 1, 1), BatchNorm(), Activation("sigmoid"),
        Activation("leaky_relu", 0.2), Dropout(0.25), GlobalMaxPool(), Dense(5, "relu"), Dense(3), Softmax(),
    ), (16, 16, 2), ("a", "b", "c"))
    code = keras_code(spec)
    assert keras_calls(code) == [
        "keras.Input(shape=(16, 16, 2))",
        "layers.Conv2D(4, (3, 2), strides=(2, 2), padding='same', use_bias=False)",
        "layers.LeakyReLU(negative_slope=0.01)",
        "layers.ZeroPadding2D(padding=(1, 1))",
        "layers.Conv2D(4, (3, 3), dilation_rate=(2, 1), activation='tanh')",
        "layers.MaxPooling2D(pool_size=(2, 2))",  # ceil mode changes nothing on 6x8
        "layers.ZeroPadding2D(padding=(1, 1))",
        "layers.AveragePooling2D(pool_size=(3, 3), strides=(1, 1))",
        "layers.BatchNormalization(momentum=0.9, epsilon=1e-05)",
        "layers.Activation('sigmoid')",
        "layers.LeakyReLU(negative_slope=0.2)",
        "layers.Dropout(0.25)",
        "layers.GlobalMaxPooling2D()",
        "layers.Dense(5, activation='relu')",
        "layers.Dense(3)",
        "layers.Softmax()",
    ]
    # the parameter comment sits on the layer with the parameters, not on the LeakyReLU after it
    assert "use_bias=False),  # -> 8x8x4, 48 parameters\n    layers.LeakyReLU(negative_slope=0.01),\n" in code
    assert "# -> 3x4x4, 8 parameters + 8 moving statistics (mean, variance)" in code
    assert "# 247 trainable parameters, and 8 BatchNorm moving statistics: model.count_params() gives 255." in code


def test_keras_code_builds_stride_with_dilation_and_says_how():
    spec = ModelSpec((Conv2D(3, 3, stride=2, dilation=2), Flatten(), Dense(2)), (11, 11, 1), ("a", "b"))
    code = keras_code(spec)
    calls = keras_calls(code)
    assert calls[1:3] == ["layers.Conv2D(3, (3, 3), dilation_rate=(2, 2), activation='relu')",
                          "layers.MaxPooling2D(pool_size=(1, 1), strides=(2, 2))"]
    assert "strides=(2, 2), dilation" not in code  # what Keras refuses
    assert "# -> 7x7x3, 30 parameters" in code and "# -> 4x4x3; Keras' Conv2D takes no strides with a dilation_rate" \
        in code


@pytest.mark.parametrize(("before", "padding"), [
    (Conv2D(2, 3, activation="relu"), "layers.ZeroPadding2D(padding=(1, 1))"),
    (Conv2D(2, 3, activation="sigmoid"), "layers.ZeroPadding2D(padding=(1, 1))"),
    (Conv2D(2, 3, activation="tanh"),
     "layers.Lambda(lambda x: keras.ops.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=float('-inf')))"),
    (Conv2D(2, 3, activation="none"),
     "layers.Lambda(lambda x: keras.ops.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=float('-inf')))"),
])
def test_keras_pads_max_pooling_with_zeros_only_where_inputs_are_not_negative(before, padding):
    spec = ModelSpec((before, MaxPool(3, 2, 1), Flatten(), Dense(2)), (9, 9, 1), ("a", "b"))
    code = keras_code(spec)
    assert keras_calls(code)[2:4] == [padding, "layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2))"]
    assert ("never negative" in code) == padding.startswith("layers.ZeroPadding2D")


def test_keras_ceil_mode_comments_describe_the_keras_model():
    spec = ModelSpec((AvgPool(2, ceil=True), MaxPool(2, 3, 1, True), Flatten(), Dense(2)), (7, 7, 1), ("a", "b"))
    code = keras_code(spec)
    assert keras_calls(code)[1:5] == [
        "layers.ZeroPadding2D(padding=((0, 1), (0, 1)))", "layers.AveragePooling2D(pool_size=(2, 2))",
        "layers.Lambda(lambda x: keras.ops.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=float('-inf')))",
        "layers.MaxPooling2D(pool_size=(2, 2), strides=(3, 3))"]
    assert "# -> 8x8x1; the extra bottom/right padding gives ceil mode's last windows" in code
    assert "# -> 4x4x1; the bottom/right windows also average the extra padded zeros" in code
    assert "# -> 2x2x1" in code and "# -> 2, 10 parameters" in code


def test_keras_code_without_softmax_uses_logits_loss():
    spec = ModelSpec((Flatten(), Dense(3)), (4, 4, 1), ("a", "b", "c"))
    code = keras_code(spec)
    assert "loss=keras.losses.CategoricalCrossentropy(from_logits=True)" in code
    assert "binary_crossentropy" not in code


@pytest.mark.parametrize("seed", range(40))
def test_keras_code_of_random_specs_parses_and_counts_layers(seed):
    spec = random_spec(seed)
    code = keras_code(spec)
    calls = keras_calls(code)
    assert calls[0] == "keras.Input(shape=(%d, %d, %d))" % spec.input_shape
    assert "input_shape" not in code
    wanted = {"conv2d": "layers.Conv2D(", "maxpool": "layers.MaxPooling2D(", "avgpool": "layers.AveragePooling2D(",
              "flatten": "layers.Flatten(", "dense": "layers.Dense(", "batchnorm": "layers.BatchNormalization(",
              "dropout": "layers.Dropout(", "global_avg_pool": "layers.GlobalAveragePooling2D(",
              "global_max_pool": "layers.GlobalMaxPooling2D(", "softmax": "layers.Softmax("}
    for kind, call in wanted.items():
        expected = sum(layer.type == kind for layer in spec.layers)
        if kind == "maxpool":  # a conv with stride and dilation: Keras applies the stride with a 1x1 pooling
            expected += sum(isinstance(layer, Conv2D) and layer.stride != (1, 1) and layer.dilation != (1, 1)
                            for layer in spec.layers)
        assert sum(c.startswith(call) for c in calls) == expected, (kind, code)
    for layer in spec.layers:
        if isinstance(layer, Conv2D):
            assert any(re.match(rf"layers\.Conv2D\({layer.filters}, \({layer.kernel[0]}, {layer.kernel[1]}\)", c)
                       for c in calls)


@pytest.mark.parametrize("generate", [pytorch_code, keras_code])
def test_codegen_refuses_invalid_specs(generate):
    with pytest.raises(SpecError, match=r"^layer 1 \(Dense\)"):
        generate(ModelSpec((Dense(2),), (2, 2, 1), ("a", "b")))
