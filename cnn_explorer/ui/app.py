"""QApplication set-up and the window's entry point (``cnn-explorer`` with no sub-command).

``--screenshot PATH`` renders the window offscreen to a PNG and exits, with
``--sample``, ``--kernel``, ``--step``, ``--page``, ``--size WxH``,
``--scale F`` and ``--presenter`` choosing what it shows. torch is never imported here.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

from cnn_explorer.core.conv.convolution import warm_up_fast_path
from cnn_explorer.core.errors import CnnExplorerError, excerpt
from cnn_explorer.core.io.atomic import atomic_write_bytes
from cnn_explorer.core.kernels.library import describe_kernel, resolve_kernels
from cnn_explorer.core.kernels.samples import get_sample
from cnn_explorer.core.lessons.library import find_lesson
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph

APP_NAME = "CNN Explorer"
ORGANIZATION = "CNN Explorer"
#: the desktop id: the .desktop file, the AppStream metainfo and the icons in packaging/linux/ carry it
APP_ID = "org.cnnexplorer.CnnExplorer"


def parse_size(text: str) -> tuple[int, int]:
    """'1366x768' -> (1366, 768); CnnExplorerError otherwise."""
    m = re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", text or "")
    if not m:
        raise CnnExplorerError(f"--size: expected WIDTHxHEIGHT such as 1366x768, got {excerpt(text)}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (320 <= w <= 8192 and 240 <= h <= 8192):
        raise CnnExplorerError(f"--size: {w}x{h} is outside 320x240 .. 8192x8192")
    return w, h


def display_missing() -> bool:
    """True on Linux/BSD with no X11 or Wayland display and no QT_QPA_PLATFORM chosen (Qt would abort)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return False
    env = os.environ
    return not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM"))


def _check_args(args) -> None:
    """Validate the window options before any Qt start-up, so mistakes exit 2 quickly."""
    if getattr(args, "sample", None):
        get_sample(args.sample)
    if getattr(args, "kernel", None):
        resolve_kernels(args.kernel)
    if getattr(args, "size", None):
        parse_size(args.size)
    scale = getattr(args, "scale", None)
    if scale is not None and not (0.5 <= scale <= 4.0):
        raise CnnExplorerError(f"--scale: must be between 0.5 and 4, got {scale:g}")
    step = getattr(args, "step", None)
    if getattr(args, "lesson", None):
        # here, not at the top: the lessons' model tables load only for a lesson
        from cnn_explorer.core.lessons.resolve import load_lesson

        lesson = load_lesson(find_lesson(args.lesson))
        if step is not None and not 1 <= step <= len(lesson.steps):
            raise CnnExplorerError(f"--step: the lesson {lesson.name} has steps 1 to {len(lesson.steps)}, got {step}")
    elif step is not None and step < 0:
        raise CnnExplorerError(f"--step: must be 0 or more, got {step}")
    page = getattr(args, "page", None)
    if page and page.strip().lower() not in ("explorer", "train", "training", "classify", "start"):
        raise CnnExplorerError(f"--page: unknown page {excerpt(page)}; choose explorer, train, classify or start")


