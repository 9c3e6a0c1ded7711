"""The training engine: learning, cancel, divergence, determinism, snapshots, early stop, evaluation."""

from __future__ import annotations

import math
import os
import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from cnn_explorer.core.datasets import load_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.build import conv_layers
from cnn_explorer.core.model.presets import preset
from cnn_explorer.core.model.spec import (
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool,
    ModelSpec,
)
from cnn_explorer.core.train.devices import physical_cores
from cnn_explorer.core.train.engine import (
    BatchRecord,
    EpochRecord,
    FinishedRecord,
    TrainConfig,
    TrainingDiverged,
    TrainingRun,
    describe_device,
    evaluate,
    pick_device,
    predict_proba,
)

# The tests' nets are tiny: one thread (threads=1) is fastest and never waits on a busy second core.


@pytest.fixture(scope="module")
def xo():
    return load_dataset("xo")


def _xo_tiny(ds):
    return preset("xo-tiny", ds.input_shape, ds.class_names)


def _bn_dropout_spec(ds) -> ModelSpec:
    """A small net with BatchNorm and Dropout, so determinism covers their state and random draws."""
    layers = (Conv2D(6, (3, 3), padding="same", activation="none", bias=False), BatchNorm(), Conv2D(6, (3, 3)),
              MaxPool((2, 2)), Flatten(), Dropout(0.3), Dense(len(ds.class_names)))
    return ModelSpec(layers, tuple(ds.input_shape), tuple(ds.class_names), name="bn-dropout")


def _losses(records) -> list[float]:
    return [r.loss for r in records if isinstance(r, BatchRecord)]


def test_the_finished_record_holds_each_test_images_prediction(xo):
    config = TrainConfig(epochs=1, batch_size=16, lr=0.01, device="cpu", threads=1, snapshot_every=0)
    run = TrainingRun(_xo_tiny(xo), xo, config)
    finished = list(run.steps())[-1]
    predicted = finished.test_predictions
    assert predicted.dtype == np.int64 and predicted.shape == (len(xo.test_y),)
    expected = predict_proba(run.model, xo.test_x, (xo.mean, xo.std)).argmax(1)
    assert np.array_equal(predicted, expected)
    k = len(xo.class_names)
    assert np.array_equal(np.bincount(xo.test_y * k + predicted, minlength=k * k).reshape(k, k), finished.confusion)


def test_engine_learns_x_vs_o_to_100_percent(xo):
    config = TrainConfig(epochs=10, batch_size=16, lr=0.05, device="cpu", threads=1, snapshot_every=0)
    records = list(TrainingRun(_xo_tiny(xo), xo, config).steps())
    finished = records[-1]
    assert isinstance(finished, FinishedRecord) and finished.reason == "completed"
    assert finished.test_accuracy == 1.0
    assert finished.confusion.sum() == len(xo.test_y) and np.trace(finished.confusion) == len(xo.test_y)
    assert np.all(finished.per_class_accuracy == 1.0)
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert [r.epoch for r in epochs] == list(range(1, 11))
    assert epochs[-1].val_accuracy == 1.0 and epochs[-1].train_loss < epochs[0].train_loss
    assert finished.history == tuple(epochs)


def test_batch_records_count_steps_and_report_rate_and_eta(xo):
    config = TrainConfig(epochs=2, batch_size=64, lr=0.01, device="cpu", threads=1, snapshot_every=0)
    batches = [r for r in TrainingRun(_xo_tiny(xo), xo, config).steps() if isinstance(r, BatchRecord)]
    per_epoch = len(xo.train_y) // 64
    assert [b.step for b in batches] == list(range(1, 2 * per_epoch + 1))
    assert {b.total_steps for b in batches} == {2 * per_epoch}
    assert [b.epoch for b in batches] == [1] * per_epoch + [2] * per_epoch
    assert all(b.samples_per_s > 0 and b.eta_s >= 0 and 0 <= b.accuracy <= 1 for b in batches)
    assert batches[-1].eta_s == 0


def test_onecycle_schedule_warms_up_to_the_peak_then_anneals(xo):
    config = TrainConfig(epochs=4, batch_size=16, lr=0.1, schedule="onecycle", device="cpu", threads=1,
                         snapshot_every=0)
    lrs = [r.lr for r in TrainingRun(_xo_tiny(xo), xo, config).steps() if isinstance(r, BatchRecord)]
    assert lrs[0] == pytest.approx(0.1 / 25)
    assert max(lrs) == pytest.approx(0.1, rel=1e-3)
    assert lrs[-1] < 1e-4
    peak = int(np.argmax(lrs))
    assert 0.2 < peak / len(lrs) < 0.4


def test_cancel_between_steps_stops_at_once(xo):
    cancel = threading.Event()
    config = TrainConfig(epochs=50, batch_size=16, lr=0.01, device="cpu", threads=1, snapshot_every=0)
    steps = TrainingRun(_xo_tiny(xo), xo, config, cancel=cancel).steps()
    seen = []
    for record in steps:
        seen.append(record)
        if isinstance(record, BatchRecord) and record.step == 3:
            cancel.set()
    assert [type(r) for r in seen] == [BatchRecord] * 3 + [FinishedRecord]
    assert seen[-1].reason == "cancelled" and seen[-1].stopped_early
    assert math.isnan(seen[-1].test_accuracy) and seen[-1].confusion.sum() == 0
    assert seen[-1].test_predictions is None


