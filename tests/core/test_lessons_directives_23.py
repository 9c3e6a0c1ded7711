"""What decks 002 and 003 added to the lesson format: @model's batchnorm, dropout, pooling strides and a
features input; {formula[R,C]}, {batches ...} and {split ...}; ceil() in formulas; @dataset for the Train page."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.datasets.loader import load_dataset
from cnn_explorer.core.lessons.datasets import (
    EIGHTS_CLASSES,
    EIGHTS_PER_CLASS,
    eight_indices,
    eights_folder,
)
from cnn_explorer.core.lessons.parse import LessonError
from cnn_explorer.core.lessons.resolve import lesson_from_text, load_lesson
from cnn_explorer.core.lessons.text import batches_text, to_plain


def one_step(body: str, path: str = ""):
    return lesson_from_text(f"# T\n\n## S\nText.\n{body}\n", "t.md", path=path).steps[0]


def text_of(line: str, body: str) -> str:
    return to_plain(lesson_from_text(f"# T\n\n## S\n{line}\n{body}\n", "t.md").steps[0].text)


def fails(body: str, line: int, match: str, text: str = "Text."):
    with pytest.raises(LessonError, match=match) as info:
        lesson_from_text(f"# T\n\n## S\n{text}\n{body}\n", "t.md")
    assert info.value.line == line, str(info.value)


# ------------------------------------------------------------------------------------------------ @model

def test_model_batchnorm_dropout_and_strided_pooling():
    s = one_step("@page train\n@model 32x32x3: conv 8 3x3 same relu, batchnorm, maxpool 3 stride=2, dropout 0.25, "
                 "maxpool 2 same, flatten, dense 10 softmax")
    rows = s.state.model.rows
    assert [r.layer_type for r in rows] == ["Conv2D", "BatchNorm", "MaxPool", "Dropout", "MaxPool", "Flatten", "Dense"]
    assert rows[0].output_shape == (32, 32, 8)                    # a bare "same" pads (it used to be ignored)
    assert rows[1].params == 16                                  # a scale and a shift per channel
    assert rows[2].output_shape == (15, 15, 8)                   # floor((32 - 3)/2) + 1
    assert rows[4].output_shape == (8, 8, 8)                     # Keras "same": ceil(15/2)
    assert "rate 0.25" in s.state.model.text


def test_model_of_dense_layers_on_a_number_of_features():
    s = one_step("@page train\n@model 3: dense 4 relu, dense 5 relu, dense 3 relu, dense 2 softmax")
    rows = s.state.model.rows
    assert [r.index for r in rows] == [1, 2, 3, 4] and [r.layer_type for r in rows] == ["Dense"] * 4
    assert [r.weights for r in rows] == [12, 20, 15, 6]
    lines = s.state.model.text.splitlines()
    assert lines[2].split() == ["input", "Input", "3"] and "Flatten" not in s.state.model.text
    assert "Total: 67 parameters (53 weights + 14 biases)" in s.state.model.text


def test_model_flat_outputs_are_written_with_thousands_separators():
    assert "196,608 in" in text_of("{model.layer[1].output} in, {model.layer[2].weights} weights",
                                   "@page train\n@model 256x256x3: flatten, dense 1000")
    assert text_of("{model.output}", "@page train\n@model 4x4x1: conv 2 3x3").strip() == "2x2x2"


@pytest.mark.parametrize(("layers", "match"), [
    ("maxpool 3 stride=2 same", r"\"same\" pooling is ceil mode only when the window equals the stride"),
    ("dropout 1", "the rate must be at least 0 and below 1"),
    ("dropout x", "dropout"),
    ("maxpool 2 wide", "unknown word 'wide'"),
    ("layernorm", "unknown layer 'layernorm'; use conv, maxpool, avgpool, batchnorm, dropout"),
])
def test_model_mistakes_name_the_line(layers, match):
    fails(f"@page train\n@model 8x8x1: conv 2 3x3, {layers}, flatten, dense 2", 6, match)


def test_a_grid_has_one_or_three_channels():
    fails("@grid\n1 2 | 3 4\n5 6 | 7 8\n@end\n@kernel 1", 5, "2 channels; the explorer shows a grey grid")


# --------------------------------------------------------------------------------------------- {formula}

def slide_formula(h: np.ndarray, w: np.ndarray, i: int, j: int) -> float:
    """h[i,j,p] = Σr Σs Σk w[r,s,k]·h[i+r−1, j+s−1, k] with the slide's indices (from 1)."""
    return sum(w[r - 1, s - 1, k - 1] * h[i + r - 2, j + s - 2, k - 1]
               for r in range(1, w.shape[0] + 1) for s in range(1, w.shape[1] + 1) for k in range(1, w.shape[2] + 1))


