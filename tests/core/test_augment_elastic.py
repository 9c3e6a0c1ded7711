"""Elastic distortion (Simard et al. 2003) in augment_batch: properties of the displacement field and the batch."""

from __future__ import annotations

import pytest
import torch

from cnn_explorer.core.datasets import augment_batch
from cnn_explorer.core.datasets.augment import ELASTIC_SIGMA, displace, elastic_field
from cnn_explorer.core.errors import CnnExplorerError


def _stroke(n=8, size=28):
    """A bar across the middle: a digit-like stroke whose wobble is easy to see."""
    x = torch.zeros(n, 1, size, size)
    x[:, :, size // 2 - 2:size // 2 + 2, 4:size - 4] = 1.0
    return x


def _identity_grid(x):
    theta = torch.tensor([[1.0, 0, 0], [0, 1.0, 0]]).expand(x.shape[0], 2, 3)
    return torch.nn.functional.affine_grid(theta, list(x.shape), align_corners=False)


def test_a_zero_displacement_is_the_identity():
    x = torch.rand(4, 3, 17, 23)
    assert torch.allclose(displace(x, _identity_grid(x)), x, atol=1e-5)
    field = elastic_field(4, 17, 23, 0.0, generator=torch.Generator().manual_seed(0))
    assert field.shape == (4, 17, 23, 2) and torch.count_nonzero(field) == 0
    assert augment_batch(x, shift=0, rotate=0, scale=0, elastic=0) is x


def test_elastic_zero_leaves_the_affine_batch_exactly_as_it_was():
    """Every recipe without elastic distortion trains exactly as before: same draws, same pixels."""
    x = torch.rand(16, 1, 28, 28)
    before = augment_batch(x, generator=torch.Generator().manual_seed(5))
    assert torch.equal(augment_batch(x, elastic=0.0, generator=torch.Generator().manual_seed(5)), before)
    assert not torch.equal(augment_batch(x, elastic=34.0, generator=torch.Generator().manual_seed(5)), before)


def test_repeatable_with_the_same_generator_and_different_with_another():
    x = _stroke()
    a = augment_batch(x, elastic=34.0, generator=torch.Generator().manual_seed(1))
    b = augment_batch(x, elastic=34.0, generator=torch.Generator().manual_seed(1))
    c = augment_batch(x, elastic=34.0, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.equal(a[0], a[1])  # each image its own field


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_and_dtype_are_kept_on_non_square_colour_batches(dtype):
    x = torch.rand(5, 3, 20, 31, dtype=dtype)
    out = augment_batch(x, shift=0, rotate=0, scale=0, elastic=20.0, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == dtype and out.device == x.device
    assert torch.isfinite(out).all() and not torch.equal(out, x)


def test_the_field_has_simards_scale_and_is_smooth():
    """Uniform -1..1 noise through a normalised Gaussian of sigma 4: interior std = alpha * 0.577 / (sqrt(4 pi) 4)."""
    alpha, n, h, w = 34.0, 400, 28, 28
    field = elastic_field(n, h, w, alpha, generator=torch.Generator().manual_seed(0))
    pixels = field * torch.tensor([w / 2.0, h / 2.0])  # back to pixels
    inner = pixels[:, 12:16, 12:16]  # far enough from the edges for the whole kernel (radius 12)
    expected = alpha * (1 / 3) ** 0.5 / ((4 * torch.pi) ** 0.5 * ELASTIC_SIGMA)
    assert inner.std().item() == pytest.approx(expected, rel=0.1)
    # neighbouring pixels move nearly together (a smooth field, not noise)
    dx = pixels[:, :, 1:] - pixels[:, :, :-1]
    assert dx.std().item() < 0.2 * pixels.std().item()


def test_an_elastic_stroke_wobbles_but_stays_the_same_stroke():
    x = _stroke(16)
    out = augment_batch(x, shift=0, rotate=0, scale=0, elastic=34.0, generator=torch.Generator().manual_seed(3))
    moved = (out - x).abs().sum(dim=(1, 2, 3))
    assert (moved > 1.0).all()  # every image changed
    ink_ratio = out.sum(dim=(1, 2, 3)) / x.sum(dim=(1, 2, 3))
    assert ((ink_ratio > 0.7) & (ink_ratio < 1.3)).all()  # a smooth field stretches the ink a little at most
    overlap = (out * x).sum(dim=(1, 2, 3)) / x.sum(dim=(1, 2, 3))
    assert (overlap > 0.5).all()  # ... and most of it where it was: a wobble, not a new picture


def test_a_cpu_generator_works_for_any_device_batch():
    x = _stroke(4)
    out = augment_batch(x, elastic=34.0, generator=torch.Generator().manual_seed(0))
    if torch.cuda.is_available():
        gpu = augment_batch(x.cuda(), elastic=34.0, generator=torch.Generator().manual_seed(0))
        assert gpu.device.type == "cuda" and torch.allclose(gpu.cpu(), out, atol=1e-4)
    assert out.device == x.device


@pytest.mark.parametrize("alpha", [-1.0, float("nan"), float("inf")])
def test_a_bad_alpha_is_a_clear_error(alpha):
    with pytest.raises(CnnExplorerError, match="elastic: must be a non-negative number"):
        augment_batch(torch.zeros(2, 1, 8, 8), elastic=alpha)
    with pytest.raises(CnnExplorerError, match="elastic: must be a non-negative number"):
        elastic_field(2, 8, 8, alpha)
