"""ONNX export's message: the exported model outputs logits; a calibrated model's temperature is named."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from cnn_explorer.cli import main
from cnn_explorer.commands import train as train_command
from cnn_explorer.core.model.onnx_export import export_message, model_temperature


def test_an_uncalibrated_export_names_the_file_only():
    assert export_message("m.onnx") == "exported m.onnx"
    assert export_message("m.onnx", 1.0) == "exported m.onnx"


def test_a_calibrated_export_says_how_to_get_its_probabilities():
    assert export_message("m.onnx", 1.5) == ("exported m.onnx: outputs logits (apply softmax(logits / T) with "
                                             "T = 1.5 for calibrated probabilities)")
    assert "T = 0.8123 " in export_message("m.onnx", 0.81234567)


@pytest.mark.parametrize(("meta", "expected"), [
    ({"format": "cnn-explorer-model"}, 1.0),       # before temperatures existed
    ({"temperature": 2.25}, 2.25),
    ({"temperature": 3}, 3.0),
    ({"temperature": float("nan")}, 1.0),
    ({"temperature": -1}, 1.0),
    ({"temperature": "2"}, 1.0),
    ({"temperature": True}, 1.0),
    ([1, 2], 1.0),
])
def test_the_temperature_is_read_from_the_model_json(tmp_path, meta, expected):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(meta))
    assert model_temperature(path) == expected
    assert model_temperature(tmp_path / "missing.json") == 1.0


@pytest.fixture
def stripes(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.arange(64) % 2
    images = (rng.random((64, 9, 9)) * 60).astype(np.uint8)
    images[labels == 0, 4, :] = 255
    images[labels == 1, :, 4] = 255
    path = tmp_path / "stripes.npz"
    np.savez(path, images=images, labels=labels, class_names=np.array(["horizontal", "vertical"]))
    return path


@pytest.mark.parametrize("temperature", [None, 1.5])
def test_train_onnx_prints_the_temperature_of_the_saved_model(tmp_path, stripes, capsys, monkeypatch, temperature):
    """The CLI reads T from the JSON it saved (the ONNX packages are replaced: the message is under test)."""
    real_save = train_command.save_model

    def save_with_temperature(*args, **kwargs):
        json_path = real_save(*args, **kwargs)
        meta = json.loads(json_path.read_text())
        if temperature is None:  # a model saved without calibration (T = 1)
            meta.pop("temperature", None)
        else:
            meta["temperature"] = temperature
        json_path.write_text(json.dumps(meta))
        return json_path

    def fake_export(model, path, input_shape):
        assert isinstance(model, torch.nn.Module) and input_shape == (9, 9, 1)
        return tmp_path / "m.onnx"

    monkeypatch.setattr(train_command, "save_model", save_with_temperature)
    monkeypatch.setattr(train_command, "missing_onnx_packages", lambda: [])
    monkeypatch.setattr(train_command, "export_onnx", fake_export)
    threads = torch.get_num_threads()
    try:
        assert main(["train", "--preset", "xo-tiny", "--epochs", "1", "--batch-size", "32", "--device", "cpu",
                     "--threads", "1", "--dataset", str(stripes), "-o", str(tmp_path / "m"),
                     "--onnx", str(tmp_path / "m.onnx")]) == 0
    finally:
        torch.set_num_threads(threads)
    last = capsys.readouterr().out.splitlines()[-1]
    if temperature is None:
        assert last == f"exported {tmp_path / 'm.onnx'}"
    else:
        assert last == (f"exported {tmp_path / 'm.onnx'}: outputs logits (apply softmax(logits / T) with T = 1.5 "
                        "for calibrated probabilities)")
