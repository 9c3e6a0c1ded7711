"""LiveUpdates: puts each training update on the Train page's live views, as often as the update budget allows.

Every update adds its numbers to the curves' data; what is redrawn, and how
often, the update budget (update_budget.py) decides. A hidden Live tab only
keeps the data and draws the newest state when :meth:`LiveUpdates.refresh`
finds it shown again.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtWidgets import QLabel, QProgressBar

from cnn_explorer.ui.train.controller import TrainController
from cnn_explorer.ui.train.live_view import LiveView
from cnn_explorer.ui.train.timeline import TimelineView
from cnn_explorer.ui.train.update_budget import UpdateBudget, share_for

#: (shortest, longest) seconds between two redraws of each live view while training; the update budget
#: stretches them toward the longest when the GUI thread uses more than its share of a core. "status" is the
#: progress bar and the run line, "maps" the filters and the probe's feature maps (a new probe drawing is
#: shown at once), "timeline" the filter timeline (only counted while its tab is hidden).
VIEW_INTERVALS_S = {"status": (0.2, 1.0), "curves": (0.4, 1.5), "maps": (0.5, 2.0), "timeline": (0.5, 3.0)}


def format_eta(seconds: float) -> str:
    """A run's time left: "42 s", "3 min 07 s", or "…" while unknown."""
    if not np.isfinite(seconds):
        return "…"
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class LiveUpdates:
    """Draws ``controller``'s run on the live views, the filter timeline, the progress bar and the run line."""

    def __init__(self, controller: TrainController, live: LiveView, timeline: TimelineView,
                 progress: QProgressBar, run_label: QLabel) -> None:
        self.controller = controller
        self.live = live
        self.timeline = timeline
        self.progress = progress
        self.run_label = run_label
        self.budget = UpdateBudget()
        for view, (shortest, longest) in VIEW_INTERVALS_S.items():
            self.budget.add_view(view, shortest, longest)
        self._shown_filters = None
        self._shown_probe = None
        self._latest = None  # (the newest LiveUpdate, class names)
        self._stale = False

    def show(self, u, names) -> None:
        """Take one update (a ``LiveUpdate``) of a run on data with classes ``names``."""
        if u.kind == "started":
            self.budget.share = share_for(u.cpu_threads)
            self.budget.start()
            self.run_label.setText(f"Training on {u.device}")
            self.progress.setRange(0, 1000)
        elif u.kind == "batch":
            r = u.record
            self.live.curves.add_batch(u.step / u.steps_per_epoch, r.loss, r.accuracy)
            if self.budget.due("status"):
                began = time.perf_counter()
                # the whole planned run (Resume included), as the curves' axis: bar, axis and text agree
                plan = self.controller.planned_epochs or u.epoch
                self.progress.setValue(min(1000, int(1000 * u.step / max(1, plan * u.steps_per_epoch))))
                in_epoch = (r.step - 1) % u.steps_per_epoch + 1
                self.progress.setFormat(f"epoch {u.epoch}/{plan} · batch {in_epoch}/{u.steps_per_epoch} · "
                                        f"ETA {format_eta(r.eta_s)}")
                self.run_label.setText(f"loss {r.loss:.4f} · batch accuracy {r.accuracy:.1%} · "
                                       f"{r.samples_per_s:,.0f} images/s · lr {r.lr:.2g}")
                self.budget.spent("status", time.perf_counter() - began)
        elif u.kind == "epoch":
            r = u.record
            self.live.curves.add_epoch(u.epoch, r.train_loss, r.train_accuracy, r.val_loss, r.val_accuracy)
            val = f", validation {r.val_accuracy:.1%}" if np.isfinite(r.val_accuracy) else ""
            self.run_label.setText(f"Epoch {u.epoch}: training accuracy {r.train_accuracy:.1%}{val}")
        elif u.kind == "finished":
            self.progress.setValue(1000)
        self._latest = (u, names)
        if not self.live.isVisible():
            self._stale = True
        else:
            # at most one heavy view per update (curves, or filters and maps), so no single repaint grows long;
            # the probe's maps follow a new drawing at once; the run's first and last records draw everything,
            # epoch ends wait for their turn like batches
            probe_new = u.probe is not None and u.probe.serial != self.live.activations.serial
            edge = u.kind in ("started", "finished")
            if edge or probe_new or self.budget.due("maps"):
                self._draw_maps(u, names)
            elif self.budget.due("curves"):
                self.draw_curves()
            if edge:
                self.draw_curves()
        history = self.controller.filter_history
        if len(history) != self.timeline.frame_count() and (u.kind == "finished" or self.budget.due("timeline")):
            began = time.perf_counter()
            self.timeline.set_history(list(history), u.steps_per_epoch)
            self.budget.spent("timeline", time.perf_counter() - began)

    def draw_curves(self) -> None:
        began = time.perf_counter()
        self.live.curves.redraw()
        self.budget.spent("curves", time.perf_counter() - began)

    def _draw_maps(self, u, names) -> None:
        began = time.perf_counter()
        if u.filters is not None and u.filters is not self._shown_filters:
            self._shown_filters = u.filters
            self.live.show_filters(u.filters, u.step)
        if u.probe is not None and u.probe is not self._shown_probe:
            self._shown_probe = u.probe
            self.live.activations.show_result(u.probe, names)
        self.budget.spent("maps", time.perf_counter() - began)

    def catch_up(self) -> None:
        """A run ended without a last record: draw the points that arrived since the last redraw (when shown)."""
        if self.live.isVisible():
            self.draw_curves()
        else:
            self._stale = True

    def refresh(self) -> None:
        """The Live tab shows again: draw what arrived while it was hidden."""
        if not self._stale or not self.live.isVisible():
            return
        self._stale = False
        self.draw_curves()
        if self._latest is not None:
            self._draw_maps(*self._latest)
