"""``cnn-explorer datasets``: what can be trained on (bundled, synthetic, cached), download, inspect."""

from __future__ import annotations

import argparse

from cnn_explorer.commands.options import seed, url, whole
from cnn_explorer.commands.progress import DownloadProgress
from cnn_explorer.core.errors import CnnExplorerError, excerpt

DESCRIPTION = """\
List the datasets: bundled (works offline), synthetic (generated in the app) and
downloadable (MNIST, Fashion-MNIST, CIFAR-10; whether they are in the cache).
Anywhere a dataset name is accepted, a path works too: a folder of IDX files
(MNIST, Fashion-MNIST, KMNIST, EMNIST), a CIFAR-10 folder (python or binary
batches), a folder with one sub-folder of images per class, or an .npz file."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "datasets", help="list, download or inspect datasets", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--download", metavar="NAME", help="download NAME (mnist, fashion-mnist, cifar10) into the cache")
    group.add_argument("--info", metavar="NAME|PATH", help="load a dataset and show its classes, shape and split")
    parser.add_argument("--cache-dir", metavar="DIR", help="cache folder (default: $CNN_EXPLORER_CACHE or the user cache)")
    parser.add_argument("--base-url", metavar="URL", type=url, help="with --download: fetch from this mirror instead")
    parser.add_argument("--seed", type=seed, default=0, help="with --info: split seed (default 0)")
    parser.add_argument("--size", metavar="N", type=whole(1, 4096), help="with --info: image side for shapes or image folders")
    return parser


def run(args: argparse.Namespace) -> int:
    # numpy-backed core modules load here, not at the top, so that `cnn-explorer --help` stays fast
    from cnn_explorer.core.datasets import (
        cache_dir,
        canonical_name,
        list_datasets,
        load_dataset,
    )
    from cnn_explorer.core.datasets import download as dl

    if args.download:
        name = canonical_name(args.download)
        if name not in dl.SOURCES:
            raise CnnExplorerError(f"--download: choose one of {', '.join(dl.SOURCES)}, got {excerpt(args.download)}")
        if dl.is_cached(name, args.cache_dir):
            print(f"{name}: already in the cache at {dl.dataset_folder(name, args.cache_dir)}")
            return 0
        folder = dl.fetch(name, cache_dir=args.cache_dir, base_url=args.base_url, progress=DownloadProgress())
        print(f"{name}: downloaded and verified, in {folder}")
        return 0
    if args.info:
        print(load_dataset(args.info, seed=args.seed, size=args.size, cache_dir=args.cache_dir).summary())
        return 0
    infos = list_datasets(args.cache_dir)
    width = max(len(i.name) for i in infos)
    for kind in ("bundled", "synthetic", "download"):
        print(f"{kind}:")
        for info in (i for i in infos if i.kind == kind):
            state = "" if kind == "synthetic" else ("  [ready]" if info.available else "  [not downloaded]")
            print(f"  {info.name:<{width}}  {info.description}{state}")
    print(f"cache: {cache_dir() if args.cache_dir is None else args.cache_dir}")
    print("Also accepted as a dataset: a path to an IDX folder, a CIFAR-10 folder, a folder of class sub-folders, or an .npz.")
    return 0
