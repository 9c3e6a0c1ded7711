"""The named samples: every seed grid with its slide's kernel and settings, synthetic pictures, photos."""

from __future__ import annotations

import numpy as np
import pytest

from cnn_explorer.core.conv.convolution import ConvSettings
from cnn_explorer.core.conv.pipeline import run_pipeline
from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.kernels import seed_grids as seeds
from cnn_explorer.core.kernels.library import PRESETS
from cnn_explorer.core.kernels.samples import (
    IMAGES_DIR,
    O_IMAGE,
    SAMPLE_GROUPS,
    SAMPLE_TOPICS,
    SAMPLES,
    Sample,
    SampleRegistry,
    get_sample,
)


def _run(name: str):
    s = SAMPLES[name]
    return run_pipeline(s.image, s.kernel_arrays(), s.conv, s.activation, s.pool, precision="exact")


def test_every_seed_grid_is_a_sample_with_its_slide():
    slides = {s.slide for s in (SAMPLES[n] for n in SAMPLES if n not in ("astronaut", "coffee"))}
    assert {"000-1", "000-4", "000-6", "001-1", "001-2", "001-4", "001-5", "001-7", "003-5", "004"} <= slides
    grids = {
        "000-1": seeds.SLIDE_000_1_IMAGE, "000-4": seeds.SLIDE_000_4_IMAGE,
        "000-6-backslash": seeds.SLIDE_000_6_BACKSLASH, "000-6-slash": seeds.SLIDE_000_6_SLASH,
        "000-6-poor-backslash": seeds.SLIDE_000_6_POOR_BACKSLASH,
        "000-6-incomplete-slash": seeds.SLIDE_000_6_INCOMPLETE_SLASH,
        "001-1": seeds.SLIDE_001_1_PATCH, "001-2": seeds.SLIDE_001_2_PATCH, "001-4": seeds.SLIDE_001_4_IMAGE,
        "001-4-same": seeds.SLIDE_001_4_IMAGE, "001-5": seeds.SLIDE_001_5_IMAGE, "003-5": seeds.SLIDE_003_5_MAP,
        "004": seeds.SLIDE_004_X_IMAGE, "004-7": seeds.SLIDE_004_7_SIGNAL,
    }
    for name, grid in grids.items():
        assert SAMPLES[name].image is grid, name  # the seed constants themselves, never a copy that could drift


def test_000_1_feature_first_cell_and_pool():
    r = _run("000-1")
    np.testing.assert_array_equal(r.feature[0], seeds.SLIDE_000_1_FEATURE)
    np.testing.assert_array_equal(r.output[0], seeds.SLIDE_000_1_POOLED)


def test_000_4_happy_face_with_ceil_pool():
    r = _run("000-4")
    np.testing.assert_array_equal(r.feature[0], seeds.SLIDE_000_4_FEATURE)
    assert not np.array_equal(r.feature[0][2], seeds.SLIDE_000_4_FEATURE_ROW3_ERRATUM)
    np.testing.assert_array_equal(r.output[0], seeds.SLIDE_000_4_POOLED)
    np.testing.assert_array_equal(r.output[0].ravel(), seeds.SLIDE_000_4_FLATTENED)


def test_000_6_slash_scores():
    for key, score in seeds.SLIDE_000_6_SCORES.items():
        assert _run(f"000-6-{key.replace('_', '-')}").output.item() == score


def test_001_patches_stride_and_sizes():
    assert _run("001-1").output.item() == seeds.SLIDE_001_1_VALUE
    assert _run("001-2").output.item() == seeds.SLIDE_001_2_VALUE
    assert _run("001-4").output.shape[1:] == seeds.SLIDE_001_4_VALID_SHAPE
    assert _run("001-4-same").output.shape[1:] == seeds.SLIDE_001_4_SAME_SHAPE
    out = _run("001-5").output[0]
    np.testing.assert_array_equal(out, seeds.SLIDE_001_5_FEATURE)
    assert (out[0, 2], out[1, 2]) == (88, 117)


