"""Every raw grid, kernel and golden value of the seed slides (../shared/SEED-EXAMPLES.md).

One place for the slides' numbers: ``samples.py`` builds named samples from these
constants and the golden tests compare against them. Arrays are float64, rows
as printed on the slide; ``*_ERRATUM`` constants keep what a slide printed
wrongly so a lesson can point it out. Treat the arrays as read-only.
"""

from __future__ import annotations

import numpy as np


def _grid(rows: str) -> np.ndarray:
    """Parse ``"1 0 1 / 0 1 0"`` (slide notation) into a read-only float64 array."""
    arr = np.array([[float(v) for v in row.split()] for row in rows.split("/")], dtype=np.float64)
    arr.setflags(write=False)
    return arr


# --- 000: Deep Learning, CNN architecture and layers -------------------------------------------

# 000-1: 6x6 image, 3x3 filter, stride 1, no padding -> 4x4; 2x2 max-pool stride 2 -> 2x2.
SLIDE_000_1_IMAGE = _grid(
    "18 54 51 239 244 188 / 55 121 75 78 95 88 / 35 24 204 113 109 221 / "
    "3 154 104 235 25 130 / 15 253 225 159 78 233 / 68 85 180 214 245 0"
)
SLIDE_000_1_KERNEL = _grid("1 0 1 / 0 1 0 / 1 0 1")
SLIDE_000_1_FEATURE = _grid("429 505 686 856 / 261 792 412 640 / 633 653 851 751 / 608 913 713 657")
SLIDE_000_1_FIRST_CELL = "18×1 + 54×0 + 51×1 + 55×0 + 121×1 + 75×0 + 35×1 + 24×0 + 204×1 = 429"
SLIDE_000_1_POOLED = _grid("792 856 / 913 851")

# 000-2: output size (N - F + 2P)/S + 1: 7x7 input, 3x3 filter, stride 1, pad 1 -> 7x7.
SLIDE_000_2_INPUT_SIZE = 7
SLIDE_000_2_FILTER_SIZE = 3
SLIDE_000_2_STRIDE = 1
SLIDE_000_2_PADDING = 1
SLIDE_000_2_OUTPUT_SIZE = 7

# 000-3: 32x32x3 input, ten 5x5 filters, stride 1, pad 2 -> 32x32x10; 76 parameters each, 760 in all.
SLIDE_000_3_INPUT_SHAPE = (32, 32, 3)
SLIDE_000_3_FILTERS = 10
SLIDE_000_3_FILTER_SIZE = 5
SLIDE_000_3_PADDING = 2
SLIDE_000_3_OUTPUT_SHAPE = (32, 32, 10)
SLIDE_000_3_PARAMS_PER_FILTER = 76
SLIDE_000_3_PARAMS_TOTAL = 760

# 000-4: "happy face" 7x7 binary image, 3x3 feature detector, stride 1 -> 5x5;
# 2x2 max-pool stride 2 keeping the edge (ceil mode) -> 3x3; flatten -> 9 values.
SLIDE_000_4_IMAGE = _grid(
    "0 0 0 0 0 0 0 / 0 1 0 0 0 1 0 / 0 0 0 0 0 0 0 / 0 0 0 1 0 0 0 / "
    "0 1 0 0 0 1 0 / 0 0 1 1 1 0 0 / 0 0 0 0 0 0 0"
)
SLIDE_000_4_KERNEL = _grid("0 0 1 / 1 0 0 / 0 1 1")
SLIDE_000_4_FEATURE = _grid("0 1 0 0 0 / 0 1 1 1 0 / 1 0 0 2 1 / 1 4 2 1 0 / 0 0 1 2 1")
# The slide prints row 3 (index 2) as below; its centre cell is really 0.
SLIDE_000_4_FEATURE_ROW3_ERRATUM = _grid("1 0 1 2 1")[0]
SLIDE_000_4_POOLED = _grid("1 1 0 / 4 2 1 / 0 2 1")
SLIDE_000_4_FLATTENED = _grid("1 1 0 4 2 1 0 2 1")[0]
# Some frames draw the eyes one column further in; that image does not give the slide's map.
SLIDE_000_4_IMAGE_ALT_EYES_ROW = _grid("0 0 1 0 1 0 0")[0]

