"""An exported training script reproduces the recipe's augmentation, elastic distortion included."""

from __future__ import annotations

import runpy

import pytest
import torch

from cnn_explorer.core.datasets import augment_batch, load_dataset
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.train.engine import TrainConfig
from cnn_explorer.core.train.script_export import export_training_script


@pytest.fixture(scope="module")
def script(tmp_path_factory, stripes):
    ds = load_dataset(stripes)
    spec = preset("xo-tiny", input_shape=ds.input_shape, class_names=ds.class_names)
    config = TrainConfig(epochs=2, augment=True, augment_elastic=30.0, seed=1)
    path, = export_training_script(tmp_path_factory.mktemp("s") / "t.py", spec, ds, str(stripes), config)
    return runpy.run_path(str(path), run_name="exported")


def test_the_setting_and_its_option_are_exported(script):
    assert script["AUGMENT_ELASTIC"] == 30.0
    args = script["parse_args"]([])
    assert args.augment and args.augment_elastic == 30.0
    assert script["parse_args"](["--augment-elastic", "0"]).augment_elastic == 0.0
    with pytest.raises(SystemExit):
        script["parse_args"](["--augment-elastic", "-2"])


@pytest.mark.parametrize("elastic", [0.0, 30.0])
def test_the_scripts_augmentation_is_the_apps(script, elastic):
    x = torch.rand(6, 1, 28, 28)
    ours = augment_batch(x, shift=2, rotate=10, scale=0.1, elastic=elastic, generator=torch.Generator().manual_seed(4))
    theirs = script["augment"](x, 2, 10, 0.1, elastic, torch.Generator().manual_seed(4))
    assert torch.allclose(theirs, ours, atol=1e-6)
