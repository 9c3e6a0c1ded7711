"""MNIST-style preprocessing of drawings and pictures (cnn_explorer.core.datasets.preprocess)."""

from __future__ import annotations

import numpy as np
import pytest
from inspect_helpers import draw_digit
from PIL import Image

from cnn_explorer.core.datasets.digit import mnist_digit
from cnn_explorer.core.datasets.pixels import ink_grey
from cnn_explorer.core.datasets.preprocess import (
    NOTHING_DRAWN,
    fit_image,
    load_image,
    prepare_input,
)
from cnn_explorer.core.errors import CnnExplorerError


def _com(img: np.ndarray) -> tuple[float, float]:
    ys, xs = np.mgrid[0:img.shape[0], 0:img.shape[1]]
    return float((img * ys).sum() / img.sum()), float((img * xs).sum() / img.sum())


def _bbox(img: np.ndarray, level: float = 0.05) -> tuple[int, int]:
    rows = np.flatnonzero((img > level).any(axis=1))
    cols = np.flatnonzero((img > level).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@pytest.mark.parametrize("digit", range(10))
def test_digit_is_mnist_shaped(digit):
    img = mnist_digit(draw_digit(digit))
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert img.min() >= 0.0 and img.max() == pytest.approx(1.0)
    cy, cx = _com(img)
    assert abs(cy - 14.0) <= 0.5 and abs(cx - 14.0) <= 0.5
    assert max(_bbox(img)) in (20, 21, 22)  # 20 px plus the anti-aliased fringe
    inner = img[2:-2, 2:-2].sum()
    assert inner >= 0.95 * img.sum()  # a lopsided digit (a 7) may reach the edge, as in MNIST


def test_aspect_ratio_is_kept():
    tall = mnist_digit(draw_digit(1, box=(120, 40, 160, 240), width=16))
    h, w = _bbox(tall, 0.3)
    assert 19 <= h <= 21 and w < 12
    bar = np.zeros((200, 300), np.uint8)
    bar[90:110, 20:280] = 255
    h, w = _bbox(mnist_digit(bar), 0.3)
    assert 19 <= w <= 21 and h <= 5


@pytest.mark.parametrize("digit", [0, 3, 4, 7])
def test_dark_ink_on_light_paper_is_inverted(digit):
    light_on_dark = prepare_input(draw_digit(digit))
    dark_on_light = prepare_input(draw_digit(digit, dark_on_light=True))
    assert not light_on_dark.inverted and dark_on_light.inverted
    np.testing.assert_allclose(dark_on_light.seen, light_on_dark.seen, atol=1e-5)
    # The paper becomes the dark background; the ink is bright, as in MNIST.
    assert dark_on_light.seen[0, 0] == 0.0 and dark_on_light.seen.max() == pytest.approx(1.0)


def test_grey_paper_and_photo_noise():
    rng = np.random.default_rng(0)
    clean = draw_digit(5, dark_on_light=True).astype(np.float32)
    photo = 0.55 + 0.35 * (clean / 255.0 - 1.0) + rng.normal(0, 0.02, clean.shape)  # ink 0.2 on 0.55 grey
    img = mnist_digit(np.clip(photo, 0, 1).astype(np.float32))
    assert _corr(img, mnist_digit(draw_digit(5))) > 0.9
    cy, cx = _com(img)
    assert abs(cy - 14.0) <= 0.5 and abs(cx - 14.0) <= 0.5


@pytest.mark.parametrize("digit", [2, 3, 5, 8])
@pytest.mark.parametrize("variant", [
    dict(box=(10, 10, 70, 90), width=8),          # small, top-left corner
    dict(box=(190, 170, 260, 270), width=10),     # off-centre, bottom-right
    dict(box=(52, 15, 227, 265), width=30),       # large
    dict(width=3),                                # thin pen
    dict(width=40),                               # bold pen
    dict(box=(110, 100, 170, 180), width=18),     # small with a bold pen
])
def test_drawings_of_any_size_place_and_pen_look_alike(digit, variant):
    reference = mnist_digit(draw_digit(digit))
    img = mnist_digit(draw_digit(digit, **variant))
    assert _corr(img, reference) > 0.75, variant
    cy, cx = _com(img)
    assert abs(cy - 14.0) <= 0.5 and abs(cx - 14.0) <= 0.5


def test_thin_and_bold_strokes_get_mnist_like_width():
    for width in (2, 18, 45):
        img = mnist_digit(draw_digit(7, width=width))
        ink = (img > 0.5).sum()
        assert 45 <= ink <= 140, (width, ink)  # MNIST digits: about 100 px above 0.5


@pytest.mark.parametrize("canvas", [
    np.zeros((280, 280), np.uint8),
    np.full((280, 280), 255, np.uint8),
    np.full((50, 80, 3), 128, np.uint8),
    (np.random.default_rng(1).normal(0.5, 0.01, (100, 100))).astype(np.float32),
])
def test_empty_canvas_is_nothing_drawn(canvas):
    assert mnist_digit(canvas) is None
    assert prepare_input(canvas) is None
    assert prepare_input(canvas, (32, 32, 3)) is None
    assert NOTHING_DRAWN.startswith("nothing drawn")


def test_single_dot_still_counts_as_drawn():
    canvas = np.zeros((280, 280), np.uint8)
    canvas[100:104, 200:204] = 255
    img = mnist_digit(canvas)
    assert img is not None and img.max() == pytest.approx(1.0)


def test_input_kinds_agree():
    grey = draw_digit(6)
    ref = mnist_digit(grey)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rgba = np.zeros((*grey.shape, 4), np.uint8)
    rgba[..., 3] = grey  # white ink painted on a transparent layer
    rgba[..., :3] = 255
    for variant in (grey.astype(np.float32) / 255, grey.astype(np.float64) * 1.0, rgb, Image.fromarray(grey),
                    Image.fromarray(rgb), grey[..., None], (grey > 127)):
        np.testing.assert_allclose(mnist_digit(variant), ref, atol=0.08)
    np.testing.assert_allclose(mnist_digit(Image.fromarray(rgba)), ref, atol=0.08)
    np.testing.assert_allclose(mnist_digit(rgba), ref, atol=0.08)


def test_large_photo_is_reduced_and_still_centred():
    big = np.asarray(Image.fromarray(draw_digit(9, dark_on_light=True)).resize((1600, 1600)))
    img = mnist_digit(big)
    assert _corr(img, mnist_digit(draw_digit(9))) > 0.85
    assert ink_grey(big).shape[1] <= 640


def test_prepare_input_normalises_exactly():
    out = prepare_input(draw_digit(2), (28, 28, 1), mean=(0.1307,), std=(0.3081,))
    assert out.array.shape == (1, 1, 28, 28) and out.array.dtype == np.float32
    assert out.mode == "digit" and out.seen.shape == (28, 28)
    np.testing.assert_allclose(out.array[0, 0], (out.seen - np.float32(0.1307)) / np.float32(0.3081), rtol=1e-6)


def test_prepare_input_for_other_grey_sizes():
    out = prepare_input(draw_digit(4), (32, 24, 1))
    assert out.array.shape == (1, 1, 32, 24)
    assert max(_bbox(out.seen, 0.3)) <= round(24 * 20 / 28) + 1


def test_colour_models_get_a_letterboxed_picture():
    photo = np.zeros((60, 120, 3), np.uint8)
    photo[..., 0] = 200  # a red picture, twice as wide as tall
    photo[20:40, 50:70] = (0, 0, 255)
    out = prepare_input(photo, (32, 32, 3), mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    assert out.mode == "fit" and out.array.shape == (1, 3, 32, 32) and out.seen.shape == (32, 32, 3)
    # Kept 2:1: 32x16 of picture in the middle, padded with the border colour (red) above and below.
    assert out.seen[8:24, :, 0].mean() > 0.5
    np.testing.assert_allclose(out.seen[0, 0], [200 / 255, 0, 0], atol=1e-6)
    np.testing.assert_allclose(out.array[0, :, 0, 0], (np.array([200 / 255, 0, 0]) - 0.5) / 0.25, atol=1e-5)
    assert out.seen[16, 16, 2] > 0.8  # the blue square stays in the middle
    grey = fit_image(draw_digit(1), (16, 16, 3))
    assert grey.shape == (16, 16, 3) and np.allclose(grey[..., 0], grey[..., 2])


def test_digit_mode_on_a_colour_model_and_fit_mode_on_grey():
    out = prepare_input(draw_digit(8), (28, 28, 3), mode="digit")
    assert out.array.shape == (1, 3, 28, 28)
    np.testing.assert_array_equal(out.seen[..., 0], out.seen[..., 2])
    fit = prepare_input(draw_digit(8), (28, 28, 1), mode="fit")
    assert fit.seen.shape == (28, 28)


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(28, 28)), "input_shape"),
    (dict(input_shape=(0, 28, 1)), "input_shape"),
    (dict(mode="zoom"), "mode"),
    (dict(std=(0.0,)), "std"),
    (dict(mean=(0.1, 0.2)), "mean"),
])
def test_bad_arguments_name_the_parameter(kwargs, message):
    with pytest.raises(CnnExplorerError, match=message):
        prepare_input(draw_digit(1), **kwargs)