# 000-5: Keras model on 64x64x3; first conv 3x3x3x32 + 32 = 896 parameters, 62x62x32 ("valid").
SLIDE_000_5_INPUT_SHAPE = (64, 64, 3)
SLIDE_000_5_FIRST_CONV_PARAMS = 896
SLIDE_000_5_FIRST_CONV_OUTPUT = (62, 62, 32)

# 000-6: the 2x2 "\" and "/" classifier, pixels +1/-1, weights "+ - / - +".
SLIDE_000_6_WEIGHTS = _grid("1 -1 / -1 1")
SLIDE_000_6_BACKSLASH = _grid("1 -1 / -1 1")
SLIDE_000_6_SLASH = _grid("-1 1 / 1 -1")
SLIDE_000_6_POOR_BACKSLASH = _grid("1 1 / -1 1")
SLIDE_000_6_INCOMPLETE_SLASH = _grid("-1 -1 / 1 -1")
SLIDE_000_6_SCORES = {"backslash": 4.0, "slash": -4.0, "poor_backslash": 2.0, "incomplete_slash": -2.0}

# --- 001: Session 2, convolution, padding, max-pool --------------------------------------------

# 001-1: top Sobel on a 3x3 patch = 295.
SLIDE_001_1_KERNEL = _grid("1 2 1 / 0 0 0 / -1 -2 -1")
SLIDE_001_1_PATCH = _grid("180 187 186 / 125 108 121 / 126 98 123")
SLIDE_001_1_VALUE = 295.0

# 001-2: sharpen on a 3x3 patch = 226.
SLIDE_001_2_KERNEL = _grid("0 -1 0 / -1 5 -1 / 0 -1 0")
SLIDE_001_2_PATCH = _grid("190 185 187 / 186 185 185 / 121 143 155")
SLIDE_001_2_VALUE = 226.0

# 001-3: the four line-detection filters.
SLIDE_001_3_LINE_1 = _grid("-1 -1 -1 / 1 1 1 / 0 0 0")
SLIDE_001_3_LINE_2 = _grid("-1 1 0 / -1 1 0 / -1 1 0")
SLIDE_001_3_LINE_3 = _grid("0 0 0 / 1 1 1 / -1 -1 -1")
SLIDE_001_3_LINE_4 = _grid("0 1 -1 / 0 1 -1 / 0 1 -1")

# 001-4: 4x4 image with a 3x3 filter -> 2x2; "same" (pad 1) -> 4x4.
SLIDE_001_4_IMAGE = _grid("0.3 0.5 0.9 1.0 / 1.0 1.0 1.0 1.0 / 0.9 0.9 0.5 0.3 / 0.2 0.0 0.0 0.0")
SLIDE_001_4_VALID_SHAPE = (2, 2)
SLIDE_001_4_SAME_SHAPE = (4, 4)

# 001-5: strided convolution, stride 2: 7x7 with a 3x3 kernel -> 3x3.
SLIDE_001_5_IMAGE = _grid(
    "2 3 7 4 6 2 9 / 6 6 9 8 7 4 3 / 3 4 8 3 8 9 7 / 7 8 3 6 6 3 4 / "
    "4 2 1 8 3 4 6 / 3 2 4 1 9 8 3 / 0 1 3 9 2 1 4"
)
SLIDE_001_5_KERNEL = _grid("3 4 4 / 1 0 2 / -1 0 3")
SLIDE_001_5_STRIDE = 2
SLIDE_001_5_FEATURE = _grid("91 100 88 / 69 91 117 / 44 72 74")
# What the slide prints instead: (row, col) -> printed value; correct values are in the map above.
SLIDE_001_5_ERRATA = {(0, 2): 83.0, (1, 2): 127.0}

# 001-7: RGB 6x6x3 with a 3x3x3 filter -> 4x4; two filters -> 4x4x2. The slide gives shapes only.
SLIDE_001_7_INPUT_SHAPE = (6, 6, 3)
SLIDE_001_7_KERNEL_SHAPE = (3, 3, 3)
SLIDE_001_7_OUTPUT_SHAPE = (4, 4)
SLIDE_001_7_TWO_FILTER_OUTPUT_SHAPE = (4, 4, 2)

