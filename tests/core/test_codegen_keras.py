"""The generated Keras 3 code runs as written (torch backend) and builds the app's model.

One subprocess runs every case (the presets, random valid specs and the cases Keras has no direct
layer for): it executes the code, copies the app's weights in and compares the outputs. Skipped
when Keras 3 is not installed (the ``test`` extra installs it).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnn_explorer.core.model.codegen import keras_code
from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.model.random_specs import random_spec
from cnn_explorer.core.model.spec import (
    Activation,
    AvgPool,
    BatchNorm,
    Conv2D,
    Dense,
    Flatten,
    GlobalAvgPool,
    MaxPool,
    ModelSpec,
    shape_table,
    total_params,
)

RUNNER = Path(__file__).with_name("codegen_keras_run.py")
#: a layer line's comment: "# -> 62x62x32, 896 parameters"
COMMENT = re.compile(r"# -> (?P<shape>[\dx]+)(?:, (?P<params>[\d,]+) parameters)?")
RANDOM_SEEDS = range(40)


def special_specs() -> dict[str, ModelSpec]:
    """Specs with what Keras has no one layer for: stride with dilation, -inf max-pool padding, ceil mode."""
    names = ("a", "b", "c")
    return {
        "stride-and-dilation": ModelSpec((Conv2D(3, 3, stride=2, dilation=2, padding="same", activation="tanh"),
                                          Conv2D(2, (2, 3), stride=(3, 2), dilation=(2, 1), padding=1),
                                          Flatten(), Dense(3)), (17, 16, 2), names),
        "padded-max-pool-after-tanh": ModelSpec((Conv2D(4, 3, activation="tanh"), MaxPool(3, 2, 1),
                                                 Flatten(), Dense(3)), (9, 9, 1), names),
        "padded-max-pool-after-relu": ModelSpec((Conv2D(4, 3, activation="relu"), MaxPool(3, 2, 1),
                                                 Flatten(), Dense(3)), (9, 9, 1), names),
        "ceil-pools": ModelSpec((MaxPool(3, 2, ceil=True), Conv2D(3, 2), MaxPool(2, ceil=True), BatchNorm(),
                                 MaxPool((3, 2), (2, 3), (1, 0), ceil=True), GlobalAvgPool(), Dense(3)),
                                (16, 13, 1), names),
        "ceil-avg-pool": ModelSpec((AvgPool(2, ceil=True), Activation("leaky_relu", 0.0), MaxPool(2, 3, 1, True),
                                    Flatten(), BatchNorm(), Dense(3, "softmax")), (7, 7, 3), names),
    }


def cases() -> dict[str, ModelSpec]:
    specs = {name: preset(name) for name in PRESETS}
    specs.update({f"random-{seed}": random_spec(seed) for seed in RANDOM_SEEDS})
    specs.update(special_specs())
    return specs


@pytest.fixture(scope="module")
def keras_results() -> dict[str, dict]:
    """Each case's result from one run of the Keras runner (Keras 3, torch backend)."""
    # not imported here: Keras picks its backend once, at import (the runner sets KERAS_BACKEND=torch)
    try:
        version = importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("Keras 3 is not installed (pip install -e '.[test]')")
    if int(version.split(".")[0]) < 3:
        pytest.skip(f"Keras {version} is installed; the generated code is for Keras 3")
    payload = json.dumps([{"name": name, "spec": spec.to_dict()} for name, spec in cases().items()])
    env = dict(os.environ, KERAS_BACKEND="torch", PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parents[2]), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(RUNNER)], input=payload, capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {r["name"]: r for r in results}


@pytest.mark.parametrize("name", list(cases()))
def test_keras_code_runs_and_builds_the_apps_model(keras_results, name):
    spec = cases()[name]
    result = keras_results[name]
    assert "error" not in result, (result.get("error"), keras_code(spec))
    assert result["output_shape"] == [None, spec.num_classes]
    assert result["trainable"] == total_params(spec)
    moving = sum(2 * row.output_shape[-1] for row in shape_table(spec) if row.layer_type == "BatchNorm")
    assert result["count_params"] == total_params(spec) + moving
    code = keras_code(spec)
    # every "-> shape, N parameters" comment describes the Keras layer on its line
    body = code.split("model = keras.Sequential([\n", 1)[1].split("\n])", 1)[0].splitlines()[1:]  # after Input
    assert len(body) == len(result["layers"])
    for line, layer in zip(body, result["layers"]):
        found = COMMENT.search(line)
        if found:
            assert found["shape"] == "x".join(map(str, layer["shape"])), line
            assert int((found["params"] or "0").replace(",", "")) == layer["trainable"], line
        else:
            assert layer["trainable"] == 0, line
    if "which PyTorch's ceil mode leaves out" in code:  # said plainly: edge values differ, shapes do not
        return
    assert result["max_diff"] <= 1e-4 * max(1.0, result["scale"]), code
