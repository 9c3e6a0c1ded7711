"""SettingsForm: how to train — optimizer, learning rate, batch size, epochs, schedule, augmentation, seed, device.

The settings that decide what the model learns start from the model's recipe
(core/model/recipes.py: the preset's, else the default for the model's size),
fitted to the loaded dataset: :meth:`follow_model` when the model changes
(another preset resets every setting to its recipe), :meth:`follow_data` when
the dataset does (the user's changes are kept). A setting the user changed is
marked (bold label with a dot, its tooltip says the recipe's value); "Reset to
recipe" undoes them all. ``config()`` returns the engine's ``TrainConfig``
(CnnExplorerError on a bad value); the seed, device and threads are remembered
in QSettings under ``train/``.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.model.recipes import (
    RECIPES,
    ResolvedRecipe,
    default_recipe,
    resolve_recipe,
)
from cnn_explorer.core.model.spec import total_params
from cnn_explorer.core.train.config import OPTIMIZERS, SCHEDULES, TrainConfig
from cnn_explorer.ui.widgets.fold import stack_rows_when_narrow, wrapping_check

LEARNING_RATES = ("0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10")
#: a changed setting's label ends with this
CHANGED_MARK = " •"
FRESH_TIP = ("Train every epoch after the first on training images drawn afresh (the synthetic sets: xo, slashes, "
             "shapes): no image is seen twice, so a small net learns the shapes rather than the pictures. "
             "Validation and test images stay the same.")
FRESH_OFF_TIP = "This dataset cannot draw more of itself: every epoch trains on its training split."


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
        self.weight_decay = QDoubleSpinBox(self)
        self.weight_decay.setDecimals(4)
        self.weight_decay.setRange(0.0, 1.0)
        self.weight_decay.setSingleStep(0.005)
        self.weight_decay.setToolTip("Pulls the weights towards 0 a little every step (adamw: decoupled)")
        self.label_smoothing = QDoubleSpinBox(self)
        self.label_smoothing.setDecimals(2)
        self.label_smoothing.setRange(0.0, 0.5)
        self.label_smoothing.setSingleStep(0.05)
        self.label_smoothing.setToolTip("Train towards 1 - X for the right class instead of 1: less over-confident "
                                        "training; the calibration after training fixes the confidence shown")
        self.augment = QCheckBox("Augment", self)
        # the strengths on a line of their own, wrapped: the form never needs scrolling sideways for them
        self.augment_detail = QLabel(self)
        self.augment_detail.setWordWrap(True)
        self.augment_detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.augment_detail.setIndent(self.augment.style().pixelMetric(self.augment.style().PixelMetric.PM_IndicatorWidth)
                                      + 6)
        self.fresh_data = QCheckBox("Fresh images every epoch", self)
        self.fresh_data.setToolTip(FRESH_TIP)
        self._strength = (2.0, 10.0, 0.1)  # the recipe's shift (px), rotation (degrees) and zoom
        self.elastic = QDoubleSpinBox(self)
        self.elastic.setDecimals(1)
        self.elastic.setRange(0.0, 100.0)
        self.elastic.setSingleStep(2.0)
        self.elastic.setSuffix(" px")
        self.elastic.setSpecialValueText("off")
        self.elastic.setToolTip("Elastic distortion of the augmented images (Simard et al. 2003): the scale (alpha, "
                                "pixels) of a random smooth displacement field. 34 on 28-pixel digits moves a "
                                "pixel about 1.4 px, as a hand varies; 0: off")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setToolTip("The same seed, settings and data give the same run")
        self.device = QComboBox(self)
        self.device.addItem("auto", "auto")
        self.device.addItem("cpu", "cpu")
        self.device.setToolTip("Where to train; auto picks a GPU when there is one")
        self.threads = QSpinBox(self)
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("auto")   # one per physical core (the tooltip says so)
        self.threads.setToolTip("CPU threads for training (auto: one per physical core). On a busy machine "
                                "fewer threads can be faster.")
        self.device_note = QLabel("", self)
        self.device_note.setWordWrap(True)
        self.recipe_label = QLabel("", self)
        self.recipe_label.setWordWrap(True)
        self.reset_button = QPushButton("Reset to recipe", self)
        self.reset_button.setToolTip("Put every marked setting back to the recipe's value")
        self.reset_button.clicked.connect(self.reset_to_recipe)
        # the recipe's line above the settings, the whole width, as many lines as its notes need (a bare
        # layout in a form row gets one line's height and cuts a wrapped label), the button on the right under it
        form.addRow(self.recipe_label)
        reset_row = QHBoxLayout()
        reset_row.addStretch(1)
        reset_row.addWidget(self.reset_button)
        form.addRow(reset_row)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Learning rate", self.lr)
        form.addRow("Momentum", self.momentum)
        form.addRow("Batch size", self.batch)
        form.addRow("Epochs", self.epochs)
        form.addRow("Schedule", self.schedule)
        form.addRow("Weight decay", self.weight_decay)
        form.addRow("Label smoothing", self.label_smoothing)
        # the whole row, the text wrapping in a narrow column (a large presenter scale)
        self._check_labels: dict[QCheckBox, QLabel] = {}
        form.addRow(self._wrapping(self.augment))
        form.addRow(self.augment_detail)
        form.addRow("Elastic distortion", self.elastic)
        form.addRow(self._wrapping(self.fresh_data))
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)
        form.addRow("CPU threads", self.threads)
        form.addRow("", self.device_note)
        stack_rows_when_narrow(form, self)    # labels above their fields when the column is narrow
        self._form = form
        self._names = {w: form.labelForField(w).text() if form.labelForField(w) else "" for w in self._recipe_widgets()}
        self.resolved: ResolvedRecipe | None = None
        #: the recipe fitted to the data without the user's changes: what a change is measured against
        self._recipe = None
        self._model_key: object = None
        self._data: tuple = ((28, 28, 1), 0, None)
        self._restore()
        self.follow_model(None)
        for w in (self.optimizer, self.schedule, self.device):
            w.currentIndexChanged.connect(self._on_any_changed)
        self.lr.currentTextChanged.connect(self._on_any_changed)
        for w in (self.batch, self.epochs, self.seed, self.threads):
            w.valueChanged.connect(self._on_any_changed)
        for w in (self.momentum, self.weight_decay, self.label_smoothing, self.elastic):
            w.valueChanged.connect(self._on_any_changed)
        self.augment.toggled.connect(self._on_any_changed)
        self.fresh_data.toggled.connect(self._on_any_changed)
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
        shift, rotate, scale = self._strength
        values = dict(epochs=self.epochs.value(), batch_size=self.batch.value(), lr=lr,
                      optimizer=self.optimizer.currentText(), momentum=round(self.momentum.value(), 4),
                      schedule=self.schedule.currentText(), device=self.device.currentData() or "auto",
                      seed=self.seed.value(), augment=self.augment.isChecked(), snapshot_every=0,
                      threads=self.threads.value() or None, weight_decay=round(self.weight_decay.value(), 6),
                      label_smoothing=round(self.label_smoothing.value(), 4), augment_shift=shift,
                      augment_rotate=rotate, augment_scale=scale, augment_elastic=round(self.elastic.value(), 4),
                      fresh_data=self.fresh_data_on())
        values.update(overrides)
        return TrainConfig(**values)

    # ------------------------------------------------------------------ the recipe
    def follow_model(self, spec) -> None:
        """The model changed: a different preset (or a model of another kind) resets every setting to its
        recipe; an edit of the same model keeps the settings."""
        name = getattr(spec, "name", "") or ""
        key = name if name in RECIPES else default_recipe(_params(spec))  # a preset's name, or a size's recipe
        if key == self._model_key:
            return
        self._model_key = key
        self._resolve(keep_changes=False)

    def follow_data(self, dataset) -> None:
        """The dataset changed: fit the recipe to it (few or tiny images, a set that cannot draw more of itself),
        keeping the user's changes."""
        self._data = (tuple(dataset.input_shape), len(dataset.train_y), bool(getattr(dataset, "can_redraw", False)))
        self._resolve(keep_changes=True)

    def reset_to_recipe(self) -> None:
        """Every setting back to the recipe's value (fitted to the dataset)."""
        self._resolve(keep_changes=False)

    def fresh_data_on(self) -> bool:
        """True when the next run trains on fresh images every epoch (checked, and the dataset can draw them)."""
        return self.fresh_data.isChecked() and self.fresh_data.isEnabled()

    def changed_settings(self) -> dict[str, object]:
        """The recipe settings the user changed: name -> the value shown."""
        if self._recipe is None:
            return {}
        shown = self._shown()
        return {k: v for k, v in shown.items() if not _same(v, getattr(self._recipe, k))}

    def _recipe_widgets(self) -> tuple:
        return (self.optimizer, self.lr, self.momentum, self.batch, self.epochs, self.schedule, self.weight_decay,
                self.label_smoothing, self.augment, self.elastic, self.fresh_data)

    def _widget(self, name: str):
        return {"optimizer": self.optimizer, "lr": self.lr, "momentum": self.momentum, "batch_size": self.batch,
                "epochs": self.epochs, "schedule": self.schedule, "weight_decay": self.weight_decay,
                "label_smoothing": self.label_smoothing, "augment": self.augment, "augment_elastic": self.elastic,
                "fresh_data": self.fresh_data}[name]

    def _shown(self) -> dict[str, object]:
        try:
            lr: object = float(self.lr.currentText().strip())
        except ValueError:
            lr = self.lr.currentText().strip()
        return {"optimizer": self.optimizer.currentText(), "lr": lr, "momentum": round(self.momentum.value(), 4),
                "batch_size": self.batch.value(), "epochs": self.epochs.value(),
                "schedule": self.schedule.currentText(), "weight_decay": round(self.weight_decay.value(), 6),
                "label_smoothing": round(self.label_smoothing.value(), 4), "augment": self.augment.isChecked(),
                "augment_elastic": round(self.elastic.value(), 4), "fresh_data": self.fresh_data.isChecked()}

    def _resolve(self, keep_changes: bool) -> None:
        kept = self.changed_settings() if keep_changes else {}
        key = self._model_key
        base = RECIPES[key] if isinstance(key, str) else key
        origin = f"the {key} preset's recipe" if isinstance(key, str) else "the default recipe for a model of its size"
        shape, n_train, can_redraw = self._data
        if can_redraw is False:  # a set that cannot draw more of itself: nobody's fresh-data choice applies
            kept.pop("fresh_data", None)
        try:
            resolved = resolve_recipe(base, origin, shape, n_train, {k: (v, "you") for k, v in kept.items()
                                                                     if not isinstance(v, str) or k != "lr"},
                                      can_redraw=can_redraw)
        except CnnExplorerError:
            resolved = resolve_recipe(base, origin, shape, n_train, can_redraw=can_redraw)
        self.resolved = resolved
        # a kept change stays marked after the data changed (resolved holds it as the run's value)
        self._recipe = (resolve_recipe(base, origin, shape, n_train, can_redraw=can_redraw).recipe if kept
                        else resolved.recipe)
        r = resolved.recipe
        self._strength = (r.augment_shift, r.augment_rotate, r.augment_scale)
        self.augment_detail.setText(f"shift ±{r.augment_shift:g} px, rotate ±{r.augment_rotate:g}°, "
                                    f"scale ±{r.augment_scale:.0%}")
        widgets = self._recipe_widgets()
        for w in widgets:
            w.blockSignals(True)
        try:
            self.optimizer.setCurrentText(r.optimizer)
            self.lr.setCurrentText(f"{r.lr:g}")
            self.momentum.setValue(r.momentum)
            self.batch.setValue(r.batch_size)
            self.epochs.setValue(r.epochs)
            self.schedule.setCurrentText(r.schedule)
            self.weight_decay.setValue(r.weight_decay)
            self.label_smoothing.setValue(r.label_smoothing)
            self.augment.setChecked(r.augment)
            self.elastic.setValue(r.augment_elastic)
            self.fresh_data.setChecked(r.fresh_data)
            self.fresh_data.setEnabled(can_redraw is not False)
            self.fresh_data.setToolTip(FRESH_TIP if can_redraw is not False else FRESH_TIP + " " + FRESH_OFF_TIP)
            for key, value in kept.items():  # the user's own values stay as they were typed
                widget = self._widget(key)
                if key == "lr":
                    widget.setCurrentText(f"{value:g}" if isinstance(value, float) else str(value))
                elif isinstance(widget, QComboBox):
                    widget.setCurrentText(str(value))
                elif isinstance(widget, QCheckBox):
                    widget.setChecked(bool(value))
                else:
                    widget.setValue(value)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._on_any_changed()

    def _wrapping(self, check: QCheckBox) -> QWidget:
        holder = wrapping_check(check, self)
        self._check_labels[check] = holder.findChild(QLabel)
        return holder

    def check_label(self, check: QCheckBox) -> QLabel:
        """The label that shows ``check``'s text (it wraps; a changed setting is marked and bold there)."""
        return self._check_labels[check]

    def _mark_changes(self) -> None:
        changed = self.changed_settings()
        r = self._recipe
        for key in ("optimizer", "lr", "momentum", "batch_size", "epochs", "schedule", "weight_decay",
                    "label_smoothing", "augment", "augment_elastic", "fresh_data"):
            widget = self._widget(key)
            label = self._form.labelForField(widget)
            mark = key in changed
            text = f"recipe: {_text(getattr(r, key))}" if r is not None else ""
            if isinstance(widget, QCheckBox):
                check_label = self.check_label(widget)
                base = check_label.text().removesuffix(CHANGED_MARK)
                check_label.setText(base + (CHANGED_MARK if mark else ""))
                font = check_label.font()
                font.setBold(mark)
                check_label.setFont(font)
                origin = f"Changed by you ({text})" if mark else f"As the recipe says ({text})"
                check_label.setToolTip("\n".join(t for t in (widget.toolTip(), origin) if t))
            elif label is not None:
                label.setText(self._names[widget] + (CHANGED_MARK if mark else ""))
                font = label.font()
                font.setBold(mark)
                label.setFont(font)
                label.setToolTip(f"Changed by you ({text})" if mark else f"As the recipe says ({text})")
        notes = self.resolved.notes if self.resolved is not None else ()
        origin = self.resolved.origin if self.resolved is not None else "recipe"
        text = origin[0].upper() + origin[1:]
        if notes:
            text += " (" + "; ".join(notes) + ")"
        text += f"; {len(changed)} changed by you (marked {CHANGED_MARK.strip()})" if changed else \
            ", as it is"
        self.recipe_label.setText(text)
        self.reset_button.setEnabled(bool(changed))

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

        # the settings that decide what the model learns come from its recipe; these are the machine's and yours
        self.seed.setValue(get("seed", 0, int))
        self.threads.setValue(get("threads", 0, int))

    def _on_any_changed(self, *_args) -> None:
        self.momentum.setEnabled(self.optimizer.currentText() == "sgd")
        self.elastic.setEnabled(self.augment.isChecked())
        self.augment_detail.setEnabled(self.augment.isChecked())
        self._mark_changes()
        s = self._settings
        if s is not None:
            for key, value in (("seed", self.seed.value()), ("threads", self.threads.value())):
                s.setValue(f"train/{key}", value)
        self.changed.emit()


def _params(spec) -> int:
    try:
        return total_params(spec) if spec is not None else 0
    except Exception:  # an invalid spec being edited: its size is unknown for now
        return 0


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))
        except (TypeError, ValueError):
            return False
    return a == b


def _text(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)
