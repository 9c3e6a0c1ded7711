"""The window's export actions: File ▸ Export animation… and Export worksheet…, Edit ▸ Copy arithmetic (text, LaTeX).

:class:`ExportActions` owns the actions, opens the dialogs (non-blocking), runs the chosen
export on a worker with a progress dialog (``progress.ExportRunner``), and reports in the
status bar. The step view's written-out sum gets the copy actions in its context menu, and
the animation controls an Export… button. Closing the window cancels a running export
(which then writes nothing).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QWidget

from cnn_explorer.core.conv.step_text import step_latex, step_text
from cnn_explorer.ui.export.dialogs import AnimationExportDialog, WorksheetDialog
from cnn_explorer.ui.export.progress import ExportRunner


class ExportActions(QObject):
    """Export and copy actions over an explorer page's state and step view."""

    status_message = Signal(str)
    export_finished = Signal(bool, str)       # (ok, what was written / "cancelled" / the error)
    dialog_opened = Signal(object)            # the export dialog just shown (tests fill it in)

    def __init__(self, window: QWidget, explorer) -> None:
        super().__init__(window)
        self._window, self._explorer = window, explorer
        self._runner: ExportRunner | None = None
        self._folder = Path.home()
        self.dialog: QWidget | None = None
        self.export_animation_action = self._action("Export &animation…", self.export_animation, "Ctrl+Shift+E",
                                                    "The step-by-step animation as an animated GIF, PNG or WebP")
        self.export_worksheet_action = self._action("Export &worksheet…", self.export_worksheet, "Ctrl+Shift+W",
                                                    "A printable exercise with its answer key (PDF)")
        self.copy_arithmetic_action = self._action("Copy a&rithmetic", self.copy_arithmetic, "Ctrl+Alt+C",
                                                   "The current step's arithmetic as plain text")
        self.copy_latex_action = self._action("Copy arithmetic as &LaTeX", self.copy_latex, "",
                                              "The current step's arithmetic as LaTeX math")
        panel = explorer.animation_panel
        label = panel.arithmetic.sum_label
        label.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        label.addActions([self.copy_arithmetic_action, self.copy_latex_action])
        set_export = getattr(panel.controls, "set_export_action", None)
        if callable(set_export):
            set_export(self.export_animation_action)
        window.installEventFilter(self)

    def _action(self, text: str, slot, keys: str, tip: str) -> QAction:
        act = QAction(text, self._window)
        if keys:
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(slot)
        self._window.addAction(act)
        return act

    def actions(self) -> list[QAction]:
        return [self.export_animation_action, self.export_worksheet_action, self.copy_arithmetic_action,
                self.copy_latex_action]

    # --- copying --------------------------------------------------------------------------------
    def _copy(self, as_latex: bool) -> None:
        step = self._explorer.animation_panel.current_step()
        if step is None:
            self.status_message.emit("Nothing to copy: draw or load an image first")
            return
        text = step_latex(step) if as_latex else step_text(step)
        QGuiApplication.clipboard().setText(text)
        what = "as LaTeX" if as_latex else "as text"
        self.status_message.emit(f"Copied the arithmetic of output (row {step.i}, col {step.j}) {what}")

    def copy_arithmetic(self) -> None:
        self._copy(as_latex=False)

    def copy_latex(self) -> None:
        self._copy(as_latex=True)

    # --- exporting ------------------------------------------------------------------------------
    def is_exporting(self) -> bool:
        return self._runner is not None and self._runner.is_running()

    def _busy(self) -> bool:
        if self.is_exporting():
            self.status_message.emit("An export is running: wait for it or cancel it first")
            return True
        return False

    def export_animation(self) -> None:
        state, panel = self._explorer.state, self._explorer.animation_panel
        if self._busy():
            return
        if state.result is None:
            self.status_message.emit("Nothing to export yet: draw or load an image first")
            return
        pace = "row" if panel.player.granularity == "row" else "cell"
        stage = panel.stage
        dialog = AnimationExportDialog(state.result, state.kernel_names, stage=stage, k=panel.kernel_index, pace=pace,
                                       fps=panel.player.speed,
                                       default_path=str(self._folder / ("pooling.gif" if stage == "pool"
                                                                        else "convolution.gif")),
                                       parent=self._window)
        self._open(dialog, "Exporting the animation")

    def export_worksheet(self) -> None:
        state, panel = self._explorer.state, self._explorer.animation_panel
        if self._busy():
            return
        dialog = WorksheetDialog(state.result, panel.kernel_index, state.image_source,
                                 default_path=str(self._folder / "worksheet.pdf"), parent=self._window)
        self._open(dialog, "Exporting the worksheet")

    def _open(self, dialog, title: str) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._start(dialog, title))
        self.dialog = dialog
        dialog.open()
        self.dialog_opened.emit(dialog)

    def _start(self, dialog, title: str) -> None:
        self._folder = Path(dialog.path_row.path()).expanduser().parent
        self._runner = ExportRunner(self._window, title, dialog.job())
        self._runner.finished.connect(self._on_runner_finished)
        self._runner.start()

    def _on_runner_finished(self, ok: bool, message: str) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.deleteLater()
        if not ok:
            self.status_message.emit(f"Export failed: {message}")
        elif message == "cancelled":
            self.status_message.emit("Export cancelled: nothing was written")
        else:
            self.status_message.emit(message)
        self.export_finished.emit(ok, message)

    def stop(self) -> None:
        """Cancel a running export and wait for its worker (the window is closing)."""
        if self._runner is not None:
            self._runner.wait(2000)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if watched is self._window and event.type() == QEvent.Type.Close:
            self.stop()
        return False
