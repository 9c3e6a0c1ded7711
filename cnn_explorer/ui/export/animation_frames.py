"""The step-by-step animation as frames: the step view's grids and arithmetic painted into QImages.

:class:`FrameBuilder` reads one ``PipelineResult`` (one stage, one kernel) through the step
view's own :class:`~cnn_explorer.ui.explorer.animation_data.AnimationData` (the same padded
input, colour ranges and core step records) and paints each frame with ``grid_frame.py``:
a title line; the input with the window; window ⊙ kernel = products (pooling: the window
and its winner); the output map filling in; the arithmetic line at the bottom. The pace
follows the step view's player (:class:`~cnn_explorer.ui.explorer.animation.StepCursor`).
:meth:`FrameBuilder.info` tells what frame n shows (its step, cell, window, arithmetic),
so tests and callers need not read pixels. Painting uses no widget: a worker may call it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QTextOption

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.format import format_number
from cnn_explorer.core.io.animation_save import MAX_FRAMES
from cnn_explorer.ui.explorer.animation import StepCursor
from cnn_explorer.ui.explorer.animation_arithmetic import (
    CHANNEL_NAMES,
    MAX_TERMS_CHANNEL,
    MAX_TERMS_GREY,
)
from cnn_explorer.ui.explorer.animation_data import AnimationData
from cnn_explorer.ui.explorer.colorbar import finite_range
from cnn_explorer.ui.explorer.maps_panel import activation_title
from cnn_explorer.ui.export.grid_frame import GridLook, cell_rect, lay_out, paint_grid
from cnn_explorer.ui.theme import DARK_TEXT, MUTED_TEXT

PACES = ("cell", "row")
PACE_LABELS = {"cell": "Cell by cell", "row": "A row at a time"}
#: frame sizes offered (pixels at scale 1)
SIZE_PRESETS = ((800, 600), (1024, 768), (1280, 720), (1920, 1080), (640, 480))
MIN_SIZE = (320, 240)
MAX_SIZE = (3840, 2160)
MIN_FPS, MAX_FPS = 1, 60
#: frames at least this much wider than tall put input, arithmetic and output side by side (the step view's rule)
WIDE_RATIO = 1.9


@dataclass(frozen=True)
class AnimationOptions:
    """What to export: ``stage`` 'conv' | 'pool', kernel ``k``, frames per second, ``pace`` 'cell' | 'row',
    frame ``size`` (W, H) at scale 1, ``scale`` (every length and font; 2 = twice the pixels), and how
    long the last frame stays (``hold_s``, seconds)."""

    stage: str = "conv"
    k: int = 0
    fps: int = 4
    pace: str = "cell"
    size: tuple[int, int] = (800, 600)
    scale: float = 1.0
    hold_s: float = 2.0

    def check(self) -> "AnimationOptions":
        """Raise CnnExplorerError naming the option that is out of range."""
        if self.stage not in ("conv", "pool"):
            raise CnnExplorerError(f"--stage: choose conv or pool, got {self.stage!r}")
        if self.pace not in PACES:
            raise CnnExplorerError(f"--pace: choose cell or row, got {self.pace!r}")
        if not MIN_FPS <= self.fps <= MAX_FPS:
            raise CnnExplorerError(f"--fps: must be {MIN_FPS}..{MAX_FPS} frames a second, got {self.fps}")
        w, h = self.size
        if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
            raise CnnExplorerError(f"--size: {w}x{h} is outside {MIN_SIZE[0]}x{MIN_SIZE[1]} .. "
                                   f"{MAX_SIZE[0]}x{MAX_SIZE[1]}")
        if not 0.5 <= self.scale <= 4.0:
            raise CnnExplorerError(f"--scale: must be between 0.5 and 4, got {self.scale:g}")
        if not 0 <= self.hold_s <= 30:
            raise CnnExplorerError(f"--hold: must be 0..30 seconds, got {self.hold_s:g}")
        return self

    def pixel_size(self) -> tuple[int, int]:
        return round(self.size[0] * self.scale), round(self.size[1] * self.scale)


@dataclass(frozen=True)
class FrameInfo:
    """What frame ``index`` shows: animation ``step`` (output ``cell``, ``filled`` cells computed), the
    window over the input grid (grid rows, cols as drawn), the step's ``value`` and ``arithmetic``."""

    index: int
    step: int
    cell: tuple[int, int]
    filled: int
    window: tuple[tuple[int, ...], tuple[int, ...]]
    value: float
    arithmetic: str


