"""SettingsForm: how to train — optimizer, learning rate, batch size, epochs, schedule, augmentation, seed, device.

``config()`` returns the engine's ``TrainConfig`` (CnnExplorerError on a bad
value); choices are remembered in QSettings under ``train/``.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.train.engine import OPTIMIZERS, SCHEDULES, TrainConfig

LEARNING_RATES = ("0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")


class SettingsForm(QWidget):
    """Training settings; ``changed()`` after any edit."""

    changed = Signal()

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.optimizer = QComboBox(self)
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.setToolTip("sgd: plain gradient descent with momentum; adam/adamw: adaptive steps")
        self.lr = QComboBox(self)
        self.lr.setEditable(True)
        self.lr.addItems(list(LEARNING_RATES))
        self.lr.setToolTip("Learning rate (the peak rate with one-cycle). Too large and training diverges.")
        self.momentum = QDoubleSpinBox(self)
        self.momentum.setRange(0.0, 0.99)
        self.momentum.setSingleStep(0.05)
        self.momentum.setToolTip("SGD momentum")
        self.batch = QSpinBox(self)
        self.batch.setRange(1, 4096)
        self.batch.setToolTip("Images per optimisation step")
        self.epochs = QSpinBox(self)
        self.epochs.setRange(1, 1000)
        self.epochs.setToolTip("Passes over the training images (Resume adds this many more)")
        self.schedule = QComboBox(self)
        self.schedule.addItems(list(SCHEDULES))
        self.schedule.setToolTip("constant learning rate, or one-cycle (warm up, then anneal)")
        self.augment = QCheckBox("Augment (shift ±2 px, rotate ±10°, scale ±10%)", self)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setToolTip("The same seed, settings and data give the same run")
        self.device = QComboBox(self)
        self.device.addItem("auto", "auto")
        self.device.addItem("cpu", "cpu")
        self.device.setToolTip("Where to train; auto picks a GPU when there is one")
        self.threads = QSpinBox(self)
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("auto (one per core)")
        self.threads.setToolTip("CPU threads for training (auto: one per physical core). On a busy machine "
                                "fewer threads can be faster.")
        self.device_note = QLabel("", self)
        self.device_note.setWordWrap(True)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.lr)
        form.addRow("Momentum", self.momentum)
        form.addRow("Batch size", self.batch)
        form.addRow("Epochs", self.epochs)
        form.addRow("Schedule", self.schedule)
        form.addRow("", self.augment)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)
        form.addRow("CPU threads", self.threads)
        form.addRow("", self.device_note)
        self._restore()
        for w in (self.optimizer, self.schedule, self.device):
            w.currentIndexChanged.connect(self._on_any_changed)
        self.lr.currentTextChanged.connect(self._on_any_changed)
        for w in (self.batch, self.epochs, self.seed, self.threads):
            w.valueChanged.connect(self._on_any_changed)
        self.momentum.valueChanged.connect(self._on_any_changed)
        self.augment.toggled.connect(self._on_any_changed)
        self._on_any_changed()

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        """Offer the devices found on this machine: (name, description) pairs."""
        current = self.device.currentData()
        self.device.blockSignals(True)
        self.device.clear()
        for name, description in devices:
            self.device.addItem(description, name)
        index = self.device.findData(current)
        self.device.setCurrentIndex(max(index, 0))
        self.device.blockSignals(False)
        gpus = [d for n, d in devices if n.startswith(("cuda", "mps"))]
        self.device_note.setText(("GPU: " + ", ".join(gpus)) if gpus else "No GPU found: training runs on the CPU.")

    def config(self, **overrides) -> TrainConfig:
        """The TrainConfig these fields describe (raises CnnExplorerError naming a bad field)."""
        text = self.lr.currentText().strip()
        try:
            lr = float(text)
        except ValueError:
            raise CnnExplorerError(f"learning rate: not a number: {excerpt(text)}") from None
        values = dict(epochs=self.epochs.value(), batch_size=self.batch.value(), lr=lr,
                      optimizer=self.optimizer.currentText(), momentum=round(self.momentum.value(), 4),
                      schedule=self.schedule.currentText(), device=self.device.currentData() or "auto",
                      seed=self.seed.value(), augment=self.augment.isChecked(), snapshot_every=0,
                      threads=self.threads.value() or None)
        values.update(overrides)
        return TrainConfig(**values)

    def set_values(self, *, epochs=None, batch_size=None, lr=None, optimizer=None, seed=None, threads=None) -> None:
        """Set some fields from code (tests, benchmarks); ``threads`` 0 means auto."""
        if threads is not None:
            self.threads.setValue(threads)
        if epochs is not None:
            self.epochs.setValue(epochs)
        if batch_size is not None:
            self.batch.setValue(batch_size)
        if lr is not None:
            self.lr.setCurrentText(f"{lr:g}")
        if optimizer is not None:
            self.optimizer.setCurrentText(optimizer)
        if seed is not None:
            self.seed.setValue(seed)

    # ------------------------------------------------------------------ persistence
    def _restore(self) -> None:
        s = self._settings

        def get(key, default, kind):
            if s is None:
                return default
            try:
                return kind(s.value(f"train/{key}", default))
            except (TypeError, ValueError):
                return default

        self.optimizer.setCurrentText(get("optimizer", "adam", str))
        self.lr.setCurrentText(get("lr", "0.01", str))
        self.momentum.setValue(get("momentum", 0.9, float))
        self.batch.setValue(get("batch_size", 32, int))
        self.epochs.setValue(get("epochs", 5, int))
        self.schedule.setCurrentText(get("schedule", "constant", str))
        self.augment.setChecked(get("augment", "false", str).lower() == "true")
        self.seed.setValue(get("seed", 0, int))
        self.threads.setValue(get("threads", 0, int))

    def _on_any_changed(self, *_args) -> None:
        self.momentum.setEnabled(self.optimizer.currentText() == "sgd")
        s = self._settings
        if s is not None:
            for key, value in (("optimizer", self.optimizer.currentText()), ("lr", self.lr.currentText()),
                               ("momentum", self.momentum.value()), ("batch_size", self.batch.value()),
                               ("epochs", self.epochs.value()), ("schedule", self.schedule.currentText()),
                               ("augment", str(self.augment.isChecked()).lower()), ("seed", self.seed.value()),
                               ("threads", self.threads.value())):
                s.setValue(f"train/{key}", value)
        self.changed.emit()