def test_001_7_rgb_filters_span_all_channels():
    s = SAMPLES["001-7"]
    assert s.image.shape == seeds.SLIDE_001_7_INPUT_SHAPE
    assert s.kernel_arrays()[0].shape == seeds.SLIDE_001_7_KERNEL_SHAPE
    r = _run("001-7")
    assert r.output.shape == (1, *seeds.SLIDE_001_7_OUTPUT_SHAPE)
    # cell (0, 0) by hand: all 27 products of the first window
    assert r.output[0, 0, 0] == float((s.image[:3, :3, :] * s.kernel_arrays()[0]).sum())
    two = _run("001-7-two-filters")
    assert np.moveaxis(two.output, 0, -1).shape == seeds.SLIDE_001_7_TWO_FILTER_OUTPUT_SHAPE
    np.testing.assert_array_equal(two.output[0], r.output[0])


def test_003_5_pooling_only():
    r = _run("003-5")
    np.testing.assert_array_equal(r.feature[0], seeds.SLIDE_003_5_MAP)  # the 1×1 kernel of 1 passes it through
    np.testing.assert_allclose(r.output[0], seeds.SLIDE_003_5_POOLED)


def test_004_x_three_features_normalize_relu_ceil_pool():
    s = SAMPLES["004"]
    assert s.conv.normalize and s.activation == "relu" and s.pool.ceil_mode
    assert s.kernel_names() == ["xo-diagonal", "xo-x", "xo-anti-diagonal"]
    r = _run("004")
    np.testing.assert_allclose(r.feature[0, 0], seeds.SLIDE_004_DIAGONAL_FIRST_ROW, rtol=0, atol=1e-15)
    assert r.feature[1, 3, 3] == seeds.SLIDE_004_X_MAP_CENTRE
    for got, slide in zip(r.output, seeds.SLIDE_004_POOLED):
        np.testing.assert_allclose(got, slide, atol=seeds.SLIDE_004_POOLED_TOLERANCE)


def test_004_7_one_dimensional_signal():
    s = SAMPLES["004-7"]
    r = _run("004-7")
    assert s.image.shape == (1, 6) and r.output.shape == (2, 1, 7)
    # (1, -1) answers most where the signal steps down from 1 to 0
    best = int(np.argmax(r.output[0, 0]))
    padded = np.pad(s.image[0], 1)
    assert padded[best:best + 2].tolist() == seeds.SLIDE_004_7_BEST_INPUT[0].tolist()


def test_o_image_and_xo_features():
    o = SAMPLES["xo-o"]
    assert o.image is O_IMAGE and o.image.shape == (9, 9) and set(np.unique(o.image)) == {-1.0, 1.0}
    assert np.array_equal(o.image, o.image[::-1]) and np.array_equal(o.image, o.image[:, ::-1])
    x_map = _run("004").feature[1]
    o_map = _run("xo-o").feature[1]
    assert o_map.max() < x_map.max() == 1.0  # the X feature fits the X perfectly, the O only partly


def test_synthetic_pictures():
    for name in ("checkerboard", "gradient-horizontal", "gradient-vertical", "circle", "square", "triangle",
                 "letter-a"):
        s = SAMPLES[name]
        assert s.group == "synthetic" and s.image.shape == (64, 64) and s.image.dtype == np.float64
        assert s.image.min() == 0 and s.image.max() == 255
        assert isinstance(s.kernel, str) and s.kernel in PRESETS
    cb = SAMPLES["checkerboard"].image
    assert cb[0, 0] == 255 and cb[0, 8] == 0 and cb[8, 8] == 255 and cb.mean() == 127.5
    gh = SAMPLES["gradient-horizontal"].image
    assert (np.diff(gh, axis=1) > 0).all() and (np.diff(gh, axis=0) == 0).all()
    assert np.array_equal(SAMPLES["gradient-vertical"].image, gh.T)
    circle, square, tri = (SAMPLES[n].image for n in ("circle", "square", "triangle"))
    assert np.array_equal(circle, circle.T) and np.array_equal(circle, circle[::-1])
    assert (square > 0).sum() == 32 * 32
    assert np.array_equal(tri, tri[:, ::-1]) and (tri[20] > 0).sum() < (tri[50] > 0).sum()
    a = SAMPLES["letter-a"].image
    assert np.array_equal(a, a[:, ::-1]) and a[38, 32] == 255 and a[20, 32] == 0  # crossbar, hollow top