def test_cancel_interrupts_a_long_validation_within_one_batch(xo):
    """The event is checked between evaluation batches too, not only between training steps."""
    cancel = threading.Event()
    model_calls = {"eval": 0}
    config = TrainConfig(epochs=1, batch_size=len(xo.train_y), lr=0.01, device="cpu", threads=1, snapshot_every=0,
                         eval_batch_size=1)
    run = TrainingRun(_xo_tiny(xo), xo, config, cancel=cancel)

    def spy(module, inputs):
        if not module.training:
            model_calls["eval"] += 1
            cancel.set()

    run.model.register_forward_pre_hook(spy)
    records = list(run.steps())
    assert [type(r) for r in records] == [BatchRecord, FinishedRecord]
    assert records[-1].reason == "cancelled"
    assert model_calls["eval"] == 1  # of len(val) == 60 batches


def test_cancel_from_another_thread(xo):
    cancel = threading.Event()
    config = TrainConfig(epochs=10_000, batch_size=16, lr=0.01, device="cpu", threads=1, snapshot_every=0)
    run = TrainingRun(_xo_tiny(xo), xo, config, cancel=cancel)
    out: list = []

    def consume():
        for record in run.steps():
            out.append(record)
            if len(out) == 5:
                started.set()

    started = threading.Event()
    worker = threading.Thread(target=consume)
    worker.start()
    started.wait(30)
    cancel.set()
    worker.join(30)
    assert not worker.is_alive()
    assert isinstance(out[-1], FinishedRecord) and out[-1].reason == "cancelled"
    assert out[-2].step < config.epochs * (len(xo.train_y) // 16)


def test_huge_learning_rate_diverges_with_the_slides_message(xo):
    config = TrainConfig(epochs=5, batch_size=16, lr=1e12, optimizer="sgd", device="cpu", threads=1, snapshot_every=0)
    with pytest.raises(TrainingDiverged) as info:
        list(TrainingRun(_xo_tiny(xo), xo, config).steps())
    assert str(info.value) == "training diverged: lower the learning rate"
    assert isinstance(info.value, CnnExplorerError)


def test_an_exploding_but_finite_loss_also_counts_as_diverged(xo):
    """Adam with lr 1e9 keeps the loss finite (about 1e19) but useless: stop it the same way."""
    config = TrainConfig(epochs=3, batch_size=16, lr=1e9, optimizer="adam", device="cpu", threads=1, snapshot_every=0)
    losses = []
    with pytest.raises(TrainingDiverged, match="training diverged: lower the learning rate"):
        for record in TrainingRun(_xo_tiny(xo), xo, config).steps():
            if isinstance(record, BatchRecord):
                losses.append(record.loss)
    assert all(math.isfinite(v) for v in losses)


def test_a_sane_run_never_trips_the_divergence_check(xo):
    config = TrainConfig(epochs=3, batch_size=16, lr=0.05, optimizer="sgd", device="cpu", threads=1, snapshot_every=0)
    records = list(TrainingRun(_xo_tiny(xo), xo, config).steps())
    assert isinstance(records[-1], FinishedRecord)


def test_same_seed_same_losses_bit_for_bit(xo):
    def losses(seed):
        config = TrainConfig(epochs=2, batch_size=32, lr=0.01, device="cpu", threads=1, seed=seed, augment=True,
                             snapshot_every=0)
        return _losses(TrainingRun(_bn_dropout_spec(xo), xo, config).steps())

    first, second, other = losses(7), losses(7), losses(8)
    assert first == second
    assert first != other


def test_snapshots_hold_filters_and_every_conv_activation_without_changing_training(xo):
    spec = _bn_dropout_spec(xo)
    base = TrainConfig(epochs=1, batch_size=32, lr=0.01, device="cpu", threads=1, seed=1, snapshot_every=0,
                       probe_count=4)
    with_snaps = TrainConfig(**{**base.__dict__, "snapshot_every": 5})
    plain_records = list(TrainingRun(spec, xo, base).steps())
    run = TrainingRun(spec, xo, with_snaps)
    records = list(run.steps())
    assert _losses(records) == _losses(plain_records)  # eval-mode probe: no BatchNorm update, no dropout draw
    snaps = [(r.step, r.snapshot) for r in records if isinstance(r, BatchRecord) and r.snapshot is not None]
    assert [step for step, _ in snaps] == list(range(1, len(xo.train_y) // 32 + 1, 5))
    assert all(s.step == step for step, s in snaps)
    convs = conv_layers(run.model)
    snap = snaps[-1][1]
    assert list(snap.activations) == [name for name, _ in convs]
    assert snap.first_filters.shape == (6, 1, 3, 3)
    assert snap.activations[convs[0][0]].shape == (4, 6, 9, 9)
    assert snap.activations[convs[1][0]].shape == (4, 6, 7, 7)
    assert snap.probe_inputs.shape == (4, 9, 9, 1) and 0 <= snap.probe_inputs.min() and snap.probe_inputs.max() <= 1
    assert list(snap.probe_labels) == [0, 1, 0, 1]  # one of each class in turn
    assert isinstance(snap.first_filters, np.ndarray) and not np.shares_memory(
        snap.first_filters, convs[0][1].weight.detach().numpy())
    assert run.model.training
    assert not any(m._forward_hooks for m in run.model.modules())


def test_target_accuracy_stops_early(xo):
    config = TrainConfig(epochs=30, batch_size=16, lr=0.05, device="cpu", threads=1, snapshot_every=0,
                         target_accuracy=0.9)
    records = list(TrainingRun(_xo_tiny(xo), xo, config).steps())
    finished = records[-1]
    epochs = [r for r in records if isinstance(r, EpochRecord)]
    assert finished.stopped_early and len(epochs) < 30
    assert epochs[-1].val_accuracy >= 0.9 and all(e.val_accuracy < 0.9 for e in epochs[:-1])
    assert finished.reason == f"reached target validation accuracy 90.00% at epoch {len(epochs)}"
    assert not math.isnan(finished.test_accuracy)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_each_optimizer_learns(xo, optimizer):
    lr = 0.1 if optimizer == "sgd" else 0.05
    config = TrainConfig(epochs=6, batch_size=16, lr=lr, optimizer=optimizer, device="cpu", threads=1, snapshot_every=0,
                         nesterov=optimizer == "sgd", weight_decay=1e-4)
    finished = list(TrainingRun(_xo_tiny(xo), xo, config).steps())[-1]
    assert finished.test_accuracy >= 0.95


@pytest.mark.parametrize(("field", "value", "message"), [
    ("epochs", 0, "epochs: must be at least 1, got 0"),
    ("batch_size", 0, "batch size: must be at least 1, got 0"),
    ("lr", -1.0, "learning rate: must be a positive number, got -1.0"),
    ("lr", float("nan"), "learning rate: must be a positive number, got nan"),
    ("optimizer", "rmsprop", "optimizer: must be one of sgd, adam, adamw, got 'rmsprop'"),
    ("schedule", "cosine", "schedule: must be one of constant, onecycle, got 'cosine'"),
    ("target_accuracy", 1.5, "target accuracy: must be in (0, 1], got 1.5"),
    ("nesterov", True, "nesterov: needs the sgd optimizer with a momentum above 0"),
])
def test_bad_config_values_are_named(field, value, message):
    with pytest.raises(CnnExplorerError) as info:
        TrainConfig(**{field: value})
    assert str(info.value) == message


def test_a_test_only_dataset_cannot_be_trained(xo):
    empty = replace(xo, train_x=xo.train_x[:0], train_y=xo.train_y[:0])
    with pytest.raises(CnnExplorerError, match="has no training images"):
        TrainingRun(_xo_tiny(xo), empty, TrainConfig(device="cpu", threads=1))


def test_devices():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type in ("cpu", "cuda", "mps")
    with pytest.raises(CnnExplorerError, match="device: must be one of auto, cpu, cuda, mps, got 'tpu'"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(CnnExplorerError, match="cuda is not available"):
            pick_device("cuda")
    assert describe_device(torch.device("cpu")) == f"CPU ({torch.get_num_threads()} threads)".replace(
        "(1 threads)", "(1 thread)")


def test_physical_cores_is_positive_and_bounded():
    assert 1 <= physical_cores() <= (os.cpu_count() or 1)


def test_evaluate_and_predict_proba_agree(xo):
    config = TrainConfig(epochs=3, batch_size=16, lr=0.05, device="cpu", threads=1, snapshot_every=0)
    run = TrainingRun(_xo_tiny(xo), xo, config)
    list(run.steps())
    result = evaluate(run.model, xo, split="val")
    probs = predict_proba(run.model, xo.val_x, (xo.mean, xo.std))
    assert probs.shape == (len(xo.val_y), 2) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    predicted = probs.argmax(axis=1)
    assert result.accuracy == pytest.approx(np.mean(predicted == xo.val_y))
    expected = np.zeros((2, 2), np.int64)
    np.add.at(expected, (xo.val_y, predicted), 1)
    assert np.array_equal(result.confusion, expected)
    one = predict_proba(run.model, xo.val_x[0], (xo.mean, xo.std))
    assert one.shape == (1, 2) and np.allclose(one[0], probs[0], atol=1e-6)


def test_evaluate_marks_a_class_without_images_as_nan(xo):
    config = TrainConfig(epochs=1, batch_size=16, lr=0.05, device="cpu", threads=1, snapshot_every=0)
    run = TrainingRun(_xo_tiny(xo), xo, config)
    only_x = xo.test_y == 0
    result = evaluate(run.model, (xo.test_x[only_x], xo.test_y[only_x]), normalization=(xo.mean, xo.std))
    assert result.confusion[1].sum() == 0 and math.isnan(result.per_class[1])
    assert result.per_class[0] == pytest.approx(result.accuracy)