def rows(a: np.ndarray) -> str:
    return " / ".join(" ".join(f"{v:g}" for v in row) for row in a)


@pytest.mark.parametrize("seed", range(5))
def test_formula_is_the_slides_sum_on_random_rgb_grids(seed):
    rng = np.random.default_rng(seed)
    h = rng.integers(-5, 10, size=(5, 6, 3)).astype(np.float64)
    w = rng.integers(-3, 4, size=(3, 3, 3)).astype(np.float64)
    grid = "\n".join(" | ".join(" ".join(f"{v:g}" for v in h[r, :, k]) for k in range(3)) for r in range(5))
    kernel = " | ".join(rows(w[:, :, k]) for k in range(3))
    i, j = int(rng.integers(0, 3)), int(rng.integers(0, 4))
    plain = text_of(f"{{formula[{i},{j}]}}", f"@grid\n{grid}\n@end\n@kernel {kernel}")
    value = slide_formula(h, w, i + 1, j + 1)
    assert plain.startswith(f"h[{i + 1},{j + 1},1] = Σr Σs Σk w[r,s,k]·h[")
    assert plain.endswith(f"= {value:g}".replace("-", "−"))
    for k in range(3):
        subtotal = np.sum(w[:, :, k] * h[i:i + 3, j:j + 3, k])
        assert f"(k={k + 1}: " in plain and f"= {subtotal:g})".replace("-", "−") in plain
    assert plain.count("·") == 27 + 1                       # 27 products and the formula's own w·h


def test_formula_on_a_grey_grid_and_the_second_kernel():
    body = "@grid\n1 2 3\n4 5 6\n7 8 9\n@end\n@kernels 1 0 / 0 1 ;; 0 1 / -1 0"
    assert text_of("{formula[1,1]}", body) == "h[2,2,1] = Σr Σs w[r,s]·h[1+r, 1+s] = 1·5 + 0·6 + 0·8 + 1·9 = 14"
    assert text_of("{formula2[0,0]}", body) == "h[1,1,2] = Σr Σs w[r,s]·h[r, s] = 0·1 + 1·2 + (−1)·4 + 0·5 = −2"


@pytest.mark.parametrize(("settings", "placeholder", "match"), [
    ("@settings stride=2", "{formula[0,0]}", "stride 1 without padding"),
    ("@settings padding=1", "{formula[0,0]}", "stride 1 without padding"),
    ("", "{formula}", r"say which cell, as \{formula\[1,1\]\}"),
    ("", "{formula.shape}", r"say which cell"),
    ("", "{formula[5,5]}", "outside the 2×2 map"),
])
def test_formula_mistakes_name_the_line(settings, placeholder, match):
    fails(f"@grid\n1 2 3\n4 5 6\n7 8 9\n@end\n@kernel 1 0 / 0 1\n{settings}", 4, match, text=placeholder)


# ------------------------------------------------------------------------------------ {batches} {split}

@pytest.mark.parametrize(("n", "b", "e", "want"), [
    (1000, 128, 50, "⌈1000/128⌉ = 8 batches per epoch (7 of 128 and one of 104), 8·50 = 400 iterations"),
    (1024, 128, 2, "⌈1024/128⌉ = 8 batches per epoch (8 of 128), 8·2 = 16 iterations"),
    (100, 128, 3, "⌈100/128⌉ = 1 batch per epoch (one of 100), 1·3 = 3 iterations"),
    (60000, 32, 10, "⌈60000/32⌉ = 1875 batches per epoch (1875 of 32), 1875·10 = 18,750 iterations"),
])
def test_batches_per_epoch_and_iterations(n, b, e, want):
    assert batches_text(n, b, e) == want
    assert text_of(f"{{batches n={n} b={b} e={e}}}", "@page train") == want


def test_split_is_the_apps_own_split():
    assert text_of("{split n=1000 r=80:10:10}", "@page train") == "800 : 100 : 100"
    assert text_of("{split n=7}", "@page train") == "5 : 1 : 1"
    assert text_of("{split n=10 r=60:20:20}", "@page train") == "6 : 2 : 2"


