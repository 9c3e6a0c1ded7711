"""``cnn-explorer train`` resolves its settings from the model's recipe; runs end calibrated; evaluate and
classify use the calibration."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from PIL import Image

from cnn_explorer.cli import main
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.recipes import RECIPES
from cnn_explorer.core.train.checkpoints import load_model, save_model

STRIPES_SEED = 1  # the stripes fixture (tests/core/conftest.py)


def _settings(text: str) -> dict[str, tuple[str, str]]:
    return {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(r"^  (\S+)\s+(\S+)\s+\((.+)\)$", text, re.M)}


def test_show_recipe_prints_the_presets_recipe_and_exits_0(capsys, tmp_path):
    assert main(["train", "--preset", "mnist-fast", "--dataset", "mnist-sample", "--show-recipe"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("recipe: the mnist-fast preset's recipe\n")
    shown = _settings(text)
    fast = RECIPES["mnist-fast"]
    assert shown["epochs"] == (str(fast.epochs), "recipe") and shown["optimizer"] == (fast.optimizer, "recipe")
    assert shown["lr"] == (f"{fast.lr:g}", "recipe") and shown["label-smoothing"] == ("0", "recipe")
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


def test_flags_override_single_values_of_the_recipe(capsys):
    assert main(["train", "--preset", "mnist-fast", "--dataset", "mnist-sample", "--show-recipe", "--lr", "0.01",
                 "--no-augment", "--epochs", "3"]) == 0
    shown = _settings(capsys.readouterr().out)
    assert shown["lr"] == ("0.01", "--lr") and shown["augment"] == ("false", "--no-augment")
    assert shown["epochs"] == ("3", "--epochs") and shown["batch-size"] == ("128", "recipe")


def test_the_recipe_adapts_to_tiny_images(capsys):
    assert main(["train", "--preset", "mnist-fast", "--dataset", "xo", "--show-recipe"]) == 0
    text = capsys.readouterr().out
    assert _settings(text)["augment"] == ("false", "adapted to the data")
    assert "note: no augmentation: 9-pixel images" in text


def test_a_spec_without_a_recipe_gets_the_default_for_its_size_and_one_with_a_recipe_uses_it(capsys, tmp_path):
    assert main(["summary", "--preset", "xo-tiny", "--save-spec", str(tmp_path / "s.json")]) == 0
    capsys.readouterr()
    assert main(["train", "--spec", str(tmp_path / "s.json"), "--dataset", "xo", "--show-recipe"]) == 0
    text = capsys.readouterr().out
    assert re.match(r"recipe: the default recipe for a model of [\d,]+ parameters", text)
    assert _settings(text)["optimizer"] == ("adam", "recipe")  # a small model: adam with a larger rate
    data = json.loads((tmp_path / "s.json").read_text())
    data["recipe"] = {"epochs": 4, "lr": 0.03, "optimizer": "sgd", "min_steps": 0}
    (tmp_path / "r.json").write_text(json.dumps(data))
    assert main(["train", "--spec", str(tmp_path / "r.json"), "--dataset", "xo", "--show-recipe"]) == 0
    shown = _settings(capsys.readouterr().out)
    assert shown["epochs"][0] == "4" and shown["lr"][0] == "0.03" and shown["optimizer"][0] == "sgd"
    data["recipe"] = {"epochs": 0}
    (tmp_path / "bad.json").write_text(json.dumps(data))
    assert main(["train", "--spec", str(tmp_path / "bad.json"), "--dataset", "xo", "--show-recipe"]) == 2
    assert "bad.json: recipe: epochs: must be at least 1, got 0" in capsys.readouterr().err


def test_output_is_required_to_train(capsys):
    assert main(["train", "--preset", "xo-tiny", "--dataset", "xo"]) == 2
    assert "-o/--output MODEL is required" in capsys.readouterr().err


def test_a_recipe_driven_run_ends_calibrated_and_evaluate_and_classify_use_it(tmp_path, stripes, capsys):
    out = tmp_path / "m"
    # the xo-tiny recipe: adam 0.05, no augmentation on 8x8 images, batches of 8 for 128 training images
    assert main(["train", "--preset", "xo-tiny", "--dataset", str(stripes), "--threads", "1", "--epochs", "4",
                 "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert re.search(r"^recipe: the xo-tiny preset's recipe: 4 epochs, batch 8, adam lr 0\.05 constant", text, re.M)
    temperature = float(re.search(r"^calibration: temperature ([\d.]+) \(fitted on the validation split\), "
                                  r"test ECE [\d.]+%$", text, re.M).group(1))
    loaded = load_model(out)
    assert loaded.temperature == pytest.approx(temperature, abs=5e-4) and loaded.temperature != 1.0

    assert main(["evaluate", str(out), "--dataset", str(stripes)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("calibration: "))
    assert re.match(r"calibration: ECE [\d.]+% \(15 bins\), mean confidence [\d.]+%, median confidence when "
                    r"right [\d.]+%, temperature [\d.]+$", line)

    # classify divides the logits by the stored temperature: a hotter model is less sure of the same picture
    picture = np.zeros((8, 8), np.uint8)
    picture[3, :] = 255
    Image.fromarray(picture).save(tmp_path / "h.png")
    probs = []
    for t in (1.0, 1000.0):
        meta = json.loads((tmp_path / "m.json").read_text())
        meta["temperature"] = t
        (tmp_path / "m.json").write_text(json.dumps(meta))
        assert main(["classify", str(tmp_path / "h.png"), "--model", str(out), "--json", "--preprocess", "fit"]) == 0
        probs.append(json.loads(capsys.readouterr().out)["results"][0]["probability"])
    assert probs[1] < probs[0] and probs[1] < 0.6


def test_models_saved_before_calibration_load_with_temperature_1(tmp_path):
    meta_path = tmp_path / "old.json"
    spec = preset("xo-tiny")
    save_model(tmp_path / "old", build_model(spec), spec, class_names=spec.class_names, mean=(0.5,), std=(0.5,),
               temperature=3.0)
    meta = json.loads(meta_path.read_text())
    assert meta["temperature"] == 3.0 and load_model(tmp_path / "old").temperature == 3.0
    del meta["temperature"]  # as every file saved before calibration
    meta_path.write_text(json.dumps(meta))
    assert load_model(tmp_path / "old").temperature == 1.0
    meta["temperature"] = "hot"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(CnnExplorerError, match="old.json: temperature .*must be a number"):
        load_model(tmp_path / "old")


def test_the_bundled_model_is_calibrated():
    assert 0.2 < load_model("mnist").temperature < 0.8  # trained with label smoothing: sharpened


def test_fresh_data_flag_and_show_recipe(capsys):
    assert main(["train", "--preset", "xo-tiny", "--dataset", "shapes", "--show-recipe"]) == 0
    shown = _settings(capsys.readouterr().out)
    assert shown["fresh-data"] == ("true", "adapted to the data")  # xo-tiny's settings for pictures
    assert main(["train", "--preset", "xo-tiny", "--dataset", "shapes", "--show-recipe", "--no-fresh-data"]) == 0
    assert _settings(capsys.readouterr().out)["fresh-data"] == ("false", "--no-fresh-data")
    assert main(["train", "--preset", "xo-tiny", "--dataset", "xo", "--show-recipe"]) == 0
    assert _settings(capsys.readouterr().out)["fresh-data"] == ("false", "recipe")  # its X/O recipe is unchanged
    assert main(["train", "--preset", "mnist-fast", "--dataset", "mnist-sample", "--show-recipe",
                 "--fresh-data"]) == 0
    text = capsys.readouterr().out
    assert _settings(text)["fresh-data"][0] == "false" and "note: no fresh data: this dataset cannot draw" in text


def test_a_fresh_data_run_says_how_many_images_it_trained_on(capsys, tmp_path):
    assert main(["train", "--preset", "xo-tiny", "--dataset", "xo", "--fresh-data", "--epochs", "2",
                 "--threads", "1", "-o", str(tmp_path / "m")]) == 0
    out = capsys.readouterr().out
    assert "epoch 1/2: loss" in out and "(480 fresh images)" in out.split("epoch 2/2")[1]
    assert "trained on 960 different images: the 480 of the training split and 480 drawn afresh" in out
    history = json.loads((tmp_path / "m.json").read_text())["history"]
    assert [(h["images"], h["fresh"]) for h in history] == [(480, False), (480, True)]
