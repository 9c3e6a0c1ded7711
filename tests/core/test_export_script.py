"""``cnn-explorer export-script``: the exported script runs in a fresh interpreter without cnn_explorer, trains,
saves a model the app loads with the script's own predictions, reads every dataset format as the app does,
runs under a 2-process torchrun, and bad input gets one line and exit code 2."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from cnn_explorer.cli import main
from cnn_explorer.core.datasets import load_dataset
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.codegen import pytorch_model_function
from cnn_explorer.core.model.presets import PRESETS, preset
from cnn_explorer.core.train.checkpoints import load_model, save_model
from cnn_explorer.core.train.engine import TrainConfig
from cnn_explorer.core.train.script_export import export_training_script

#: runs a script with ``import cnn_explorer`` made to fail, so the test proves the script never needs it
BLOCKED = ("import runpy, sys; sys.modules['cnn_explorer'] = None; sys.argv = sys.argv[1:]; "
           "runpy.run_path(sys.argv[0], run_name='__main__')")


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CNN_EXPLORER_DEBUG")}
    env["OMP_NUM_THREADS"] = "1"
    return env


def run_script(script: Path, *args, timeout: float = 300) -> subprocess.CompletedProcess:
    """The exported script in a fresh interpreter, cwd its folder, PYTHONPATH unset, cnn_explorer unimportable."""
    return subprocess.run([sys.executable, "-c", BLOCKED, str(script), *map(str, args)], cwd=script.parent,
                          env=_env(), capture_output=True, text=True, timeout=timeout)


def stripes_arrays(n: int = 120, side: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """side x side grey images with a bright horizontal (0) or vertical (1) stripe: learnt in one epoch."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = (rng.random((n, side, side)) * 60).astype(np.uint8)
    for i, label in enumerate(labels):
        k = rng.integers(1, side - 1)
        if label == 0:
            images[i, k, :] = 255
        else:
            images[i, :, k] = 255
    return images, labels.astype(np.int64)


@pytest.fixture
def stripes(tmp_path) -> Path:
    images, labels = stripes_arrays()
    path = tmp_path / "stripes.npz"
    np.savez(path, images=images, labels=labels, class_names=np.array(["horizontal", "vertical"]))
    return path


def export(tmp_path, *args) -> Path:
    script = tmp_path / "job" / "train.py"
    assert main(["export-script", *args, "-o", str(script)]) == 0
    long = [line for line in script.read_text(encoding="utf-8").splitlines() if len(line) > 99]
    assert not long, long  # PEP 8's limit for teams, whatever the model, data format or class names
    return script


# ----------------------------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_script_trains_one_epoch_and_the_app_loads_its_model_with_its_predictions(tmp_path, stripes, capsys):
    script = export(tmp_path, "--preset", "xo-tiny", "--dataset", str(stripes), "--lr", "0.05", "--batch-size", "16")
    capsys.readouterr()
    text = script.read_text(encoding="utf-8")
    assert "cnn_explorer" not in text.replace("CNN Explorer", "")
    out = run_script(script, "--epochs", "1", "-o", "out/model", "--predictions", "pred.npz", "--device", "cpu")
    assert out.returncode == 0, out.stderr
    assert "epoch 1/1" in out.stdout and "test accuracy" in out.stdout
    model_dir = script.parent / "out"
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.json", "model.safetensors"]  # no temporary left

    trained = load_model(model_dir / "model")  # checksum, spec and weights all checked by the app's loader
    assert trained.class_names == ("horizontal", "vertical") and len(trained.history) == 1
    pred = np.load(script.parent / "pred.npz")
    x = torch.from_numpy(pred["images"]).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(trained.mean).view(1, -1, 1, 1)
    std = torch.tensor(trained.std).view(1, -1, 1, 1)
    with torch.no_grad():
        probabilities = trained.model((x - mean) / std).softmax(dim=1).numpy()
    assert len(probabilities) == 12  # the 10% test split of 120 images
    np.testing.assert_allclose(probabilities, pred["probabilities"], atol=1e-6)
    assert (probabilities.argmax(1) == pred["predictions"]).all()

    # the JSON is exactly the one the app writes for the same model, checksum included
    again = save_model(tmp_path / "app" / "model", trained.model, trained.spec, class_names=trained.class_names,
                       mean=trained.mean, std=trained.std, history=trained.history)
    assert again.read_text(encoding="utf-8") == (model_dir / "model.json").read_text(encoding="utf-8")
    assert main(["evaluate", str(model_dir / "model"), "--dataset", str(stripes)]) == 0
    assert "accuracy" in capsys.readouterr().out


