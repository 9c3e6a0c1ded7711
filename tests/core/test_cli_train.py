"""``cnn-explorer train`` and ``evaluate``: a tiny dataset end to end, bad input, Ctrl+C, the bundled model."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from cnn_explorer.cli import main
from cnn_explorer.core.train import engine as training

TRAIN = ["--preset", "xo-tiny", "--epochs", "8", "--batch-size", "16", "--lr", "0.05", "--device", "cpu",
         "--threads", "1"]


def test_train_then_evaluate_on_a_tiny_dataset(tmp_path, stripes, capsys):
    out_model = tmp_path / "models" / "stripes"
    assert main(["train", *TRAIN, "--dataset", str(stripes), "-o", str(out_model)]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("training xo-tiny (") and "on stripes: 128 train / 16 val / 16 test images" in lines[0]
    assert sum(1 for line in lines if re.match(r"epoch \d/8: loss [\d.]+, train accuracy [\d.]+%", line)) == 8
    assert "\r" not in captured.err  # no progress bar when stderr is not a terminal
    assert any(line.startswith("test accuracy: ") for line in lines)
    assert (tmp_path / "models" / "stripes.json").is_file() and (tmp_path / "models" / "stripes.safetensors").is_file()

    assert main(["evaluate", str(out_model), "--dataset", str(stripes)]) == 0
    text = capsys.readouterr().out
    accuracy = float(re.search(r"accuracy: ([\d.]+)% \((\d+)/16\)", text).group(1))
    assert accuracy >= 90.0
    assert "horizontal" in text and "vertical" in text and "confusion matrix (rows: true class" in text
    assert re.search(r"^true\\pred\s+horizontal\s+vertical$", text, re.M)


def test_progress_bar_on_a_terminal(tmp_path, stripes, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["train", *TRAIN, "--epochs", "1", "--dataset", str(stripes), "-o", str(tmp_path / "m")]) == 0
    err = capsys.readouterr().err
    assert "\r\033[K" in err and re.search(r"epoch 1/1 \[#+-*\] \d+/8 loss", err)


def test_ctrl_c_stops_cleanly_and_saves_nothing(tmp_path, stripes, capsys, monkeypatch):
    real_steps = training.TrainingRun.steps

    def interrupted(self):
        for record in real_steps(self):
            yield record
            if getattr(record, "step", 0) == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(training.TrainingRun, "steps", interrupted)
    assert main(["train", *TRAIN, "--dataset", str(stripes), "-o", str(tmp_path / "m")]) == 130
    err = capsys.readouterr().err
    assert "interrupted at epoch 1, step 3; nothing was saved" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--preset", "xo-tiny", "--dataset", "xo", "--epochs", "0", "-o", "M"],
     "epochs: must be at least 1, got 0"),
    (["train", "--preset", "xo-tiny", "--dataset", "no/such/place", "-o", "M"], "dataset: 'no/such/place' is neither"),
    (["train", "--preset", "no-such", "--dataset", "xo", "-o", "M"], "no-such"),
    (["train", "--preset", "xo-tiny", "--dataset", "xo", "--lr", "-1", "-o", "M"], "--lr: must be more than 0, got -1"),
    (["train", "--preset", "xo-tiny", "--dataset", "xo", "--device", "tpu", "-o", "M"], "device: must be one of"),
    (["train", "--preset", "xo-tiny", "--dataset", "xo", "--optimizer", "rmsprop", "-o", "M"], "invalid choice"),
    (["evaluate", "no/such/model", "--dataset", "xo"], "no model there"),
    (["evaluate", "mnist", "--dataset", "xo"], "images are 9x9x1 (HxWxC) but the model expects 28x28x1"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_onnx_export_without_the_packages_fails_before_training(tmp_path, stripes, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("onnx") else real(name, *a))
    argv = ["train", *TRAIN, "--dataset", str(stripes), "-o", str(tmp_path / "m"), "--onnx", str(tmp_path / "m.onnx")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == ("cnn-explorer: error: --onnx: ONNX export needs the package(s) onnx, onnxscript: "
                            "pip install onnx onnxscript\n")
    assert captured.out == "" and list(tmp_path.iterdir()) == []


def test_training_divergence_is_reported_in_one_line(tmp_path, stripes, capsys):
    argv = ["train", "--preset", "xo-tiny", "--dataset", str(stripes), "--optimizer", "sgd", "--lr", "1e12",
            "--device", "cpu", "--threads", "1", "-o", str(tmp_path / "m")]
    assert main(argv) == 2
    assert capsys.readouterr().err == "cnn-explorer: error: training diverged: lower the learning rate\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_the_bundled_model_reaches_99_percent_on_real_mnist(mnist_test_dir, capsys):
    assert main(["evaluate", "mnist", "--dataset", str(mnist_test_dir)]) == 0
    text = capsys.readouterr().out
    match = re.search(r"^accuracy: ([\d.]+)% \((\d+)/10000\)$", text, re.M)
    assert match, text
    assert int(match.group(2)) >= 9900
