"""Hypothesis settings for the core tests: no deadline (2 shared cores), few enough examples to stay fast."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "cnn-core",
    deadline=None,
    max_examples=int(os.environ.get("CNN_CORE_MAX_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("cnn-core")