@pytest.mark.slow
def test_builtin_set_travels_as_npz_and_idx_folder_trains(tmp_path):
    script = export(tmp_path, "--preset", "xo-tiny", "--dataset", "xo", "--epochs", "1")
    data = np.load(script.with_name("train-data.npz"))
    app = load_dataset("xo")
    assert data["images"].shape == (600, 9, 9, 1) and list(data["class_names"]) == list(app.class_names)
    folder = write_idx(tmp_path / "idx", *stripes_arrays(100), *stripes_arrays(20, seed=1))
    script = export(tmp_path, "--preset", "xo-tiny", "--dataset", str(folder))
    out = run_script(script, "--epochs", "1", "-o", "m", "--device", "cpu")
    assert out.returncode == 0, out.stderr
    assert "/ 20 test images" in out.stdout and "test accuracy" in out.stdout  # t10k files: the test set
    assert load_model(script.with_name("m")).spec.input_shape == (8, 8, 1)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_exports_compiles_and_answers_help(tmp_path, name):
    images, labels = stripes_arrays(30, side=32)
    data = tmp_path / "d.npz"
    np.savez(data, images=images, labels=labels)
    script = export(tmp_path, "--preset", name, "--dataset", str(data))
    compiled = subprocess.run([sys.executable, "-m", "py_compile", str(script)], capture_output=True, text=True,
                              env=_env())
    assert compiled.returncode == 0, compiled.stderr
    out = run_script(script, "--help", timeout=120)
    assert out.returncode == 0, out.stderr
    assert "--epochs" in out.stdout and "--data" in out.stdout and "torchrun" not in out.stderr


@pytest.mark.slow
def test_two_process_torchrun_writes_one_model(tmp_path, stripes):
    script = export(tmp_path, "--preset", "xo-tiny", "--dataset", str(stripes), "--batch-size", "8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1", "--nproc_per_node", "2",
         "--master_addr", "127.0.0.1", "--master_port", str(port), str(script), "--epochs", "1", "-o", "out/model",
         "--device", "cpu"],
        cwd=script.parent, env={**_env(), "PYTHONFAULTHANDLER": "1"}, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + "\n---\n" + out.stderr[-6000:]
    assert "2 processes" in out.stdout and out.stdout.count("epoch 1/1") == 1  # rank 0 alone reports
    assert sorted(p.name for p in (script.parent / "out").iterdir()) == ["model.json", "model.safetensors"]
    assert len(load_model(script.parent / "out" / "model").history) == 1


# ----------------------------------------------------------------------------------------------- data formats
def write_idx(folder: Path, x, y, tx, ty) -> Path:
    folder.mkdir(parents=True, exist_ok=True)

    def idx(arr: np.ndarray) -> bytes:
        head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
        return head + arr.astype(np.uint8).tobytes()

    for prefix, images, labels in (("train", x, y), ("t10k", tx, ty)):
        (folder / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx(images)))
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(idx(labels))
    return folder


def _script_loader(tmp_path, dataset: str) -> dict:
    """The exported script's globals, without running its main: its load_data, split and check functions."""
    script = export(tmp_path, "--preset", "xo-tiny", "--dataset", dataset)
    return runpy.run_path(str(script), run_name="exported")


def _same_as_app(loaded, dataset_path: Path) -> None:
    x, y, tx, ty = loaded
    app = load_dataset(dataset_path)
    assert (tx is None) == (len(app.test_y) == 0 or app.source.startswith(("image folder", str(dataset_path))))
    all_app = np.concatenate([app.train_x, app.val_x] + ([] if tx is not None else [app.test_x]))
    assert x.shape[1:] == all_app.shape[1:] and len(x) == len(all_app) and x.dtype == all_app.dtype
    assert np.array_equal(np.sort(x.reshape(len(x), -1), axis=0), np.sort(all_app.reshape(len(x), -1), axis=0))
    if tx is not None:
        assert np.array_equal(tx, app.test_x) and np.array_equal(ty, app.test_y)


def test_idx_loader_reads_what_the_app_reads(tmp_path):
    folder = write_idx(tmp_path / "idx", *stripes_arrays(40), *stripes_arrays(10, seed=3))
    g = _script_loader(tmp_path, str(folder))
    _same_as_app(g["load_data"](str(folder)), folder)


@pytest.mark.parametrize("binary", [False, True])
def test_cifar_loader_reads_python_and_binary_batches_without_running_pickles(tmp_path, binary):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar"
    folder.mkdir()
    for name, n in (("data_batch_1", 30), ("data_batch_2", 30), ("test_batch", 20)):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        if binary:
            np.concatenate([labels[:, None], data], axis=1).tofile(folder / f"{name}.bin")
        else:
            with open(folder / name, "wb") as fh:
                pickle.dump({b"data": data, b"labels": labels.tolist()}, fh, protocol=2)
    script = export(tmp_path, "--preset", "tiny-vgg", "--dataset", str(folder))
    g = runpy.run_path(str(script), run_name="exported")
    _same_as_app(g["load_data"](str(folder)), folder)
    if not binary:
        with open(folder / "data_batch_1", "wb") as fh:
            pickle.dump({b"data": os.system}, fh)  # code in a pickle is refused, never run
        with pytest.raises(g["ScriptError"], match="refused"):
            g["load_data"](str(folder))