class _Fixed:
    """What AnimationData asks of the window's state: the picture never changes during an export."""

    image_revision = 0


def frame_steps(out_hw, pace: str) -> list[int]:
    """The animation steps the frames show: every step, or the first and then each row's last one."""
    cursor = StepCursor(shape=(int(out_hw[0]), int(out_hw[1])))
    steps = [0]
    while not cursor.at_end:
        cursor.set_step(cursor.advanced(pace))
        steps.append(cursor.step)
    return steps if cursor.count else []


class FrameBuilder:
    """Frames of one stage and kernel of ``result``; ``kernel_names`` label the title."""

    def __init__(self, result, options: AnimationOptions, kernel_names=(), font: QFont | None = None) -> None:
        self.options = options.check()
        if options.stage == "pool" and result.pooled is None:
            raise CnnExplorerError("--stage pool: these settings have no pooling (add --pool max, for example)")
        k_count = int(np.asarray(result.feature).shape[0])
        if not 0 <= options.k < k_count:
            raise CnnExplorerError(f"kernel: choose 1..{k_count}, got {options.k + 1}")
        self._data = AnimationData(_Fixed())
        self._data.set_result(result)
        self._data.stage, self._data.k = options.stage, options.k
        self.result = result
        self._names = list(kernel_names)
        self._out = self._data.output()
        self.steps = frame_steps(self._out.shape, options.pace)
        if len(self.steps) > MAX_FRAMES:
            raise CnnExplorerError(
                f"animation: {len(self.steps):,} frames is more than the {MAX_FRAMES:,} an export may have; "
                "choose a row at a time, or a smaller input")
        self._font = QFont(font) if font is not None else QFont()
        self._grid_input = self._data.input()
        self._display = self._data.pool_display(self._out.shape) if options.stage == "pool" else None
        self._views: dict[str, tuple] = {}
        self._last_geometry: dict[str, tuple] = {}

    # --- what each frame shows ------------------------------------------------------------------
    @property
    def frame_count(self) -> int:
        return len(self.steps)

    def durations_ms(self) -> list[int]:
        """One duration a frame: 1000 / fps, the last frame held ``hold_s`` longer."""
        each = round(1000 / self.options.fps)
        out = [each] * self.frame_count
        if out:
            out[-1] = each + round(1000 * self.options.hold_s)
        return out

    def output_map(self) -> np.ndarray:
        """The output map the frames fill in (the core's)."""
        return self._out

    def _step(self, n: int):
        step = self.steps[n]
        i, j = divmod(step, self._out.shape[1])
        return step, (i, j), self._data.step(i, j)

    def _window(self, rec) -> tuple[np.ndarray, np.ndarray]:
        if self.options.stage == "conv":
            return np.asarray(rec.rows), np.asarray(rec.cols)
        top, left = self._data.pool_pads
        return np.asarray(rec.rows) + top, np.asarray(rec.cols) + left

    def _arithmetic(self, rec) -> str:
        if self.options.stage == "pool":
            return rec.arithmetic(style="cell")
        channels = 1 if np.ndim(rec.window) == 2 else rec.window.shape[2]
        return rec.arithmetic(max_terms=MAX_TERMS_GREY if channels == 1 else MAX_TERMS_CHANNEL)

    def info(self, n: int) -> FrameInfo:
        step, cell, rec = self._step(n)
        rows, cols = self._window(rec)
        return FrameInfo(n, step, cell, step + 1, (tuple(int(r) for r in rows), tuple(int(c) for c in cols)),
                         float(rec.value), self._arithmetic(rec))

    def title(self, n: int) -> str:
        step, (i, j), rec = self._step(n)
        k_count = int(np.asarray(self.result.feature).shape[0])
        what = "Convolution" if self.options.stage == "conv" else (
            "Max-pooling" if self.result.pool.mode == "max" else "Average-pooling")
        name = self._names[self.options.k] if self.options.k < len(self._names) else ""
        kernel = f" · kernel {self.options.k + 1}" + (f" ({name})" if name else "") if k_count > 1 or name else ""
        count = self._out.shape[0] * self._out.shape[1]
        return f"{what}{kernel} · step {step + 1} of {count} · output (row {i}, col {j}) = " \
               f"{format_number(float(rec.value), 'cell')}"

    # --- painting -------------------------------------------------------------------------------
    def render(self, n: int) -> QImage:
        """Frame ``n`` as an RGB32 QImage of ``options.pixel_size()``."""
        w, h = self.options.pixel_size()
        image = QImage(w, h, QImage.Format.Format_RGB32)
        image.fill(QColor(Qt.GlobalColor.white))
        p = QPainter(image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.scale(self.options.scale, self.options.scale)
        try:
            self._paint(p, n)
        finally:
            p.end()
        return image

    def render_rgb(self, n: int) -> np.ndarray:
        """Frame ``n`` as (H, W, 3) uint8."""
        image = self.render(n).convertToFormat(QImage.Format.Format_RGB888)
        w, h = image.width(), image.height()
        buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.bytesPerLine() * h)
        return buf.reshape(h, image.bytesPerLine())[:, :3 * w].reshape(h, w, 3).copy()

    def _font_px(self, pixels: float, bold: bool = False) -> QFont:
        font = QFont(self._font)
        font.setPixelSize(max(6, round(pixels)))
        font.setBold(bold)
        return font

    def _paint(self, p: QPainter, n: int) -> None:
        W, H = self.options.size
        m = 12.0
        _, (i, j), rec = self._step(n)
        step = self.steps[n]
        title = self.title(n)
        for px in (17, 16, 15, 14, 13, 12):               # the whole title when it fits at a readable size
            title_font = self._font_px(px, bold=True)
            if QFontMetricsF(title_font).horizontalAdvance(title) <= W - 2 * m:
                break
        p.setFont(title_font)
        p.setPen(DARK_TEXT)
        title_h = QFontMetricsF(title_font).height() + 6
        title = QFontMetricsF(title_font).elidedText(title, Qt.TextElideMode.ElideMiddle, W - 2 * m)
        p.drawText(QRectF(m, m, W - 2 * m, title_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        sum_font, sum_h = self._fit_sum(self._arithmetic(rec), W - 2 * m)
        body = QRectF(m, m + title_h + 4, W - 2 * m, H - 2 * m - title_h - sum_h - 12)
        gap = 16.0
        if W >= WIDE_RATIO * H:
            # wide, as the step view beside a wide window: input | arithmetic | output
            widths = np.array([3.0, 3.4, 2.4])
            widths = widths / widths.sum() * (body.width() - 2 * gap)
            inp = QRectF(body.x(), body.y(), widths[0], body.height())
            arith = QRectF(body.x() + widths[0] + gap, body.y(), widths[1], body.height())
            outp = QRectF(body.x() + widths[0] + widths[1] + 2 * gap, body.y(), widths[2], body.height())
        else:
            # as the step view in a narrower room: input | output, the arithmetic below them
            top_h = body.height() * 0.62
            left_w = (body.width() - gap) * 0.58
            inp = QRectF(body.x(), body.y(), left_w, top_h)
            outp = QRectF(body.x() + left_w + gap, body.y(), body.width() - left_w - gap, top_h)
            arith = QRectF(body.x(), body.y() + top_h + 8, body.width(), body.height() - top_h - 8)
        self._paint_input(p, inp, rec)
        self._paint_arithmetic(p, arith, rec)
        self._paint_output(p, outp, (i, j), step + 1)
        p.setFont(sum_font)
        p.setPen(DARK_TEXT)
        option = QTextOption(Qt.AlignmentFlag.AlignLeft)
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        p.drawText(QRectF(m, H - m - sum_h, W - 2 * m, sum_h), self._arithmetic(rec), option)

    def _fit_sum(self, text: str, width: float) -> tuple[QFont, float]:
        """The arithmetic line's font: 20 px, smaller for long sums, at most three lines."""
        for px in (20, 18, 16, 14, 12, 11, 10):
            font = self._font_px(px)
            fm = QFontMetricsF(font)
            lines = fm.boundingRect(QRectF(0, 0, width, 10_000),
                                    int(Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextWrapAnywhere), text).height()
            if lines <= 3 * fm.lineSpacing() + 1 or px == 10:
                return font, min(lines, 3 * fm.lineSpacing()) + 2
        raise AssertionError("unreachable")

    def _heading(self, p: QPainter, rect: QRectF, text: str) -> QRectF:
        font = self._font_px(14, bold=True)
        p.setFont(font)
        p.setPen(DARK_TEXT)
        fm = QFontMetricsF(font)
        h = fm.height() + 4
        text = fm.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())   # never cut off mid-letter
        p.drawText(QRectF(rect.x(), rect.y(), rect.width(), h), Qt.AlignmentFlag.AlignLeft, text)
        return QRectF(rect.x(), rect.y() + h, rect.width(), rect.height() - h)

    def _grid(self, p: QPainter, name: str, values, look: GridLook, rect: QRectF, *, min_cell=18.0,
              max_cell=48.0) -> None:
        old = self._views.get(name, (0, 0, 0, 0))
        view, geom = lay_out(values.shape, rect, look, old, min_cell=min_cell, max_cell=max_cell)
        self._views[name] = view
        self._last_geometry[name] = (view, geom)
        paint_grid(p, self._font_px(13), values, look, view, geom, text_color=MUTED_TEXT)

    def _paint_input(self, p: QPainter, rect: QRectF, rec) -> None:
        data, res = self._data, self.result
        window = self._window(rec)
        if self.options.stage == "pool":
            grid = self._grid_input
            h, w = grid.shape
            top, left = data.pool_pads
            name = "Feature" if res.activation == "none" else activation_title(res.activation)
            rect = self._heading(p, rect, f"{name} map {h}×{w}")
            winner = (rec.winner[0] + top, rec.winner[1] + left) if res.pool.mode == "max" else None
            look = GridLook("diverging", data.act_range, interior=(top, top + h, left, left + w),
                            label_offset=(top, left), window=window, winner=winner)
            self._grid(p, "input", self._display, look, rect)
            return
        grid = self._grid_input
        image = np.asarray(res.image)
        pads = res.conv.pads
        top, left = pads[0], pads[2]
        hh, ww = image.shape[:2]
        padded = any(pads)
        title = f"Input {hh}×{ww}" + (f" (padded {grid.shape[0]}×{grid.shape[1]})" if padded else "")
        rect = self._heading(p, rect, title)
        interior = (top, top + hh, left, left + ww) if padded else None
        channels = [grid] if grid.ndim == 2 else [grid[:, :, c] for c in range(grid.shape[2])]
        n = len(channels)
        across = rect.width() >= rect.height()           # side by side or stacked, whichever is roomier
        for c, values in enumerate(channels):
            if across:
                sub = QRectF(rect.x() + c * rect.width() / n, rect.y(), rect.width() / n - 6, rect.height())
            else:
                sub = QRectF(rect.x(), rect.y() + c * rect.height() / n, rect.width(), rect.height() / n)
            if len(channels) > 1:
                sub = self._heading(p, sub, CHANNEL_NAMES[c] if len(channels) == 3 else f"c{c + 1}")
            look = GridLook("grey", data.input_range, interior=interior, label_offset=(top, left), window=window)
            self._grid(p, f"input{c}", values, look, sub)

    def _paint_arithmetic(self, p: QPainter, rect: QRectF, rec) -> None:
        if self.options.stage == "pool":
            rect = self._heading(p, rect, "Pooling window")
            winner = None
            if rec.mode == "max":
                r = int(np.flatnonzero(np.asarray(rec.rows) == rec.winner[0])[0])
                c = int(np.flatnonzero(np.asarray(rec.cols) == rec.winner[1])[0])
                winner = (r, c)
            side = min(rect.height(), rect.width())
            box = QRectF(rect.x(), rect.y() + (rect.height() - side) / 2, rect.width(), side)
            look = GridLook("diverging", self._data.act_range, padding_mask=np.asarray(rec.in_padding, dtype=bool),
                            indices=False, winner=winner)
            self._grid(p, "pool-window", np.asarray(rec.values, dtype=np.float64), look, box, min_cell=6, max_cell=56)
            return
        rect = self._heading(p, rect, "Window ⊙ kernel = products")
        window = rec.window if rec.window.ndim == 3 else rec.window[:, :, None]
        kernel = rec.kernel if rec.kernel.ndim == 3 else rec.kernel[:, :, None]
        products = rec.products if rec.products.ndim == 3 else rec.products[:, :, None]
        channels = window.shape[2]
        k_m = max(float(np.abs(kernel).max()), 1e-12)
        p_m = max(float(np.abs(products).max()), 1e-12)
        op_font = self._font_px(20)
        op_w = QFontMetricsF(op_font).horizontalAdvance("⊙") + 8
        # the channels' lines stacked, or side by side when that gives bigger cells
        gap = 18.0
        stacked = min((rect.width() - 2 * op_w) / 3, rect.height() / channels - 4)
        across = min(((rect.width() - (channels - 1) * gap) / channels - 2 * op_w) / 3, rect.height() - 4)
        side_by_side = channels > 1 and across > stacked
        side = across if side_by_side else stacked
        group_w = 3 * side + 2 * op_w
        row_h = side + 4
        lines = 1 if side_by_side else channels
        per_line = channels if side_by_side else 1
        block_w = per_line * group_w + (per_line - 1) * gap
        x_start = rect.x() + max(0.0, (rect.width() - block_w) / 2)
        padding = np.asarray(rec.in_padding, dtype=bool)
        top = rect.y() + max(0.0, (rect.height() - lines * row_h) / 2)   # level with the grids beside
        for c in range(channels):
            y = top + (0 if side_by_side else c * row_h)
            left = x_start + (c * (group_w + gap) if side_by_side else 0.0)
            if channels > 1:                              # which channel this line is, as the step view says
                p.setFont(self._font_px(12, bold=True))
                p.setPen(DARK_TEXT)
                name = CHANNEL_NAMES[c] if channels == 3 else f"c{c + 1}"
                if side_by_side:
                    p.drawText(QRectF(left, y - 18, group_w, 16), Qt.AlignmentFlag.AlignHCenter, name)
                else:
                    p.drawText(QRectF(left - 22, y, 20, side), Qt.AlignmentFlag.AlignVCenter, name)
            parts = ((window[:, :, c], GridLook("grey", self._data.input_range, padding_mask=padding, indices=False)),
                     (kernel[:, :, c], GridLook("diverging", (-k_m, k_m), indices=False)),
                     (products[:, :, c], GridLook("diverging", (-p_m, p_m), indices=False)))
            for idx, (values, look) in enumerate(parts):
                x = left + idx * (side + op_w)
                self._grid(p, f"arith{c}-{idx}", values, look, QRectF(x, y, side, row_h - 4), min_cell=4, max_cell=46)
                if idx < 2:
                    p.setFont(op_font)
                    p.setPen(DARK_TEXT)
                    p.drawText(QRectF(x + side, y, op_w, row_h - 4), Qt.AlignmentFlag.AlignCenter,
                               "⊙" if idx == 0 else "=")

    def _paint_output(self, p: QPainter, rect: QRectF, cell, filled: int) -> None:
        out = self._out
        if self.options.stage == "conv":
            title = f"Feature map {out.shape[0]}×{out.shape[1]}"
        else:
            kind = "Max-pooled" if self.result.pool.mode == "max" else "Average-pooled"
            title = f"{kind} map {out.shape[0]}×{out.shape[1]}"
        rect = self._heading(p, rect, title)
        lo, hi = finite_range(out)
        m = max(abs(lo), abs(hi))
        look = GridLook("diverging", (-m, m), current=cell, filled=filled)
        self._grid(p, "output", out, look, rect)

    # --- geometry of the frame painted last (tests, pixel checks) ------------------------------
    def cell_rect(self, grid: str, r: int, c: int) -> QRectF:
        """Rectangle (scale-1 frame coordinates) of cell (r, c) of ``grid`` ('input0', 'output', …) as
        painted in the last rendered frame."""
        view, geom = self._last_geometry[grid]
        return cell_rect(view, geom, r, c)
