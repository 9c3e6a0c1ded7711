"""Datasets from files: IDX folders, CIFAR-10 (python and binary), image folders, and bad inputs."""

from __future__ import annotations

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from cnn_explorer.core.datasets import load_dataset
from cnn_explorer.core.datasets.idx import read_idx
from cnn_explorer.core.datasets.safe_pickle import UnsafePickle, safe_loads
from cnn_explorer.core.errors import CnnExplorerError


def write_idx(path, arr, gz=None):
    arr = np.asarray(arr, dtype=np.uint8)
    data = b"\0\0\x08" + bytes([arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()
    gz = path.name.endswith(".gz") if gz is None else gz
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def idx_set(folder, prefix, images, labels, gz=True):
    ext = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels)


def images_and_labels(n, h=6, w=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, h, w), dtype=np.uint8), np.arange(n) % classes


# --- IDX -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_with_train_and_test(tmp_path, gz):
    tx, ty = images_and_labels(45)
    sx, sy = images_and_labels(12, seed=1)
    idx_set(tmp_path, "train", tx, ty, gz)
    idx_set(tmp_path, "t10k", sx, sy, gz)
    ds = load_dataset(str(tmp_path))
    assert ds.input_shape == (6, 5, 1) and ds.train_x.dtype == np.uint8
    assert ds.class_names == ("0", "1", "2")
    # the file's own test set is kept as is; train:val = 8:1 of the training file
    np.testing.assert_array_equal(ds.test_x[..., 0], sx)
    np.testing.assert_array_equal(ds.test_y, sy)
    assert (len(ds.train_y), len(ds.val_y)) == (40, 5)
    assert sorted(ds.class_counts("val").tolist()) == [1, 2, 2]  # stratified
    joined = {bytes(im) for im in np.concatenate([ds.train_x, ds.val_x])[..., 0]}
    assert joined == {bytes(im) for im in tx}
    # every image keeps its label
    lookup = {bytes(im): lab for im, lab in zip(tx, ty)}
    assert all(lookup[bytes(im)] == lab for im, lab in zip(ds.train_x[..., 0], ds.train_y))


def test_test_only_idx_folder(tmp_path):
    sx, sy = images_and_labels(20)
    idx_set(tmp_path, "t10k", sx, sy)
    ds = load_dataset(str(tmp_path))
    assert ds.test_only
    assert ds.train_x.shape == (0, 6, 5, 1) and ds.val_y.shape == (0,)
    np.testing.assert_array_equal(ds.test_y, sy)
    assert any("test-only" in n for n in ds.notes)


def test_shared_mnist_test_set_is_test_only(mnist_test_dir):
    ds = load_dataset(str(mnist_test_dir))
    assert ds.test_only and ds.test_x.shape == (10000, 28, 28, 1)
    assert ds.class_counts("test").tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_emnist_is_transposed_upright_and_named_by_its_mapping(tmp_path):
    x, _ = images_and_labels(12, h=7, w=7)
    y = np.arange(12) % 3 + 1  # letters are labelled from 1
    idx_set(tmp_path, "emnist-letters-train", x.transpose(0, 2, 1), y)
    (tmp_path / "emnist-letters-mapping.txt").write_text("1 65 97\n2 66 98\n3 67 99\n")
    ds = load_dataset(str(tmp_path), split=(1.0, 0.0, 0.0))
    assert ds.class_names == ("A", "B", "C")
    lookup = {bytes(im): lab - 1 for im, lab in zip(x, y)}
    assert all(lookup[bytes(im)] == lab for im, lab in zip(ds.train_x[..., 0], ds.train_y))
    assert any("transposed" in n for n in ds.notes)


def test_an_emnist_mapping_with_an_impossible_character_code_is_refused(tmp_path):
    x, _ = images_and_labels(6, h=7, w=7)
    idx_set(tmp_path, "emnist-letters-train", x.transpose(0, 2, 1), np.arange(6) % 2 + 1)
    (tmp_path / "emnist-letters-mapping.txt").write_text("1 65 97\n2 99999999 98\n")
    with pytest.raises(CnnExplorerError, match="99999999 is not a character code"):
        load_dataset(str(tmp_path), split=(1.0, 0.0, 0.0))


