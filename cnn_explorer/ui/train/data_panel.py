"""DataPanel: pick and load a dataset (in a worker thread), preview labelled samples, class counts and the split.

Names: the bundled MNIST sample, the synthetic sets, the downloadable sets
(loaded from the cache, downloaded on request with a clear message when
offline), or a folder / file chosen with a dialog. Choosing one loads it.
``dataset_loaded(dataset)`` follows a successful load; a failure or a cancel
keeps the previous dataset (and its entry in the list) and says so.
The first load also imports torch on the worker and lists the devices.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.datasets import list_datasets, load_dataset
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.train.devices import describe_device, pick_device
from cnn_explorer.ui.file_checks import check_model_path
from cnn_explorer.ui.train.image_grid import ImageGrid, image_picture
from cnn_explorer.ui.widgets.inline_message import InlineMessage
from cnn_explorer.ui.workers import GeneratorWorker

PREVIEW_COUNT = 40
DEFAULT_DATASET = "xo"


def describe_devices() -> list[tuple[str, str]]:
    """(name, description) for "auto", "cpu" and each CUDA / MPS device here (imports torch: call off the GUI thread)."""
    import torch

    out = [("auto", f"auto — {describe_device(pick_device('auto'))}"), ("cpu", describe_device(torch.device("cpu")))]
    for i in range(torch.cuda.device_count() if torch.cuda.is_available() else 0):
        out.append((f"cuda:{i}", describe_device(torch.device(f"cuda:{i}"))))
    backend = getattr(torch.backends, "mps", None)
    if backend is not None and backend.is_available():
        out.append(("mps", "MPS: Apple GPU"))
    return out


class _ProgressRelay(QObject):
    """Carries download progress from the worker thread to the GUI thread (queued)."""

    progressed = Signal(object, object, str)


#: the summary's line while the settings' fresh data is on and the dataset can draw more of itself
FRESH_NOTE = ("<br>fresh data: every epoch after the first trains on newly drawn training images "
              "(as many of each class); the validation and test images never change")


class LoaderJobs:
    """The panel's loading worker, held outside the widget so a deleted page can still stop its thread."""

    def __init__(self) -> None:
        self.worker: GeneratorWorker | None = None

    def shutdown(self, timeout_ms: int = 500) -> bool:
        """Cancel the load; wait up to ``timeout_ms``, then abandon a thread inside a long read (it ends by
        itself, never destroyed while running). True when its thread has ended."""
        worker = self.worker
        return worker.stop(timeout_ms) if worker is not None else True


