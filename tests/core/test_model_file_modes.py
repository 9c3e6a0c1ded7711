"""A saved model's two files get the permissions of any new file (the umask), and replace an old model only whole."""

from __future__ import annotations

import json
import os
import stat

import pytest

from cnn_explorer.core.errors import CnnExplorerError

torch = pytest.importorskip("torch")

from cnn_explorer.core.model.build import build_model  # noqa: E402
from cnn_explorer.core.model.presets import preset  # noqa: E402
from cnn_explorer.core.train import checkpoints  # noqa: E402
from cnn_explorer.core.train.checkpoints import load_model, save_model  # noqa: E402


@pytest.fixture(scope="module")
def tiny():
    spec = preset("xo-tiny")
    torch.manual_seed(0)
    return spec, build_model(spec)


def _save(path, tiny, mean=0.5):
    spec, model = tiny
    return save_model(path, model, spec, class_names=spec.class_names, mean=(mean,), std=(0.25,))


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the old one back."""
    old = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_both_files_get_the_umask_permissions(tmp_path, tiny, umask, mask, expected):
    umask(mask)
    json_path = _save(tmp_path / "m", tiny)
    weights = json_path.with_suffix(".safetensors")
    assert (_mode(weights), _mode(json_path)) == (expected, expected)
    assert checkpoints.new_file_mode() == expected
    # replacing an existing model gives the same permissions, not the old file's or safetensors' 0600
    os.chmod(weights, 0o600)
    _save(tmp_path / "m", tiny)
    assert (_mode(weights), _mode(json_path)) == (expected, expected)


def test_a_model_at_the_path_is_replaced_only_once_both_new_files_are_complete(tmp_path, tiny, monkeypatch):
    _save(tmp_path / "m", tiny, mean=0.5)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def full_disk(*args, **kwargs):  # the JSON, written after the weights, fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(json, "dumps", full_disk)
    with pytest.raises(CnnExplorerError, match="the disk is full"):  # a message, not an OSError (issue 18)
        _save(tmp_path / "m", tiny, mean=0.75)
    monkeypatch.undo()
    # the old pair, untouched, and no temporary file
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert load_model(tmp_path / "m.json").mean == (0.5,)
    _save(tmp_path / "m", tiny, mean=0.75)
    assert load_model(tmp_path / "m.json").mean == (0.75,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.safetensors"]
