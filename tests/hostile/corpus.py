"""A corpus of hostile files: each function writes one into a folder and returns the path a command is given.

Every file is cheap to write and small on disk (a few kB, at most a few MB) but lies,
blocks, or is ruinous to compute: a FIFO, /dev/zero behind a symbolic link, a socket,
headers promising gigabytes, deflate bombs, a "billion laughs" pickle, JSON nested a
hundred thousand deep, numbers of thousands of digits, a model of billions of weights,
a folder of pictures that are small one by one and huge together.

Used by tests/hostile/test_files.py (fast cases) and benchmarks/hostile_all.py (all cases).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import pickle
import socket
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np

#: a spec that is valid apart from what a case changes
SPEC = {"format": "cnn-explorer-model-spec", "version": 1, "input_shape": [28, 28, 1], "class_names": ["a", "b"],
        "layers": [{"type": "flatten"}, {"type": "dense", "units": 2}]}


# --- not regular files ---------------------------------------------------------------------------

def fifo(folder: Path, name: str = "picture.png") -> Path:
    """A named pipe: opening it for reading blocks until a writer comes (none ever does)."""
    path = folder / name
    os.mkfifo(path)
    return path


def dev_zero(folder: Path, name: str = "picture.png") -> Path:
    """A symbolic link to /dev/zero: endless zeros for whoever reads it."""
    path = folder / name
    path.symlink_to("/dev/zero")
    return path


def unix_socket(folder: Path, name: str = "picture.png") -> Path:
    """A Unix socket file (bound by a relative name: socket paths are limited to about 100 characters)."""
    path = folder / name
    old = os.getcwd()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.chdir(folder)
        sock.bind(name)
    finally:
        os.chdir(old)
        sock.close()  # the socket file stays
    return path


def folder_as_file(folder: Path, name: str = "picture.png") -> Path:
    """A folder where a file is expected."""
    path = folder / name
    path.mkdir()
    return path


SPECIAL = {"fifo": fifo, "dev-zero": dev_zero, "socket": unix_socket, "folder": folder_as_file}


# --- datasets ------------------------------------------------------------------------------------

def _idx_header(dtype_code: int, dims: tuple[int, ...]) -> bytes:
    return bytes([0, 0, dtype_code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def idx_folder(folder: Path, images: bytes, labels: bytes, *, zipped: bool = False) -> Path:
    """A dataset folder holding ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` (.gz when ``zipped``)."""
    data = folder / "idx"
    data.mkdir()
    suffix = ".gz" if zipped else ""
    (data / f"train-images-idx3-ubyte{suffix}").write_bytes(images)
    (data / f"train-labels-idx1-ubyte{suffix}").write_bytes(labels)
    return data


def idx_header_lie(folder: Path) -> Path:
    """3 KB of IDX files whose header promises 60,000 28x28 images (47 MB)."""
    images = _idx_header(0x08, (60000, 28, 28)) + bytes(3 * 784)
    labels = _idx_header(0x08, (60000,)) + bytes(3)
    return idx_folder(folder, images, labels)


def idx_gz_header_bomb(folder: Path) -> Path:
    """A small .gz whose header promises 3,000,000 28x28 images (2.35 GB, over the dataset budget)."""
    images = gzip.compress(_idx_header(0x08, (3_000_000, 28, 28)) + bytes(784 * 4), 1)
    labels = gzip.compress(_idx_header(0x08, (3_000_000,)) + bytes(4), 1)
    return idx_folder(folder, images, labels, zipped=True)


def gzip_zeros(head: bytes, count: int) -> bytes:
    """A gzip file of ``head`` then ``count`` zero bytes, compressed in 16 MB steps (about 1,000:1)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip wrapper, with its CRC and size
    parts = [comp.compress(head)]
    chunk = bytes(16 * 1024**2)
    while count:
        n = min(count, len(chunk))
        parts.append(comp.compress(chunk[:n]))
        count -= n
    parts.append(comp.flush())
    return b"".join(parts)


def idx_gz_bomb(folder: Path, gigabytes: float = 2.5) -> Path:
    """A .gz of a few MB that inflates to ``gigabytes`` GB after a header promising 10 images (slow to write)."""
    images = gzip_zeros(_idx_header(0x08, (10, 28, 28)), int(gigabytes * 1024**3))
    labels = gzip.compress(_idx_header(0x08, (10,)) + bytes(10))
    return idx_folder(folder, images, labels, zipped=True)


def idx_gz_small_bomb(folder: Path) -> Path:
    """A .gz whose header promises 10 images but that inflates to 64 MB more (fast to write)."""
    images = gzip.compress(_idx_header(0x08, (10, 28, 28)) + bytes(64 * 1024**2), 1)
    labels = gzip.compress(_idx_header(0x08, (10,)) + bytes(10))
    return idx_folder(folder, images, labels, zipped=True)


def idx_huge_label(folder: Path) -> Path:
    """Two 28x28 images whose int32 labels are 0 and 2**31 - 1 (2,147,483,648 classes)."""
    images = _idx_header(0x08, (2, 28, 28)) + bytes(2 * 784)
    labels = _idx_header(0x0C, (2,)) + struct.pack(">2i", 0, 2**31 - 1)
    return idx_folder(folder, images, labels)


def _npy_header(shape: tuple[int, ...], dtype: str = "|u1") -> bytes:
    header = repr({"descr": dtype, "fortran_order": False, "shape": shape}).encode("latin-1")
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def npz_header_lie(folder: Path) -> Path:
    """An .npz whose images member promises 3,000,000 28x28 images but holds 1 kB."""
    path = folder / "data.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("images.npy", _npy_header((3_000_000, 28, 28)) + bytes(1024))
        zf.writestr("labels.npy", _npy_header((3_000_000,), "<i8") + bytes(64))
    return path


def npz_bomb(folder: Path, gigabytes: float = 2.5) -> Path:
    """An honest deflate bomb: a few MB that inflate to ``gigabytes`` GB of images (slow to write)."""
    count = int(gigabytes * 1024**3) // 784
    path = folder / "bomb.npz"
    head = _npy_header((count, 28, 28))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        with zf.open("images.npy", "w", force_zip64=True) as member:
            member.write(head)
            chunk = bytes(16 * 1024**2)
            left = count * 784
            while left:
                n = min(left, len(chunk))
                member.write(chunk[:n])
                left -= n
        zf.writestr("labels.npy", _npy_header((count,), "|u1") + bytes(count))
    return path


def npz_huge_label(folder: Path) -> Path:
    """An .npz of two images labelled 0 and 10**12."""
    path = folder / "labels.npz"
    np.savez(path, images=np.zeros((2, 4, 4), np.uint8), labels=np.array([0, 10**12], np.int64))
    return path


def _cifar_folder(folder: Path, batch: bytes, name: str = "data_batch_1") -> Path:
    data = folder / "cifar"
    data.mkdir()
    (data / name).write_bytes(batch)
    return data


def cifar_billion_laughs(folder: Path) -> Path:
    """A CIFAR batch of about 300 bytes whose memo references stand for 2**40 items."""
    laughs: list = [1]
    for _ in range(40):
        laughs = [laughs, laughs]
    return _cifar_folder(folder, pickle.dumps({"data": laughs, "labels": laughs}, protocol=2))


def cifar_huge_label(folder: Path) -> Path:
    """A valid CIFAR batch of two images labelled 0 and 10**12."""
    batch = {"data": np.zeros((2, 3072), np.uint8), "labels": [0, 10**12]}
    return _cifar_folder(folder, pickle.dumps(batch, protocol=2))


def png_header(path: Path, width: int, height: int, colour: int = 0) -> Path:
    """A PNG whose header says ``width`` x ``height`` but whose data holds one row (a few kB on disk)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    idat = zlib.compress(bytes(1 + width))  # the first row only
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def picture_folder_bomb(folder: Path, count: int = 40) -> Path:
    """Two class folders of ``count`` pictures in all, each 9,999x9,999 (under the 100-megapixel limit), 4 GB together."""
    data = folder / "pictures"
    for i in range(count):
        sub = data / ("a" if i % 2 else "b")
        sub.mkdir(parents=True, exist_ok=True)
        png_header(sub / f"{i:02d}.png", 9999, 9999)
    return data


def over_pixel_limit(folder: Path) -> Path:
    """A picture whose header says 10,001 x 10,000 (just over the 100-megapixel limit; Pillow would warn)."""
    return png_header(folder / "huge.png", 10001, 10000)


# --- JSON, numbers, specs ------------------------------------------------------------------------

def deep_json(folder: Path, name: str = "kernel.json", depth: int = 100_000) -> Path:
    """A JSON file of ``depth`` nested lists (RecursionError in a naive reader)."""
    path = folder / name
    path.write_text("[" * depth + "]" * depth, encoding="utf-8")
    return path


def huge_int_json(folder: Path, name: str = "kernel.json") -> Path:
    """A kernel file whose one value is an integer of 5,000 digits."""
    path = folder / name
    path.write_text('{"values": [[' + "9" * 5000 + "]]}", encoding="utf-8")
    return path


def huge_int_spec(folder: Path) -> Path:
    """A spec whose Dense layer has 5,000 digits of units."""
    path = folder / "spec.json"
    path.write_text(json.dumps(SPEC).replace('"units": 2}', '"units": ' + "9" * 5000 + "}"), encoding="utf-8")
    return path


def deep_spec(folder: Path) -> Path:
    return deep_json(folder, "spec.json")


def long_fraction_csv(folder: Path) -> Path:
    """A grid whose one cell is a fraction with a 30,000-digit numerator."""
    path = folder / "grid.csv"
    path.write_text("1,2\n" + "7" * 30000 + "/3,4\n", encoding="utf-8")
    return path


def exponent_fraction_csv(folder: Path) -> Path:
    """A kernel file whose one cell is ``1e999999/1`` (an exact fraction of a million digits)."""
    path = folder / "kernel.csv"
    path.write_text("1,0\n1e999999/1,0\n", encoding="utf-8")
    return path


def big_integer_csv(folder: Path) -> Path:
    """A grid whose one cell is an integer of 5,000 digits."""
    path = folder / "grid.csv"
    path.write_text("1,2\n3," + "9" * 5000 + "\n", encoding="utf-8")
    return path


def overflow_kernel(folder: Path) -> Path:
    """A kernel of 1e308: every sum overflows float64."""
    path = folder / "kernel.csv"
    path.write_text("1e308,1e308\n1e308,1e308\n", encoding="utf-8")
    return path


def spec_with(folder: Path, layers: list, name: str = "spec.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(dict(SPEC, layers=layers)), encoding="utf-8")
    return path


def huge_dense_spec(folder: Path) -> Path:
    """A 200-byte spec with a Dense layer of 20,000,000 units (63 GB of weights)."""
    return spec_with(folder, [{"type": "flatten"}, {"type": "dense", "units": 20_000_000}, {"type": "dense", "units": 2}])


def billion_filters_spec(folder: Path) -> Path:
    """A spec with a Conv2D of 10**9 filters."""
    return spec_with(folder, [{"type": "conv2d", "filters": 10**9, "kernel": [3, 3]}, {"type": "global_avg_pool"},
                              {"type": "dense", "units": 2}])


def model_with(folder: Path, meta_text: str) -> Path:
    """A model (model.json + model.safetensors) whose description is ``meta_text``; returns the .json."""
    (folder / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    path = folder / "model.json"
    path.write_text(meta_text, encoding="utf-8")
    return path


def deep_model(folder: Path) -> Path:
    return model_with(folder, "[" * 100_000 + "]" * 100_000)


def huge_int_model(folder: Path) -> Path:
    return model_with(folder, '{"format": "cnn-explorer-model", "format_version": ' + "9" * 5000 + "}")


def picture(folder: Path, name: str = "digit.png") -> Path:
    """A plain 28x28 grey picture (for commands that need one good file beside the hostile one)."""
    from PIL import Image

    path = folder / name
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(path)
    return path


@contextlib.contextmanager
def no_leftovers(folder: Path):
    """Yields; afterwards the folder holds no temporary file (``.*.tmp``) a command left behind."""
    yield
    left = sorted(p.name for p in folder.rglob(".*.tmp"))
    assert not left, f"temporary files left behind: {left}"
