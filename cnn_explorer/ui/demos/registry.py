"""Which widget shows each demo core knows (``core.lessons.demos.DEMOS``), imported when first shown.

A demo widget is a QWidget with:

- ``set_params(params)``: show the demo with these parameters (a dict with every parameter of
  the demo's ``DemoInfo``, defaults filled in, as ``@demo`` resolves them); called when a lesson
  step or the Demos menu opens it (the menu passes the defaults);
- ``set_scale(factor)`` (optional): presenter scale, for views that draw their own numbers;
- ``shutdown()`` (optional): stop any worker (the window closes, or the page goes).

Fonts in points follow the presenter scale by themselves (``ui.scale``).
"""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QWidget

from cnn_explorer.core.lessons.demos import DEMOS, group_rank

#: demo name -> "module:Class" of its widget (the module is imported the first time the demo shows)
DEMO_WIDGETS: dict[str, str] = {
    "why-convolution": "cnn_explorer.ui.demos.why_convolution:WhyConvolutionDemo",
    "conv-1d": "cnn_explorer.ui.demos.conv1d:Conv1dDemo",
    "learn-kernel": "cnn_explorer.ui.demos.learn_kernel:LearnKernelDemo",
    "pooling-invariance": "cnn_explorer.ui.demos.invariance:PoolingInvarianceDemo",
    "column-swap": "cnn_explorer.ui.demos.column_swap:ColumnSwapDemo",
    "xo-vote": "cnn_explorer.ui.demos.xo_vote:XoVoteDemo",
    "fit-line": "cnn_explorer.ui.demos.fit_line:FitLineDemo",
    "activations": "cnn_explorer.ui.demos.activations:ActivationsDemo",
}


def make_demo_widget(name: str, parent: QWidget | None = None) -> QWidget:
    """A new widget for demo ``name`` (KeyError when the demo has no widget)."""
    module_name, _, class_name = DEMO_WIDGETS[name].partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(parent)


def demo_names() -> list[str]:
    """The demos the page and menu show (each known to core and with a widget): by topic, in the decks' order
    (``core.lessons.demos.GROUPS``), then in the order they were registered."""
    names = [name for name in DEMOS if name in DEMO_WIDGETS]
    return sorted(names, key=lambda n: group_rank(DEMOS[n].group))
