"""The core tests' shared set-up: Hypothesis settings (no deadline on 2 shared cores, few enough examples to stay
fast), torch's thread count restored after each module, and the tiny stripes dataset."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "cnn-core",
    deadline=None,
    max_examples=int(os.environ.get("CNN_CORE_MAX_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("cnn-core")


@pytest.fixture(autouse=True, scope="module")
def _restore_torch_threads():
    """Training sets torch's global thread count; give the next test module the count it had
    (torch is not imported here: modules that train import it themselves)."""
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    yield
    if before is not None:
        torch.set_num_threads(before)


@pytest.fixture(scope="module")
def stripes(request, tmp_path_factory):
    """A tiny .npz dataset: 8x8 images with a horizontal (0) or a vertical (1) bright stripe
    (seeded by the module's STRIPES_SEED, default 0)."""
    rng = np.random.default_rng(getattr(request.module, "STRIPES_SEED", 0))
    n = 160
    labels = np.arange(n) % 2
    images = (rng.random((n, 8, 8)) * 60).astype(np.uint8)
    for i, label in enumerate(labels):
        k = rng.integers(1, 7)
        if label == 0:
            images[i, k, :] = 255
        else:
            images[i, :, k] = 255
    path = tmp_path_factory.mktemp("data") / "stripes.npz"
    np.savez(path, images=images, labels=labels, class_names=np.array(["horizontal", "vertical"]))
    return path
