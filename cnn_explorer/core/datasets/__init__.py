"""Datasets for training and evaluation: bundled, synthetic, from files, downloaded.

All datasets are held in memory as numpy arrays (see `Dataset`). The public
API is `load_dataset`, `list_datasets`, `augment_batch` and `cache_dir`.
"""

from cnn_explorer.core.datasets.augment import augment_batch
from cnn_explorer.core.datasets.base import (
    Dataset,
    DatasetInfo,
    channel_stats,
    to_float,
)
from cnn_explorer.core.datasets.download import cache_dir
from cnn_explorer.core.datasets.loader import (
    canonical_name,
    dataset_names,
    list_datasets,
    load_dataset,
)

__all__ = [
    "Dataset",
    "DatasetInfo",
    "augment_batch",
    "cache_dir",
    "canonical_name",
    "channel_stats",
    "dataset_names",
    "list_datasets",
    "load_dataset",
    "to_float",
]
