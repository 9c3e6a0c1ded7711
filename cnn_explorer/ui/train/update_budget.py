"""UpdateBudget: how often each live view may redraw, so the GUI thread leaves the cores to training.

Each view has a shortest and a longest interval between redraws (seconds).
The budget watches the GUI thread's own CPU time (``time.thread_time``:
handlers, layout and painting alike) against the wall clock; when the GUI
thread uses more than ``share`` of one core, every view's interval stretches
(up to its longest), and shrinks back when it uses less. The stretch is a
feedback loop: redraw costs scale with 1 / interval, so each half second the
pressure is multiplied by the measured share over the target share (smoothed),
and settles where the GUI thread uses its share, or every view waits its
longest. A view's measured cost per redraw also bounds its rate: it may take at
most ``share`` / number of views of the time by itself.

Why a small share: training keeps every core busy, and a core the GUI thread
takes stalls the whole multi-threaded step (its other threads wait for the
preempted one), so each millisecond of GUI work costs training a millisecond
or more.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

#: the GUI thread aims to use at most this fraction of one core while a run trains on every core
GUI_SHARE = 0.02
#: ... and this much when training leaves a core free (a GPU run, or fewer CPU threads than cores)
SPARE_CORE_SHARE = 0.15
#: the intervals stretch at most this many times their shortest (each view stops at its longest anyway)
MAX_PRESSURE = 20.0


def share_for(cpu_threads: int, cores: int | None = None) -> float:
    """The GUI thread's share of a core while ``cpu_threads`` threads train (0: on a GPU) on ``cores`` logical
    cores (default: this machine's)."""
    cores = cores or os.cpu_count() or 1
    return SPARE_CORE_SHARE if cpu_threads < cores else GUI_SHARE


@dataclass
class _View:
    shortest: float
    longest: float
    drawn_at: float = -1e9
    cost: float = 0.0  # seconds a redraw takes on the GUI thread (smoothed)


class UpdateBudget:
    """``due(name)`` says whether view ``name`` should redraw now; ``spent(name, seconds)`` after it did."""

    def __init__(self, share: float = GUI_SHARE, *, clock=time.perf_counter, cpu=time.thread_time) -> None:
        self.share = share
        self._clock, self._cpu = clock, cpu
        self._views: dict[str, _View] = {}
        self.pressure = 1.0  # >= 1: how far the GUI thread is over its share
        self._mark: tuple[float, float] | None = None

    def add_view(self, name: str, shortest: float, longest: float) -> None:
        self._views[name] = _View(shortest, max(shortest, longest))

    def start(self) -> None:
        """A run begins: every view is due. The pressure carries over from the last run (how busy this
        machine's GUI thread gets is a property of the machine); it relaxes within seconds when it is idle."""
        self._mark = (self._clock(), self._cpu())
        for view in self._views.values():
            view.drawn_at = -1e9

    def interval(self, name: str) -> float:
        """Seconds view ``name`` waits between redraws now."""
        view = self._views[name]
        by_cost = view.cost * len(self._views) / self.share
        return min(view.longest, max(view.shortest * self.pressure, by_cost, view.shortest))

    def due(self, name: str, now: float | None = None) -> bool:
        now = self._clock() if now is None else now
        self._measure(now)
        return now - self._views[name].drawn_at >= self.interval(name)

    def spent(self, name: str, seconds: float, now: float | None = None) -> None:
        """View ``name`` redrew at ``now``, its handler taking ``seconds``."""
        view = self._views[name]
        view.drawn_at = self._clock() if now is None else now
        view.cost = seconds if view.cost == 0.0 else 0.7 * view.cost + 0.3 * seconds

    def _measure(self, now: float) -> None:
        """Every half second: pressure follows the GUI thread's CPU share over that time."""
        if self._mark is None:
            self._mark = (now, self._cpu())
            return
        wall = now - self._mark[0]
        if wall < 0.5:
            return
        cpu = self._cpu()
        used = (cpu - self._mark[1]) / wall
        self._mark = (now, cpu)
        # the pressure that would have brought the share to its target over this window; half-way there
        # (geometrically), so one busy moment does not swing it
        target = min(MAX_PRESSURE, max(1.0, self.pressure * used / self.share))
        pressure = (self.pressure * target) ** 0.5
        self.pressure = pressure if pressure > 1.02 else 1.0  # back to the shortest intervals, not just near
