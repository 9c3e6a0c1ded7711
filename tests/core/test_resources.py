"""The shipped resources are found in the source tree, in an installed prefix, or where the user says."""

from __future__ import annotations

import sys

from cnn_explorer.core import resources


def test_the_source_tree_resources_are_found():
    resources.resources_dir.cache_clear()
    try:
        assert resources.resource_path("data", "mnist_sample.npz").is_file()
        assert resources.resource_path("models", "mnist.safetensors").is_file()
    finally:
        resources.resources_dir.cache_clear()


def test_an_installed_prefix_is_used_when_the_source_tree_is_absent(tmp_path, monkeypatch):
    installed = tmp_path / "share" / "cnn-explorer" / "resources"
    (installed / "images").mkdir(parents=True)
    monkeypatch.setattr(resources, "_REPO_RESOURCES", tmp_path / "missing")
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.delenv("CNN_EXPLORER_RESOURCES", raising=False)
    resources.resources_dir.cache_clear()
    try:
        assert resources.resources_dir() == installed
        assert resources.resource_path("images", "x.png") == installed / "images" / "x.png"
    finally:
        resources.resources_dir.cache_clear()


def test_the_environment_variable_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_EXPLORER_RESOURCES", str(tmp_path))
    resources.resources_dir.cache_clear()
    try:
        assert resources.resources_dir() == tmp_path
    finally:
        resources.resources_dir.cache_clear()
