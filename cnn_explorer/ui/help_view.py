"""HelpWindow: a short illustrated guide beside the keyboard-shortcut list (Help ▸ Guide, F1).

Offline: the text is here, the pictures are drawn by the app (``widgets/pictograms``)
and the worked example's numbers come from the core's sample and pipeline, so the
guide always shows what the app itself computes.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cnn_explorer import __version__
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.format import format_number
from cnn_explorer.core.kernels.samples import SAMPLES
from cnn_explorer.ui.demos.keys import demo_key_rows
from cnn_explorer.ui.scale import scaled
from cnn_explorer.ui.theme import ICON_CELLS, ICON_WINDOW, MUTED_TEXT
from cnn_explorer.ui.widgets.pictograms import pictogram_image

PICTURE_SIZE = 56

ABOUT_TEXT = (
    "<h3>CNN Explorer {version}</h3>"
    "<p>See how a convolutional neural network sees: draw or load an image, pick or type a kernel, "
    "and watch the feature map, the activation and the pooled map update live; step through the "
    "sliding filter one multiplication at a time.</p>"
    "<p>Convolution here is cross-correlation, as in the slides and every deep-learning library.</p>"
)

#: (pictogram, heading, paragraph) — the guide's sections, in reading order
SECTIONS = (
    ("convolve", "The Explorer: a filter slides over a picture",
     "Left, the <b>input</b>: draw on it, open a picture (Ctrl+O), paste one or pick a sample from "
     "<i>File ▸ Samples</i>. Middle, the <b>kernel</b> (the filter's numbers) and the settings: stride, "
     "padding, activation, pooling. Right, the <b>maps</b> the filter produces, and <b>Step by step</b>, "
     "which shows every multiplication."),
    (None, "One step of a convolution", None),  # the worked example, drawn from the core's numbers
    ("xo", "Features, ReLU and pooling",
     "Each kernel is a feature detector: its map is bright where the picture looks like the kernel. "
     "ReLU keeps the positive answers; max-pooling keeps the strongest answer of each small block, so the "
     "map gets smaller but still says where the feature was. The 9×9 X sample shows the slides' three features."),
    ("edges", "Edges in photos",
     "On a photo, a Sobel kernel answers strongly where brightness changes: its map is an edge drawing. "
     "Try <i>File ▸ Samples ▸ Photos</i> and the Sobel kernels in the kernel list."),
    ("digit", "Classify: ask a trained network",
     "Draw a digit on the Classify page: the bars show the network's answer for every class, and the "
     "network view shows what each layer saw. Right-click a filter to send it to the Explorer."),
    ("train", "Train: teach a network yourself",
     "Pick a model preset and a dataset, then press Train: the loss falls and the accuracy climbs while you "
     "watch the filters change. xo-tiny on the X/O pictures reaches 100% in seconds."),
    (None, "In front of a class", None),  # presenter tips
)

TIPS = (
    ("Ctrl+= / Ctrl+-", "larger or smaller numbers, labels and grids (presenter scale)"),
    ("Ctrl+0", "back to the default size and layout, panel widths included"),
    ("F11", "full screen"),
    ("→ / ← / Space", "next step, previous step, play or pause (Step by step)"),
    ("Ctrl+Z", "undo any change: a sample, a kernel, a drawing"),
)


def worked_example_html() -> str:
    """The slides' 6×6 example (000-1): the input with its first 3×3 window, the kernel, and the core's answer."""
    sample = SAMPLES["000-1"]
    kernel = sample.kernel_arrays()[0]
    result = run_pipeline(sample.image, [kernel], sample.conv, "none", None)
    first = float(result.output[0][0, 0])
    kh, kw = kernel.shape

    def table(grid, mark) -> str:
        rows = []
        for i, row in enumerate(grid):
            cells = []
            for j, v in enumerate(row):
                bg = ICON_WINDOW.lighter(150).name() if mark(i, j) else ICON_CELLS[0].name()
                cells.append(f"<td align='center' bgcolor='{bg}'>&nbsp;{escape(format_number(v, 'cell'))}&nbsp;</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return "<table cellspacing='2' cellpadding='3'>" + "".join(rows) + "</table>"

    products = " + ".join(f"{format_number(sample.image[i, j], 'cell')}×{format_number(kernel[i, j], 'cell')}"
                          for i in range(kh) for j in range(kw) if kernel[i, j] != 0)
    return (
        "<table cellspacing='12'><tr>"
        f"<td valign='middle'>{table(sample.image, lambda i, j: i < kh and j < kw)}</td>"
        "<td valign='middle'><big>×</big></td>"
        f"<td valign='middle'>{table(kernel, lambda i, j: True)}</td>"
        f"<td valign='middle'><big>= <b>{escape(format_number(first, 'cell'))}</b></big></td>"
        "</tr></table>"
        f"<p>Lay the kernel on the orange window, multiply the numbers on top of each other and add: "
        f"{escape(products)} = <b>{escape(format_number(first, 'cell'))}</b>, the first cell of the feature map. "
        f"Then the window moves one step right and it starts again. <i>Help ▸ Start here ▸ Step through a "
        f"convolution</i> plays exactly this (slide {sample.slide}).</p>"
    )


def guide_html(picture_size: int = PICTURE_SIZE) -> str:
    """The guide as HTML; pictures (``picture_size`` px) are ``pictogram:NAME`` resources :class:`HelpWindow` provides."""
    muted = MUTED_TEXT.name()
    parts = ["<h2>CNN Explorer in five minutes</h2>",
             f"<p style='color:{muted}'>What each page does, with the slides' own example. "
             "The <i>Keyboard shortcuts</i> tab lists every key.</p>"]
    for picture, heading, text in SECTIONS:
        if heading == "One step of a convolution":
            body = worked_example_html()
        elif heading == "In front of a class":
            body = "<table cellspacing='4'>" + "".join(
                f"<tr><td><b>{escape(keys)}</b>&nbsp;&nbsp;</td><td>{escape(what)}</td></tr>" for keys, what in TIPS
            ) + "</table>"
        else:
            body = f"<p>{text}</p>"
        image = (f"<td valign='top' width='{picture_size + 12}'><img src='pictogram:{picture}' "
                 f"width='{picture_size}' height='{picture_size}'></td>") if picture else ""
        parts.append(f"<table cellspacing='0' cellpadding='4' width='100%'><tr>{image}<td valign='top'>"
                     f"<h3>{escape(heading)}</h3>{body}</td></tr></table>")
    return "".join(parts)


def shortcuts_html(rows, demo_rows=()) -> str:
    """``rows`` [(action, keys)] as a table; then, under a "Demos" heading, ``demo_rows``
    [(demo title, [(what, keys)])]: each demo's keys (they work while the demo has the focus)."""
    cells = "".join(f"<tr><td>{escape(name)}</td><td><b>{escape(keys)}</b></td></tr>" for name, keys in rows)
    html = f"<table cellspacing='6'>{cells}</table>"
    if demo_rows:
        muted = MUTED_TEXT.name()
        parts = []
        for title, keys in demo_rows:
            parts.append(f"<tr><td colspan='2'><i>{escape(title)}</i></td></tr>")
            parts += [f"<tr><td>&nbsp;&nbsp;{escape(what)}</td><td><b>{escape(k)}</b></td></tr>" for what, k in keys]
        html += ("<h3>Demos</h3>"
                 f"<p style='color:{muted}'>While a demo on the Demos page has the focus (click it first). "
                 "Space on a list or button opens or presses it.</p>"
                 f"<table cellspacing='6'>{''.join(parts)}</table>")
    return html


