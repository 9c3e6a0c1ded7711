"""The readers' defences, one by one: special files, capped reads, JSON limits, number limits, budgets, pickles."""

from __future__ import annotations

import gzip
import os
import pickle
import socket
import struct
import time
import zipfile

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import conv2d
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.datasets import folder as folder_mod
from cnn_explorer.core.datasets import idx
from cnn_explorer.core.datasets.npz import read_npz
from cnn_explorer.core.datasets.safe_pickle import safe_loads
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io import files
from cnn_explorer.core.io.files import check_regular_file, read_user_file, size_text
from cnn_explorer.core.io.grid_text import MAX_NUMBER_CHARS, parse_number, parse_rows
from cnn_explorer.core.io.images import load_image, picture_header
from cnn_explorer.core.io.json_files import MAX_DEPTH, parse_json, read_json
from cnn_explorer.core.io.limits import MAX_CLASSES, check_class_count, memory_budget
from cnn_explorer.core.kernels.library import load_kernel, parse_kernel_text
from cnn_explorer.core.model.build import build_model
from cnn_explorer.core.model.layers import Conv2D, Dense, Flatten, GlobalAvgPool
from cnn_explorer.core.model.shapes import check_memory, memory_estimate
from cnn_explorer.core.model.spec import ModelSpec, SpecError, class_names_from

# --- not regular files -----------------------------------------------------------------------------

@pytest.fixture
def specials(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.png"
    zero.symlink_to("/dev/zero")
    sock = tmp_path / "sock.png"
    old = os.getcwd()
    s = socket.socket(socket.AF_UNIX)
    try:
        os.chdir(tmp_path)
        s.bind("sock.png")
    finally:
        os.chdir(old)
        s.close()
    return {"FIFO": fifo, "device": zero, "socket": sock, "folder": tmp_path}


@pytest.mark.parametrize("kind", ["FIFO", "device", "socket", "folder"])
def test_special_files_are_refused_before_opening(specials, kind):
    path = specials[kind]
    start = time.monotonic()
    with pytest.raises(CnnExplorerError) as info:
        read_user_file(path, "picture")
    assert time.monotonic() - start < 2
    assert ("folder" if kind == "folder" else f"{kind}") in str(info.value)
    with pytest.raises(CnnExplorerError, match="not a regular file|folder"):
        check_regular_file(path)
    with pytest.raises(CnnExplorerError, match="not a regular file|folder"):
        load_image(path)


def test_reads_are_capped(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(2000))
    assert len(read_user_file(path, "file", limit=2000)) == 2000
    with pytest.raises(CnnExplorerError, match="over 1.5 kB; refused as too large"):
        read_user_file(path, "file", limit=1500)


def test_size_text():
    assert [size_text(n) for n in (5, 1500, 2_500_000, 63_600_000_000)] == ["5 bytes", "1.5 kB", "2.5 MB", "63.6 GB"]


# --- numbers and JSON --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, reason", [
    ("7" * 30000 + "/3", "too long"),
    ("9" * 5000, "too long"),
    ("1e999999/1", "too large"),
    ("1/1e-999999", "too large"),
    ("1e999999", "not a finite number"),
    ("nan", "not a finite number"),
])
def test_ruinous_numbers_are_refused_fast(text, reason):
    start = time.monotonic()
    with pytest.raises(ValueError, match=reason):
        parse_number(text)
    assert time.monotonic() - start < 0.5
    with pytest.raises(CnnExplorerError, match=f"row 2, column 2: .*{reason}"):
        parse_rows(["1 2", f"3 {text}"], "grid")


def test_numbers_up_to_the_limit_still_parse():
    assert parse_number("1/3") == 1 / 3
    assert parse_number("1e300/1e300") == 1.0
    assert parse_number("0." + "3" * (MAX_NUMBER_CHARS - 2)) == pytest.approx(1 / 3)


def test_messages_quote_only_an_excerpt():
    with pytest.raises(ValueError) as info:
        parse_number("7" * 30000)
    assert len(str(info.value)) < 120