def test_photos_ship_with_their_licence_and_decode_on_demand():
    assert (IMAGES_DIR / "README.md").is_file()
    readme = (IMAGES_DIR / "README.md").read_text(encoding="utf-8")
    assert "public domain" in readme.lower() and "CC0" in readme
    assert "astronaut" in SAMPLES
    s = SAMPLES["astronaut"]
    assert s.group == "photos" and s.image.shape == (512, 512, 3) and 0 <= s.image.min() < s.image.max() <= 255
    assert SAMPLES["astronaut"] is s  # decoded once
    for name in ("astronaut", "coffee"):
        assert (IMAGES_DIR / f"{name}.jpg").stat().st_size < 150_000


def test_every_sample_runs_through_the_pipeline():
    for name in SAMPLES:
        s = SAMPLES[name]
        assert isinstance(s, Sample) and s.title and s.description and s.group in SAMPLE_GROUPS
        assert not s.image.flags.writeable
        r = run_pipeline(s.image, s.kernel_arrays(), s.conv, s.activation, s.pool)
        assert np.isfinite(r.output).all() and r.output.shape[0] == len(s.kernel_names())


def test_registry_groups_and_lookup():
    groups = SAMPLES.by_group()
    assert list(groups) == list(SAMPLE_GROUPS) and "000-1" in groups["slides"] and "coffee" in groups["photos"]
    assert sum(len(v) for v in groups.values()) == len(SAMPLES)
    s = get_sample("Slide 000_1")
    assert s.name == "000-1" and s.image.flags.writeable
    s.image[0, 0] = -1  # a copy: the shared sample is untouched
    assert SAMPLES["000-1"].image[0, 0] == 18
    assert get_sample("sample:004").conv == ConvSettings(normalize=True)
    with pytest.raises(CnnExplorerError, match=r"sample: unknown '001-9'; did you mean 001-"):
        get_sample("001-9")
    with pytest.raises(CnnExplorerError, match="cnn-explorer kernels --samples"):
        get_sample("qqqqqq")
    with pytest.raises(KeyError):
        SAMPLES["nope"]


# --- human names and topics (issue 11) -----------------------------------------------------------

def test_every_sample_has_a_human_title_and_exactly_one_topic():
    listed = [n for names in SAMPLE_TOPICS.values() for n in names]
    assert sorted(listed) == sorted(SAMPLES), "each sample in exactly one topic, and no unknown names"
    for name in SAMPLES:
        assert SAMPLES.topic_of(name) in SAMPLE_TOPICS
        title = SAMPLES.label_of(name)
        # a human name first; a slide code only second, in brackets
        slide = SAMPLES[name].slide if name not in ("astronaut", "coffee") else ""
        assert not title.startswith(name) and not (slide and title.startswith(slide))
        assert title.endswith(f"(slide {slide})") if slide else "slide" not in title


def test_sample_label_puts_the_slide_code_second():
    s = SAMPLES["000-1"]
    assert s.title == "6×6 example with the corner filter"
    assert s.topic == "Convolution step by step"
    assert s.label == "6×6 example with the corner filter (slide 000-1)"
    assert get_sample("000-1").label == s.label  # the copy keeps title and topic
    assert SAMPLES["checkerboard"].label == SAMPLES["checkerboard"].title  # no slide: no code
    assert SAMPLES["004"].topic == "X or O: features of a tiny CNN"


def test_topics_in_menu_order_without_decoding_photos():
    fresh = SampleRegistry([SAMPLES["004"], SAMPLES["000-1"]],
                           {"coffee": ("Coffee cup (photo)", lambda: pytest.fail("decoded a photo"))})
    assert fresh.by_topic() == {"Convolution step by step": ["000-1"],
                                "X or O: features of a tiny CNN": ["004"], "Photos": ["coffee"]}
    assert fresh.label_of("coffee") == "Coffee cup (photo)" and fresh.topic_of("coffee") == "Photos"
    with pytest.raises(KeyError):
        fresh.topic_of("nope")
    assert list(SAMPLES.by_topic()) == list(SAMPLE_TOPICS)
    assert SAMPLES["coffee"].topic == "Photos"
