"""File ▸ Lessons: the shipped lessons, Open lesson…, Add this view as a step, Save lesson…"""

from __future__ import annotations

from cnn_explorer.core.lessons.library import lesson_title, shipped_lesson_paths


def build_lesson_menu(window, file_menu, window_action) -> None:
    """Add the lesson entries to ``file_menu``; ``window_action`` makes a window-wide action."""
    player = window.lesson_player   # built on first use
    menu = file_menu.addMenu("&Lessons")
    window.lessons_menu = menu
    for path in shipped_lesson_paths():
        act = menu.addAction(lesson_title(path))
        act.setStatusTip(f"Start the lesson {path.stem}")
        act.triggered.connect(lambda _=False, p=path: player().open_file(p))
    menu.addSeparator()
    window.open_lesson_action = window_action(window, "&Open lesson…", lambda: player().choose_file(), ["Ctrl+L"],
                                              "Open a lesson file (.md); dropping one on the window works too")
    window.add_step_action = window_action(window, "&Add this view as a step", lambda: player().add_view_as_step(),
                                           ["Ctrl+Shift+L"], "Append the current view to the lesson being "
                                           "written: the explorer's, or the demo shown with its settings (Ctrl+Z "
                                           "removes it)")
    window.save_lesson_action = window_action(window, "&Save lesson…", lambda: player().save_lesson(), [],
                                              "Write the lesson being written to a file")
    window.end_lesson_action = window_action(window, "&End lesson", lambda: player().close(), [],
                                             "Leave the lesson; the explorer keeps the last step")
    for act in (window.open_lesson_action, window.add_step_action, window.save_lesson_action,
                window.end_lesson_action):
        menu.addAction(act)
    file_menu.insertMenu(window.samples_menu.menuAction(), menu)