def test_json_depth_numbers_and_constants():
    with pytest.raises(CnnExplorerError, match="nested too deeply"):
        parse_json("[" * 100_000 + "]" * 100_000, "kernel")
    with pytest.raises(CnnExplorerError, match="nested too deeply"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "kernel")
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, "kernel") is not None
    with pytest.raises(CnnExplorerError, match="5,000 characters"):
        parse_json("[" + "9" * 5000 + "]", "spec")
    with pytest.raises(CnnExplorerError, match="NaN is not a number JSON allows"):
        parse_json("[NaN]", "spec")
    assert np.isnan(parse_json("[NaN]", "model", allow_nonfinite=True)[0])
    with pytest.raises(CnnExplorerError, match="invalid JSON at line 1"):
        parse_json("[1,", "kernel")


def test_read_json_and_the_kernel_and_spec_readers(tmp_path):
    path = tmp_path / "k.json"
    path.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(CnnExplorerError, match="nested too deeply"):
        read_json(path, "kernel file")
    with pytest.raises(CnnExplorerError, match="nested too deeply"):
        load_kernel(path)
    with pytest.raises(CnnExplorerError, match="nested too deeply"):
        parse_kernel_text("[" * 5000 + "1" + "]" * 5000)
    with pytest.raises(SpecError, match="5,000 characters"):
        ModelSpec.from_json('{"format": ' + "1" * 5000 + "}")


# --- budgets ---------------------------------------------------------------------------------------

def test_class_counts_are_capped():
    assert check_class_count(MAX_CLASSES, "x") == MAX_CLASSES
    with pytest.raises(CnnExplorerError, match="2,147,483,648 classes is too many"):
        check_class_count(2**31, "labels")
    with pytest.raises(SpecError, match="too many"):
        class_names_from(100_000_000_000)


def test_model_memory_is_estimated_before_building():
    big = ModelSpec(layers=(Conv2D(10**9, 3), GlobalAvgPool(), Dense(2)), input_shape=(28, 28, 1),
                    class_names=("a", "b"))
    weights, activations = memory_estimate(big)
    assert weights == (10**9 * 9 + 10**9 + 10**9 * 2 + 2) * 4  # conv weights + biases, dense weights + biases
    assert activations == (28 * 28 + 26 * 26 * 10**9 + 10**9 + 2) * 4
    with pytest.raises(SpecError, match=r"this model needs .* GB of weights; the limit is"):
        check_memory(big)
    with pytest.raises(SpecError, match="GB of weights"):
        build_model(big)
    dense = ModelSpec(layers=(Flatten(), Dense(20_000_000), Dense(2)), input_shape=(28, 28, 1),
                      class_names=("a", "b"))
    with pytest.raises(SpecError, match="needs 63 GB of weights"):
        check_memory(dense, budget=memory_budget())
    small = ModelSpec(layers=(Flatten(), Dense(2)), input_shape=(28, 28, 1), class_names=("a", "b"))
    check_memory(small)


def _idx(dtype_code, dims) -> bytes:
    return bytes([0, 0, dtype_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def test_idx_gzip_is_streamed_with_a_cap(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_idx(0x08, (2, 2, 2)) + bytes(8 + 32 * 1024**2), 1))
    with pytest.raises(CnnExplorerError, match="longer than its header says"):
        idx.read_idx(path)
    path.write_bytes(gzip.compress(_idx(0x08, (3_000_000, 28, 28)) + bytes(10)))
    with pytest.raises(CnnExplorerError, match=r"needs 2.35 GB; the limit is 2 GB"):
        idx.read_idx(path)
    path.write_bytes(gzip.compress(_idx(0x08, (2, 2, 2)) + bytes(range(8))))
    assert idx.read_idx(path).tolist() == [[[0, 1], [2, 3]], [[4, 5], [6, 7]]]


def test_npz_members_are_checked_before_allocating(tmp_path):
    path = tmp_path / "d.npz"
    header = b"{'descr': '|u1', 'fortran_order': False, 'shape': (3000000, 28, 28), }"
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(100))
        zf.writestr("labels.npy", b"")
    with pytest.raises(CnnExplorerError, match="truncated"):
        read_npz(path, "dataset", ("images",))
    np.savez(path, images=np.zeros((10, 4, 4), np.uint8), labels=np.arange(10))
    with pytest.raises(CnnExplorerError, match="need 240 bytes in memory; the limit is 200 bytes"):
        read_npz(path, "dataset", ("images", "labels"), budget=200)
    arrays = read_npz(path, "dataset", ("images", "labels"))
    assert arrays["images"].shape == (10, 4, 4) and arrays["labels"].tolist() == list(range(10))
    assert arrays["images"].flags.writeable