def test_fashion_names_from_the_folder_and_classes_txt(tmp_path):
    folder = tmp_path / "fashion"
    folder.mkdir()
    x, y = images_and_labels(20, classes=10)
    idx_set(folder, "train", x, y)
    assert load_dataset(str(folder)).class_names[9] == "Ankle boot"
    (folder / "classes.txt").write_text("\n".join(f"c{i}" for i in range(10)))
    assert load_dataset(str(folder)).class_names[0] == "c0"
    (folder / "classes.txt").write_bytes("\n".join(f"caf\u00e9 {i}" for i in range(10)).encode("latin-1"))
    with pytest.raises(CnnExplorerError, match="classes.txt.*not a text file"):
        load_dataset(str(folder))


def test_bad_idx_files(tmp_path):
    x, y = images_and_labels(10)
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(b"\x12\x34\x56\x78" + bytes(100))
    with pytest.raises(CnnExplorerError, match="wrong magic"):
        read_idx(bad)
    write_idx(bad, x)
    bad.write_bytes(bad.read_bytes()[:-7])
    with pytest.raises(CnnExplorerError, match="truncated"):
        read_idx(bad)
    gz = write_idx(tmp_path / "t.gz", x)
    gz.write_bytes(gz.read_bytes()[:30])
    with pytest.raises(CnnExplorerError, match="corrupt or truncated gzip"):
        read_idx(gz)
    gz.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(CnnExplorerError, match="gzip"):
        read_idx(gz)


def test_idx_folder_mistakes(tmp_path):
    x, y = images_and_labels(10)
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", x)
    with pytest.raises(CnnExplorerError, match="no train labels"):
        load_dataset(str(tmp_path))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", y[:7])
    with pytest.raises(CnnExplorerError, match="7 labels for 10 images"):
        load_dataset(str(tmp_path))
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", y)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 4, 4)))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(3))
    with pytest.raises(CnnExplorerError, match="differ in size"):
        load_dataset(str(tmp_path))


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(CnnExplorerError, match="neither a dataset name"):
        load_dataset(str(tmp_path / "missing"))
    with pytest.raises(CnnExplorerError, match="no dataset here"):
        load_dataset(str(tmp_path))


# --- CIFAR-10 --------------------------------------------------------------------------------------

def cifar_batch(n, seed, bytes_keys=True):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    k = (lambda s: s.encode()) if bytes_keys else (lambda s: s)
    return {k("batch_label"): k("training batch"), k("labels"): labels, k("data"): data,
            k("filenames"): [k(f"img_{i}.png") for i in range(n)]}, data, labels


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, 5])
def test_cifar_python_batches_are_read_without_unpickling(tmp_path, monkeypatch, protocol):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    written = {}
    for i, name in enumerate(["data_batch_1", "data_batch_2", "test_batch"]):
        batch, data, labels = cifar_batch(20, i, bytes_keys=(i != 1))
        (folder / name).write_bytes(pickle.dumps(batch, protocol=protocol))
        written[name] = (data, labels)
    names = [f"class{i}" for i in range(10)]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [n.encode() for n in names]}, protocol=2))

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle must not be used to read user files")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    ds = load_dataset(str(tmp_path), split=(0.75, 0.25, 0.0))  # the parent of cifar-10-batches-py works too
    assert ds.name == "cifar10" and ds.input_shape == (32, 32, 3) and ds.class_names == tuple(names)
    assert (len(ds.train_y), len(ds.val_y), len(ds.test_y)) == (30, 10, 20)
    data, labels = written["test_batch"]
    np.testing.assert_array_equal(ds.test_y, labels)
    # R, G, B planes of 1024 bytes, row-major 32x32
    img = ds.test_x[3]
    assert img[0, 0, 0] == data[3, 0] and img[0, 0, 1] == data[3, 1024] and img[0, 0, 2] == data[3, 2048]
    assert img[2, 5, 1] == data[3, 1024 + 2 * 32 + 5]


