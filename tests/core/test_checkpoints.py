"""Checkpoints: safetensors + JSON round trip, atomic writes, refusing pickles, clear errors for broken files."""

from __future__ import annotations

import importlib.util
import json
import pickle

import numpy as np
import pytest
import torch

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model import onnx_export as export
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.resources import resources_dir
from cnn_explorer.core.train.checkpoints import (
    BUNDLED_MODELS,
    TrainedModel,
    load_model,
    model_files,
    resolve_model_path,
    save_model,
)
from cnn_explorer.core.train.engine import EpochRecord


@pytest.fixture(scope="module")
def trained():
    """A briefly trained mnist-fast model on random 28x28 data (BatchNorm running stats no longer default)."""
    spec = preset("mnist-fast")
    torch.manual_seed(0)
    model = build_model(spec)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(16, 1, 28, 28))  # moves the BatchNorm running statistics
    model.eval()
    history = [EpochRecord(1, 0.5, 0.8, 0.4, 0.85, 1.5), EpochRecord(2, 0.3, 0.9, float("nan"), float("nan"), 3.0)]
    return spec, model, history


def _save(path, trained):
    spec, model, history = trained
    return save_model(path, model, spec, class_names=spec.class_names, mean=(0.13,), std=(0.31,), history=history)


def _outputs(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


def test_round_trip_gives_the_same_outputs(tmp_path, trained):
    spec, model, history = trained
    json_path = _save(tmp_path / "digits", trained)
    assert json_path == tmp_path / "digits.json" and (tmp_path / "digits.safetensors").is_file()
    loaded = load_model(tmp_path / "digits")
    x = torch.randn(5, 1, 28, 28)
    assert torch.equal(_outputs(loaded.model, x), _outputs(model, x))
    assert loaded.spec == spec and loaded.class_names == spec.class_names
    assert loaded.normalization == ((0.13,), (0.31,))
    assert loaded.history[0] == history[0] and np.isnan(loaded.history[1].val_loss)
    assert not loaded.model.training
    for alias in ("digits.json", "digits.safetensors"):
        assert load_model(tmp_path / alias).spec == spec
    meta = json.loads(json_path.read_text())
    assert meta["format"] == "cnn-explorer-model" and meta["format_version"] == 1
    assert meta["history"][1]["val_loss"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.json", "digits.safetensors"]  # no temp files


def test_a_loaded_model_is_a_trained_model_record(tmp_path, trained):
    spec, _, _ = trained
    json_path = _save(tmp_path / "digits", trained)
    loaded = load_model(tmp_path / "digits")
    assert isinstance(loaded, TrainedModel)
    assert loaded.path == json_path and loaded.steps == 0
    assert loaded.input_shape == (28, 28, 1) == tuple(spec.input_shape)


def test_a_directory_holds_model_json_and_weights(tmp_path, trained):
    folder = tmp_path / "run1"
    folder.mkdir()
    _save(folder, trained)
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "model.safetensors"]
    assert load_model(folder).spec == trained[0]


def test_an_interrupted_save_keeps_the_previous_files(tmp_path, trained, monkeypatch):
    import safetensors.torch

    _save(tmp_path / "m", trained)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def interrupted(tensors, filename, metadata=None):
        with open(filename, "wb") as fh:
            fh.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors.torch, "save_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _save(tmp_path / "m", trained)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


class _Evil:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _write_json_for(path, tmp_path, trained):
    _save(tmp_path / "ref", trained)
    (path.with_suffix(".json")).write_text((tmp_path / "ref.json").read_text())


@pytest.mark.parametrize("how", ["pickle", "torch.save"])
@pytest.mark.parametrize("suffix", [".pt", ".pth", ".pkl"])
def test_a_malicious_pickle_is_refused_without_running_code(tmp_path, trained, how, suffix):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    payload = {"conv.weight": _Evil(marker)}
    if how == "pickle":
        path.write_bytes(pickle.dumps(payload))
    else:
        torch.save(payload, path)
    assert not marker.exists()
    _write_json_for(path, tmp_path, trained)
    with pytest.raises(CnnExplorerError) as info:
        load_model(path)
    assert str(path) in str(info.value) and "refused" in str(info.value)
    assert not marker.exists()


def test_a_plain_state_dict_pt_file_is_accepted(tmp_path, trained):
    spec, model, _ = trained
    path = tmp_path / "plain.pt"
    torch.save(model.state_dict(), path)
    _write_json_for(path, tmp_path, trained)
    loaded = load_model(path)
    x = torch.randn(2, 1, 28, 28)
    assert torch.equal(_outputs(loaded.model, x), _outputs(model, x))


def test_a_whole_pickled_module_is_refused(tmp_path, trained):
    path = tmp_path / "whole.pth"
    torch.save(trained[1], path)
    _write_json_for(path, tmp_path, trained)
    with pytest.raises(CnnExplorerError, match="refused"):
        load_model(path)


def test_a_bare_pt_without_its_json_is_refused(tmp_path, trained):
    path = tmp_path / "lonely.pt"
    torch.save(trained[1].state_dict(), path)
    with pytest.raises(CnnExplorerError, match="lonely.json with the spec must sit beside it"):
        load_model(path)


def test_truncated_weights_name_the_file(tmp_path, trained):
    weights, json_path = model_files(tmp_path / "m")
    _save(tmp_path / "m", trained)
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(CnnExplorerError) as info:
        load_model(tmp_path / "m")
    assert str(weights) in str(info.value) and "corrupt" in str(info.value)
    meta = json.loads(json_path.read_text())
    del meta["weights_sha256"]  # without the checksum the safetensors reader itself must refuse
    json_path.write_text(json.dumps(meta))
    with pytest.raises(CnnExplorerError) as info:
        load_model(tmp_path / "m")
    assert str(weights) in str(info.value) and "not a valid safetensors file" in str(info.value)


def test_garbage_weights_and_json_name_the_file(tmp_path, trained):
    weights, json_path = model_files(tmp_path / "m")
    _save(tmp_path / "m", trained)
    json_path.write_text(json_path.read_text()[:50])
    with pytest.raises(CnnExplorerError) as info:
        load_model(tmp_path / "m")
    assert str(json_path) in str(info.value) and "corrupt or truncated JSON" in str(info.value)
    json_path.write_text('{"format": "something-else"}')
    with pytest.raises(CnnExplorerError, match="not a CNN Explorer model description"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("key,value,message", [
    ("class_names", "abcdefghij", "must be lists"),
    ("mean", 0.5, "must be lists"),
    ("std", ["wide"], "must be lists"),
    ("class_names", ["a", "b"], "2 class names for a model of 10 classes"),
    ("std", [0.0], "positive stds"),
])
def test_a_hand_edited_description_names_the_file(tmp_path, trained, key, value, message):
    _, json_path = model_files(tmp_path / "m")
    _save(tmp_path / "m", trained)
    meta = json.loads(json_path.read_text())
    meta[key] = value
    json_path.write_text(json.dumps(meta))
    with pytest.raises(CnnExplorerError) as info:
        load_model(tmp_path / "m")
    assert str(json_path) in str(info.value) and message in str(info.value)


def test_unreadable_history_lines_are_skipped(tmp_path, trained):
    _, json_path = model_files(tmp_path / "m")
    _save(tmp_path / "m", trained)
    meta = json.loads(json_path.read_text())
    meta["history"] = [[1, 2], "epoch 1", meta["history"][0]]
    json_path.write_text(json.dumps(meta))
    assert [r.epoch for r in load_model(tmp_path / "m").history] == [1]


def test_weights_of_another_model_do_not_fit(tmp_path, trained):
    _save(tmp_path / "m", trained)
    other = preset("xo-tiny")
    save_model(tmp_path / "xo", build_model(other), other, class_names=other.class_names, mean=(0.5,), std=(0.5,))
    (tmp_path / "m.safetensors").write_bytes((tmp_path / "xo.safetensors").read_bytes())
    meta = json.loads((tmp_path / "m.json").read_text())
    meta["weights_sha256"] = json.loads((tmp_path / "xo.json").read_text())["weights_sha256"]
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(CnnExplorerError, match="weights do not fit the spec in m.json"):
        load_model(tmp_path / "m")


def test_missing_files(tmp_path, trained):
    with pytest.raises(CnnExplorerError, match="no model there"):
        load_model(tmp_path / "nothing")
    _save(tmp_path / "m", trained)
    (tmp_path / "m.safetensors").unlink()
    with pytest.raises(CnnExplorerError, match="m.safetensors: not found"):
        load_model(tmp_path / "m")


def test_a_newer_format_version_asks_for_an_update(tmp_path, trained):
    json_path = _save(tmp_path / "m", trained)
    meta = json.loads(json_path.read_text())
    meta["format_version"] = 99
    json_path.write_text(json.dumps(meta))
    with pytest.raises(CnnExplorerError, match="format version 99 is newer"):
        load_model(tmp_path / "m")


def test_saving_under_the_name_mnist_never_touches_the_bundled_model(tmp_path, trained, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bundled = [p.stat().st_mtime_ns for p in model_files("mnist") if p.exists()]
    _save("mnist", trained)
    assert (tmp_path / "mnist.json").is_file() and (tmp_path / "mnist.safetensors").is_file()
    assert [p.stat().st_mtime_ns for p in model_files("mnist") if p.exists()] == bundled


def test_mnist_names_the_bundled_model():
    path = resolve_model_path("mnist")
    assert path == resources_dir() / "models" / "mnist" and BUNDLED_MODELS["mnist"] == ("models", "mnist")
    assert resolve_model_path("some/where").as_posix() == "some/where"


def test_the_bundled_model_loads_and_is_small():
    weights, json_path = model_files("mnist")
    assert weights.is_file() and json_path.is_file()
    assert weights.stat().st_size + json_path.stat().st_size < 2_000_000
    loaded = load_model("mnist")
    assert loaded.class_names == tuple(str(i) for i in range(10)) and loaded.spec.input_shape == (28, 28, 1)


def test_onnx_export_without_the_package_says_what_to_install(tmp_path, trained, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("onnx") else real(name, *a))
    with pytest.raises(CnnExplorerError) as info:
        export.export_onnx(trained[1], tmp_path / "m.onnx", (28, 28, 1))
    assert str(info.value).startswith("ONNX export needs the package(s) onnx, onnxscript: pip install onnx onnxscript")
    assert not (tmp_path / "m.onnx").exists()
