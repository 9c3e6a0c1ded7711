"""Every write of a user's file is atomic: a full disk, a protected folder or a kill leaves the old file intact.

The disk and the folders are faked (writes_helpers.py), so the tests run anywhere and as
any user. A case passes when the old file keeps its bytes (or no file appears), no
temporary file is left, and one message names the user's file, never the temporary one.
"""

from __future__ import annotations

import numpy as np
import pytest
from writes_helpers import fill_disk_after, make_read_only, snapshot, stray_temporaries

from cnn_explorer import cli
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io import atomic
from cnn_explorer.core.io.image_save import save_grid, save_image, save_map_png
from cnn_explorer.core.kernels.library import save_kernel, save_kernels

CONVOLVE = ["convolve", "sample:001-5", "--kernel", "sobel-left", "--kernel", "sobel-top"]


def _old_files(folder, *names):
    for name in names:
        (folder / name).write_bytes(b"the user's previous file " * 40_000)  # 1 MB: a write fails part-way
    return snapshot(folder)


@pytest.mark.parametrize("name", ["out.npy", "out.csv", "out.png"])
def test_convolve_output_on_a_full_disk_keeps_the_old_file(tmp_path, capsys, monkeypatch, name):
    before = _old_files(tmp_path, name)
    out = tmp_path / name
    written = fill_disk_after(monkeypatch, 100)
    code = cli.main([*CONVOLVE, "--padding", "40", "-o", str(out)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and err == f"cnn-explorer: error: the disk is full: {out} was not changed\n"
    assert written and sum(written) == 100  # the disk filled up part-way through the file
    assert snapshot(tmp_path) == before and stray_temporaries(tmp_path) == []


def test_convolve_output_on_a_full_disk_writes_no_new_file(tmp_path, capsys, monkeypatch):
    fill_disk_after(monkeypatch, 10)
    code = cli.main([*CONVOLVE, "-o", str(tmp_path / "new.npy")])
    monkeypatch.undo()
    assert code == 2 and "the disk is full: " in capsys.readouterr().err
    assert snapshot(tmp_path) == {}


def test_convolve_output_into_a_protected_folder_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    before = _old_files(tmp_path, "out.npy")
    make_read_only(monkeypatch, tmp_path)
    monkeypatch.setattr("cnn_explorer.core.conv.pipeline.run_pipeline", lambda *a, **k: pytest.fail("it ran"))
    code = cli.main([*CONVOLVE, "-o", str(tmp_path / "out.npy")])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "permission denied" in err and str(tmp_path) in err
    assert ".tmp" not in err and snapshot(tmp_path) == before


@pytest.mark.parametrize(("name", "save"), [
    ("k.json", lambda p: save_kernel(p, np.eye(3), "eye")),
    ("k.csv", lambda p: save_kernel(p, np.eye(3), "eye")),
    ("stack.json", lambda p: save_kernels(p, [np.eye(3), -np.eye(3)], ["a", "b"])),
    ("grid.npy", lambda p: save_grid(p, np.arange(64.0).reshape(8, 8))),
    ("grid.csv", lambda p: save_grid(p, np.arange(64.0).reshape(8, 8))),
    ("picture.png", lambda p: save_image(p, np.full((32, 32), 128.0))),
    ("picture.jpg", lambda p: save_image(p, np.full((32, 32, 3), 128.0))),
    ("maps.png", lambda p: save_map_png(p, np.arange(16.0).reshape(4, 4))),
])
def test_core_writers_on_a_full_disk_keep_the_old_file(tmp_path, monkeypatch, name, save):
    before = _old_files(tmp_path, name)
    fill_disk_after(monkeypatch, 5)
    with pytest.raises(CnnExplorerError) as info:
        save(tmp_path / name)
    monkeypatch.undo()
    assert str(info.value) == f"the disk is full: {tmp_path / name} was not changed"
    assert snapshot(tmp_path) == before and stray_temporaries(tmp_path) == []
    save(tmp_path / name)  # with room on the disk the same write succeeds, and replaces the old file
    assert snapshot(tmp_path)[name] != before[name] and stray_temporaries(tmp_path) == []


@pytest.mark.parametrize("name", ["k.json", "picture.png", "grid.npy"])
def test_core_writers_in_a_protected_folder_say_so(tmp_path, monkeypatch, name):
    before = _old_files(tmp_path, name)
    make_read_only(monkeypatch, tmp_path)
    saver = {"k.json": lambda p: save_kernel(p, np.eye(3)), "picture.png": lambda p: save_image(p, np.zeros((4, 4))),
             "grid.npy": lambda p: save_grid(p, np.zeros((4, 4)))}[name]
    with pytest.raises(CnnExplorerError, match="permission denied.*was not changed") as info:
        saver(tmp_path / name)
    monkeypatch.undo()
    assert str(tmp_path / name) in str(info.value) and ".tmp" not in str(info.value)
    assert snapshot(tmp_path) == before


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(CnnExplorerError, match="the folder .*nowhere does not exist"):
        save_kernel(tmp_path / "nowhere" / "k.json", np.eye(3))


def test_the_written_file_is_flushed_to_disk_before_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = atomic.os.fsync, atomic.os.replace
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(atomic.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    atomic.atomic_write_text(tmp_path / "a.txt", "hello")
    assert calls[:2] == ["fsync", "replace"] and (tmp_path / "a.txt").read_text() == "hello"


# ------------------------------------------------------------------------------------------- models
@pytest.fixture(scope="module")
def tiny_model():
    from cnn_explorer.core.model.build import build_model
    from cnn_explorer.core.model.presets import preset

    spec = preset("xo-tiny")
    return build_model(spec), spec


def _save(path, tiny_model):
    from cnn_explorer.core.train.checkpoints import save_model

    model, spec = tiny_model
    return save_model(path, model, spec, class_names=spec.class_names, mean=(0.5,), std=(0.5,))


def _safetensors_disk_full(tensors, filename, metadata=None):
    from safetensors import SafetensorError

    with open(filename, "wb") as fh:
        fh.write(b"half a model")
    raise SafetensorError('Error while serializing: IoError(Os { code: 28, kind: StorageFull, '
                          'message: "No space left on device" })')


@pytest.mark.parametrize("failure", ["safetensors", "oserror"])
def test_disk_full_while_saving_a_model_keeps_the_old_model(tmp_path, tiny_model, monkeypatch, failure):
    import safetensors.torch

    _save(tmp_path / "m", tiny_model)
    before = snapshot(tmp_path)
    if failure == "safetensors":
        monkeypatch.setattr(safetensors.torch, "save_file", _safetensors_disk_full)
    else:
        fill_disk_after(monkeypatch, 0)  # the weights fit (safetensors writes on its own), the description does not
    with pytest.raises(CnnExplorerError) as info:
        _save(tmp_path / "m", tiny_model)
    monkeypatch.undo()
    assert str(info.value).startswith("the disk is full: ") and str(info.value).endswith("was not changed")
    assert str(tmp_path / "m.") in str(info.value) and ".tmp" not in str(info.value)
    assert snapshot(tmp_path) == before and stray_temporaries(tmp_path) == []


@pytest.fixture(scope="module")
def dots(tmp_path_factory):
    """A 32-picture .npz dataset (8x8, two classes): one epoch trains in a moment."""
    rng = np.random.default_rng(0)
    labels = np.arange(32) % 2
    images = (rng.random((32, 8, 8)) * 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("dots") / "dots.npz"
    np.savez(path, images=images, labels=labels, class_names=np.array(["a", "b"]))
    return path


TRAIN = ["train", "--preset", "xo-tiny", "--epochs", "1", "--batch-size", "16", "--device", "cpu", "--threads", "1"]


def test_train_output_disk_full_names_the_model_not_the_temporary_file(tmp_path, dots, capsys, monkeypatch):
    import safetensors.torch

    monkeypatch.setattr(safetensors.torch, "save_file", _safetensors_disk_full)
    code = cli.main([*TRAIN, "--dataset", str(dots), "-o", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and err == f"cnn-explorer: error: the disk is full: {tmp_path / 'm.safetensors'} was not written\n"
    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize("where", ["protected", "under-a-file"])
def test_train_output_that_cannot_be_written_is_refused_before_training(tmp_path, dots, capsys, monkeypatch, where):
    from cnn_explorer.core.train import engine

    monkeypatch.setattr(engine.TrainingRun, "__init__", lambda *a, **k: pytest.fail("training started"))
    if where == "protected":
        make_read_only(monkeypatch, tmp_path)
        output, expected = tmp_path / "m", "permission denied"
    else:
        (tmp_path / "file").write_text("x")
        output, expected = tmp_path / "file" / "m", "is not a folder"
    code = cli.main([*TRAIN, "--dataset", str(dots), "-o", str(output)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and expected in err and str(tmp_path) in err and ".tmp" not in err
    assert stray_temporaries(tmp_path) == []


def test_train_output_under_a_protected_folder_that_does_not_exist_yet(tmp_path, dots, capsys, monkeypatch):
    from cnn_explorer.core.train import engine

    monkeypatch.setattr(engine.TrainingRun, "__init__", lambda *a, **k: pytest.fail("training started"))
    make_read_only(monkeypatch, tmp_path)
    code = cli.main([*TRAIN, "--dataset", str(dots), "-o", str(tmp_path / "new" / "deeper" / "m")])
    monkeypatch.undo()
    assert code == 2 and "permission denied" in capsys.readouterr().err and snapshot(tmp_path) == {}