def test_cifar_binary_batches(tmp_path):
    rng = np.random.default_rng(0)
    records = {}
    for name in ("data_batch_1.bin", "test_batch.bin"):
        recs = rng.integers(0, 256, (15, 3073), dtype=np.uint8)
        recs[:, 0] %= 10
        (tmp_path / name).write_bytes(recs.tobytes())
        records[name] = recs
    (tmp_path / "batches.meta.txt").write_text("\n".join(f"n{i}" for i in range(10)) + "\n\n")
    ds = load_dataset(str(tmp_path))
    assert ds.class_names[0] == "n0"
    (tmp_path / "batches.meta").write_bytes(pickle.dumps("label_names: not a dict", protocol=2))
    assert load_dataset(str(tmp_path)).class_names[0] == "n0"  # an odd batches.meta falls back to the .txt
    recs = records["test_batch.bin"]
    np.testing.assert_array_equal(ds.test_y, recs[:, 0])
    np.testing.assert_array_equal(ds.test_x[1, :, :, 2].ravel(), recs[1, 1 + 2048:])
    (tmp_path / "data_batch_1.bin").write_bytes(bytes(3073 * 2 + 5))
    with pytest.raises(CnnExplorerError, match="whole number of CIFAR-10 records"):
        load_dataset(str(tmp_path))


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalEvil:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_a_malicious_cifar_batch_is_refused_and_runs_nothing(tmp_path, protocol):
    marker = tmp_path / "pwned"
    batch, _, _ = cifar_batch(4, 0)
    batch[b"labels"] = _Evil(marker)
    (tmp_path / "test_batch").write_bytes(pickle.dumps(batch, protocol=protocol))
    with pytest.raises(UnsafePickle, match="refused to read: it asks for (posix|nt).system"):
        load_dataset(str(tmp_path))
    assert not marker.exists()
    with pytest.raises(UnsafePickle, match="(builtins|__builtin__).eval"):
        safe_loads(pickle.dumps([_EvalEvil()], protocol=protocol))


def test_safe_pickle_refuses_non_data_tricks():
    # an allowed numpy global used to call something else than it should
    with pytest.raises(UnsafePickle):
        safe_loads(b"\x80\x02cnumpy\ndtype\nX\x01\x00\x00\x00Oq\x00\x89\x88\x87q\x01Rq\x02.")  # object dtype
    with pytest.raises(UnsafePickle, match="numpy.load"):
        safe_loads(b"\x80\x02cnumpy\nload\nq\x00.")
    with pytest.raises(UnsafePickle, match="INST"):
        safe_loads(b"(ios\nsystem\nS'true'\np0\n.")
    # an object array (its contents are pickled objects, not bytes) is refused
    with pytest.raises(UnsafePickle):
        safe_loads(pickle.dumps(np.array([1, "a"], dtype=object), protocol=2))
    with pytest.raises(CnnExplorerError, match="not a valid pickle"):
        safe_loads(b"\x80\x02}q\x00(X\x04\x00\x00\x00da")
    with pytest.raises(CnnExplorerError, match="not a valid pickle"):
        safe_loads(b"")


def test_safe_pickle_refuses_a_container_that_holds_itself():
    looped: list = []
    looped.append(looped)
    ring: dict = {}
    ring["self"] = ring
    for data in (looped, ring):
        with pytest.raises(UnsafePickle, match="nested in itself"):
            safe_loads(pickle.dumps(data, protocol=2))


# A batch as Python 2's cPickle wrote the real CIFAR-10 files: str as SHORT_BINSTRING, the array via
# numpy.core.multiarray._reconstruct + numpy.dtype('u1') + BUILD with the raw bytes.
PY2_BATCH = (
    b"\x80\x02}q\x00(U\x04dataq\x01cnumpy.core.multiarray\n_reconstruct\nq\x02cnumpy\nndarray\nq\x03K\x00\x85q\x04"
    b"U\x01bq\x05\x87q\x06Rq\x07(K\x01K\x02K\x03\x86q\x08cnumpy\ndtype\nq\tU\x02u1q\nK\x00K\x01\x87q\x0bRq\x0c"
    b"(K\x03U\x01|q\rNNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x0eb\x89U\x06\x01\x02\x03\x04\x05\x06q\x0ftq\x10b"
    b"U\x06labelsq\x11]q\x12(K\x01K\x02eu."
)


