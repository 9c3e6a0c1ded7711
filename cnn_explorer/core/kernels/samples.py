"""Named sample inputs: every numeric grid of the seed slides with its kernel and settings,
synthetic pictures, and the shipped photos.

Slide grids come from ``seed_grids`` (the one place for the slides' numbers)
and keep their own values (e.g. 0..255, 0/1, ±1). Synthetic pictures are
64×64 on the 0..255 scale (black 0, white 255) unless stated. Photos are
(H, W, 3) RGB 0..255, decoded on first use.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from cnn_explorer.core.conv.convolution import ConvSettings, PoolSettings
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.images import load_image
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.kernels.library import get_preset
from cnn_explorer.core.resources import resource_path

#: sample groups by origin (slides, synthetic pictures, photos)
SAMPLE_GROUPS = ("slides", "synthetic", "photos")
#: what each sample teaches, in menu order: topic -> sample names (each sample in exactly one topic)
SAMPLE_TOPICS: dict[str, tuple[str, ...]] = {
    "Convolution step by step": ("000-1", "001-4", "001-4-same", "001-5", "004-7"),
    "Feature detectors": ("000-4", "000-6-backslash", "000-6-slash", "000-6-poor-backslash",
                          "000-6-incomplete-slash"),
    "Edges and image filters": ("001-1", "001-2", "checkerboard", "gradient-horizontal", "gradient-vertical",
                                "circle", "square", "triangle", "letter-a"),
    "Colour images": ("001-7", "001-7-two-filters"),
    "Pooling": ("003-5",),
    "X or O: features of a tiny CNN": ("004", "xo-o"),
    "Photos": ("astronaut", "coffee"),
}
_TOPIC_OF = {name: topic for topic, names in SAMPLE_TOPICS.items() for name in names}
#: where the shipped photos live
IMAGES_DIR = resource_path("images")


@dataclass(frozen=True, eq=False)
class Sample:
    """An input with the kernel(s) and settings to show it with.

    ``image``: (H, W) or (H, W, C) float64, read-only in ``SAMPLES`` (``get_sample``
    returns a writable copy). ``kernel``: a preset name or an array (the first
    or only kernel); ``kernels``: the whole stack (preset names or arrays) when
    the sample uses several, else None. ``slide``: the slide reference such as
    "000-1" ("" for none). ``group``: "slides", "synthetic" or "photos".
    ``name`` is the stable id (CLI, settings); ``title`` the human name and
    ``topic`` what it teaches (a key of ``SAMPLE_TOPICS``, filled from there).
    """

    name: str
    title: str
    description: str
    image: np.ndarray
    kernel: str | np.ndarray | None
    kernels: tuple | None = None
    conv: ConvSettings = field(default_factory=ConvSettings)
    activation: str = "none"
    pool: PoolSettings | None = None
    slide: str = ""
    group: str = "slides"
    topic: str = ""

    @property
    def label(self) -> str:
        """The human name, slide code second: "6×6 example with the corner filter (slide 000-1)"."""
        return sample_label(self.title, self.slide)

    def kernel_arrays(self) -> list[np.ndarray]:
        """The sample's kernels as float64 arrays (the stack if ``kernels``, else ``[kernel]``)."""
        specs = self.kernels if self.kernels else ((self.kernel,) if self.kernel is not None else ())
        return [np.array(get_preset(k).values) if isinstance(k, str) else np.array(k, dtype=np.float64)
                for k in specs]

    def kernel_names(self) -> list[str]:
        """A label per kernel: the preset name, or "kh×kw[×C]" for an array."""
        specs = self.kernels if self.kernels else ((self.kernel,) if self.kernel is not None else ())
        return [k if isinstance(k, str) else "×".join(str(s) for s in np.shape(k)) for k in specs]


def sample_label(title: str, slide: str = "") -> str:
    """``title``, with "(slide CODE)" after it when there is a slide."""
    return f"{title} (slide {slide})" if slide else title


def _ro(values) -> np.ndarray:
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


# --- synthetic pictures --------------------------------------------------------------------------

SIZE = 64
_INK = 255.0
_yy, _xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5  # pixel centres