def create_application(argv: list[str] | None = None):
    """The QApplication (created once), with name and theme; pyqtgraph is configured when first used
    (:func:`configure_pyqtgraph`), or here if something imported it already."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    # Qt (a third of a second) loads here, after the window options were checked: a mistake exits 2 at once
    from PySide6.QtWidgets import QApplication

    from cnn_explorer.ui.theme import apply_theme

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        apply_theme(app)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName(APP_ID)  # taskbars group the window as CNN Explorer, not python3
    if "pyqtgraph" in sys.modules:
        configure_pyqtgraph()
    return app


def configure_window(window, args) -> None:
    """Apply --sample, --kernel, --page, --scale, --presenter and --step to a built window."""
    page = window.explorer
    if getattr(args, "sample", None):
        window.explorer_actions.open_sample(args.sample)
    if getattr(args, "kernel", None):
        kernels = resolve_kernels(args.kernel)
        name = describe_kernel(args.kernel)
        names = [name] if len(kernels) == 1 else [f"{name} {i + 1}" for i in range(len(kernels))]
        page.state.set_kernels(kernels, names, text="Kernel from the command line")
    page.state.recompute_now()
    if getattr(args, "scale", None):
        window.scale.set_factor(args.scale)
    if getattr(args, "page", None):
        name = args.page.strip().lower()
        name = {"training": "train"}.get(name, name)
        if name == "start":
            window.show_start_view()
        elif not window.show_page(name):
            window.show_message(f"There is no {name!r} page yet; showing the explorer")
    if getattr(args, "presenter", False):
        page.show_step_by_step()
        window.set_presenter(True)
    if getattr(args, "lesson", None):
        step = getattr(args, "step", None)
        window.lesson_player().open_file(find_lesson(args.lesson), (step or 1) - 1)
    elif getattr(args, "step", None) is not None:
        page.show_step_by_step()
        page.animation_panel.set_step(args.step)


def take_screenshot(args) -> int:
    """Render the window offscreen to ``args.screenshot`` (PNG) and return 0."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = create_application()
    # the window (about a second) loads only once the options were checked
    from cnn_explorer.ui.lifecycle import settle, wait_for_threads
    from cnn_explorer.ui.main_window import MainWindow

    window = MainWindow(settings=None)
    width, height = parse_size(args.size) if getattr(args, "size", None) else (1366, 768)
    window.resize(width, height)
    try:
        configure_window(window, args)
        window.finish_start_up()                 # the maps, which an interactive start builds after painting
        window.show()
        settle(app, loaders_s=30.0)              # the page's loader (the Classify model) finishes, layouts settle
        path = Path(args.screenshot)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(path.suffix + ".png") if path.suffix else path.with_suffix(".png")
        if not os.path.isdir(path.parent):  # os.path: False, not OSError, for a name too long
            raise CnnExplorerError(f"--screenshot: folder {excerpt(str(path.parent))} does not exist")
        # Qt's helpers load with the window, not at the top
        from cnn_explorer.ui.widgets.qimage import png_bytes

        atomic_write_bytes(path, png_bytes(window.grab().toImage()))  # a full disk keeps an older screenshot
        print(f"wrote {path}")
    finally:
        window.close()
        wait_for_threads(30_000)  # a page's loader may still be importing torch: never destroy a running thread
        window.deleteLater()
        app.processEvents()
    return 0


def _warm_up_core() -> None:
    """Warm the core's fast path in a daemon thread, after the first paint."""
    threading.Thread(target=warm_up_fast_path, name="warm-up-fast-path", daemon=True).start()


def run_app(args) -> int:
    """Open the main window (or render it to ``args.screenshot`` and exit)."""
    _check_args(args)
    if getattr(args, "screenshot", None):
        return take_screenshot(args)
    if display_missing():
        print(
            "cnn-explorer: error: no display found (DISPLAY and WAYLAND_DISPLAY are unset); "
            "run it in a desktop session, or use --screenshot PATH to render offscreen",
            file=sys.stderr,
        )
        return 2
    app = create_application()
    # Qt and the window (about a second) load only once the options were checked and a display was found
    from PySide6.QtCore import QSettings

    from cnn_explorer.ui.lifecycle import exit_code_after_threads
    from cnn_explorer.ui.main_window import MainWindow

    window = MainWindow(settings=QSettings(ORGANIZATION, APP_NAME))
    configure_window(window, args)
    window.first_painted.connect(_warm_up_core)
    window.open_as_app()  # fitted to the screen; the start view on first start
    code = app.exec()
    # closing cancelled the workers; one still inside a long call (a blocking read) is never destroyed running
    return exit_code_after_threads(code)