class HelpWindow(QDialog):
    """Non-modal help: "Guide" and "Keyboard shortcuts" tabs. ``shortcut_rows``: [(action, keys)];
    ``factor``: the presenter scale (the pictures grow with the text)."""

    def __init__(self, shortcut_rows, parent: QWidget | None = None, factor: float = 1.0) -> None:
        super().__init__(parent)
        self.setWindowTitle("CNN Explorer help")
        self.guide = QTextBrowser(self)
        self.guide.setOpenLinks(False)
        ratio = self.devicePixelRatioF() if parent is None else parent.devicePixelRatioF()
        side = scaled(PICTURE_SIZE, factor)
        for name in {s[0] for s in SECTIONS if s[0]}:
            self.guide.document().addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"pictogram:{name}"),
                                              pictogram_image(name, side, ratio))
        self.guide.setHtml(guide_html(side))
        self.shortcuts = QTextBrowser(self)
        self.shortcuts.setHtml(shortcuts_html(shortcut_rows, demo_key_rows()))
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.guide, "&Guide")
        self.tabs.addTab(self.shortcuts, "&Keyboard shortcuts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    def show_tab(self, name: str) -> None:
        """Bring the "guide" or "shortcuts" tab forward."""
        self.tabs.setCurrentWidget(self.shortcuts if name == "shortcuts" else self.guide)
        self.tabs.currentWidget().setFocus(Qt.FocusReason.OtherFocusReason)


def show_about(parent: QWidget) -> None:
    """Help ▸ About: the version and what the app is for."""
    QMessageBox.about(parent, "About CNN Explorer", ABOUT_TEXT.format(version=__version__))
