"""The ``cnn-explorer`` command line.

No sub-command opens the window. Each sub-command lives in its own module in
``cnn_explorer.commands`` exposing ``add_parser(subparsers)`` and
``run(args) -> int``; modules import torch, Qt and the numpy-backed core
lazily inside ``run`` so that ``--help`` and start-up stay fast.

Every user mistake ends with exit code 2 and one line on stderr, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from types import ModuleType
from typing import NoReturn, Sequence

from cnn_explorer import __version__
from cnn_explorer.commands.options import one_line, real, whole, window_size
from cnn_explorer.commands.signals import exit_code, stop_signals_interrupt, stopped_by
from cnn_explorer.core.errors import CnnExplorerError

PROG = "cnn-explorer"

#: sub-command name -> module in cnn_explorer.commands
COMMANDS: dict[str, str] = {
    "convolve": "convolve",
    "kernels": "kernels",
    "summary": "summary",
    "train": "train",
    "evaluate": "evaluate",
    "datasets": "datasets",
    "classify": "classify",
    "export-script": "export_script",
    "lessons": "lessons",
    "animate": "animate",
    "worksheet": "worksheet",
}
#: sub-commands that draw with the window's code: ``run(args, renderer)`` gets ``ui.export.command_line``
DRAWING_COMMANDS = ("animate", "worksheet")


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def command_modules() -> dict[str, ModuleType]:
    """Each sub-command's module in ``cnn_explorer.commands``, by sub-command name."""
    return {name: importlib.import_module(f"cnn_explorer.commands.{module}") for name, module in COMMANDS.items()}


def build_parser(modules: dict[str, ModuleType] | None = None) -> argparse.ArgumentParser:
    """The parser of the window options and of each sub-command in ``modules`` (default: all of them)."""
    parser = _Parser(
        prog=PROG,
        description="CNN Explorer: see how a convolutional neural network sees. "
        "With no sub-command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    gui = parser.add_argument_group("window options (no sub-command)")
    gui.add_argument("--screenshot", metavar="PATH", help="render the window offscreen to a PNG and exit")
    gui.add_argument("--sample", metavar="NAME", help="open this sample (see `cnn-explorer kernels --samples`)")
    gui.add_argument("--kernel", metavar="K", help="start with this kernel (preset name, file or inline rows)")
    gui.add_argument("--step", metavar="N", type=whole(0, 100_000),
                     help="show animation step N (0-based); with --lesson, the lesson's step N (1 = first)")
    gui.add_argument("--lesson", metavar="NAME", help="open a lesson: a shipped one (`cnn-explorer lessons` lists "
                     "them) or a lesson file")
    gui.add_argument("--page", metavar="NAME", help="open this page first (explorer, train, classify)")
    gui.add_argument("--size", metavar="WxH", type=window_size, help="window size for --screenshot, e.g. 1366x768")
    gui.add_argument("--scale", metavar="F", type=real(0.5, 4.0), help="presenter scale for --screenshot, e.g. 1.5")
    gui.add_argument("--presenter", action="store_true",
                     help="open (or render with --screenshot) the explorer's presenter view")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (command_modules() if modules is None else modules).values():
        module.add_parser(sub)
    return parser


#: the longest error line printed; a longer one (a message quoting a huge path) is cut with an ellipsis
MAX_LINE = 400


def _one_line(exc: BaseException) -> str:
    text = " ".join((str(exc).strip() or exc.__class__.__name__).split())
    return text if len(text) <= MAX_LINE else text[:MAX_LINE - 1] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    modules = command_modules()
    args = build_parser(modules).parse_args(argv)
    try:
        if args.command is None:
            # here, not at the top: Qt loads only for the window, never for --help or a sub-command
            from cnn_explorer.ui.app import run_app

            return int(run_app(args) or 0)
        with stop_signals_interrupt():  # SIGTERM stops a command as Ctrl+C does
            if args.command in DRAWING_COMMANDS:
                # here, not at the top: Qt loads only for the commands that draw
                from cnn_explorer.ui.export import command_line

                return int(modules[args.command].run(args, command_line) or 0)
            return int(modules[args.command].run(args) or 0)
    except CnnExplorerError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except FileNotFoundError as exc:
        name = exc.filename or ""
        print(f"{PROG}: error: file not found: {name}".rstrip(": "), file=sys.stderr)
        return 2
    except PermissionError as exc:
        print(f"{PROG}: error: permission denied: {exc.filename or _one_line(exc)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl+C: 130; SIGTERM: 143 (commands/signals.py)
        print(f"{PROG}: {stopped_by(exc)}", file=sys.stderr)
        return exit_code(exc)
    except MemoryError:
        print(f"{PROG}: error: not enough memory for this (a smaller image, padding or batch may fit)", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug of ours: still one line, never a traceback (CNN_EXPLORER_DEBUG=1 shows it)
        if os.environ.get("CNN_EXPLORER_DEBUG"):
            raise
        print(f"{PROG}: internal error: {exc.__class__.__name__}: {_one_line(exc)} "
              "(set CNN_EXPLORER_DEBUG=1 for details)", file=sys.stderr)
        return 1


def gui_main() -> int:
    """Entry point of the ``cnn-explorer-gui`` launcher (no console window on Windows)."""
    return main([])


def run_as_program() -> NoReturn:
    """Entry point of ``cnn-explorer`` and ``python -m cnn_explorer``: ``main``, then exit with its code.

    A torchrun rank leaves with ``os._exit`` once its output is flushed: torch keeps its process group's threads
    alive past ``destroy_process_group`` (see ``ProcessGroup.joined``), and the interpreter's teardown must not
    meet them."""
    code = main()
    distributed = sys.modules.get("cnn_explorer.core.train.distributed")
    if distributed is not None and distributed.ProcessGroup.joined:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed or broken stream: nothing more can reach it
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run_as_program()