def test_billion_laughs_pickle_is_refused_in_linear_time():
    laughs: list = [1]
    for _ in range(40):
        laughs = [laughs, laughs]
    data = pickle.dumps({"data": laughs, "labels": laughs}, protocol=2)
    start = time.monotonic()
    with pytest.raises(CnnExplorerError, match="billion laughs"):
        safe_loads(data, "data_batch_1")
    assert time.monotonic() - start < 1
    shared = [(0, 1)] * 1000  # ordinary sharing still loads, and stays shared
    loaded = safe_loads(pickle.dumps({"x": shared, "a": np.arange(3)}, protocol=2))
    assert loaded["x"] == shared and loaded["a"].tolist() == [0, 1, 2]


def test_self_containing_pickle_is_refused():
    d: dict = {}
    d["self"] = d
    with pytest.raises(CnnExplorerError, match="nested in itself"):
        safe_loads(pickle.dumps(d, protocol=2))


def _png_header(path, width, height):
    import zlib

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(1 + width)))
                     + chunk(b"IEND", b""))


def test_picture_folder_budget_counts_all_pictures(tmp_path, monkeypatch):
    for i in range(4):
        (tmp_path / "d" / "ab"[i % 2]).mkdir(parents=True, exist_ok=True)
        _png_header(tmp_path / "d" / "ab"[i % 2] / f"{i}.png", 300, 200)
    assert picture_header(tmp_path / "d" / "b" / "1.png") == (200, 300, 1)
    monkeypatch.setattr(folder_mod, "MAX_DATASET_BYTES", 3 * 300 * 200)
    with pytest.raises(CnnExplorerError, match="its 4 pictures need over"):
        folder_mod.load_image_folder(tmp_path / "d")


def test_over_the_pixel_limit_prints_no_warning(tmp_path, recwarn):
    path = tmp_path / "huge.png"
    _png_header(path, 10001, 10000)
    with pytest.raises(CnnExplorerError, match="over the limit of 100,000,000"):
        load_image(path)
    assert not recwarn.list


# --- overflow ----------------------------------------------------------------------------------------

def test_overflowing_convolution_is_refused_without_warnings(recwarn):
    image = np.full((4, 4), 255.0)
    with pytest.raises(CnnExplorerError, match=r"the result overflows: the largest value could reach about 2.6e\+310"):
        run_pipeline(image, [np.array([[1e308, 0], [0, 0]])], activation="none", pool=None)
    with pytest.raises(CnnExplorerError, match=r"could reach beyond 1e\+308"):
        run_pipeline(image, [np.full((2, 2), 1e308)], activation="none", pool=None)
    with pytest.raises(CnnExplorerError, match="overflows"):
        conv2d(image, np.full((2, 2), 1e306), precision="exact")
    assert not recwarn.list
    # float32 would overflow, float64 does not: the fast path computes in float64
    big = conv2d(np.full((64, 64), 255.0), np.full((3, 3), 1e37), precision="fast")
    assert np.isfinite(big.maps).all() and big.maps.dtype == np.float64


def test_files_module_constants_are_sane():
    assert files.MAX_TEXT_BYTES < files.MAX_FILE_BYTES
