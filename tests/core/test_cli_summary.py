"""``cnn-explorer summary``: the table, code and JSON; bad input exits 2 with one line."""

from __future__ import annotations

import ast
import json

import pytest

from cnn_explorer.cli import main
from cnn_explorer.commands.summary import parse_classes, parse_input_shape
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.spec import ModelSpec, load_spec


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["summary", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_preset_table(capsys):
    code, out, err = run(capsys, "--preset", "keras-slides")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("keras-slides: the slides' Keras model")
    assert lines[1] == "Classes (2): cat, dog"
    conv = next(line for line in lines if " conv1 " in line)
    assert "62x62x32" in conv and conv.split()[4:7] == ["864", "32", "896"]
    assert lines[-1] == "Total: 813,346 parameters (813,152 weights + 194 biases)"


def test_input_and_classes_adapt_the_preset(capsys):
    code, out, _ = run(capsys, "--preset", "keras-slides", "--input", "28,28,1", "--classes", "10")
    assert code == 0
    assert "Classes (10): 0, 1, 2" in out and "26x26x32" in out and "320" in out
    code, out, _ = run(capsys, "--preset", "xo-tiny", "--input", "9x9", "--classes", "X,O,+")
    assert code == 0 and "Classes (3): X, O, +" in out


def test_spec_file_with_overrides(tmp_path, capsys):
    path = tmp_path / "model.json"
    path.write_text(preset("lenet5").to_json(), encoding="utf-8")
    code, out, _ = run(capsys, "--spec", str(path), "--input", "28,28,1", "--classes", "a,b")
    assert code == 0 and "Classes (2): a, b" in out and "24x24x6" in out  # a file is not a preset: no padding added


def test_json_output_holds_spec_and_rows(capsys):
    code, out, _ = run(capsys, "--preset", "xo-tiny", "--json")
    assert code == 0
    data = json.loads(out)
    assert ModelSpec.from_dict(data["spec"]) == preset("xo-tiny")
    assert data["layers"][0] == {"index": 1, "name": "conv1", "type": "Conv2D", "output_shape": [7, 7, 3],
                                 "weights": 27, "biases": 3, "params": 30,
                                 "details": "3 filters 3x3, valid, relu"}
    assert data["totals"] == {"weights": 123, "biases": 5, "params": 128}


@pytest.mark.parametrize("language,marker", [("pytorch", "nn.Sequential(OrderedDict(["),
                                              ("keras", "keras.Sequential([")])
def test_code_output(capsys, language, marker):
    code, out, _ = run(capsys, "--preset", "lenet5", "--code", language)
    assert code == 0 and marker in out
    ast.parse(out)


def test_save_spec_writes_the_adapted_spec(tmp_path, capsys):
    path = tmp_path / "saved.json"
    code, _, _ = run(capsys, "--preset", "mnist-fast", "--classes", "3", "--save-spec", str(path))
    assert code == 0
    assert load_spec(path) == preset("mnist-fast", None, 3)


@pytest.mark.parametrize("args,message", [
    (["--preset", "resnet"], "preset: unknown name 'resnet'"),
    (["--preset", "lenet5", "--input", "28"], "--input: expected height,width,channels"),
    (["--preset", "lenet5", "--input", "a,b,c"], "--input: expected height,width,channels"),
    (["--preset", "lenet5", "--input", "0,28,1"], "--input: expected height,width,channels"),
    (["--preset", "lenet5", "--classes", "1"], "--classes: need at least 2 classes, got 1"),
    (["--preset", "lenet5", "--classes", "cat"], "--classes: expected a number or at least two names"),
    (["--preset", "lenet5", "--classes", "cat,,dog"], "--classes: expected a number or at least two names"),
    (["--spec", "/nonexistent/model.json"], "spec file: not found: /nonexistent/model.json"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith(f"cnn-explorer: error: {message}") and err.count("\n") == 1


def test_invalid_spec_file_names_file_and_layer(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"input_shape": [8, 8, 1], "class_names": ["a", "b"], "layers": [
        {"type": "conv2d", "filters": 0}, {"type": "flatten"}, {"type": "dense", "units": 2}]}))
    code, out, err = run(capsys, "--spec", str(path))
    assert code == 2 and out == ""
    assert err == "cnn-explorer: error: bad.json: layer 1 (Conv2D): filters must be at least 1, got 0\n"
    path.write_text("{not json")
    code, _, err = run(capsys, "--spec", str(path))
    assert code == 2 and "bad.json: model spec: not valid JSON" in err


def test_too_small_input_for_a_spec_file(tmp_path, capsys):
    path = tmp_path / "slides.json"
    path.write_text(preset("keras-slides").to_json())
    code, _, err = run(capsys, "--spec", str(path), "--input", "6,6,1")
    assert code == 2 and "layer 3 (Conv2D): the 2x2 input is smaller than the 3x3 kernel" in err


def test_preset_or_spec_is_required(capsys):
    with pytest.raises(SystemExit) as info:
        main(["summary"])
    assert info.value.code == 2
    assert "one of the arguments --preset --spec is required" in capsys.readouterr().err


def test_parsers():
    assert parse_input_shape("28, 28, 1") == (28, 28, 1)
    assert parse_input_shape("64x64x3") == (64, 64, 3)
    assert parse_input_shape("9,9") == (9, 9, 1)
    assert parse_classes("10") == 10 and parse_classes(" cat, dog ") == ("cat", "dog")
    with pytest.raises(CnnExplorerError):
        parse_input_shape("1,2,3,4")
