"""The main window's menus and their actions (File, Edit, View with the presenter view, Help)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from cnn_explorer.core.lessons.demos import demo_info
from cnn_explorer.ui.demos.registry import demo_names
from cnn_explorer.ui.export.window_actions import ExportActions
from cnn_explorer.ui.lessons.menu import build_lesson_menu
from cnn_explorer.ui.widgets.shortcuts import unique_shortcuts


def window_action(window, text: str, slot, shortcuts=(), tip: str = "", checkable: bool = False) -> QAction:
    """A QAction of the window (window-wide shortcut, each key once), connected to ``slot``."""
    act = QAction(text, window)
    act.setShortcuts(unique_shortcuts(shortcuts))
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    act.setCheckable(checkable)
    if tip:
        act.setStatusTip(tip)
    act.triggered.connect(slot)
    window.addAction(act)
    return act


def build_menus(window) -> None:
    """The File, Edit, View and Help menus of ``window`` and the actions they hold."""
    ea = window.explorer_actions
    file_menu = window.menuBar().addMenu("&File")
    file_menu.addAction(ea.open_action)
    file_menu.addAction(ea.save_image_action)
    file_menu.addSeparator()
    file_menu.addAction(ea.load_kernel_action)
    file_menu.addAction(ea.save_kernel_action)
    file_menu.addSeparator()
    window.samples_menu = file_menu.addMenu("Sa&mples")
    ea.build_samples_menu(window.samples_menu)
    build_lesson_menu(window, file_menu, window_action)
    file_menu.addSeparator()
    window.export_actions = ExportActions(window, window.explorer)
    window.export_actions.status_message.connect(window.show_message)
    file_menu.addAction(window.export_actions.export_animation_action)
    file_menu.addAction(window.export_actions.export_worksheet_action)
    file_menu.addSeparator()
    window.quit_action = window_action(window, "&Quit", window.close, [QKeySequence.StandardKey.Quit, "Ctrl+Q"], "Quit CNN Explorer")
    file_menu.addAction(window.quit_action)

    edit_menu = window.menuBar().addMenu("&Edit")
    window.undo_action = window.undo_group.createUndoAction(window, "&Undo")
    window.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
    window.redo_action = window.undo_group.createRedoAction(window, "&Redo")
    window.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for act in (window.undo_action, window.redo_action):
        window.addAction(act)
        edit_menu.addAction(act)
    edit_menu.addSeparator()
    for act in (ea.copy_image_action, ea.copy_maps_action, ea.paste_action):
        window.addAction(act)
        edit_menu.addAction(act)
    edit_menu.addSeparator()
    edit_menu.addAction(window.export_actions.copy_arithmetic_action)
    edit_menu.addAction(window.export_actions.copy_latex_action)

    view_menu = window.menuBar().addMenu("&View")
    window.full_screen_action = window_action(window, "&Full screen", window.toggle_full_screen, ["F11"], "Full screen on/off", checkable=True)
    window.zoom_in_action = window_action(window, "Zoom &in (presenter)", window.scale.zoom_in, ["Ctrl+=", "Ctrl++"], "Larger numbers, labels and grids")
    window.zoom_out_action = window_action(window, "Zoom &out", window.scale.zoom_out, ["Ctrl+-"], "Smaller numbers, labels and grids")
    window.zoom_reset_action = window_action(window, "&Default size and layout", window.reset_layout, ["Ctrl+0"],
                                          "Normal size, and the panels at their default widths")
    for act in (window.full_screen_action, window.zoom_in_action, window.zoom_out_action, window.zoom_reset_action):
        view_menu.addAction(act)
    _build_presenter_actions(window, view_menu)
    step_actions = window.explorer.animation_panel.actions()
    if step_actions:
        view_menu.addSeparator()
        step_menu = view_menu.addMenu("&Step by step")
        for act in step_actions:
            step_menu.addAction(act)
            window.addAction(act)

    build_demos_menu(window, window.menuBar().addMenu("&Demos"))

    help_menu = window.menuBar().addMenu("&Help")
    window.start_here_action = window_action(window, "&Start here", window.show_start_view, [], "The main journeys, one click each")
    window.guide_action = window_action(window, "&Guide", lambda: window.show_help("guide"), [], "A short illustrated guide")
    window.shortcuts_action = window_action(window, "&Keyboard shortcuts", window.show_shortcuts, ["F1"], "List the keyboard shortcuts")
    for act in (window.start_here_action, window.guide_action, window.shortcuts_action):
        help_menu.addAction(act)
    help_menu.addSeparator()
    help_menu.addAction(window_action(window, "&About CNN Explorer", window.show_about))


def build_demos_menu(window, menu) -> None:
    """Demos ▸ one entry per demo, grouped as the Demos page lists them; each opens it with its defaults."""
    group = None
    window.demo_actions = {}
    for name in demo_names():
        info = demo_info(name)
        if group is not None and info.group != group:
            menu.addSeparator()
        group = info.group
        act = window_action(window, info.title.replace("&", "&&"), lambda _=False, n=name: window.show_demo(n), [],
                            info.summary)
        window.demo_actions[name] = act
        menu.addAction(act)


def _build_presenter_actions(window, view_menu) -> None:
    """View ▸ Presenter (F5, checkable); Esc leaves it (active only while it is on)."""
    window.presenter_action = window_action(window, "&Presenter view", window.set_presenter, ["F5"],
                                         "Step by step and Maps fill the window; the editing panels fold into "
                                         "a slim bar (F5 or Esc leaves)", checkable=True)
    view_menu.insertAction(view_menu.actions()[0] if view_menu.actions() else None, window.presenter_action)
    window.leave_presenter_action = window_action(window, "Leave presenter view", lambda: window.set_presenter(False),
                                               ["Esc"])
    window.leave_presenter_action.setEnabled(False)
    window.explorer.leave_presenter_requested.connect(lambda: window.set_presenter(False))
    window.explorer.sample_requested.connect(window.explorer_actions.open_sample)
