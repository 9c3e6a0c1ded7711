"""Training recipes (core/model/recipes.py): every preset has one, flags override single values, data adapts them."""

from __future__ import annotations

import pytest

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.presets import PRESETS
from cnn_explorer.core.model.recipes import (
    RECIPES,
    SETTINGS,
    Recipe,
    default_recipe,
    recipe_for,
    resolve_recipe,
    spec_file_recipe,
)
from cnn_explorer.core.train.engine import TrainConfig


def test_every_preset_has_a_recipe_the_engine_accepts():
    assert set(RECIPES) == set(PRESETS)
    for name in PRESETS:
        resolved = resolve_recipe(recipe_for(name), name, (28, 28, 1), 4000)
        TrainConfig(**resolved.settings())  # no error


def test_digit_presets_use_the_recipe_unchanged_on_mnist_sized_data():
    resolved = resolve_recipe(RECIPES["mnist-fast"], "preset", (28, 28, 1), 4000)
    assert resolved.recipe == RECIPES["mnist-fast"] and resolved.notes == () and resolved.changed == {}
    assert resolved.settings()["label_smoothing"] == 0.0 and resolved.settings()["optimizer"] == "adamw"


def test_flags_override_single_values_and_are_marked():
    resolved = resolve_recipe(RECIPES["mnist-fast"], "preset", (28, 28, 1), 4000,
                              {"lr": (0.01, "--lr"), "epochs": (3, "--epochs")})
    assert resolved.recipe.lr == 0.01 and resolved.recipe.epochs == 3
    assert resolved.recipe.batch_size == RECIPES["mnist-fast"].batch_size
    lines = resolved.lines()
    assert any(line.split()[:3] == ["lr", "0.01", "(--lr)"] for line in lines)
    assert any(line.split()[:3] == ["batch-size", "128", "(recipe)"] for line in lines)


def test_another_kind_of_optimiser_gets_its_usual_rate_unless_lr_is_given():
    sgd = resolve_recipe(RECIPES["mnist-fast"], "p", (28, 28, 1), 4000, {"optimizer": ("sgd", "--optimizer")})
    assert sgd.recipe.lr == 0.05 and "usual rate" in sgd.changed["lr"]
    given = resolve_recipe(RECIPES["mnist-fast"], "p", (28, 28, 1), 4000,
                           {"optimizer": ("sgd", "--optimizer"), "lr": (0.2, "--lr")})
    assert given.recipe.lr == 0.2


def test_the_data_adapts_the_recipe_but_never_the_users_values():
    tiny = resolve_recipe(RECIPES["mnist-fast"], "p", (9, 9, 1), 480)
    assert not tiny.recipe.augment and tiny.recipe.batch_size == 32 and tiny.recipe.epochs > 12
    assert any("too small to shift" in n for n in tiny.notes)
    assert "(adapted to the data)" in "\n".join(tiny.lines())
    mine = resolve_recipe(RECIPES["mnist-fast"], "p", (9, 9, 1), 480,
                          {"augment": (True, "--augment"), "epochs": (2, "--epochs")})
    assert mine.recipe.augment and mine.recipe.epochs == 2
    assert not any("too small to shift" in n or n[0].isdigit() for n in mine.notes)


def test_a_bad_override_is_a_clear_error():
    with pytest.raises(CnnExplorerError, match="learning rate: must be a positive number"):
        resolve_recipe(RECIPES["lenet5"], "p", (28, 28, 1), 4000, {"lr": (-1.0, "--lr")})


def test_default_recipe_by_size_and_from_a_spec_file():
    small, large = default_recipe(5_000), default_recipe(5_000_000)
    assert small.lr > large.lr and large.weight_decay > small.weight_decay
    assert recipe_for("no such preset", 5_000) == small
    assert spec_file_recipe({"layers": []}, "m.json") is None
    assert spec_file_recipe({"recipe": {"epochs": 3, "lr": 0.1}}, "m.json") == Recipe(epochs=3, lr=0.1)
    with pytest.raises(CnnExplorerError, match="m.json: recipe: unknown setting"):
        spec_file_recipe({"recipe": {"epoch": 3}}, "m.json")
    with pytest.raises(CnnExplorerError, match="epochs must be a whole number"):
        spec_file_recipe({"recipe": {"epochs": 2.5}}, "m.json")


def test_settings_are_train_config_fields():
    fields = set(TrainConfig.__dataclass_fields__)
    assert set(SETTINGS) <= fields and "min_steps" not in SETTINGS


