"""A model's numbers are checked when it is loaded: NaN, infinite or absurd weights (with a valid checksum)
and bad metadata (NaN, text, wrong lengths, absurd values) are refused with a message naming the file and
the entry, from the core, the CLI (evaluate, classify) and for .pt state dicts alike."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cnn_explorer.cli import main
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.train.checkpoints import load_model, model_files, save_model


@pytest.fixture(scope="module")
def spec():
    return preset("xo-tiny")  # 9x9x1, 128 parameters


def _save(path, spec, *, fill=None, mean=(0.2,), std=(0.3,)):
    torch.manual_seed(0)
    model = build_model(spec)
    if fill is not None:
        with torch.no_grad():
            fill(dict(model.named_parameters()))
    save_model(path, model, spec, class_names=spec.class_names, mean=mean, std=std)
    return path


def _edit_json(path, **changes):
    _, json_path = model_files(path)
    meta = json.loads(json_path.read_text())
    meta.update(changes)
    json_path.write_text(json.dumps(meta))  # json.dumps writes NaN and Infinity as JavaScript does
    return json_path


def _refused(path) -> str:
    with pytest.raises(CnnExplorerError) as info:
        load_model(path)
    return str(info.value)


def test_a_sound_model_loads(tmp_path, spec):
    loaded = load_model(_save(tmp_path / "m", spec))
    assert loaded.mean == (0.2,) and loaded.std == (0.3,) and loaded.class_names == spec.class_names


def _all_nan(params):
    for p in params.values():
        p.fill_(float("nan"))


@pytest.mark.parametrize(("fill", "expected"), [
    (_all_nan, "128 NaN of 128 weights (in conv1.bias, conv1.weight, fc1.bias, fc1.weight): the model cannot "
               "classify; retrain it or load another"),
    (lambda p: p["fc1.bias"].__setitem__(0, float("inf")), "1 infinite of 128 weights (in fc1.bias)"),
    (lambda p: p["conv1.weight"].__setitem__(0, 3e20), "conv1.weight holds a value of size 3e+20"),
])
def test_weights_that_are_not_sound_numbers_are_refused_despite_a_valid_checksum(tmp_path, spec, fill, expected):
    path = _save(tmp_path / "m", spec, fill=fill)
    message = _refused(path)
    weights, _ = model_files(path)
    assert message.startswith(f"{weights}: ") and expected in message


def test_a_pt_state_dict_with_nan_weights_is_refused(tmp_path, spec):
    path = _save(tmp_path / "m", spec)
    model = build_model(spec)
    state = {k: torch.full_like(v, float("nan")) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save(state, tmp_path / "m.pt")
    assert "128 NaN of 128 weights" in _refused(tmp_path / "m.pt")
    assert load_model(path).spec == spec  # the sound model beside it still loads


@pytest.mark.parametrize(("changes", "expected"), [
    ({"mean": [float("nan")]}, "mean: entry 1 is NaN, outside 0..1 (a channel's mean on the 0..1 pixel scale)"),
    ({"mean": [float("inf")]}, "mean: entry 1 is inf, outside 0..1"),
    ({"mean": [1e300]}, "mean: entry 1 is 1e+300, outside 0..1"),
    ({"mean": [-0.5]}, "mean: entry 1 is -0.5, outside 0..1"),
    ({"mean": ["0.5"]}, "mean: entry 1 is '0.5', not a number"),
    ({"mean": [True]}, "mean: entry 1 is True, not a number"),
    ({"mean": [{"a": 1}]}, "mean: entry 1 is {'a': 1}, not a number"),
    ({"mean": [0.1, 0.2]}, "mean: 2 values for a model of 1 input channel (one a channel)"),
    ({"mean": []}, "mean: 0 values for a model of 1 input channel"),
    ({"std": [float("nan")]}, "std: entry 1 is NaN, outside 1e-06..1 (normalisation needs positive stds"),
    ({"std": [0]}, "std: entry 1 is 0, outside 1e-06..1"),
    ({"std": [1e-30]}, "std: entry 1 is 1e-30, outside 1e-06..1"),
    ({"std": [255.0]}, "std: entry 1 is 255, outside 1e-06..1"),
    ({"std": [0.3, 0.3, 0.3]}, "std: 3 values for a model of 1 input channel"),
    ({"class_names": ["x", None]}, "class_names: entry 2 is None, not a name"),
    ({"class_names": [["x"], "o"]}, "class_names: entry 1 is ['x'], not a name"),
    ({"temperature": float("nan")}, "temperature is NaN; it must be a number above 0"),
    ({"temperature": 0}, "temperature is 0; it must be a number above 0"),
    ({"temperature": "warm"}, "temperature is 'warm'; it must be a number above 0"),
    ({"mean": ["x" * 5000]}, "mean: entry 1 is 'xxxxxxxx"),
    # a 401-digit number is refused when the JSON is read (core/io/json_files.py caps a number's length)
    ({"mean": [10 ** 400]}, "a number written with 401 characters"),
    ({"std": [-(10 ** 400)]}, "a number written with 402 characters"),
    ({"temperature": 10 ** 400}, "a number written with 401 characters"),
])
def test_metadata_numbers_are_checked(tmp_path, spec, changes, expected):
    path = _save(tmp_path / "m", spec)
    json_path = _edit_json(path, **changes)
    message = _refused(path)
    assert message.startswith(f"{json_path}: ") and expected in message
    assert len(message) < len(str(json_path)) + 200  # a short excerpt, never the whole value


def test_a_temperature_that_is_a_positive_number_is_accepted(tmp_path, spec):
    path = _save(tmp_path / "m", spec)
    _edit_json(path, temperature=1.7)
    assert load_model(path).class_names == spec.class_names


def test_evaluate_refuses_an_all_nan_model_instead_of_reporting_an_accuracy(tmp_path, spec, capsys):
    path = _save(tmp_path / "m", spec, fill=_all_nan)
    assert main(["evaluate", str(path), "--dataset", "xo"]) == 2
    out, err = capsys.readouterr()
    assert "accuracy" not in out and "128 NaN of 128 weights" in err and len(err.strip().splitlines()) == 1


def test_classify_refuses_a_model_whose_mean_is_nan(tmp_path, spec, capsys):
    path = _save(tmp_path / "m", spec)
    _edit_json(path, mean=[float("nan")])
    picture = tmp_path / "x.npy"
    np.save(picture, np.zeros((9, 9), dtype=np.uint8))
    assert main(["classify", str(picture), "--model", str(path)]) == 2
    out, err = capsys.readouterr()
    assert "nan%" not in out and "mean: entry 1 is NaN" in err
