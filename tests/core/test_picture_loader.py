"""The one picture loader (core/io/images.open_picture): reduced decoding, and EXIF and alpha handled once for all callers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnn_explorer.core.datasets import folder as folder_module
from cnn_explorer.core.datasets import load_dataset, preprocess
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.images import load_image, open_picture, read_picture


def _smooth(h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return np.dstack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)]).astype(np.uint8)


def _bytes(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("fmt, decoded", [("JPEG", (200, 150)), ("PNG", (134, 100))])
def test_a_big_picture_is_decoded_at_reduced_size_never_below_min_side(fmt, decoded):
    data = _bytes(Image.fromarray(_smooth(1200, 1600)), fmt)
    picture = open_picture(data, "big", min_side=100)
    assert picture.image.size == decoded  # JPEG: 1/8 from the DCT; PNG: a whole factor (12)
    assert picture.original_size == (1200, 1600) and min(picture.image.size) >= 100
    assert open_picture(data, "big").image.size == (1600, 1200)
    assert open_picture(data, "big", min_side=700).image.size == (1600, 1200)  # halving would go below


def test_a_picture_decoded_smaller_to_exactly_max_side_still_says_scaled(tmp_path):
    path = tmp_path / "square.png"
    Image.fromarray(np.full((200, 200), 7, np.uint8)).save(path)
    got = load_image(path, max_side=100)
    assert got.array.shape == (100, 100) and got.scaled and "scaled from 200×200 to 100×100" in got.note


def test_an_image_folder_of_big_pictures_is_decoded_at_reduced_size(tmp_path, monkeypatch):
    for cls in ("a", "b"):
        (tmp_path / cls).mkdir()
        Image.fromarray(_smooth(1200, 1600)).save(tmp_path / cls / "big.jpg", quality=95)
        Image.fromarray(_smooth(1200, 1600)[::-1]).save(tmp_path / cls / "big.png")
    decoded = []

    def spy(path, *, min_side=None):
        picture = read_picture(path, min_side=min_side)
        decoded.append(picture.image.size)
        return picture

    monkeypatch.setattr(folder_module, "read_picture", spy)
    ds = load_dataset(str(tmp_path), size=16, split=(1.0, 0.0, 0.0))
    assert ds.input_shape == (16, 16, 3) and len(decoded) == 4
    assert all(32 <= min(size) and max(size) <= 200 for size in decoded)  # never the 1600×1200 whole
    full = np.asarray(Image.fromarray(_smooth(1200, 1600)).resize((16, 16), Image.Resampling.LANCZOS), np.float64)
    first_png = ds.train_x[(ds.train_y == 0)][1].astype(np.float64)  # a/big.png (sorted after big.jpg)
    assert np.abs(first_png - full[::-1]).mean() < 3  # as good as resizing the whole picture


def _upright_rgba_with_exif_6(tmp_path):
    """An RGBA PNG stored lying on its side (EXIF orientation 6): left half opaque red, right half transparent."""
    stored = np.zeros((4, 6, 4), np.uint8)
    stored[:, :3] = (255, 0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "cls" / "side.png"
    path.parent.mkdir()
    Image.fromarray(stored, "RGBA").save(path, exif=exif)
    return path


def test_exif_rotation_and_alpha_are_handled_once_for_every_caller(tmp_path):
    path = _upright_rgba_with_exif_6(tmp_path)
    # orientation 6: turned 90° clockwise, so the stored left half (red) becomes the top half
    expected = np.full((6, 4, 3), 255, np.uint8)
    expected[:3] = (255, 0, 0)
    explorer = load_image(path)
    np.testing.assert_array_equal(explorer.array, expected)
    assert "EXIF" in explorer.note and "composited on white" in explorer.note
    upright = preprocess.load_image(path)  # classify keeps the alpha (its ink rule flattens it)
    assert upright.size == (4, 6) and upright.mode == "RGBA"
    assert np.asarray(upright)[0, 0].tolist() == [255, 0, 0, 255] and np.asarray(upright)[-1, 0, 3] == 0
    (tmp_path / "other").mkdir()
    Image.fromarray(np.zeros((6, 4, 3), np.uint8)).save(tmp_path / "other" / "black.png")
    ds = load_dataset(str(tmp_path), split=(1.0, 0.0, 0.0))
    np.testing.assert_array_equal(ds.train_x[ds.train_y == 0][0], expected)


def test_read_picture_names_the_path_and_keeps_its_wording(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(CnnExplorerError, match=r"notes.png: not a readable image \(not a PNG, JPEG"):
        read_picture(text)
    cut = tmp_path / "cut.png"
    noise = _bytes(Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), np.uint8)), "PNG")
    cut.write_bytes(noise[: len(noise) // 2])
    with pytest.raises(CnnExplorerError, match=r"cut.png: not a readable image \(.+\)$"):
        read_picture(cut)
    with pytest.raises(CnnExplorerError, match=r"missing.png: file not found$"):
        read_picture(tmp_path / "missing.png")
