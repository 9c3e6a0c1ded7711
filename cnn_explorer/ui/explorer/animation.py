"""The sliding-filter animation's player: which output cell is shown, and the clock.

Steps are numbered 0 .. count-1 in the row-major order of
``core.convolution.iter_steps`` (step n is output cell ``(n // ow, n % ow)``);
step n means cells 0..n are filled in and the window sits over cell n.
:class:`StepCursor` is plain Python (no Qt) so it is tested without widgets;
:class:`AnimationPlayer` drives it from a GUI-thread QTimer made with
``lifecycle.new_timer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from cnn_explorer.ui.lifecycle import new_timer

#: what one tick of the clock advances: one output cell, a whole row, the whole map
GRANULARITIES = ("cell", "row", "map")
GRANULARITY_LABELS = {"cell": "Cell by cell", "row": "A row at a time", "map": "Whole map"}
MIN_SPEED = 1
MAX_SPEED = 60


@dataclass
class StepCursor:
    """A position in the row-major walk over an output map of ``shape`` (rows, cols)."""

    shape: tuple[int, int] = (0, 0)
    step: int = 0

    @property
    def count(self) -> int:
        """Number of steps (output cells); 0 for an empty map."""
        return max(0, int(self.shape[0])) * max(0, int(self.shape[1]))

    @property
    def last(self) -> int:
        return max(0, self.count - 1)

    @property
    def at_end(self) -> bool:
        return self.step >= self.last

    def cell(self, step: int | None = None) -> tuple[int, int]:
        """Output cell (i, j) of ``step`` (default: the current one)."""
        n = self.step if step is None else step
        ow = max(1, int(self.shape[1]))
        return n // ow, n % ow

    def index_of(self, i: int, j: int) -> int:
        """Step number of output cell (i, j); raises IndexError outside the map."""
        oh, ow = self.shape
        if not (0 <= i < oh and 0 <= j < ow):
            raise IndexError(f"cell ({i}, {j}) lies outside the {oh}×{ow} output map")
        return int(i) * int(ow) + int(j)

    def set_step(self, n: int) -> int:
        """Move to step ``n`` clamped to the map; returns the new step."""
        self.step = min(max(0, int(n)), self.last)
        return self.step

    def set_shape(self, shape: tuple[int, int]) -> int:
        """Change the map's shape keeping the current cell where it still exists."""
        i, j = self.cell()
        self.shape = (int(shape[0]), int(shape[1]))
        if self.count == 0:
            self.step = 0
        elif i < self.shape[0] and j < self.shape[1]:
            self.step = self.index_of(i, j)
        else:
            self.set_step(self.step)
        return self.step

    def advanced(self, granularity: str = "cell") -> int:
        """The step one tick moves to: the next cell, the end of the row, or the last cell."""
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity: must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
        if self.count == 0:
            return 0
        if granularity == "map":
            return self.last
        if granularity == "row":
            ow = int(self.shape[1])
            row_end = (self.step // ow) * ow + ow - 1
            if self.step == row_end:
                row_end += ow
            return min(row_end, self.last)
        return min(self.step + 1, self.last)


class AnimationPlayer(QObject):
    """Steps a :class:`StepCursor` on a timer: play/pause, speed, granularity.

    ``speed`` is ticks per second (1..60); each tick advances by ``granularity``.
    Playing stops by itself at the last step; playing from the last step starts over.
    """

    step_changed = Signal(int)
    playing_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cursor = StepCursor()
        self._speed = 4
        self._granularity = "cell"
        self._timer = new_timer(self, "animation-player", interval_ms=self._interval())
        self._timer.timeout.connect(self.tick)

    # --- state ----------------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.cursor.step

    @property
    def count(self) -> int:
        return self.cursor.count

    @property
    def speed(self) -> int:
        return self._speed

    @property
    def granularity(self) -> str:
        return self._granularity

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def _interval(self) -> int:
        return max(1, round(1000 / self._speed))

    def set_speed(self, steps_per_second: int) -> None:
        """Ticks per second, clamped to 1..60."""
        self._speed = min(MAX_SPEED, max(MIN_SPEED, int(steps_per_second)))
        self._timer.setInterval(self._interval())

    def set_granularity(self, granularity: str) -> None:
        if granularity not in GRANULARITIES:
            raise ValueError(f"granularity: must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
        self._granularity = granularity

    def set_shape(self, shape: tuple[int, int]) -> None:
        """A new output map: keep the current cell if it still exists (emits step_changed)."""
        self.cursor.set_shape(shape)
        if self.cursor.count == 0:
            self.pause()
        self.step_changed.emit(self.cursor.step)

    # --- moving ---------------------------------------------------------------------------------
    def set_step(self, n: int) -> None:
        """Go to step ``n`` (clamped); always emits step_changed so views refresh."""
        self.cursor.set_step(n)
        self.step_changed.emit(self.cursor.step)

    def step_forward(self) -> None:
        self.set_step(self.cursor.step + 1)

    def step_back(self) -> None:
        self.set_step(self.cursor.step - 1)

    def home(self) -> None:
        self.set_step(0)

    def end(self) -> None:
        self.set_step(self.cursor.last)

    def jump_to(self, i: int, j: int) -> None:
        """Go to output cell (i, j); cells outside the map are ignored."""
        try:
            n = self.cursor.index_of(i, j)
        except IndexError:
            return
        self.set_step(n)

    # --- the clock ------------------------------------------------------------------------------
    def play(self) -> None:
        if self.cursor.count == 0 or self._timer.isActive():
            return
        if self.cursor.at_end:
            self.set_step(0)
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def tick(self) -> None:
        """One tick of the clock: advance by the granularity, and stop at the last step."""
        self.set_step(self.cursor.advanced(self._granularity))
        if self.cursor.at_end:
            self.pause()
