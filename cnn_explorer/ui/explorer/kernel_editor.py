"""KernelEditor: preset picker, an editable 1x1..11x11 kernel grid, bias/normalize/flip, a kernel stack.

A cell that is not a finite number is marked red with the reason and ignored:
the last valid kernel keeps being used until the cell is fixed. Each kernel of
the stack is a tab; RGB images may get one kernel slice per channel.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels.library import (
    MAX_SIDE,
    PRESETS,
    get_preset,
    parse_kernel_text,
    presets_by_group,
)
from cnn_explorer.ui.explorer.kernel_grid import KernelGrid
from cnn_explorer.ui.explorer.kernel_tabs import KernelStackSelector, KernelTabs
from cnn_explorer.ui.explorer.state import ExplorerState
from cnn_explorer.ui.widgets.fold import FoldRow, fit_spin_width, wrapping_check
from cnn_explorer.ui.widgets.inline_message import InlineMessage

_CHANNELS = ("R", "G", "B")


class KernelEditor(QWidget):
    """Edits ``state.kernels`` (the current tab) and the kernel-related conv settings (bias, normalize, flip)."""

    status_message = Signal(str)
    save_requested = Signal()
    load_requested = Signal()

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._state = state
        self._current = 0
        self._updating = False

        self.preset_combo = QComboBox(self)
        self.preset_combo.setToolTip("Choose a named kernel for the current tab")
        self.preset_combo.activated.connect(self._on_preset_combo_activated)
        self._fill_presets()

        self.tabs = KernelTabs(self)
        # all tabs while they fit, else a list of the kernels with previous / next buttons
        self.kernel_selector = KernelStackSelector(self.tabs, self)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        add_button = QToolButton(self)
        add_button.setText("+")
        add_button.setToolTip("Add a copy of this kernel to the stack (each kernel gives one feature map);\n"
                              "the arrow adds a preset instead")
        add_button.clicked.connect(self.add_kernel)
        add_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        add_button.setMenu(self._add_preset_menu())
        self.remove_button = QToolButton(self)
        self.remove_button.setText("−")
        self.remove_button.setToolTip("Remove the current kernel from the stack")
        self.remove_button.clicked.connect(self.remove_kernel)

        self.rows_spin = QSpinBox(self)
        self.cols_spin = QSpinBox(self)
        for spin, what in ((self.rows_spin, "rows"), (self.cols_spin, "cols")):
            spin.setRange(1, MAX_SIDE)
            spin.setSuffix(f" {what}")
            spin.setToolTip(f"Kernel {what} (1..{MAX_SIDE}); new cells are 0")
            spin.valueChanged.connect(self._on_size_spin_changed)
        self.slice_combo = QComboBox(self)
        self.slice_combo.setToolTip("Which channel slice of the 3-D kernel the grid edits")
        for c, name in enumerate(_CHANNELS):
            self.slice_combo.addItem(f"{name} slice", c)
        self.slice_combo.currentIndexChanged.connect(lambda _i: self._sync_grid())
        self.per_channel_check = QCheckBox("one slice per channel", self)
        self.per_channel_check.setToolTip("RGB: give the filter a different 3×3 slice for R, G and B (a 3-D filter)")
        self.per_channel_check.toggled.connect(self._on_per_channel_toggled)

        self.grid = KernelGrid(self)
        self.grid.cell_edited.connect(self._on_grid_cell_edited)

        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText("rows, e.g. 1,0,1; 0,1,0; 1,0,1")
        self.text_edit.setToolTip("Type the kernel as rows separated by ';' and press Enter")
        self.text_edit.returnPressed.connect(self._on_text_edit_return_pressed)

        self.normalize_check = QCheckBox("normalize (÷ cells)", self)
        self.normalize_check.setToolTip("Divide the sum of products by the number of kernel cells, as the X/O slides do")
        self.flip_check = QCheckBox("flip (true convolution)", self)
        self.flip_check.setToolTip("Rotate the kernel 180° before sliding it (mathematical convolution)")
        self.bias_spin = QDoubleSpinBox(self)
        self.bias_spin.setRange(-1e6, 1e6)
        self.bias_spin.setDecimals(3)
        self.bias_spin.setPrefix("bias ")
        self.bias_spin.setToolTip("Added to every output value after the sum (and normalisation)")
        self.normalize_check.toggled.connect(self._on_conv_option_changed)
        self.flip_check.toggled.connect(self._on_conv_option_changed)
        self.bias_spin.valueChanged.connect(self._on_conv_option_changed)

        save_button = QPushButton("Save…", self)
        save_button.setToolTip("Save the current kernel as .json or .csv")
        save_button.clicked.connect(self.save_requested)
        load_button = QPushButton("Load…", self)
        load_button.setToolTip("Load a kernel from .json or .csv into the current tab")
        load_button.clicked.connect(self.load_requested)
        self.description = QLabel(self)
        self.description.setWordWrap(True)
        self.message = InlineMessage(self)

        # Rows fold and check-box texts wrap when the column is narrow (small screen, big presenter scale).
        tabs_row = FoldRow([self.kernel_selector, add_button, self.remove_button], self,
                           stretch=self.kernel_selector)
        size_row = FoldRow([self.rows_spin, QLabel("×", self), self.cols_spin, self.slice_combo], self)
        file_row = FoldRow([load_button, save_button], self)
        fit_spin_width(self.bias_spin, "bias -100.000")
        layout = QVBoxLayout(self)
        layout.addWidget(self.preset_combo)
        layout.addWidget(self.description)
        layout.addWidget(tabs_row)
        layout.addWidget(size_row)
        self.per_channel_row = wrapping_check(self.per_channel_check, self)
        layout.addWidget(self.per_channel_row)
        layout.addWidget(self.grid)
        layout.addWidget(self.text_edit)
        layout.addWidget(self.bias_spin)
        layout.addWidget(wrapping_check(self.normalize_check, self))
        layout.addWidget(wrapping_check(self.flip_check, self))
        layout.addWidget(file_row)
        layout.addWidget(self.message)

        state.kernels_changed.connect(self._sync_from_state)
        state.settings_changed.connect(self._sync_options)
        state.image_changed.connect(self._on_state_image_changed)
        self._sync_from_state()
        self._sync_options()

    # ----------------------------------------------------------------- public
    @property
    def current_index(self) -> int:
        return self._current

    @property
    def invalid_cells(self) -> dict[tuple[int, int], str]:
        """(row, col) -> text of the grid's cells that are not numbers (ignored until fixed)."""
        return self.grid.invalid_cells

    def set_scale(self, factor: float) -> None:
        self.grid.set_scale(factor)

    def set_preset(self, name: str) -> None:
        """Choose the preset ``name`` (CnnExplorerError if unknown): the stack becomes that one kernel and
        normalize, bias and flip become the preset's own, one undo step."""
        preset = get_preset(name)
        self._current = 0
        self._state.apply_preset(preset)
        self.message.clear_message()
        options = [text for on, text in ((preset.normalize, "normalize on"), (preset.flip, "flip on")) if on]
        extra = f" ({', '.join(options)})" if options else ""
        self.status_message.emit(f"Kernel {preset.name}{extra}: {preset.description}")

    def _show_description(self, name: str) -> None:
        preset = PRESETS.get(name)
        self.description.setText(preset.description if preset is not None else "")
        self.description.setVisible(preset is not None)

    def add_kernel(self) -> None:
        """Add a kernel to the stack: a copy of the current one, to edit."""
        kernels = list(self._state.kernels)
        names = list(self._state.kernel_names)
        kernels.append(kernels[self._current].copy())
        names.append(f"kernel {len(kernels)}")
        self._current = len(kernels) - 1
        self._state.set_kernels(kernels, names, text="Add kernel")

    def add_preset(self, name: str) -> None:
        """Add the preset ``name`` to the stack as a new kernel (the settings stay: they are the stack's)."""
        preset = get_preset(name)
        kernels = list(self._state.kernels) + [np.array(preset.values, dtype=np.float64)]
        names = list(self._state.kernel_names) + [preset.name]
        self._current = len(kernels) - 1
        self._state.set_kernels(kernels, names, text=f"Add {preset.name}")

    def _add_preset_menu(self) -> QMenu:
        menu = QMenu(self)
        for group, presets in presets_by_group().items():
            if not presets:
                continue
            sub = menu.addMenu(f"Add {group}")
            for preset in presets:
                act = sub.addAction(preset.name)
                act.setStatusTip(preset.description)
                act.triggered.connect(lambda _checked=False, n=preset.name: self.add_preset(n))
        return menu

    def remove_kernel(self) -> None:
        kernels = list(self._state.kernels)
        if len(kernels) <= 1:
            return
        names = list(self._state.kernel_names)
        del kernels[self._current]
        del names[self._current]
        self._current = min(self._current, len(kernels) - 1)
        self._state.set_kernels(kernels, names, text="Remove kernel")

    def current_kernel(self) -> np.ndarray:
        return self._state.kernels[self._current]

    # ----------------------------------------------------------------- presets
    def _fill_presets(self) -> None:
        model = self.preset_combo.model()
        self.preset_combo.addItem("Choose a preset…", None)
        for group, presets in presets_by_group().items():
            if not presets:
                continue
            header = QStandardItem(group.upper())
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            model.appendRow(header)
            for preset in presets:
                self.preset_combo.addItem(f"   {preset.name}", preset.name)
                self.preset_combo.setItemData(self.preset_combo.count() - 1, preset.description, Qt.ItemDataRole.ToolTipRole)

    def _on_preset_combo_activated(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        if name:
            self.set_preset(name)

    # ----------------------------------------------------------------- syncing from the state
    def _sync_from_state(self) -> None:
        kernels, names = self._state.kernels, self._state.kernel_names
        self._current = min(self._current, len(kernels) - 1)
        self._updating = True
        try:
            while self.tabs.count() > len(kernels):
                self.tabs.removeTab(self.tabs.count() - 1)
            while self.tabs.count() < len(kernels):
                self.tabs.addTab("")
            for i, name in enumerate(names):
                if self.tabs.tabText(i) != name:      # unchanged texts: no relayout while typing
                    self.tabs.setTabText(i, name)
            self.tabs.setCurrentIndex(self._current)
            self.kernel_selector.sync()
            self.remove_button.setEnabled(len(kernels) > 1)
            kernel = kernels[self._current]
            for spin, value in ((self.rows_spin, kernel.shape[0]), (self.cols_spin, kernel.shape[1])):
                if spin.value() != value:
                    spin.setValue(value)
            self.per_channel_check.setChecked(kernel.ndim == 3)
            index = self.preset_combo.findData(names[self._current])
            self.preset_combo.setCurrentIndex(max(index, 0))
            self._show_description(names[self._current])
        finally:
            self._updating = False
        self._on_state_image_changed()
        self._sync_grid()

    def _sync_grid(self) -> None:
        """Show the current kernel (slice) in the grid and as text."""
        kernel = self.current_kernel()
        plane = kernel[:, :, self.slice_combo.currentData() or 0] if kernel.ndim == 3 else kernel
        if not self.message.isHidden() or self.message.text():
            self.message.clear_message()
        self.grid.show_plane(plane)
        # exact, so pressing Enter in the text field gives back the very same kernel
        text = "; ".join(", ".join(format_number(v, "exact") for v in row) for row in plane)
        if self.text_edit.text() != text:
            self.text_edit.setText(text)

    def _sync_options(self) -> None:
        conv = self._state.conv
        self._updating = True
        try:
            self.normalize_check.setChecked(bool(conv.normalize))
            self.flip_check.setChecked(bool(conv.flip))
            if abs(self.bias_spin.value() - conv.bias) > 1e-12:
                self.bias_spin.setValue(conv.bias)
        finally:
            self._updating = False

    def _on_state_image_changed(self) -> None:
        rgb = self._state.is_rgb
        kernel = self.current_kernel()
        self.per_channel_row.setVisible(rgb)
        self.slice_combo.setVisible(kernel.ndim == 3)

    # ----------------------------------------------------------------- user edits
    def _on_tabs_current_changed(self, index: int) -> None:
        if self._updating or index < 0:
            return
        self._current = index
        self._sync_from_state()

    def _on_size_spin_changed(self, _value: int) -> None:
        if self._updating:
            return
        kernel = self.current_kernel()
        rows, cols = self.rows_spin.value(), self.cols_spin.value()
        new = np.zeros((rows, cols) + kernel.shape[2:], dtype=np.float64)
        r, c = min(rows, kernel.shape[0]), min(cols, kernel.shape[1])
        new[:r, :c] = kernel[:r, :c]
        self._state.set_kernel(self._current, new, text=f"Kernel size {rows}×{cols}")

    def _on_per_channel_toggled(self, on: bool) -> None:
        if self._updating:
            return
        kernel = self.current_kernel()
        if on and kernel.ndim == 2:
            self._state.set_kernel(self._current, np.repeat(kernel[:, :, None], 3, axis=2), text="Per-channel kernel")
        elif not on and kernel.ndim == 3:
            same = all(np.array_equal(kernel[:, :, 0], kernel[:, :, c]) for c in range(kernel.shape[2]))
            if not same:
                self.status_message.emit("Kernel slices differed; the R slice is kept for all channels")
            self._state.set_kernel(self._current, kernel[:, :, 0].copy(), text="One kernel for all channels")

    def _on_grid_cell_edited(self) -> None:
        invalid = self.grid.invalid_cells
        if invalid:
            (br, bc), text = sorted(invalid.items())[0]
            more = f" (and {len(invalid) - 1} more)" if len(invalid) > 1 else ""
            message = f"kernel cell (row {br}, col {bc}): '{text}' is not a number{more} — the last valid kernel is still used"
            self.message.show_error(message)
            self.status_message.emit(message)
            return
        self.message.clear_message()
        plane = self.grid.plane()
        kernel = self.current_kernel().copy()
        if kernel.ndim == 3:
            kernel[:, :, self.slice_combo.currentData() or 0] = plane
        else:
            kernel = plane
        self._state.set_kernel(self._current, kernel, self._custom_name(), text="Edit kernel cell")

    def _custom_name(self) -> str:
        name = self._state.kernel_names[self._current]
        return name if name.startswith("kernel ") or name.endswith("(edited)") else f"{name} (edited)"

    def _on_text_edit_return_pressed(self) -> None:
        try:
            kernel = parse_kernel_text(self.text_edit.text())
            self._state.set_kernel(self._current, kernel, self._custom_name(), text="Type kernel")
        except CnnExplorerError as exc:
            message = f"{' '.join(str(exc).split())} — the last valid kernel is still used"
            self.message.show_error(message)
            self.status_message.emit(message)
            return
        self.message.clear_message()

    def _on_conv_option_changed(self, *_args) -> None:
        if self._updating:
            return
        conv = dataclasses.replace(
            self._state.conv,
            normalize=self.normalize_check.isChecked(),
            flip=self.flip_check.isChecked(),
            bias=float(self.bias_spin.value()),
        )
        self._state.set_settings(conv=conv, text="Kernel options")
