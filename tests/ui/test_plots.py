"""The app's pyqtgraph plots stay readable at every presenter scale: tick labels never overlap, an axis title shows
only while it fits, legends wrap instead of losing their last name (ui/plotting.py, ui/plot_axis.py)."""

from __future__ import annotations

import layout_check as lc  # tests/ui/layout_check.py (pytest puts this folder on the path)
import numpy as np
import pytest

from cnn_explorer.ui.plotting import PlotLegend, make_plot, scale_plot
from cnn_explorer.ui.pyqtgraph_setup import configure_pyqtgraph

pg = configure_pyqtgraph()


def _settle(qtbot, widget) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    for _ in range(3):
        qtbot.wait(5)
    widget.grab()             # a paint: pyqtgraph lays out its axes and labels then


def _short_plot(qtbot, plot, size=(420, 220), factor=3.0):
    from PySide6.QtGui import QFont

    if hasattr(plot, "base_min_size"):
        scale_plot(plot, factor)
    else:                     # a plain pyqtgraph plot, scaled as the app used to
        font = QFont()
        font.setPointSizeF(8.0 * factor)
        for name in ("left", "bottom"):
            plot.getAxis(name).setStyle(tickFont=font)
            plot.getAxis(name).label.setFont(font)
    plot.setMinimumSize(1, 1)  # as short as a crowded projector page makes it
    plot.resize(*size)
    plot.setXRange(0, 1, padding=0.02)
    plot.setYRange(0, 1, padding=0.02)
    qtbot.addWidget(plot)
    _settle(qtbot, plot)
    return plot


def test_the_checker_finds_overlapping_ticks_and_a_long_axis_title_in_a_plain_plot(qtbot):
    plain = pg.PlotWidget(background="w")
    plain.setTitle("Loss")
    plain.setLabel("left", "cross-entropy")
    plain.setLabel("bottom", "epoch")
    _short_plot(qtbot, plain)
    found = "\n".join(text for _w, text in lc.plot_problems(plain))
    assert "left axis: tick labels" in found
    assert "left axis title 'cross-entropy' needs" in found


def test_a_made_plot_at_300_percent_has_room_for_every_label(qtbot):
    plot = _short_plot(qtbot, make_plot(None, "Loss", "epoch", "cross-entropy"))
    assert lc.plot_problems(plot) == []
    left, bottom = plot.getAxis("left"), plot.getAxis("bottom")
    assert len(lc._tick_text_rects(left)) >= 1            # still labelled, only sparser
    assert len(lc._tick_text_rects(bottom)) >= 1
    assert not left.label_shown()                         # 'cross-entropy' does not fit along the short axis
    plot.resize(420, 700)                                 # room again: the title comes back
    _settle(qtbot, plot)
    assert left.label_shown() and lc.plot_problems(plot) == []
    assert len(lc._tick_text_rects(left)) > 2


@pytest.mark.parametrize("factor", [1.0, 1.5, 2.0, 2.5, 3.0])
def test_tick_labels_never_overlap_at_any_scale_or_length(qtbot, factor):
    plot = make_plot(None, "Accuracy", "epoch", "%")
    qtbot.addWidget(plot)
    scale_plot(plot, factor)
    plot.setMinimumSize(1, 1)
    plot.setYRange(0, 100, padding=0.02)
    for x_end in (1.0, 7.0, 120.0):
        plot.setXRange(0, x_end, padding=0.02)
        for size in ((260, 120), (600, 260), (1400, 700)):
            plot.resize(*size)
            _settle(qtbot, plot)
            assert lc.plot_problems(plot) == [], (factor, x_end, size)


def test_next_nice_climbs_the_1_2_5_ladder():
    from cnn_explorer.ui.plot_axis import next_nice

    got = [0.1]
    for _ in range(6):
        got.append(next_nice(got[-1]))
    assert np.allclose(got, [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0])
    assert next_nice(0.25) == pytest.approx(0.5) and next_nice(3.0) == pytest.approx(5.0)


def test_a_legend_keeps_every_name_and_wraps_when_narrow(qtbot):
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    legend = PlotLegend([("━━", "batch", QColor(31, 111, 178, 70)), ("━●━", "train", QColor("#1f6fb2")),
                         ("━■━", "validation", QColor("#d9480f"))], holder)
    layout = QVBoxLayout(holder)
    layout.addWidget(legend)
    font = legend.font()
    font.setPointSizeF(font.pointSizeF() * 3)             # the presenter's 300 %
    legend.setFont(font)
    holder.resize(900, 200)
    _settle(qtbot, holder)
    one_line = legend.height()
    holder.resize(260, 400)
    _settle(qtbot, holder)
    assert legend.height() > one_line                     # wrapped onto more lines, not cut
    assert lc.text_problems(holder) == []
    assert legend.names() == ["batch", "train", "validation"]
    assert "validation" in legend.text() and "#" in legend.text()
    # the translucent batch colour is drawn as it looks over white, not as its opaque blue
    first_colour = legend.text().split("color:")[1][:7]
    assert first_colour != QColor(31, 111, 178).name() and QColor(first_colour).lightness() > 150


def test_every_plot_of_the_app_is_readable_at_300_percent(qtbot):
    """The Train page's curves and the demos' plots, small and at 300 %: no plot problem, no clipped legend."""
    from PySide6.QtWidgets import QWidget

    from cnn_explorer.ui.demos.activations_plot import ActivationPlot, TrainingCurve
    from cnn_explorer.ui.demos.fit_line_plots import LinePlot, LossPlot
    from cnn_explorer.ui.train.curves import Curves

    xs = np.linspace(-3, 3, 61)
    widgets: list[QWidget] = [Curves(), TrainingCurve(), LinePlot([(1.0, 3.0), (4.0, 9.0)]), LossPlot(),
                              ActivationPlot("relu", "ReLU", xs, np.maximum(xs, 0), (-0.5, 3.0))]
    for widget in widgets:
        qtbot.addWidget(widget)
        widget.set_scale(3.0)
        legend = getattr(widget, "legend", None)
        if legend is not None:
            font = legend.font()
            font.setPointSizeF(font.pointSizeF() * 3)
            legend.setFont(font)
        widget.resize(max(widget.minimumSizeHint().width(), 420), max(widget.minimumSizeHint().height(), 300))
        _settle(qtbot, widget)
        assert lc.plot_problems(widget) == [], type(widget).__name__
        assert lc.text_problems(widget) == [], type(widget).__name__
