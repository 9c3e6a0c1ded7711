"""TrainPage: build a CNN, train it live, watch its features form.

Left: tabs Model (layer list, layer form, shape table), Code (PyTorch |
Keras), Data (dataset, preview, split) and Training (settings, hand-made
kernels). Right: Train / Stop / Resume, progress, and tabs Live (curves,
filters, probe and its feature maps), Filter timeline and Results (test
accuracy, confusion matrix, misclassified images, save / load / use in Classify).

The page never blocks: datasets load and models train on worker threads;
training updates arrive at most 10 times a second (each adds its batch to
the curves' data); LiveUpdates (live_updates.py) draws them, and its update
budget (update_budget.py) spaces the redraws of the progress line (up to 5 a
second), the curves (up to 2.5 a second) and the filters/feature maps (up to
2 a second), and stretches them (to 1, 1.5 and 2 s at most) while the GUI
thread uses more than its share of a core: 2% when training keeps every core
busy (each millisecond the window takes then costs training as much), 15% when
a core is spare (a GPU run, fewer threads). The probe's maps follow a new
drawing at once (between runs ProbeRefresh, probe_refresh.py, computes them),
and views on hidden tabs draw when shown. RunBar (run_bar.py) lays out the
run's buttons, progress bar and run line.
Hooks for the window: ``set_kernel_provider``, ``model_trained``, ``shutdown`` (also ``stop``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.model.build import conv_layers
from cnn_explorer.core.model.spec import Conv2D
from cnn_explorer.ui.train.code_view import CodeView
from cnn_explorer.ui.train.controller import TrainController
from cnn_explorer.ui.train.data_panel import DEFAULT_DATASET, DataPanel
from cnn_explorer.ui.train.kernels_panel import KernelsPanel
from cnn_explorer.ui.train.layer_form import LayerForm
from cnn_explorer.ui.train.layer_list import LayerList
from cnn_explorer.ui.train.live_updates import LiveUpdates
from cnn_explorer.ui.train.live_view import LiveView
from cnn_explorer.ui.train.model_files import load_clicked, save_clicked
from cnn_explorer.ui.train.model_files import load_model as load_model_into
from cnn_explorer.ui.train.model_files import save_model as save_model_of
from cnn_explorer.ui.train.probe_refresh import ProbeRefresh
from cnn_explorer.ui.train.results_view import ResultsView
from cnn_explorer.ui.train.run_bar import RunBar
from cnn_explorer.ui.train.script_export_action import export_script
from cnn_explorer.ui.train.settings_form import SettingsForm
from cnn_explorer.ui.train.shape_table import ShapeTable
from cnn_explorer.ui.train.spec_state import SpecState
from cnn_explorer.ui.train.timeline import TimelineView
from cnn_explorer.ui.train.update_budget import UpdateBudget
from cnn_explorer.ui.widgets.containers import group_box, scroll_area
from cnn_explorer.ui.widgets.fold import stack_when_narrow
from cnn_explorer.ui.widgets.inline_message import InlineMessage


class TrainPage(QWidget):
    """The training page; ``model_trained(TrainedModel)`` when the user hands the model to Classify.

    ``controller``: the page's model (None: a new TrainController).
    """

    model_trained = Signal(object)
    status_message = Signal(str)
    run_finished = Signal(bool, str)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None, *,
                 controller: TrainController | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.state = SpecState(parent=self)
        self.undo_stack = self.state.undo_stack
        # no parent: it outlives the page's widgets until its thread ends
        self.controller = controller if controller is not None else TrainController()

        # ---- left: model, code, data, settings
        self.layer_list = LayerList(self.state, self)
        self.layer_form = LayerForm(self)
        self.shape_table = ShapeTable(self)
        self.spec_message = InlineMessage(self)
        self.code_view = CodeView(self)
        self.data_panel = DataPanel(self)
        self.settings_form = SettingsForm(settings, self)
        self.kernels_panel = KernelsPanel(self)

        model_tab = QWidget(self)
        self.model_top = top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        top.addWidget(self.layer_list, 5)
        top.addWidget(group_box("Layer", self.layer_form, model_tab), 4)
        ml = QVBoxLayout(model_tab)
        ml.setContentsMargins(4, 4, 4, 4)
        ml.addLayout(top, 3)
        ml.addWidget(self.spec_message)
        ml.addWidget(self.shape_table, 4)
        training_tab = QWidget(self)
        tl = QVBoxLayout(training_tab)
        tl.addWidget(group_box("Settings", self.settings_form, training_tab))
        tl.addWidget(group_box("Hand-made kernels in the first conv layer", self.kernels_panel, training_tab))
        tl.addStretch(1)
        data_tab = QWidget(self)
        dl = QVBoxLayout(data_tab)
        dl.addWidget(self.data_panel)
        self.left_tabs = QTabWidget(self)
        self.left_tabs.setDocumentMode(True)
        model_scroll = scroll_area(model_tab, self)  # scrolls at a large presenter scale
        self.left_tabs.addTab(model_scroll, "Model")
        # the layer list above the layer's form when the column is too narrow for both side by side
        stack_when_narrow(top, model_scroll.viewport(), margins=8)
        self.left_tabs.addTab(self.code_view, "Code")
        self.left_tabs.addTab(scroll_area(data_tab, self), "Data")
        self.left_tabs.addTab(scroll_area(training_tab, self), "Settings")

        # ---- right: controls, progress, live views
        self.run_bar = RunBar(self)
        bar = self.run_bar
        self.train_button, self.stop_button, self.resume_button = bar.train_button, bar.stop_button, bar.resume_button
        self.save_button, self.load_button, self.classify_button = bar.save_button, bar.load_button, bar.classify_button
        self.progress, self.run_label, self.run_message = bar.progress, bar.run_label, bar.run_message
        self.live = LiveView(self)
        self.timeline = TimelineView(self)
        self.results = ResultsView(self)
        self.right_tabs = QTabWidget(self)
        self.right_tabs.setDocumentMode(True)
        self.right_tabs.addTab(self.live, "Live")
        self.right_tabs.addTab(self.timeline, "Filter timeline")
        self.right_tabs.addTab(scroll_area(self.results, self), "Results")
        self.right_tabs.currentChanged.connect(self._on_right_tabs_current_changed)

        self.updates = LiveUpdates(self.controller, self.live, self.timeline, self.progress, self.run_label)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.run_bar)
        rl.addWidget(self.right_tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left_tabs)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([520, 840])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        # When the window is smaller than the page's minimum (a small projector, a big presenter scale)
        # the page scrolls instead of squeezing its panels until their texts are cut.
        self.page_scroll = scroll_area(self.splitter, self)
        layout.addWidget(self.page_scroll)
        self._fit_tabs()

        self.probe_refresh = ProbeRefresh(self.controller, self.live, self)

        # ---- wiring
        self.state.spec_changed.connect(self._on_state_spec_changed)
        self.state.spec_changed.connect(self.settings_form.follow_model)  # another preset: its recipe
        self.data_panel.dataset_loaded.connect(self.settings_form.follow_data)
        self.layer_list.current_changed.connect(self._on_layer_list_current_changed)
        self.layer_list.status_message.connect(self.status_message)
        self.layer_form.layer_edited.connect(self._on_layer_form_layer_edited)
        self.data_panel.dataset_loaded.connect(self._on_data_dataset_loaded)
        self.data_panel.dataset_chosen.connect(self.load_dataset)
        self.settings_form.changed.connect(self._update_buttons)
        self.settings_form.changed.connect(lambda: self.data_panel.set_fresh_data(self.settings_form.fresh_data_on()))
        self.data_panel.devices_found.connect(self.settings_form.set_devices)
        self.data_panel.loading_changed.connect(lambda _l: self._update_buttons())
        self.kernels_panel.kernels_changed.connect(self._on_kernels_changed)
        self.kernels_panel.kernel_size_requested.connect(self._on_kernel_size_requested)
        self.live.probe_changed.connect(self.probe_refresh.probe_changed)
        self.train_button.clicked.connect(self.train)
        self.stop_button.clicked.connect(self.stop_training)
        self.resume_button.clicked.connect(self.resume)
        self.save_button.clicked.connect(lambda: save_clicked(self))
        self.load_button.clicked.connect(lambda: load_clicked(self))
        self.classify_button.clicked.connect(self.use_in_classify)
        bar.export_script_button.clicked.connect(self.export_training_script)
        self.controller.updated.connect(self._on_controller_updated)
        self.controller.run_ended.connect(self._on_controller_run_ended)

        # a page deleted without shutdown() (no closeEvent) still stops and joins its threads
        controller, loader = self.controller, self.data_panel.jobs
        self.destroyed.connect(lambda *_: (controller.shutdown(), loader.shutdown()))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(loader.shutdown)
        self._on_state_spec_changed(self.state.spec)
        self.settings_form.follow_model(self.state.spec)
        self._update_buttons()
        self._first_load_done = False
        self.dataset_ref = None  # the name or path the loaded dataset came from

    @property
    def budget(self) -> UpdateBudget:
        """The update budget that spaces the live views' redraws."""
        return self.updates.budget

    # ================================================================== hooks for the window
    def set_kernel_provider(self, provider) -> None:
        """``provider()`` -> [(name, (kh, kw[, C]) array)]: the explorer's current kernels."""
        self.kernels_panel.set_provider(provider)

    def shutdown(self, timeout_ms: int = 500) -> bool:
        """Stop training and dataset loading, waiting up to ``timeout_ms`` for each thread (one inside a long call
        is left to end by itself, never destroyed running); True when none is left running."""
        self.timeline.stop()
        self.probe_refresh.stop()
        ok = self.controller.shutdown(timeout_ms)
        return self.data_panel.jobs.shutdown(timeout_ms) and ok

    def stop(self) -> None:
        """The window calls this on close: same as :meth:`shutdown`."""
        self.shutdown()

    def set_scale(self, factor: float) -> None:
        for view in (self.live, self.timeline, self.results, self.data_panel, self.kernels_panel):
            view.set_scale(factor)
        self._fit_tabs()

    def _fit_tabs(self) -> None:
        """Every tab's name stays in sight (no tab hidden behind scroll arrows) at any font size."""
        for tabs in (self.left_tabs, self.right_tabs):
            tabs.setMinimumWidth(tabs.tabBar().sizeHint().width())

    # ================================================================== actions
    def load_dataset(self, name_or_path: str) -> None:
        """Load a dataset (on a worker); once asked for one, the page no longer loads its default on first show."""
        self._first_load_done = True
        self.data_panel.load(name_or_path, seed=self.settings_form.seed.value())

    def train(self) -> None:
        self._start(resume=False)

    def resume(self) -> None:
        self._start(resume=True)

    def stop_training(self) -> None:
        if self.controller.is_running():
            self.controller.stop()
            self.run_label.setText("Stopping…")

    def is_training(self) -> bool:
        return self.controller.is_running()

    def use_in_classify(self) -> None:
        if self.controller.trained is None or self.controller.is_running():
            return
        self.model_trained.emit(self.controller.export_copy())
        self.status_message.emit("The trained model is now on the Classify page")

    def export_training_script(self) -> Path | None:
        """Ask for a file and write a standalone PyTorch training script for the model, data and settings."""
        return export_script(self, self.state.spec, self.data_panel.dataset, self.dataset_ref,
                             self.settings_form.config, self.run_message, self.settings)

    def save_model(self, path) -> Path:
        """Save the current model (safetensors + JSON) at ``path``; returns the JSON path."""
        return save_model_of(self, path)

    def load_model(self, path) -> None:
        """Load a saved model and make it the current one (its spec replaces the edited one); a failure raises
        CnnExplorerError and changes nothing."""
        load_model_into(self, path)
        self._show_model_filters()
        self.probe_refresh.request()
        self._update_buttons()

    # ================================================================== internals
    def _start(self, resume: bool) -> None:
        ds = self.data_panel.dataset
        if ds is None or self.controller.is_running() or self.state.error is not None:
            return
        try:
            config = self.settings_form.config()
        except CnnExplorerError as exc:
            self.run_message.show_error(str(exc))
            return
        if resume and not self.controller.can_resume(self.state.spec, ds):
            self.run_message.show_error("Resume: the model or the data changed since training; Train starts anew")
            return
        self.run_message.clear_message()
        self.controller.kernels = self.kernels_panel.kernels if self.kernels_panel.is_valid() else None
        self.controller.probe.set(self.live.canvas.image())
        done_epochs = self.controller.epochs_done() if resume else 0
        if not resume:
            self.live.curves.clear(len(ds.class_names))
            self.live.activations.serial = -1
        else:  # a stopped epoch's points go: it is trained again from its start
            self.live.curves.truncate(done_epochs)
        self.live.curves.set_epochs(done_epochs + (self.controller.resume_epochs(config.epochs) if resume
                                                   else config.epochs))
        self.results.clear()
        self.right_tabs.setCurrentWidget(self.live)  # the run ends on Results; it starts on the live views
        # not the busy indicator (range 0..0): its animation repaints the bar continuously until training starts
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.run_label.setText("Building the model…")
        self.controller.start(self.state.spec, ds, config, resume=resume)
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.controller.is_running()
        loading = self.data_panel.is_loading()
        ds = self.data_panel.dataset
        ok_spec = self.state.error is None
        can_train = not running and not loading and ds is not None and ok_spec and self.kernels_panel.is_valid()
        self.train_button.setEnabled(can_train)
        if not ok_spec:
            self.train_button.setToolTip(f"Fix the model first: {self.state.error}")
        elif ds is None:
            self.train_button.setToolTip("Load a dataset first (Data tab)")
        elif not self.kernels_panel.is_valid():
            self.train_button.setToolTip("The hand-made kernels do not fit the first conv layer (Settings tab)")
        else:
            self.train_button.setToolTip("Train a new model from the spec on the dataset")
        self.stop_button.setEnabled(running)
        self.resume_button.setEnabled(can_train and self.controller.can_resume(self.state.spec, ds))
        self._label_resume()
        has_model = self.controller.trained is not None and not running
        self.save_button.setEnabled(has_model)
        self.classify_button.setEnabled(has_model)
        self.load_button.setEnabled(not running)
        self.run_bar.export_script_button.setEnabled(ok_spec and ds is not None and not loading)
        self.data_panel.setEnabled(not running)
        self.layer_list.setEnabled(not running)
        self.layer_form.setEnabled(not running)
        self.kernels_panel.setEnabled(not running)

    def _label_resume(self) -> None:
        """"Resume" while a stopped run has epochs left to its plan; else "Train N more epochs"."""
        c = self.controller
        if c.run_unfinished():
            text = "Resume"
            tip = (f"Continue the stopped run to its planned {c.planned_epochs} epochs "
                   f"({c.planned_epochs - c.epochs_done()} to go)")
        else:
            more = self.settings_form.epochs.value()
            text = f"Train {more} more epoch{'s' if more != 1 else ''}"
            tip = "Continue training the current model for the epochs set in Settings"
        if self.resume_button.text() != text:
            self.resume_button.setText(text)
        self.resume_button.setToolTip(tip)

    def _show_model_filters(self) -> None:
        t = self.controller.trained
        convs = conv_layers(t.model) if t is not None else []
        if convs:
            filters = convs[0][1].weight.detach().float().cpu().numpy().copy()
            self.live.show_filters(filters, t.steps)
            if not self.controller.filter_history:
                self.controller.filter_history.append((t.steps, filters))
            self.timeline.set_history(list(self.controller.filter_history))

    # ------------------------------------------------------------------ spec
    def _on_state_spec_changed(self, spec) -> None:
        error = self.state.error
        self.shape_table.show_spec(spec, error)
        self.code_view.show_spec(spec, error)
        if error is not None:
            self.spec_message.show_error(str(error))
        else:
            self.spec_message.clear_message()
        self.kernels_panel.set_spec(spec)
        self._on_layer_list_current_changed(self.layer_list.current_index())
        self._update_buttons()

    def _on_layer_list_current_changed(self, index: int) -> None:
        layers = self.state.spec.layers
        self.layer_form.show_layer(index, layers[index] if 0 <= index < len(layers) else None)

    def _on_layer_form_layer_edited(self, index: int, layer, field: str) -> None:
        if 0 <= index < len(self.state.spec.layers):
            self.state.set_layer(index, layer, field)

    def _on_kernels_changed(self, _kernels) -> None:
        self._update_buttons()

    def _on_kernel_size_requested(self, size) -> None:
        for i, layer in enumerate(self.state.spec.layers):
            if isinstance(layer, Conv2D):
                self.state.set_layer(i, replace(layer, kernel=tuple(size)), "kernel")
                self.layer_list.list.setCurrentRow(i)
                break

    # ------------------------------------------------------------------ data
    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        self.updates.refresh()
        if not self._first_load_done and self.data_panel.dataset is None:
            self._first_load_done = True
            self.load_dataset(DEFAULT_DATASET)

    def _on_data_dataset_loaded(self, ds) -> None:
        self._first_load_done = True
        self.dataset_ref = self.data_panel.combo.currentData()  # set to what is loading, locked meanwhile
        self.state.adapt_to(ds.input_shape, ds.class_names)
        self.live.set_dataset(ds)
        self.status_message.emit(f"Dataset {ds.name}: {len(ds.train_y):,} training images")
        self._update_buttons()

    # ------------------------------------------------------------------ training updates
    def _on_controller_updated(self, u) -> None:
        names = self.controller.trained.class_names if self.controller.trained else ()
        if u.kind == "finished":
            ds = self.data_panel.dataset
            self.results.show_results(u.record, names, ds.test_x, ds.test_y, u.predictions)
        self.updates.show(u, names)

    def _on_right_tabs_current_changed(self, _index: int) -> None:
        self.updates.refresh()

    def _on_controller_run_ended(self, ok: bool, message: str) -> None:
        t = self.controller.trained
        # a stopped or failed run sends no last record: the points that arrived since the last redraw show now
        self.updates.catch_up()
        if ok and message == "cancelled":
            self.progress.setFormat("stopped")
            done, plan = self.controller.epochs_done(), self.controller.planned_epochs
            self.run_label.setText(f"Stopped after {done} of {plan} epochs")
            self.run_message.show_info(f"Stopped at step {t.steps:,} (epoch {done} of {plan} complete): the model "
                                       f"so far is kept; Resume continues it to epoch {plan}." if t else "Stopped.")
        elif ok:
            fin = self.results.accuracy_label.text()
            self.progress.setFormat("done")
            self.run_message.clear_message()
            self.run_label.setText(fin.replace("<b>", "").replace("</b>", ""))
            self.right_tabs.setCurrentWidget(self.right_tabs.widget(2))
        else:
            self.progress.setFormat("failed")
            self.run_label.setText("Training failed")
            self.progress.setRange(0, 1000)
            if t is not None and t.history:
                self.live.curves.truncate(len(t.history) + 1e-9)
                self.live.curves.redraw()
            self.run_message.show_error(message + ("" if "kept" in message or t is None else
                                                   "; the last good model was kept"))
            if t is not None:
                self._show_model_filters()
        self.status_message.emit(self.run_message.text() or "Training finished")
        self._update_buttons()
        self.run_finished.emit(ok, message)
        if t is not None:
            self.probe_refresh.request()