# --- 003: perceptron, ANN, training, images ----------------------------------------------------

# 003-5: max-pool 2x2 stride 2.
SLIDE_003_5_MAP = _grid("0.1 0.2 0.5 0.9 / 0.1 0.3 0.8 0.9 / 0.0 0.0 0.4 0.4 / 0.0 0.0 0.0 0.1")
SLIDE_003_5_POOLED = _grid("0.3 0.9 / 0.0 0.4")

# --- 004: AMMI, Introduction to CNNs (after Brandon Rohrer) ------------------------------------

# 004-1: 9x9 "X" of +1/-1.
SLIDE_004_X_IMAGE = _grid(
    "-1 -1 -1 -1 -1 -1 -1 -1 -1 / -1 1 -1 -1 -1 -1 -1 1 -1 / -1 -1 1 -1 -1 -1 1 -1 -1 / "
    "-1 -1 -1 1 -1 1 -1 -1 -1 / -1 -1 -1 -1 1 -1 -1 -1 -1 / -1 -1 -1 1 -1 1 -1 -1 -1 / "
    "-1 -1 1 -1 -1 -1 1 -1 -1 / -1 1 -1 -1 -1 -1 -1 1 -1 / -1 -1 -1 -1 -1 -1 -1 -1 -1"
)
# 004-2: three 3x3 features.
SLIDE_004_DIAGONAL = _grid("1 -1 -1 / -1 1 -1 / -1 -1 1")
SLIDE_004_X = _grid("1 -1 1 / -1 1 -1 / 1 -1 1")
SLIDE_004_ANTI_DIAGONAL = _grid("-1 -1 1 / -1 1 -1 / 1 -1 -1")
SLIDE_004_FEATURES = (SLIDE_004_DIAGONAL, SLIDE_004_X, SLIDE_004_ANTI_DIAGONAL)
# 004-3: normalised filtering (divide by 9): first row of the diagonal map, exact; X map centre.
SLIDE_004_DIAGONAL_FIRST_ROW = np.array([7, -1, 1, 3, 5, -1, 3], dtype=np.float64) / 9.0
SLIDE_004_DIAGONAL_FIRST_ROW.setflags(write=False)
SLIDE_004_DIAGONAL_FIRST_ROW_PRINTED = _grid("0.77 -0.11 0.11 0.33 0.55 -0.11 0.33")[0]  # truncated on the slide
SLIDE_004_X_MAP_CENTRE = 1.0
# 004-5: ReLU then max-pool window 2 stride 2, ceil mode: 7x7 -> 4x4 (slide values, 0.01 tolerance).
SLIDE_004_POOLED_DIAGONAL = _grid(
    "1.00 0.33 0.55 0.33 / 0.33 1.00 0.33 0.55 / 0.55 0.33 1.00 0.11 / 0.33 0.55 0.11 0.77"
)
SLIDE_004_POOLED_X = _grid(
    "0.55 0.33 0.55 0.33 / 0.33 1.00 0.55 0.11 / 0.55 0.55 0.55 0.11 / 0.33 0.11 0.11 0.33"
)
SLIDE_004_POOLED_ANTI_DIAGONAL = _grid(
    "0.33 0.55 1.00 0.77 / 0.55 0.55 1.00 0.33 / 1.00 1.00 0.11 0.55 / 0.77 0.33 0.55 0.33"
)
SLIDE_004_POOLED = (SLIDE_004_POOLED_DIAGONAL, SLIDE_004_POOLED_X, SLIDE_004_POOLED_ANTI_DIAGONAL)
SLIDE_004_POOLED_TOLERANCE = 0.01

# 004-7: 1-D convolution as a 1xN grid: filter size 2, stride 2 or 1, padding 1.
# y = w1*x1 + w2*x2 with w = (1, -1) is largest for the input pair (1, 0).
SLIDE_004_7_KERNEL = _grid("1 -1")
SLIDE_004_7_SECOND_KERNEL = _grid("-1 1")
SLIDE_004_7_BEST_INPUT = _grid("1 0")
# A short signal to slide the 1-D filter over (the slide draws a row of 0/1 cells).
SLIDE_004_7_SIGNAL = _grid("0 1 1 0 1 0")
