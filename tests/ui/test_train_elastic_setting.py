"""The Train page's elastic distortion setting shows the recipe's value, marks a change and reaches the run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.recipes import RECIPES

DIGITS = SimpleNamespace(input_shape=(28, 28, 1), train_y=[0] * 4000, can_redraw=False)  # as mnist-sample


@pytest.fixture
def form(qtbot, temp_settings):
    from cnn_explorer.ui.train.settings_form import SettingsForm

    form = SettingsForm(settings=temp_settings)
    qtbot.addWidget(form)
    form.follow_data(DIGITS)
    form.follow_model(preset("lenet5"))
    form.show()
    return form


def test_it_shows_the_recipes_value_and_marks_a_change(qtbot, form):
    alpha = RECIPES["lenet5"].augment_elastic
    assert form.elastic.value() == alpha and form.config().augment_elastic == alpha
    label = form.layout().labelForField(form.elastic)
    assert label.text() == "Elastic distortion" and not label.font().bold()
    assert f"recipe: {alpha:g}" in label.toolTip()

    form.elastic.setFocus()
    form.elastic.selectAll()
    qtbot.keyClicks(form.elastic, "12")
    assert form.changed_settings() == {"augment_elastic": 12.0}
    assert label.text().endswith("•") and label.font().bold() and "Changed by you" in label.toolTip()
    assert form.config().augment_elastic == 12.0 and "1 changed by you" in form.recipe_label.text()

    qtbot.mouseClick(form.reset_button, Qt.MouseButton.LeftButton)
    assert form.elastic.value() == alpha and form.changed_settings() == {} and not label.font().bold()


def test_it_follows_the_augment_box_and_other_presets(qtbot, form):
    form.augment.setChecked(False)
    assert not form.elastic.isEnabled() and not form.config().augment
    form.augment.setChecked(True)
    assert form.elastic.isEnabled()
    form.follow_model(preset("mnist-fast"))  # no elastic distortion in its recipe
    assert form.elastic.value() == 0.0 and form.elastic.text() == "off"
    assert form.config().augment_elastic == 0.0 and form.changed_settings() == {}


def test_changes_stay_marked_after_the_data_changes(qtbot, form):
    """The user's values are kept when another dataset is loaded, and still marked as theirs (they were kept,
    unmarked, before: the comparison was against the recipe with the user's own values in it)."""
    form.lr.setCurrentText("0.01")
    form.elastic.setValue(20.0)
    form.follow_data(SimpleNamespace(input_shape=(9, 9, 1), train_y=[0] * 480))
    assert form.changed_settings() == {"lr": 0.01, "augment_elastic": 20.0}
    assert form.config().lr == 0.01 and form.config().augment_elastic == 20.0
    assert form.layout().labelForField(form.elastic).font().bold() and "2 changed by you" in form.recipe_label.text()
    assert "9-pixel images" in form.recipe_label.text()  # the data's own adaptation is still said
    qtbot.mouseClick(form.reset_button, Qt.MouseButton.LeftButton)
    assert form.changed_settings() == {} and form.elastic.value() == RECIPES["lenet5"].augment_elastic


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_the_pages_defaults_are_the_clis_settings(form, name):
    """Left at its defaults, the page trains with exactly the settings `cnn-explorer train --preset NAME` uses."""
    from cnn_explorer.core.model.recipes import resolve_recipe

    form.follow_model(preset(name))
    cli = resolve_recipe(RECIPES[name], "cli", DIGITS.input_shape, len(DIGITS.train_y),
                         can_redraw=DIGITS.can_redraw).settings()
    config = form.config()
    assert {key: getattr(config, key) for key in cli} == cli