def test_bad_pixels_are_refused():
    with pytest.raises(CnnExplorerError, match="image"):
        ink_grey(np.zeros((4, 4, 7)))
    with pytest.raises(CnnExplorerError, match="NaN"):
        ink_grey(np.full((4, 4), np.nan, np.float32))


def test_load_image_reports_bad_files(tmp_path):
    good = tmp_path / "digit.png"
    Image.fromarray(draw_digit(3, dark_on_light=True)).save(good)
    np.testing.assert_allclose(mnist_digit(load_image(good)), mnist_digit(draw_digit(3)), atol=1e-5)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(good.read_bytes()[:60])
    with pytest.raises(CnnExplorerError, match="corrupt.png"):
        load_image(corrupt)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(CnnExplorerError, match="notes.png: not a readable image"):
        load_image(text)
    with pytest.raises(CnnExplorerError, match="missing.png: file not found"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(CnnExplorerError, match="is a folder"):
        load_image(tmp_path)


def test_real_mnist_digits_come_through_nearly_unchanged():
    """MNIST digits are already what the preprocessing makes: it must (almost) reproduce them."""
    from cnn_explorer.core.datasets.bundled import load_mnist_sample

    images, _ = load_mnist_sample()
    pick = images[np.random.default_rng(0).permutation(len(images))[:200], ..., 0]
    corr = [_corr(mnist_digit(img), img.astype(np.float32)) for img in pick]
    assert np.mean(corr) > 0.93 and np.percentile(corr, 5) > 0.85


def test_rgba_picture_with_transparency_for_a_colour_model():
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[10:30, 10:30] = (0, 200, 0, 255)  # an opaque green square on a transparent sheet
    out = prepare_input(Image.fromarray(rgba), (20, 20, 3))
    assert out.seen.shape == (20, 20, 3)
    np.testing.assert_allclose(out.seen[10, 10], [0, 200 / 255, 0], atol=0.02)
    np.testing.assert_allclose(out.seen[0, 0], [1, 1, 1], atol=1e-6)  # dark ink -> white paper behind it


def test_random_scribbles_never_break_it():
    from PIL import ImageDraw

    rng = np.random.default_rng(0)
    results = 0
    for _ in range(150):
        h, w = (int(v) for v in rng.integers(5, 300, 2))
        img = Image.new("L", (w, h), int(rng.integers(0, 256)))
        draw = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(0, 4))):
            pts = [tuple(float(v) for v in rng.uniform(-20, [w + 20, h + 20])) for _ in range(int(rng.integers(2, 6)))]
            draw.line(pts, fill=int(rng.integers(0, 256)), width=int(rng.integers(1, 40)))
        out = prepare_input(np.asarray(img), (28, 28, 1))
        if out is None:
            continue
        results += 1
        seen = out.seen
        assert seen.shape == (28, 28) and np.isfinite(seen).all() and 0 <= seen.min() and seen.max() <= 1
        cy, cx = _com(seen)
        assert abs(cy - 14.0) <= 1.0 and abs(cx - 14.0) <= 1.0
    assert results > 50


def test_a_huge_picture_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    import pytest
    from PIL import Image

    from cnn_explorer.core.datasets import preprocess as preprocess
    from cnn_explorer.core.errors import CnnExplorerError
    from cnn_explorer.core.io import images

    path = tmp_path / "big.png"
    Image.new("L", (300, 200), 255).save(path)
    monkeypatch.setattr(images, "MAX_PIXELS", 300 * 200 - 1)
    with pytest.raises(CnnExplorerError, match="over the limit"):
        preprocess.load_image(path)
    monkeypatch.setattr(images, "MAX_PIXELS", 300 * 200)
    assert preprocess.load_image(path).size == (300, 200)


def test_a_name_too_long_for_the_system_is_just_not_found(tmp_path):
    import pytest

    from cnn_explorer.core.datasets import preprocess as preprocess
    from cnn_explorer.core.errors import CnnExplorerError

    with pytest.raises(CnnExplorerError, match="file not found"):
        preprocess.load_image(tmp_path / ("x" * 5000 + ".png"))