class DataPanel(QWidget):
    """The dataset chooser and preview; ``dataset`` is the loaded Dataset (or None before the first load).

    Choosing a dataset in the list loads it at once (``dataset_chosen(name)``, which the page answers with
    :meth:`load`); the previous dataset, its preview and counts stay until the new one is ready, and Train
    waits meanwhile. Choosing again, or Cancel, drops a load in progress within a moment.
    ``source`` is the name or path the loaded dataset came from.
    """

    dataset_loaded = Signal(object)
    devices_found = Signal(object)
    loading_changed = Signal(bool)
    dataset_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dataset = None
        self.source: str | None = None
        self.jobs = LoaderJobs()
        self._devices_listed = False
        self._paths: list[str] = []
        self._loading_name = ""
        self._fresh = False  # the settings' fresh data is on
        self.combo = QComboBox(self)
        self.combo.setToolTip("Bundled, synthetic and downloadable datasets, or a folder/file you open: choosing one "
                              "loads it (a missing download is fetched into the cache)")
        self._fill_combo()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setToolTip("Stop loading; the dataset shown stays")
        self.cancel_button.setVisible(False)
        self.folder_button = QPushButton("Folder…", self)
        self.folder_button.setToolTip("An image folder with one sub-folder per class, an IDX folder or CIFAR-10 batches")
        self.file_button = QPushButton("File…", self)
        self.file_button.setToolTip("An .npz with 'images' and 'labels'")
        self.combo.activated.connect(self._on_combo_activated)
        self.cancel_button.clicked.connect(self.cancel)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.file_button.clicked.connect(self._on_file_clicked)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.message = InlineMessage(self)
        self.summary = QLabel("No dataset loaded yet.", self)
        self.summary.setWordWrap(True)
        self.preview = ImageGrid(44, self, max_rows=4, name="dataset preview")
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        self.relay = _ProgressRelay(self)
        self.relay.progressed.connect(self._on_relay_progressed)

        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.cancel_button)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Or open:", self))
        row2.addWidget(self.folder_button)
        row2.addWidget(self.file_button)
        row2.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview)
        layout.addWidget(self.counts)
        layout.addStretch(1)

    def _fill_combo(self) -> None:
        self.combo.clear()
        for info in list_datasets():
            label = info.name
            if info.kind == "download":
                label += "  (cached)" if info.available else "  (download)"
            self.combo.addItem(label, info.name)
            self.combo.setItemData(self.combo.count() - 1, info.description, 3)  # ToolTipRole
        for path in self._paths:
            self.combo.addItem(Path(path).name or path, path)
        self.combo.setCurrentIndex(max(0, self.combo.findData(DEFAULT_DATASET)))

    # ------------------------------------------------------------------ loading
    def is_loading(self) -> bool:
        return self.jobs.worker is not None

    def loading_name(self) -> str:
        """The name or path being loaded ("" when idle)."""
        return self._loading_name if self.is_loading() else ""

    def load(self, name_or_path: str, *, seed: int = 0) -> None:
        """Load ``name_or_path`` on a worker thread; a load already running is dropped for it."""
        try:  # a FIFO, device or socket as the dataset file would block the loading worker for good
            check_model_path(name_or_path)  # a folder, a regular file or a name: the same rule as for models
        except CnnExplorerError as exc:
            kept = f" (still using {self.dataset.name})" if self.dataset is not None else ""
            self.message.show_error(str(exc).replace("model ", "dataset ", 1) + kept)
            return
        if self.is_loading():
            self.jobs.shutdown(0)
        self._select(name_or_path)
        self._loading_name = name_or_path
        list_devices = not self._devices_listed
        relay = self.relay
        last = [0.0]

        def job(cancel):
            def progress(done, total, message):
                if cancel.is_set():  # a download stops at its next chunk; its partial file is kept for a resume
                    raise CnnExplorerError(f"loading {name_or_path} was cancelled")
                now = time.perf_counter()
                if now - last[0] > 0.1:
                    last[0] = now
                    relay.progressed.emit(done, total, message)

            dataset = load_dataset(name_or_path, seed=seed, download=True, progress=progress, cancel=cancel)
            devices = describe_devices() if list_devices else None
            yield dataset, devices

        kept = f" (Train waits; the preview still shows {self.dataset.name})" if self.dataset is not None else ""
        self.message.show_info(f"Loading {name_or_path}…{kept}")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.setVisible(True)
        worker = GeneratorWorker(job, None, name="dataset-loader")
        worker.progressed.connect(lambda result, w=worker, n=name_or_path: self._on_worker_progressed(w, n, result))
        worker.finished.connect(lambda ok, message, w=worker: self._on_worker_finished(w, ok, message))
        self.jobs.worker = worker
        self.loading_changed.emit(True)
        worker.start()

    def cancel(self) -> None:
        """Drop the load in progress at once; the dataset shown stays (its thread ends by itself)."""
        self.jobs.shutdown(0)

    def _select(self, name_or_path: str) -> None:
        index = self.combo.findData(name_or_path)
        if index < 0:
            self._paths.append(name_or_path)
            self._fill_combo()
            index = self.combo.findData(name_or_path)
        self.combo.setCurrentIndex(index)

    # ------------------------------------------------------------------ slots
    def _on_combo_activated(self, index: int) -> None:
        name = self.combo.itemData(index)
        if name is None or (name == self.source and not self.is_loading()):
            return
        if name == self._loading_name and self.is_loading():
            return
        self.dataset_chosen.emit(name)

    def _on_folder_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a dataset folder")
        if path:
            self.dataset_chosen.emit(path)

    def _on_file_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a dataset file", "", "NumPy archives (*.npz);;All files (*)")
        if path:
            self.dataset_chosen.emit(path)

    def _on_relay_progressed(self, done, total, message: str) -> None:
        if not self.is_loading():
            return
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * done / total))
        self.message.show_info(message or f"Downloading… {done / 1e6:.1f} MB")

    def _on_worker_progressed(self, worker, name: str, result) -> None:
        if worker is not self.jobs.worker:
            return  # a load dropped for a newer choice: its dataset is never shown
        dataset, devices = result
        if devices is not None:
            self._devices_listed = True
            self.devices_found.emit(devices)
        self.dataset = dataset
        self.source = name
        self._show(dataset)
        self.dataset_loaded.emit(dataset)

    def _on_worker_finished(self, worker, ok: bool, message: str) -> None:
        worker.deleteLater()
        if worker is not self.jobs.worker:
            return  # an earlier load, already dropped
        self.jobs.worker = None
        self.progress.hide()
        self.cancel_button.setVisible(False)
        name, self._loading_name = self._loading_name, ""
        self._fill_combo_keep(self.source)
        kept = f" (still using {self.dataset.name})" if self.dataset is not None else ""
        if ok and message == "cancelled":
            self.message.show_info(f"Loading {name} was cancelled{kept}")
        elif ok:
            self.message.clear_message()
        else:
            self.message.show_error(message + kept)
        self.loading_changed.emit(False)

    def _fill_combo_keep(self, data) -> None:
        """Refill the list (a download may now be cached) with ``data`` (the loaded dataset's entry) chosen."""
        self._fill_combo()
        index = self.combo.findData(data)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    # ------------------------------------------------------------------ showing
    def _show(self, ds) -> None:
        h, w, c = ds.input_shape
        self.summary.setText(
            f"<b>{ds.name}</b>: {ds.num_classes} classes, {h}×{w}×{c}<br>"
            f"split: train <b>{len(ds.train_y):,}</b> · validation <b>{len(ds.val_y):,}</b> · "
            f"test <b>{len(ds.test_y):,}</b>" + (FRESH_NOTE if self._fresh and ds.can_redraw else ""))
        self.summary.setToolTip(ds.summary())
        x, y = (ds.train_x, ds.train_y) if len(ds.train_y) else (ds.test_x, ds.test_y)
        picks = _spread(y, ds.num_classes, PREVIEW_COUNT)
        self.preview.set_pictures([image_picture(x[i]) for i in picks], [ds.class_names[y[i]] for i in picks])
        counts = ds.class_counts("train") + ds.class_counts("val") + ds.class_counts("test")
        self.counts.setText("<b>Images per class</b> (all splits): " + " · ".join(
            f"{name}:&nbsp;{count:,}" for name, count in zip(ds.class_names, counts)))

    def set_scale(self, factor: float) -> None:
        self.preview.set_scale(factor)

    def set_fresh_data(self, on: bool) -> None:
        """Say (or stop saying) that training redraws its images every epoch (the settings' fresh data)."""
        if bool(on) != self._fresh:
            self._fresh = bool(on)
            if self.dataset is not None:
                self._show(self.dataset)

    def fresh_data_shown(self) -> bool:
        """True while the summary says the training images are redrawn every epoch."""
        return FRESH_NOTE in self.summary.text()


def _spread(y: np.ndarray, classes: int, count: int) -> list[int]:
    """Up to ``count`` indices taking each class in turn (so every class shows)."""
    by_class = [np.flatnonzero(y == k) for k in range(classes)]
    out: list[int] = []
    depth = 0
    while len(out) < min(count, len(y)):
        row = [int(c[depth]) for c in by_class if depth < len(c)]
        if not row:
            break
        out.extend(row[: count - len(out)])
        depth += 1
    return out