@pytest.mark.parametrize(("placeholder", "match"), [
    ("{batches n=1000}", r"write \{batches n=1000 b=128 e=50\}"),
    ("{batches n=1000 b=0}", "must be at least 1"),
    ("{batches n=1000 b=128 fast}", "write name=value, not 'fast'"),
    ("{split r=80:10:10}", r"write \{split n=1000 r=80:10:10\}"),
    ("{split n=10 r=80:20}", "r three shares"),
])
def test_batches_and_split_mistakes(placeholder, match):
    fails("@page train", 4, match, text=placeholder)


def test_ceil_in_formulas():
    assert to_plain("`ceil(227/4)` and `floor(ceil(n/2)/2)`") == "⌈227/4⌉ and ⌊⌈n/2⌉/2⌋"


# --------------------------------------------------------------------------------------------- @dataset

def test_dataset_names_a_dataset_of_the_train_page(tmp_path):
    assert one_step("@page train\n@dataset CIFAR-10").state.dataset.name == "cifar10"
    made = one_step("@page train\n@dataset 8-vs-not-8").state.dataset
    assert (made.name, made.kind) == ("8-vs-not-8", "lesson")
    folder = tmp_path / "letters"
    (folder / "a").mkdir(parents=True)
    lesson = tmp_path / "l.md"
    lesson.write_text("# T\n\n## S\nText.\n@page train\n@dataset letters\n", encoding="utf-8")
    ref = load_lesson(lesson).steps[0].state.dataset
    assert ref.kind == "folder" and ref.path == str(folder.resolve())
    assert one_step("@page train").state.dataset is None


def test_dataset_mistakes_name_the_line():
    fails("@dataset xo", 5, "the dataset is the Train page's: add @page train")
    fails("@page train\n@dataset no-such-set", 6, "unknown dataset 'no-such-set': not one of mnist-sample")
    fails("@page train\n@dataset", 6, "missing dataset")


def test_eight_or_not_eight_folders_are_written_once(tmp_path):
    folder = eights_folder(tmp_path)
    for name in EIGHTS_CLASSES:
        assert len(list((folder / name).glob("*.png"))) == EIGHTS_PER_CLASS
    written = {p: p.stat().st_mtime_ns for p in folder.rglob("*.png")}
    assert eights_folder(tmp_path) == folder
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.png")} == written      # not written again
    dataset = load_dataset(str(folder), seed=0)
    assert dataset.class_names == EIGHTS_CLASSES and dataset.train_x.shape[1:] == (28, 28, 1)
    assert len(dataset.train_y) + len(dataset.val_y) + len(dataset.test_y) == 2 * EIGHTS_PER_CLASS


def test_eight_or_not_eight_is_rebuilt_when_incomplete(tmp_path):
    folder = eights_folder(tmp_path)
    next(iter((folder / "8").glob("*.png"))).unlink()
    (tmp_path / ".8-vs-not-8-stale").mkdir()                 # an interrupted earlier write
    eights_folder(tmp_path)
    assert len(list((folder / "8").glob("*.png"))) == EIGHTS_PER_CLASS
    assert not (tmp_path / ".8-vs-not-8-stale").exists()


def test_not_eight_holds_every_other_digit():
    labels = np.repeat(np.arange(10), 30)
    eights, others = eight_indices(labels, per_class=20)
    assert set(labels[eights]) == {8} and len(eights) == 20
    assert len(others) == 20 and set(labels[others]) == set(range(10)) - {8}


def test_input_pixel_placeholder():
    body = "@grid\n1 2 | 3 4 | 5 6\n7 8 | 9 10 | 11 12\n@end\n@kernel 1"
    assert text_of("{input[1,0]} and {input[0,1]}", body) == "7 | 9 | 11 and 2 | 4 | 6"
    assert text_of("{input[1,1]}", "@grid\n1 2\n3 4\n@end\n@kernel 1") == "4"
    fails("@grid\n1 2\n3 4\n@end\n@kernel 1", 4, "pixel 2,0 is outside the 2×2 input", text="{input[2,0]}")
    fails("@grid\n1 2\n3 4\n@end\n@kernel 1", 4, r"write \{input\[R,C\]\}", text="{input[a]}")