def test_image_folder_loader_reads_what_the_app_reads(tmp_path):
    images, labels = stripes_arrays(24)
    folder = tmp_path / "pictures"
    for i, (im, label) in enumerate(zip(images, labels)):
        sub = folder / ("across" if label == 0 else "down")
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(im, "L").save(sub / f"{i:03d}.png")
    g = _script_loader(tmp_path, str(folder))
    assert g["CLASS_NAMES"] == ["across", "down"]
    _same_as_app(g["load_data"](str(folder)), folder)


def test_split_is_stratified_and_seeded(tmp_path, stripes):
    g = _script_loader(tmp_path, str(stripes))
    labels = np.repeat(np.arange(3), [50, 30, 20])
    parts = g["split_indices"](labels, (0.8, 0.1, 0.1), 5)
    assert [len(p) for p in parts] == [80, 10, 10]
    assert sorted(np.concatenate(parts).tolist()) == list(range(100))
    assert np.bincount(labels[parts[1]]).tolist() == [5, 3, 2]
    assert all(np.array_equal(a, b) for a, b in zip(parts, g["split_indices"](labels, (0.8, 0.1, 0.1), 5)))


# ----------------------------------------------------------------------------------------------- the model code
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_model_function_builds_the_apps_module(name):
    spec = preset(name)
    namespace: dict = {}
    exec("from collections import OrderedDict\nfrom torch import nn\n" + pytorch_model_function(spec), namespace)
    torch.manual_seed(0)
    ours = build_model(spec).eval()
    theirs = namespace["build_model"]().eval()
    assert list(theirs.state_dict()) == list(ours.state_dict())
    theirs.load_state_dict(ours.state_dict())
    h, w, c = spec.input_shape
    x = torch.randn(2, c, h, w)
    with torch.no_grad():
        assert torch.allclose(theirs(x), ours(x))


def test_settings_carry_the_recipe(tmp_path, stripes):
    config = TrainConfig(epochs=7, batch_size=32, lr=0.02, optimizer="sgd", momentum=0.8, nesterov=True,
                         weight_decay=1e-4, schedule="onecycle", augment=True, augment_rotate=5.0,
                         label_smoothing=0.1, seed=3, device="cuda:0")
    ds = load_dataset(stripes)
    spec = preset("xo-tiny", input_shape=ds.input_shape, class_names=ds.class_names)
    script, = export_training_script(tmp_path / "t.py", spec, ds, str(stripes), config, split=(0.7, 0.2, 0.1))
    g = runpy.run_path(str(script), run_name="exported")
    args = g["parse_args"]([])
    assert (args.epochs, args.batch_size, args.lr, args.optimizer, args.momentum, args.nesterov) == (
        7, 32, 0.02, "sgd", 0.8, True)
    assert (args.weight_decay, args.schedule, args.augment, args.augment_rotate, args.label_smoothing) == (
        1e-4, "onecycle", True, 5.0, 0.1)
    assert (args.seed, args.device, args.split, Path(args.data)) == (3, "cuda", (0.7, 0.2, 0.1), stripes)
    assert g["SPEC"] == spec.to_dict() and json.loads(json.dumps(g["SPEC"])) == spec.to_dict()
    assert g["parse_args"](["--epochs", "2", "--no-augment"]).epochs == 2


# ----------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("args, message", [
    (["--preset", "nope"], "preset: unknown name 'nope'"),
    (["--spec", "SPEC"], "not valid JSON"),
    (["--preset", "xo-tiny", "-o", "FILE/train.py"], "is not a folder"),
    (["--preset", "xo-tiny", "-o", "DIR"], "is a folder"),
    (["--preset", "xo-tiny", "--split", "0.5,0.5"], "split: must be three numbers"),
    (["--preset", "xo-tiny", "--epochs", "0"], "epochs"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, stripes, capsys, args, message):
    (tmp_path / "SPEC").write_text("{not json", encoding="utf-8")
    (tmp_path / "FILE").write_text("", encoding="utf-8")
    args = [str(tmp_path / a) if a in ("SPEC", "FILE/train.py", "DIR") else a for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "train.py")]
    (tmp_path / "DIR").mkdir()
    try:
        code = main(["export-script", "--dataset", str(stripes), *args])
    except SystemExit as exc:  # options out of range are refused while the command line is read (issue 18)
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "train.py").exists() and [p.name for p in (tmp_path / "DIR").iterdir()] == []


@pytest.mark.slow
def test_script_reports_bad_data_in_one_line(tmp_path, stripes):
    script = export(tmp_path, "--preset", "xo-tiny", "--dataset", str(stripes))
    out = run_script(script, "--data", "missing.npz", timeout=120)
    assert out.returncode == 2 and out.stderr.strip() == "train.py: error: data: missing.npz not found " \
        "(pass --data FILE.npz)"
    images, labels = stripes_arrays(40, side=10)
    np.savez(script.with_name("other.npz"), images=images, labels=labels)
    out = run_script(script, "--data", "other.npz", "--epochs", "0", timeout=120)
    assert out.returncode == 2 and "--epochs must be at least 1" in out.stderr
    out = run_script(script, "--data", "other.npz", timeout=120)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "images are (10, 10, 1)" in out.stderr and "the model takes (8, 8, 1)" in out.stderr
    assert not list(script.parent.glob("model*"))
