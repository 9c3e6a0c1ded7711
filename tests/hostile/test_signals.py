"""SIGTERM stops a command as Ctrl+C does: nothing written, no temporary file, exit 143 and one line.

Two real subprocesses are signalled: one while it trains, one while it saves (its
safetensors writer is slowed down by a stand-in that writes half a file and waits).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from writes_helpers import snapshot, stray_temporaries

from cnn_explorer import cli
from cnn_explorer.commands.signals import Terminated, exit_code, stop_signals_interrupt

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32",
                                reason="POSIX signals")
REPO = Path(__file__).resolve().parents[2]
DRIVER = textwrap.dedent("""
    import sys, time
    if sys.argv[1] == "slow-save":
        import safetensors.torch

        def slow_save(tensors, filename, metadata=None):
            with open(filename, "wb") as fh:
                fh.write(b"half a model")
            print("SAVING", file=sys.stderr, flush=True)
            time.sleep(60)

        safetensors.torch.save_file = slow_save
    from cnn_explorer.cli import main
    sys.exit(main(sys.argv[2:]))
""")


@pytest.fixture(scope="module")
def dots(tmp_path_factory):
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("dots") / "dots.npz"
    np.savez(path, images=(rng.random((32, 8, 8)) * 255).astype(np.uint8), labels=np.arange(32) % 2,
             class_names=np.array(["a", "b"]))
    return path


def _start(mode: str, dots: Path, out: Path, epochs: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    argv = ["train", "--preset", "xo-tiny", "--dataset", str(dots), "--epochs", str(epochs), "--batch-size", "8",
            "--device", "cpu", "--threads", "1", "-o", str(out)]
    return subprocess.Popen([sys.executable, "-c", DRIVER, mode, *argv], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(stream, marker: str, proc: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    for line in stream:
        if marker in line:
            return
        if time.monotonic() > deadline:
            break
    proc.kill()
    pytest.fail(f"{marker!r} never came: {proc.communicate()}")


def _old_model(folder: Path) -> dict[str, bytes]:
    (folder / "m.json").write_text("the previous description")
    (folder / "m.safetensors").write_bytes(b"the previous weights")
    return snapshot(folder)


def test_sigterm_while_training_in_process_stops_at_once(tmp_path, dots, capsys, monkeypatch):
    """The same path without a new interpreter: the run signals itself at its third batch."""
    from cnn_explorer.commands import train

    before = _old_model(tmp_path)
    batches = []

    def show(self, text, **kwargs):
        batches.append(text)
        if len(batches) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return False

    monkeypatch.setattr(train.ProgressLine, "show", show)
    argv = ["train", "--preset", "xo-tiny", "--dataset", str(dots), "--epochs", "100000", "--batch-size", "8",
            "--device", "cpu", "--threads", "1", "-o", str(tmp_path / "m")]
    assert cli.main(argv) == 143
    assert capsys.readouterr().err == "cnn-explorer train: stopped by SIGTERM at epoch 1, step 3; nothing was saved\n"
    assert len(batches) == 3 and snapshot(tmp_path) == before


@pytest.mark.hostile_slow
@pytest.mark.skipif(os.environ.get("CNN_EXPLORER_SLOW") != "1", reason="a second interpreter: CNN_EXPLORER_SLOW=1")
def test_sigterm_while_training_stops_and_writes_nothing(tmp_path, dots):
    before = _old_model(tmp_path)
    proc = _start("train", dots, tmp_path / "m", epochs=100_000)
    _wait_for(proc.stdout, "epoch 1/", proc)  # it is training now
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - started < 5  # stops at once, not at the end of an epoch
    assert proc.returncode == 143
    assert err.strip().splitlines()[-1].startswith("cnn-explorer train: stopped by SIGTERM at epoch ")
    assert err.strip().endswith("; nothing was saved") and "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_sigterm_while_saving_keeps_the_previous_model_and_leaves_no_temporary_file(tmp_path, dots):
    before = _old_model(tmp_path)
    proc = _start("slow-save", dots, tmp_path / "m", epochs=1)
    _wait_for(proc.stderr, "SAVING", proc)
    assert stray_temporaries(tmp_path)  # half a model sits in a temporary file now
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert err.strip() == ("cnn-explorer train: stopped by SIGTERM while saving; the previous files (if any) "
                           "are unchanged")
    assert snapshot(tmp_path) == before and stray_temporaries(tmp_path) == []


class _Waits:
    """A sub-command that sends itself SIGTERM, as a scheduler ending a long job does."""

    def add_parser(self, sub):
        sub.add_parser("wait")

    def run(self, args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        pytest.fail("SIGTERM did not stop the command")


def test_any_sub_command_stops_on_sigterm_with_one_line(monkeypatch, capsys):
    monkeypatch.setattr(cli, "command_modules", lambda: {"wait": _Waits()})
    handler = signal.getsignal(signal.SIGTERM)
    assert cli.main(["wait"]) == 143
    assert capsys.readouterr().err == "cnn-explorer: stopped by SIGTERM\n"
    assert signal.getsignal(signal.SIGTERM) is handler  # put back afterwards


def test_an_ignored_signal_stays_ignored(monkeypatch):
    monkeypatch.setattr(signal, "getsignal", lambda sig: signal.SIG_IGN)
    installed = []
    monkeypatch.setattr(signal, "signal", lambda sig, handler: installed.append(sig))
    with stop_signals_interrupt():
        pass
    assert installed == []  # under nohup SIGHUP stays ignored


def test_exit_codes():
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(Terminated(signal.SIGTERM)) == 143