@pytest.mark.parametrize("name", ["lenet5", "keras-slides", "tiny-vgg"])
def test_digit_nets_keep_their_epochs_on_mnist_sample_and_train_longer_on_a_small_set(name):
    digits = resolve_recipe(RECIPES[name], name, (28, 28, 1), 4000)  # mnist-sample: 62 steps an epoch
    assert digits.recipe == RECIPES[name] and digits.notes == ()
    shapes = resolve_recipe(RECIPES[name], name, (28, 28, 1), 640)  # shapes: 10 steps an epoch of 64
    assert shapes.recipe.batch_size == 64 and shapes.recipe.augment
    assert shapes.recipe.epochs * (640 // 64) >= RECIPES[name].min_steps >= 900
    assert any(n.startswith(f"{shapes.recipe.epochs} epochs instead of {RECIPES[name].epochs}") for n in shapes.notes)


def test_a_recipe_takes_its_picture_settings_on_pictures_only():
    grid = Recipe(epochs=10, batch_size=32, optimizer="adam", lr=0.05, schedule="constant", augment=False,
                  min_steps=150, on_pictures={"lr": 0.01, "schedule": "onecycle", "augment": True, "min_steps": 600})
    on_xo = resolve_recipe(grid, "p", (9, 9, 1), 480)
    assert on_xo.recipe.lr == 0.05 and on_xo.recipe.schedule == "constant" and not on_xo.recipe.augment
    assert "lr" not in on_xo.adapted and not any("pictures" in n for n in on_xo.notes)
    on_shapes = resolve_recipe(grid, "p", (28, 28, 1), 640)  # 20 steps an epoch of 32
    r = on_shapes.recipe
    assert (r.lr, r.schedule, r.augment, r.epochs) == (0.01, "onecycle", True, 30)
    assert {"lr", "schedule", "augment", "epochs"} <= set(on_shapes.adapted)
    assert any(n.startswith("28-pixel pictures: augment on, lr 0.01, schedule onecycle")
               for n in on_shapes.notes)
    shown = {line.split()[0]: line.split()[-1] for line in on_shapes.lines()[1:] if not line.startswith("note")}
    assert shown["lr"] == shown["schedule"] == "data)" and shown["optimizer"] == "(recipe)"


def test_the_users_values_beat_the_picture_settings():
    grid = Recipe(lr=0.05, augment=False, on_pictures={"lr": 0.01, "augment": True})
    mine = resolve_recipe(grid, "p", (28, 28, 1), 4000, {"lr": (0.2, "--lr")})
    assert mine.recipe.lr == 0.2 and mine.recipe.augment and mine.changed == {"lr": "--lr"}
    assert "lr" not in mine.adapted and "augment" in mine.adapted
    note = next(n for n in mine.notes if "pictures" in n)
    assert "augment on" in note and "lr" not in note


def test_picture_settings_in_a_spec_file_are_checked_and_round_trip():
    recipe = spec_file_recipe({"recipe": {"lr": 0.05, "on_pictures": {"lr": 0.01, "epochs": 40}}}, "m.json")
    assert recipe.on_pictures == (("epochs", 40), ("lr", 0.01)) and recipe.for_pictures().lr == 0.01
    assert Recipe.from_dict(recipe.to_dict()) == recipe and Recipe.from_dict(Recipe().to_dict()) == Recipe()
    with pytest.raises(CnnExplorerError, match="m.json: recipe: on_pictures: unknown setting.*epoch\\b"):
        spec_file_recipe({"recipe": {"on_pictures": {"epoch": 3}}}, "m.json")
    with pytest.raises(CnnExplorerError, match="on_pictures: epochs must be a whole number"):
        spec_file_recipe({"recipe": {"on_pictures": {"epochs": "many"}}}, "m.json")
    with pytest.raises(CnnExplorerError, match="on_pictures must be a JSON object"):
        spec_file_recipe({"recipe": {"on_pictures": [1]}}, "m.json")
    with pytest.raises(CnnExplorerError, match="on_pictures: learning rate: must be a positive number"):
        Recipe(on_pictures={"lr": -1.0})


def test_xo_tiny_keeps_the_slides_recipe_on_xo_and_trains_as_pictures_need_on_shapes():
    xo = resolve_recipe(RECIPES["xo-tiny"], "xo-tiny", (9, 9, 1), 480)
    assert (xo.recipe.optimizer, xo.recipe.lr, xo.recipe.schedule, xo.recipe.augment) == ("adam", 0.05, "constant",
                                                                                          False)
    shapes = resolve_recipe(RECIPES["xo-tiny"], "xo-tiny", (28, 28, 1), 640)
    pictures = RECIPES["xo-tiny"].for_pictures()
    # on pictures it trains on fresh shapes every epoch (issue 12: >= 95% on shapes), not on augmented copies
    assert shapes.recipe.fresh_data and shapes.recipe.lr == pictures.lr < xo.recipe.lr and not xo.recipe.fresh_data
    assert shapes.recipe.epochs * (640 // shapes.recipe.batch_size) >= pictures.min_steps
    TrainConfig(**shapes.settings())  # no error
