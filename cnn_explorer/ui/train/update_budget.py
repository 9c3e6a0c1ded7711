"""UpdateBudget: how often each live view may redraw, so the GUI thread leaves the cores to training.

Each view has a shortest and a longest interval between redraws (seconds).
The budget watches the GUI thread's own CPU time (``time.thread_time``:
handlers, layout and painting alike) against the wall clock; when the GUI
thread uses more than ``share`` of one core, every view's interval stretches
in proportion (up to its longest), and shrinks back when it uses less. A
view's measured cost per redraw also bounds its rate: it may take at most
``share`` / number of views of the time by itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

#: the GUI thread aims to use at most this fraction of one core while a run trains
GUI_SHARE = 0.04


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
        """A run begins: forget the last run's timing, every view is due."""
        self.pressure = 1.0
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
        target = max(1.0, used / self.share)
        pressure = 0.5 * self.pressure + 0.5 * target
        self.pressure = pressure if pressure > 1.02 else 1.0  # back to the shortest intervals, not just near