def checkerboard(size: int = SIZE, square: int = 8) -> np.ndarray:
    """Black and white squares of ``square`` px, white at the top left: (size, size) 0/255."""
    y, x = np.mgrid[0:size, 0:size]
    return np.where(((y // square) + (x // square)) % 2 == 0, _INK, 0.0)


def gradient(size: int = SIZE, vertical: bool = False) -> np.ndarray:
    """A ramp from 0 (left, or top) to 255 (right, or bottom) in whole numbers: (size, size)."""
    ramp = np.round(np.linspace(0.0, _INK, size))
    return np.tile(ramp[:, None] if vertical else ramp[None, :], (1, size) if vertical else (size, 1))


def _segment_distance(ay, ax, by, bx) -> np.ndarray:
    dy, dx = by - ay, bx - ax
    t = np.clip(((_yy - ay) * dy + (_xx - ax) * dx) / (dy * dy + dx * dx), 0.0, 1.0)
    return np.hypot(_yy - (ay + t * dy), _xx - (ax + t * dx))


def _triangle_mask(points) -> np.ndarray:
    (y0, x0), (y1, x1), (y2, x2) = points
    inside = np.ones((SIZE, SIZE), dtype=bool)
    for (ay, ax), (by, bx), (cy, cx) in (((y0, x0), (y1, x1), (y2, x2)), ((y1, x1), (y2, x2), (y0, x0)),
                                         ((y2, x2), (y0, x0), (y1, x1))):
        side = lambda py, px: (bx - ax) * (py - ay) - (by - ay) * (px - ax)  # noqa: E731
        inside &= np.sign(side(_yy, _xx)) == np.sign(side(cy, cx))
    return inside


def circle() -> np.ndarray:
    """A white disc of radius 20 px centred on a black 64×64 picture."""
    return np.where(np.hypot(_yy - 32, _xx - 32) <= 20, _INK, 0.0)


def square() -> np.ndarray:
    """A white 32×32 square centred on a black 64×64 picture."""
    img = np.zeros((SIZE, SIZE))
    img[16:48, 16:48] = _INK
    return img


def triangle() -> np.ndarray:
    """A white triangle, apex up, on a black 64×64 picture."""
    return np.where(_triangle_mask(((10, 32), (54, 8), (54, 56))), _INK, 0.0)


def letter_a() -> np.ndarray:
    """A white capital "A" drawn with 7 px strokes on a black 64×64 picture."""
    strokes = ((8, 32, 56, 12), (8, 32, 56, 52), (38, 20, 38, 44))
    near = np.min([_segment_distance(*s) for s in strokes], axis=0)
    return np.where(near <= 3.45, _INK, 0.0)  # not 3.5: exact ties would round differently on either side


def _pm(rows: str) -> np.ndarray:
    """``"-+-"`` rows -> +1/-1 grid."""
    return np.array([[1.0 if ch == "+" else -1.0 for ch in row] for row in rows.split()])


#: the 9×9 "O" of the X/O lesson (after Brandon Rohrer), +1 ink on −1 background
O_IMAGE = _ro(_pm("""
    ---------
    ---+++---
    --+---+--
    -+-----+-
    -+-----+-
    -+-----+-
    --+---+--
    ---+++---
    ---------
"""))

# 001-7: the slide gives only shapes (6×6×3 with a 3×3×3 filter). These numbers are ours, deterministic,
# in the style of the CS231n demo: pixels 0..2, weights −1..1. Written channel by channel (R, G, B).
RGB_6X6_IMAGE = _ro(np.stack([
    [[2, 0, 2, 0, 2, 1], [0, 0, 0, 2, 1, 1], [1, 0, 1, 1, 2, 2], [2, 1, 0, 2, 2, 1], [0, 0, 0, 1, 2, 2],
     [2, 0, 0, 1, 0, 2]],
    [[2, 1, 1, 1, 1, 0], [0, 1, 0, 2, 0, 2], [0, 1, 1, 0, 2, 1], [0, 1, 1, 2, 0, 0], [1, 1, 1, 2, 0, 1],
     [0, 2, 1, 1, 1, 0]],
    [[0, 1, 0, 1, 1, 2], [1, 1, 2, 2, 1, 1], [2, 0, 1, 1, 0, 1], [0, 2, 2, 1, 0, 1], [2, 1, 2, 1, 1, 0],
     [0, 1, 0, 2, 1, 1]],
], axis=-1))
RGB_FILTER_1 = _ro(np.stack([
    [[0, 0, -1], [-1, 1, -1], [-1, 1, 0]],
    [[0, 1, -1], [0, -1, 1], [0, 1, 0]],
    [[1, -1, 0], [-1, 0, 0], [-1, 0, -1]],
], axis=-1))
RGB_FILTER_2 = _ro(np.stack([
    [[0, 0, 0], [1, 1, -1], [-1, -1, -1]],
    [[1, -1, 1], [0, -1, 0], [-1, 0, -1]],
    [[-1, 1, 1], [0, 1, 1], [0, -1, -1]],
], axis=-1))


# --- the registry --------------------------------------------------------------------------------

_MAX2 = PoolSettings("max", 2, 2)
_MAX2_CEIL = PoolSettings("max", 2, 2, ceil_mode=True)
_XO = ("xo-diagonal", "xo-x", "xo-anti-diagonal")


def _slide_samples() -> list[Sample]:
    s = []
    add = s.append
    add(Sample("000-1", "6×6 example with the corner filter",
               "Slide 000-1: stride 1, no padding gives a 4×4 map whose first cell is 429; "
               "2×2 max-pooling with stride 2 keeps 792 856 / 913 851.",
               seeds.SLIDE_000_1_IMAGE, "slide-corners", pool=_MAX2, slide="000-1"))
    add(Sample("000-4", "Happy face with a feature detector",
               "Slide 000-4: the 7×7 binary face gives a 5×5 feature map (the slide's row 3 centre should be 0, "
               "not 1); 2×2 max-pooling with stride 2 keeping the edge (ceil mode) gives 3×3.",
               seeds.SLIDE_000_4_IMAGE, "slide-detector", pool=_MAX2_CEIL, slide="000-4"))
    for key, label, image in (
        ("backslash", "a clear \"\\\" scores 4", seeds.SLIDE_000_6_BACKSLASH),
        ("slash", "a clear \"/\" scores −4", seeds.SLIDE_000_6_SLASH),
        ("poor-backslash", "a poorly drawn \"\\\" scores 2", seeds.SLIDE_000_6_POOR_BACKSLASH),
        ("incomplete-slash", "an incomplete \"/\" scores −2", seeds.SLIDE_000_6_INCOMPLETE_SLASH),
    ):
        add(Sample(f"000-6-{key}", f"2×2 picture: {label}",
                   "Slide 000-6: pixels are +1/−1 and the weights + − / − + score the picture: "
                   "positive means \"\\\", negative means \"/\".",
                   image, "slide-backslash", slide="000-6"))
    add(Sample("001-1", "Top Sobel on one 3×3 patch gives 295",
               "Slide 001-1: the top Sobel 1 2 1 / 0 0 0 / −1 −2 −1 on one 3×3 patch gives 295.",
               seeds.SLIDE_001_1_PATCH, "sobel-top", slide="001-1"))
    add(Sample("001-2", "Sharpen on one 3×3 patch gives 226",
               "Slide 001-2: the sharpen kernel 0 −1 0 / −1 5 −1 / 0 −1 0 on one 3×3 patch gives 226.",
               seeds.SLIDE_001_2_PATCH, "sharpen", slide="001-2"))
    add(Sample("001-4", "No padding: a 4×4 image gives a 2×2 map",
               "Slide 001-4: an n×n image and an f×f filter give (n − f + 1)×(n − f + 1). The slide leaves the "
               "filter's numbers open; the top Sobel of 001-1 is used.",
               seeds.SLIDE_001_4_IMAGE, "sobel-top", slide="001-4"))
    add(Sample("001-4-same", "Same padding: a 4×4 image keeps its size",
               "Slide 001-4: with \"same\" padding (one ring of zeros) the 4×4 image keeps its size.",
               seeds.SLIDE_001_4_IMAGE, "sobel-top", conv=ConvSettings(padding="same"), slide="001-4"))
    add(Sample("001-5", "Stride 2 on a 7×7 image",
               "Slide 001-5: stride 2 gives 3×3 = 91 100 88 / 69 91 117 / 44 72 74 "
               "(the slide prints 83 and 127 where 88 and 117 are right).",
               seeds.SLIDE_001_5_IMAGE, "slide-stride", conv=ConvSettings(stride=seeds.SLIDE_001_5_STRIDE),
               slide="001-5"))
    add(Sample("001-7", "Colour image: one filter across three channels",
               "Slide 001-7: a filter spans all three channels (27 numbers) and gives one 4×4 map. The slide gives "
               "only shapes; these pixel and weight values are ours (CS231n style).",
               RGB_6X6_IMAGE, RGB_FILTER_1, slide="001-7"))
    add(Sample("001-7-two-filters", "Colour image: two filters give two maps",
               "Slide 001-7: two filters give two 4×4 maps, stacked into 4×4×2. The numbers are ours (CS231n style).",
               RGB_6X6_IMAGE, RGB_FILTER_1, kernels=(RGB_FILTER_1, RGB_FILTER_2), slide="001-7"))
    add(Sample("003-5", "Max-pooling a 4×4 map",
               "Slide 003-5: max-pooling 2×2 with stride 2 keeps 0.3 0.9 / 0.0 0.4. A 1×1 kernel of 1 passes the "
               "grid through unchanged so only the pooling acts.",
               seeds.SLIDE_003_5_MAP, _ro([[1.0]]), pool=_MAX2, slide="003-5"))
    add(Sample("004", "The 9×9 X with its three features",
               "Slide 004: each feature's products are summed and divided by 9, negatives become 0 (ReLU), and "
               "2×2 max-pooling with stride 2 keeping the edge (ceil mode) shrinks each 7×7 map to 4×4.",
               seeds.SLIDE_004_X_IMAGE, _XO[0], kernels=_XO, conv=ConvSettings(normalize=True),
               activation="relu", pool=_MAX2_CEIL, slide="004"))
    add(Sample("004-7", "A 1-D signal with two edge filters",
               "Slide 004-7: a 1-D convolution is a 1×N grid; a size-2 filter with padding 1 at both ends. "
               "(1, −1) answers most to the pair (1, 0).",
               seeds.SLIDE_004_7_SIGNAL, seeds.SLIDE_004_7_KERNEL,
               kernels=(seeds.SLIDE_004_7_KERNEL, seeds.SLIDE_004_7_SECOND_KERNEL),
               conv=ConvSettings(padding=(0, 0, 1, 1)), slide="004"))
    return s


def _synthetic_samples() -> list[Sample]:
    same = ConvSettings(padding="same")
    edge = ConvSettings(padding="same", padding_mode="edge")

    def pic(name, title, description, image, kernel, conv=same):
        return Sample(name, title, description, _ro(image), kernel, conv=conv, activation="relu", pool=_MAX2,
                      group="synthetic")

    return [
        Sample("xo-o", "The 9×9 O with the X's three features",
               "The \"O\" of the X/O lesson (slide 004): the X's diagonal features match it only in pieces.",
               O_IMAGE, _XO[0], kernels=_XO, conv=ConvSettings(normalize=True), activation="relu",
               pool=_MAX2_CEIL, slide="004", group="synthetic"),
        pic("checkerboard", "Checkerboard: straight edges", "Squares of 8 px: every edge is horizontal or vertical.",
            checkerboard(), "outline"),
        pic("gradient-horizontal", "Gradient, dark to bright rightwards",
            "A ramp 0..255 left to right: the right Sobel gives the same positive answer everywhere, "
            "the Laplacian zero.",
            gradient(), "sobel-right", edge),
        pic("gradient-vertical", "Gradient, dark to bright downwards",
            "A ramp 0..255 top to bottom: the bottom Sobel gives the same positive answer everywhere.",
            gradient(vertical=True), "sobel-bottom", edge),
        pic("circle", "Circle: edges in every direction", "A white disc on black: edges in every direction.", circle(), "laplacian"),
        pic("square", "Square: horizontal and vertical edges", "A white square on black: two horizontal and two vertical edges.",
            square(), "sobel-top"),
        pic("triangle", "Triangle: slanted edges", "A white triangle on black: two slanted edges and a horizontal one.",
            triangle(), "prewitt-vertical"),
        pic("letter-a", "Letter A: lines and a crossbar", "A capital A: slanted strokes and a crossbar for the line detectors.",
            letter_a(), "line-1"),
    ]


_PHOTOS = (
    ("astronaut", "astronaut.jpg", "Astronaut (photo)",
     "Eileen Collins (NASA, public domain), 512×512 RGB: the outline kernel finds her edges."),
    ("coffee", "coffee.jpg", "Coffee cup (photo)",
     "A cup of coffee (Rachel Michetti, CC0), 512×341 RGB: round shapes, smooth and grainy textures."),
)


def _photo_factory(name: str, file: str, title: str, description: str) -> Callable[[], Sample]:
    def make() -> Sample:
        image = _ro(load_image(IMAGES_DIR / file, mode="rgb").array)
        return Sample(name, title, description, image, "outline",
                      conv=ConvSettings(padding="same", padding_mode="edge"), activation="relu", pool=_MAX2,
                      group="photos")
    return make


class SampleRegistry(Mapping):
    """Read-only name -> Sample mapping in registry order; photos are decoded the first time they are asked for.

    ``lazy``: name -> (title, factory), so menus can name a photo without decoding it.
    Topics come from ``SAMPLE_TOPICS``.
    """

    def __init__(self, samples: list[Sample], lazy: dict[str, tuple[str, Callable[[], Sample]]]):
        self._samples = {s.name: dataclasses.replace(s, topic=_TOPIC_OF.get(s.name, s.topic)) for s in samples}
        self._lazy = {name: factory for name, (_title, factory) in lazy.items()}
        self._lazy_titles = {name: title for name, (title, _factory) in lazy.items()}
        self._order = [s.name for s in samples] + list(lazy)

    def __getitem__(self, name: str) -> Sample:
        if name not in self._samples:
            made = self._lazy[name]()  # KeyError for unknown names, as a dict
            self._samples[name] = dataclasses.replace(made, topic=_TOPIC_OF.get(name, made.topic))
        return self._samples[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name) -> bool:
        return name in self._order

    def by_group(self) -> dict[str, list[str]]:
        """Sample names per group (SAMPLE_GROUPS order), without decoding photos."""
        groups: dict[str, list[str]] = {g: [] for g in SAMPLE_GROUPS}
        for name in self._order:
            groups["photos" if name in self._lazy else self._samples[name].group].append(name)
        return groups

    def topic_of(self, name: str) -> str:
        """The sample's topic ("Other" for a sample no topic lists), without decoding photos."""
        if name not in self._order:
            raise KeyError(name)
        return _TOPIC_OF.get(name, "Other")

    def label_of(self, name: str) -> str:
        """The sample's menu label (title, slide code second), without decoding photos."""
        if name in self._lazy_titles and name not in self._samples:
            return self._lazy_titles[name]
        return self[name].label

    def by_topic(self) -> dict[str, list[str]]:
        """Sample names per topic: ``SAMPLE_TOPICS`` order (then "Other"), registry order within; empty topics left out."""
        topics: dict[str, list[str]] = {t: [] for t in (*SAMPLE_TOPICS, "Other")}
        for name in self._order:
            topics[self.topic_of(name)].append(name)
        return {t: names for t, names in topics.items() if names}


SAMPLES = SampleRegistry(
    _slide_samples() + _synthetic_samples(),
    {name: (title, _photo_factory(name, file, title, desc))
     for name, file, title, desc in _PHOTOS if (IMAGES_DIR / file).is_file()},
)


def get_sample(name: str) -> Sample:
    """The sample called ``name`` with a writable copy of its image; unknown -> CnnExplorerError naming close ones."""
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    key = key.removeprefix("slide-").removeprefix("sample:")
    if key not in SAMPLES:
        close = difflib.get_close_matches(key, list(SAMPLES), n=4, cutoff=0.5)
        close += [n for n in SAMPLES if key and n.startswith(key) and n not in close]
        hint = f"; did you mean {', '.join(close[:6])}?" if close else "; `cnn-explorer kernels --samples` lists them"
        raise CnnExplorerError(f"sample: unknown {name!r}{hint}")
    sample = SAMPLES[key]
    return dataclasses.replace(sample, image=np.array(sample.image))
