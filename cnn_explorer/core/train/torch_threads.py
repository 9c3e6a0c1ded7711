"""The GUI thread's own torch work (one picture at a time) runs on one intra-op thread.

libgomp keeps one OpenMP thread pool per thread that starts parallel work. When
the GUI thread runs multi-threaded torch ops (a Classify forward pass, a probe
forward) and a worker thread trains, two pools exist on a 2-core machine and
libgomp throttles its spinning: training measured about 12% slower. A single
picture gains nothing from more threads anyway. Worker threads set their own
count (``core.devices.configure_threads``), so training keeps every core.
"""

from __future__ import annotations

import threading


def gui_thread_uses_one_torch_thread() -> None:
    """On the GUI (main) thread, make this thread's torch ops single-threaded; elsewhere do nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