def test_safe_pickle_reads_the_python2_cifar_layout():
    out = safe_loads(PY2_BATCH)
    assert out[b"labels"] == [1, 2]
    np.testing.assert_array_equal(out[b"data"], [[1, 2, 3], [4, 5, 6]])
    assert out[b"data"].dtype == np.uint8
    # the same with the fortran flag missing from the array state is refused, not guessed
    with pytest.raises(UnsafePickle, match="array state"):
        safe_loads(PY2_BATCH.replace(b"b\x89U\x06", b"bU\x06"))
    # and with 5 bytes for a 2x3 array
    with pytest.raises(CnnExplorerError, match="needs 6 bytes, has 5"):
        safe_loads(PY2_BATCH.replace(b"U\x06\x01\x02\x03\x04\x05\x06", b"U\x05\x01\x02\x03\x04\x05"))


def test_safe_pickle_reads_plain_data():
    obj = {"a": [1, 2.5, None, True, b"x", "y", (3, 4)], "arr": np.arange(6, dtype=">i4").reshape(2, 3),
           "f": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))}
    for protocol in range(6):
        out = safe_loads(pickle.dumps(obj, protocol=protocol))
        assert out["a"] == obj["a"]
        for key in ("arr", "f"):
            np.testing.assert_array_equal(out[key], obj[key])
            assert out[key].dtype == obj[key].dtype


# --- image folders ---------------------------------------------------------------------------------

def save(path, arr, mode=None):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(arr, dtype=np.uint8), mode).save(path)


def test_image_folder_grey_classes_like_slide_003(tmp_path):
    rng = np.random.default_rng(0)
    for cls in ("8", "not 8"):
        for i in range(10):
            save(tmp_path / cls / f"{i}.png", rng.integers(0, 256, (12, 10)))
    (tmp_path / "8" / "notes.txt").write_text("not an image")
    (tmp_path / "8" / ".DS_Store").write_bytes(b"junk")
    ds = load_dataset(str(tmp_path), split=(0.6, 0.2, 0.2))
    assert ds.class_names == ("8", "not 8")
    assert ds.input_shape == (12, 10, 1) and ds.train_x.dtype == np.uint8
    assert (len(ds.train_y), len(ds.val_y), len(ds.test_y)) == (12, 4, 4)


def test_image_folder_colour_and_resizing(tmp_path):
    save(tmp_path / "a" / "1.png", np.full((8, 8, 3), [200, 10, 10]))
    save(tmp_path / "a" / "2.png", np.zeros((16, 12)))
    save(tmp_path / "b" / "1.jpg", np.full((10, 10, 3), 128))
    rgba = np.zeros((6, 6, 4))
    rgba[..., 3] = 0  # fully transparent: white after compositing
    save(tmp_path / "b" / "2.png", rgba, "RGBA")
    with pytest.raises(CnnExplorerError, match="mixed sizes.*give a size"):
        load_dataset(str(tmp_path))
    ds = load_dataset(str(tmp_path), size=(9, 7), split=(1.0, 0.0, 0.0))
    assert ds.input_shape == (9, 7, 3)
    reds = ds.train_x[(ds.train_x[..., 0] > 150).all(axis=(1, 2)) & (ds.train_x[..., 1] < 50).all(axis=(1, 2))]
    assert len(reds) == 1
    assert (ds.train_x == 255).all(axis=(1, 2, 3)).sum() == 1  # the transparent one
    with pytest.raises(CnnExplorerError, match="size"):
        load_dataset(str(tmp_path), size=0)


def test_image_folder_mistakes(tmp_path):
    save(tmp_path / "loose.png", np.zeros((4, 4)))
    with pytest.raises(CnnExplorerError, match="one sub-folder per class"):
        load_dataset(str(tmp_path))
    save(tmp_path / "a" / "1.png", np.zeros((4, 4)))
    with pytest.raises(CnnExplorerError, match="at least two"):
        load_dataset(str(tmp_path))
    (tmp_path / "b").mkdir()
    with pytest.raises(CnnExplorerError, match="'b' holds no images"):
        load_dataset(str(tmp_path))
    (tmp_path / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(CnnExplorerError, match="broken.png: not a readable image"):
        load_dataset(str(tmp_path))
