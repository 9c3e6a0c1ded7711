"""Loading pictures (formats, modes, EXIF, scaling, bad files), grids, and saving maps."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io import images as images
from cnn_explorer.core.io.image_save import (
    grid_text,
    map_to_rgb,
    save_grid,
    save_image,
    save_map_png,
)
from cnn_explorer.core.io.images import (
    image_from_bytes,
    load_grid,
    load_image,
    load_input,
    to_grey,
    to_rgb,
)

RNG = np.random.default_rng(3)
RGB = RNG.integers(0, 256, (12, 17, 3)).astype(np.uint8)
GREY = RNG.integers(0, 256, (12, 17)).astype(np.uint8)


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


# --- formats -------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".tiff", ".webp"])
def test_lossless_formats_load_exactly(tmp_path, suffix):
    path = tmp_path / f"pic{suffix}"
    kw = {"lossless": True} if suffix == ".webp" else {}
    Image.fromarray(RGB).save(path, **kw)
    got = load_image(path)
    assert got.array.dtype == np.float64 and got.array.shape == (12, 17, 3)
    np.testing.assert_array_equal(got.array, RGB)
    assert (got.source, got.original_size, got.scaled) == (str(path), (12, 17), False)


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".webp"])
def test_lossy_formats_load_closely(tmp_path, suffix):
    smooth = np.repeat(np.linspace(0, 255, 32)[None, :], 24, axis=0).astype(np.uint8)
    path = tmp_path / f"pic{suffix}"
    Image.fromarray(np.dstack([smooth, smooth[:, ::-1], smooth])).save(path, quality=95)
    got = load_image(path)
    assert got.array.shape == (24, 32, 3)
    assert np.abs(got.array - np.dstack([smooth, smooth[:, ::-1], smooth])).mean() < 4


def test_gif_uses_the_first_frame_and_says_so(tmp_path):
    frames = [Image.fromarray(np.full((5, 6), v, np.uint8)) for v in (10, 200, 90)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    got = load_image(path)
    assert got.array.shape == (5, 6) and (got.array == 10).all()
    assert "first of 3 frames" in got.note


# --- modes ---------------------------------------------------------------------------------------

def test_grey_modes():
    got = image_from_bytes(_encode(Image.fromarray(GREY), "PNG"))
    assert got.array.shape == (12, 17) and np.array_equal(got.array, GREY)
    one_bit = Image.fromarray(GREY > 128)
    assert one_bit.mode == "1"
    got = image_from_bytes(_encode(one_bit, "PNG"))
    np.testing.assert_array_equal(got.array, np.where(GREY > 128, 255.0, 0.0))


def test_alpha_is_composited_on_white():
    rgba = np.zeros((1, 3, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)  # opaque red
    rgba[0, 1] = (0, 0, 255, 0)  # fully transparent
    rgba[0, 2] = (0, 0, 0, 128)  # half black
    got = image_from_bytes(_encode(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert got.array[0, 0].tolist() == [255, 0, 0]
    assert got.array[0, 1].tolist() == [255, 255, 255]
    assert np.allclose(got.array[0, 2], 127, atol=1)
    assert "composited on white" in got.note
    la = Image.fromarray(np.array([[[0, 0], [50, 255]]], np.uint8), "LA")
    got = image_from_bytes(_encode(la, "PNG"))
    assert got.array.shape == (1, 2) and got.array.tolist() == [[255, 50]]


def test_palette_with_and_without_transparency():
    p = Image.fromarray(RGB).quantize(8)
    got = image_from_bytes(_encode(p, "PNG"))
    np.testing.assert_array_equal(got.array, np.asarray(p.convert("RGB")))
    pal = Image.new("P", (2, 1))
    pal.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    pal.putpixel((0, 0), 1)
    pal.putpixel((1, 0), 0)
    got = image_from_bytes(_encode(pal, "PNG", transparency=0))
    assert got.array[0].tolist() == [[255, 0, 0], [255, 255, 255]]  # index 0 transparent -> white


def test_cmyk_converts_to_rgb(tmp_path):
    cmyk = Image.new("CMYK", (2, 2), (255, 0, 0, 0))  # pure cyan
    path = tmp_path / "c.tif"
    cmyk.save(path)
    got = load_image(path)
    assert got.original_mode == "CMYK" and got.array[0, 0].tolist() == [0, 255, 255]


def test_sixteen_bit_is_scaled_to_0_255():
    deep = np.array([[0, 257, 65535]], dtype=np.uint16)
    got = image_from_bytes(_encode(Image.fromarray(deep), "PNG"))
    assert got.original_mode == "I;16"
    np.testing.assert_allclose(got.array, [[0.0, 1.0, 255.0]])
    assert "16-bit" in got.note


def test_int32_and_float_pictures(tmp_path):
    small = Image.fromarray(np.array([[0, 100, 255]], dtype=np.int32))
    assert small.mode == "I"
    small.save(tmp_path / "i.tif")
    assert load_image(tmp_path / "i.tif").array.tolist() == [[0, 100, 255]]
    wide = Image.fromarray(np.array([[-10, 0, 10]], dtype=np.int32))
    wide.save(tmp_path / "w.tif")
    got = load_image(tmp_path / "w.tif")
    np.testing.assert_allclose(got.array, [[0, 127.5, 255]])
    assert "stretched" in got.note
    unit = Image.fromarray(np.array([[0.0, 0.5, 1.0]], dtype=np.float32))
    unit.save(tmp_path / "f.tif")
    np.testing.assert_allclose(load_image(tmp_path / "f.tif").array, [[0, 127.5, 255]])
    bad = Image.fromarray(np.array([[0.0, np.nan]], dtype=np.float32))
    bad.save(tmp_path / "nan.tif")
    with pytest.raises(CnnExplorerError, match="NaN or infinite"):
        load_image(tmp_path / "nan.tif")


def test_colour_choice():
    colour = _encode(Image.fromarray(RGB), "PNG")
    assert image_from_bytes(colour).array.ndim == 3
    grey = image_from_bytes(colour, mode="grey").array
    assert grey.shape == (12, 17)
    expected = RGB.astype(float) @ [0.299, 0.587, 0.114]
    assert np.abs(grey - expected).max() <= 0.5 and np.array_equal(grey, np.round(grey))
    flat = np.dstack([GREY] * 3)
    auto = image_from_bytes(_encode(Image.fromarray(flat), "PNG"))
    assert auto.array.shape == (12, 17)  # an RGB file without colour loads as grey
    rgb = image_from_bytes(_encode(Image.fromarray(GREY), "PNG"), mode="rgb").array
    assert rgb.shape == (12, 17, 3) and np.array_equal(rgb[:, :, 2], GREY)
    with pytest.raises(CnnExplorerError, match="mode: must be one of auto, grey, rgb"):
        image_from_bytes(colour, mode="colour")


def test_to_grey_and_to_rgb():
    assert to_grey([[[10, 10, 10]]]).tolist() == [[10.0]]
    assert to_grey([[[255, 0, 0]]]).tolist() == [[76.0]]  # 0.299 * 255 = 76.2, rounded for integer input
    assert to_grey(np.ones((2, 2))).shape == (2, 2)
    assert to_rgb(np.ones((2, 2))).shape == (2, 2, 3)
    with pytest.raises(CnnExplorerError, match="cannot make grey"):
        to_grey(np.ones((2, 2, 5)))


@pytest.mark.parametrize("orientation, expected_shape, bright", [(1, (2, 3), (0, 0)), (3, (2, 3), (1, 2)),
                                                                 (6, (3, 2), (0, 1)), (8, (3, 2), (2, 0))])
def test_exif_orientation_is_applied(orientation, expected_shape, bright):
    pixels = np.zeros((2, 3), np.uint8)
    pixels[0, 0] = 255
    exif = Image.Exif()
    exif[0x0112] = orientation
    got = image_from_bytes(_encode(Image.fromarray(pixels), "JPEG", exif=exif, quality=100))
    assert got.array.shape == expected_shape and got.original_size == expected_shape
    assert tuple(np.unravel_index(np.argmax(got.array), expected_shape)) == bright
    assert ("EXIF" in got.note) == (orientation != 1)


def test_large_pictures_are_scaled_for_live_work(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(np.zeros((200, 300, 3), np.uint8) + np.array([10, 20, 30], np.uint8)).save(path)
    got = load_image(path, max_side=100)
    assert got.array.shape == (67, 100, 3) and got.scaled and got.original_size == (200, 300)
    assert "scaled from 300×200 to 100×67 for live work" in got.note
    np.testing.assert_allclose(got.array[10, 10], [10, 20, 30], atol=1e-3)
    assert not load_image(path, max_side=300).scaled
    jpeg = tmp_path / "big.jpg"
    Image.fromarray(np.full((800, 1000), 99, np.uint8)).save(jpeg)
    got = load_image(jpeg, max_side=100)  # JPEG draft path
    assert got.array.shape == (80, 100) and got.original_size == (800, 1000)
    assert np.allclose(got.array, 99, atol=1)
    with pytest.raises(CnnExplorerError, match="max_side: must be a positive whole number"):
        load_image(path, max_side=0)


# --- bad files -----------------------------------------------------------------------------------

def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    Image.fromarray(np.zeros((40, 50), np.uint8)).save(path)
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)
    with pytest.raises(CnnExplorerError, match=r"bomb.png'?: 50×40 is 2,000 pixels, over the limit of 1,000"):
        load_image(path)
    # Pillow's own limit (its warning, then its error) is turned into the same clear refusal
    monkeypatch.setattr(images, "MAX_PIXELS", 10**8)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)
    with pytest.raises(CnnExplorerError, match="decompression bomb"):
        load_image(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1500)  # over Pillow's warning level, under its error
    assert load_image(path).array.shape == (40, 50)  # no warning escapes (pytest turns warnings into errors)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP"])
def test_truncated_files_are_refused(tmp_path, fmt):
    data = _encode(Image.fromarray(RNG.integers(0, 256, (64, 64, 3)).astype(np.uint8)), fmt)
    path = tmp_path / f"cut.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CnnExplorerError, match=r"cut\.\w+: not a readable image \(the file is (cut short|damaged)") as info:
        load_image(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("content, message", [
    (b"", r"empty file \(0 bytes\)"),
    (b"hello, I am text\n", r"x\.png: not a readable image \(not a PNG, JPEG, BMP, GIF, TIFF or WebP file\)$"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, r"x\.png: not a readable image \((not a PNG|the file is)"),
])
def test_empty_and_non_image_files_are_refused(tmp_path, content, message):
    path = tmp_path / "x.png"
    path.write_bytes(content)
    with pytest.raises(CnnExplorerError, match=message) as info:
        load_image(path)
    assert "x.png" in str(info.value)


def test_missing_folder_and_bytes_errors(tmp_path):
    with pytest.raises(CnnExplorerError, match="file not found"):
        load_image(tmp_path / "none.png")
    with pytest.raises(CnnExplorerError, match="is a folder"):
        load_image(tmp_path)
    with pytest.raises(CnnExplorerError, match=r"^dropped: no data"):
        image_from_bytes(b"", name="dropped")
    with pytest.raises(CnnExplorerError, match=r"^clipboard: not a readable image \(not a PNG"):
        image_from_bytes(b"GIF89a garbage")
    with pytest.raises(CnnExplorerError, match="expected encoded picture bytes"):
        image_from_bytes("not bytes")  # type: ignore[arg-type]


# --- grids ---------------------------------------------------------------------------------------

def test_csv_grids(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("# a comment\n1, 2 ,3\n4\t5 6\n\n")
    np.testing.assert_array_equal(load_grid(path), [[1, 2, 3], [4, 5, 6]])
    path.write_text("1,2\n3,4\n\n5,6\n7,8\n")
    g = load_grid(path)
    assert g.shape == (2, 2, 2) and g[:, :, 1].tolist() == [[5, 6], [7, 8]]
    (tmp_path / "f.txt").write_text("1/3 -0.5\n")
    assert load_grid(tmp_path / "f.txt").tolist() == [[1 / 3, -0.5]]


@pytest.mark.parametrize("content, message", [
    ("1,2\n3,nan\n", r"row 2 \(line 2\), column 2: 'nan' is not a finite number"),
    ("1,2\n3,-inf\n", r"'-inf' is not a finite number"),
    ("a,b\n1,2\n", r"row 1 \(line 1\), column 1: 'a' is not a number"),
    ("1,2,3\n4,5\n", r"row 2 \(line 2\) has 2 values but row 1 has 3"),
    ("", r"empty file"),
    ("# nothing\n\n", r"no numbers found"),
])
def test_bad_csv_grids(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CnnExplorerError, match=message) as info:
        load_grid(path)
    assert "bad.csv" in str(info.value)


def test_npy_grids(tmp_path):
    for arr in (np.arange(6, dtype=np.int16).reshape(2, 3), np.array([[True, False]]), np.full((3, 4), 0.25)):
        np.save(tmp_path / "a.npy", arr)
        got = load_grid(tmp_path / "a.npy")
        assert got.dtype == np.float64 and np.array_equal(got, arr.astype(float))
    np.save(tmp_path / "row.npy", np.array([0.0, 1.0, 1.0]))
    assert load_grid(tmp_path / "row.npy").shape == (1, 3)
    np.save(tmp_path / "c1.npy", np.ones((4, 5, 1)))
    assert load_grid(tmp_path / "c1.npy").shape == (4, 5)
    np.save(tmp_path / "rgb.npy", np.ones((4, 5, 3)))
    assert load_grid(tmp_path / "rgb.npy").shape == (4, 5, 3)


class _Boom:
    def __reduce__(self):
        return (print, ("unpickled!",))


@pytest.mark.parametrize("make, message", [
    (lambda p: np.save(p, np.array([_Boom()], dtype=object), allow_pickle=True), r"Python objects; refused"),
    (lambda p: np.save(p, np.array([[1.0, np.nan]])), r"1 NaN or infinite value\(s\), the first at row 1, column 2"),
    (lambda p: np.save(p, np.array([[1 + 2j]])), r"complex numbers"),
    (lambda p: np.save(p, np.array([["a", "b"]])), r"holds text"),
    (lambda p: np.save(p, np.zeros((2, 2, 2, 2))), r"must be 2-D .* got shape \(2, 2, 2, 2\)"),
    (lambda p: np.save(p, np.zeros((0, 3))), r"is empty"),
    (lambda p: np.save(p, np.zeros((3, 4, 70))), r"70 channels .* too many"),
    (lambda p: p.write_bytes(b"not numpy at all"), r"not a valid .npy file"),
    (lambda p: p.write_bytes(b""), r"empty file"),
])
def test_bad_npy_grids_never_unpickle(tmp_path, capsys, make, message):
    path = tmp_path / "bad.npy"
    make(path)
    with pytest.raises(CnnExplorerError, match=message):
        load_grid(path)
    assert "unpickled!" not in capsys.readouterr().out


def test_truncated_and_oversized_npy(tmp_path, monkeypatch):
    path = tmp_path / "t.npy"
    np.save(path, np.ones((50, 50)))
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(CnnExplorerError, match=r"truncated \(the header promises 20,000 bytes of data"):
        load_grid(path)
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    path.write_bytes(data)
    with pytest.raises(CnnExplorerError, match="2,500 values is too many"):
        load_grid(path)


def test_load_input_dispatches_and_converts(tmp_path):
    (tmp_path / "g.csv").write_text("1,2\n3,4\n")
    got = load_input(tmp_path / "g.csv")
    assert got.original_mode == "grid" and got.array.tolist() == [[1, 2], [3, 4]] and got.note == ""
    assert load_input(tmp_path / "g.csv", mode="rgb").array.shape == (2, 2, 3)
    np.save(tmp_path / "rgb.npy", np.dstack([np.full((2, 2), 100.0)] * 3))
    assert load_input(tmp_path / "rgb.npy").array.shape == (2, 2, 3)  # grids keep their channels
    assert load_input(tmp_path / "rgb.npy", mode="grey").array.tolist() == [[100, 100], [100, 100]]
    np.save(tmp_path / "five.npy", np.ones((2, 2, 5)))
    assert load_input(tmp_path / "five.npy").array.shape == (2, 2, 5)
    with pytest.raises(CnnExplorerError, match="has 5 channels; --grey needs 1 or 3"):
        load_input(tmp_path / "five.npy", mode="grey")
    save_grid(tmp_path / "wide.npy", np.arange(300.0)[None, :].repeat(4, axis=0))
    scaled = load_input(tmp_path / "wide.npy", max_side=30)
    assert scaled.scaled and scaled.array.shape == (1, 30)
    assert "scaled from 300×4 to 30×1" in scaled.note
    np.testing.assert_allclose(scaled.array[0, :2], [4.5, 14.5], atol=1e-3)  # area averages of 10 columns
    Image.fromarray(GREY).save(tmp_path / "p.png")
    assert load_input(tmp_path / "p.png").original_mode == "L"
    with pytest.raises(CnnExplorerError, match="unsupported type '.xls'"):
        load_grid(tmp_path / "g.xls")


# --- saving --------------------------------------------------------------------------------------

def test_grid_text_and_save_grid_round_trip_exactly(tmp_path):
    values = np.array([[1 / 3, -2.0, 0.0], [7 / 9, 1e-20, 255.0]])
    assert grid_text([[1.0, -2.5]]) == "1,-2.5\n"
    for name in ("a.csv", "a.npy"):
        save_grid(tmp_path / name, values)
        assert np.array_equal(load_grid(tmp_path / name), values)
    stack = np.dstack([values, -values])
    save_grid(tmp_path / "s.csv", stack)
    assert np.array_equal(load_grid(tmp_path / "s.csv"), stack)
    with pytest.raises(CnnExplorerError, match="unsupported type '.png'"):
        save_grid(tmp_path / "a.png", values)


def test_save_map_png_is_colour_mapped_with_zero_white(tmp_path):
    path = tmp_path / "m.png"
    save_map_png(path, np.array([[-2.0, 0.0, 2.0]]))
    with Image.open(path) as im:
        assert im.format == "PNG" and im.mode == "RGB"
        px = np.asarray(im)
    assert px.shape == (64, 192, 3)  # cells enlarged (at most 64 px each) so a small map is visible
    assert px[0, 100].tolist() == [255, 255, 255]
    assert map_to_rgb(np.zeros((16, 8))).shape == (256, 128, 3)
    assert px[0, 0, 2] > px[0, 0, 0] and px[0, -1, 0] > px[0, -1, 2]
    rgb = map_to_rgb(np.zeros((2, 3, 4)), min_side=0, gap=1)
    assert rgb.shape == (3, 9, 3) and rgb[0, 4].tolist() == [128, 128, 128]
    grey = map_to_rgb(np.array([[0.0, 10.0]]), diverging=False, min_side=0)
    assert grey[0, :, 0].tolist() == [0, 255]
    with pytest.raises(CnnExplorerError, match=r"expected a map \(H, W\) or a stack"):
        save_map_png(path, np.zeros(3))


def test_save_image_round_trip(tmp_path):
    save_image(tmp_path / "a.png", RGB.astype(float))
    assert np.array_equal(load_image(tmp_path / "a.png").array, RGB)
    save_image(tmp_path / "g.bmp", np.array([[-5.0, 300.0, 7.4]]))
    assert load_image(tmp_path / "g.bmp").array.tolist() == [[0, 255, 7]]
    with pytest.raises(CnnExplorerError, match="unsupported picture type"):
        save_image(tmp_path / "a.xyz", RGB)


def _broken_pictures(tmp_path):
    good = tmp_path / "good.png"
    Image.fromarray((np.random.default_rng(1).random((48, 48, 3)) * 255).astype(np.uint8)).save(good)
    jpeg = tmp_path / "good.jpg"
    Image.open(good).save(jpeg)
    return {
        "text.png": b"hello, I am text\n",
        "header.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
        "cut.png": good.read_bytes()[: good.stat().st_size // 2],
        "cut.jpg": jpeg.read_bytes()[: jpeg.stat().st_size // 3],
        "bad-crc.png": good.read_bytes()[:40] + b"\xff\xff" + good.read_bytes()[42:],
    }


def test_a_broken_picture_gets_one_message_in_plain_words_from_every_loader(tmp_path):
    # issue 11: the same bad file reads the same everywhere, and never names the decoder or an exception
    from cnn_explorer.core.io.images import image_from_bytes, read_picture

    for name, data in _broken_pictures(tmp_path).items():
        path = tmp_path / name
        path.write_bytes(data)
        texts = []
        for load in (load_image, read_picture, lambda p: image_from_bytes(p.read_bytes(), str(p))):
            with pytest.raises(CnnExplorerError) as info:
                load(path)
            texts.append(str(info.value))
        assert len(set(texts)) == 1, texts
        text = texts[0]
        assert text.startswith(f"{path}: not a readable image (")
        for word in ("Pillow", "PIL", "Error", "Exception", "Traceback", "<", "0x", "BytesIO", "decoder"):
            assert word not in text.removeprefix(str(path)), (word, text)
