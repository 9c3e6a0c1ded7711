"""Optional downloads of MNIST, Fashion-MNIST and CIFAR-10 into the user cache.

Each file is fetched into ``<name>.part`` (resumed with an HTTP Range request
after an interruption), retried with exponential backoff, checked against its
published MD5, and only then renamed into place; a file that fails its check
is deleted. Mirrors can be replaced by a base URL, from the ``base_url``
argument or an environment variable (``CNN_EXPLORER_MNIST_URL``,
``CNN_EXPLORER_FASHION_MNIST_URL``, ``CNN_EXPLORER_CIFAR10_URL``).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cnn_explorer.core.errors import CnnExplorerError
from cnn_explorer.core.io.files import open_user_file

Progress = Callable[[int, "int | None", str], None]
USER_AGENT = "cnn-explorer (dataset download)"
CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset, with its published checksum (MD5 and/or SHA-256, hex)."""

    name: str
    md5: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a dataset's files come from and what ends up in the cache."""

    name: str
    mirrors: tuple[str, ...]
    files: tuple[RemoteFile, ...]
    env: str
    folder: str = ""  # sub-folder of the cache folder holding the loadable files
    extract: tuple[str, ...] = ()  # for an archive: the member file names to keep

    def required(self) -> tuple[str, ...]:
        """The file names whose presence means the dataset is cached."""
        return self.extract or tuple(f.name for f in self.files)


_IDX = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
SOURCES: dict[str, Source] = {
    "mnist": Source(
        "mnist",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/",
         "http://yann.lecun.com/exdb/mnist/"),
        tuple(RemoteFile(n, md5=m) for n, m in zip(_IDX, (
            "f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432",
            "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"))),
        "CNN_EXPLORER_MNIST_URL",
    ),
    "fashion-mnist": Source(
        "fashion-mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
         "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        tuple(RemoteFile(n, md5=m) for n, m in zip(_IDX, (
            "8d4fb7e6c68d591d4c3dfef9ec88bf0d", "25c81989df183df01b3e8a0aad5dffbe",
            "bef4ecab320f06d8554ea6380940ec79", "bb300cfdad3c16e7a12a480ee83cd310"))),
        "CNN_EXPLORER_FASHION_MNIST_URL",
    ),
    "cifar10": Source(
        "cifar10",
        ("https://www.cs.toronto.edu/~kriz/",),
        (RemoteFile("cifar-10-python.tar.gz", md5="c58f30108f718f92721af3b95e74349a"),),
        "CNN_EXPLORER_CIFAR10_URL",
        folder="cifar-10-batches-py",
        extract=("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch",
                 "batches.meta"),
    ),
}


def cache_dir() -> Path:
    """Where downloads go: $CNN_EXPLORER_CACHE, else the platform's user cache folder + cnn-explorer."""
    env = os.environ.get("CNN_EXPLORER_CACHE")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "cnn-explorer" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "cnn-explorer"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnn-explorer"


def _source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise CnnExplorerError(f"download: no download for {name!r}; choose one of {', '.join(SOURCES)}") from None


def dataset_folder(name: str, cache: str | Path | None = None) -> Path:
    """The folder a downloaded dataset is loaded from (it may not exist yet)."""
    src = _source(name)
    root = Path(cache).expanduser() if cache is not None else cache_dir()
    folder = root / name
    return folder / src.folder if src.folder else folder


def is_cached(name: str, cache: str | Path | None = None) -> bool:
    """True when every file of the dataset is in the cache (files only land there after their checksum)."""
    folder = dataset_folder(name, cache)
    return all((folder / f).is_file() for f in _source(name).required())


class _Offline(Exception):
    """The network could not be reached (connection refused, no DNS, timeout)."""


class _Unavailable(Exception):
    """The server answered, but not with the file (HTTP 4xx/5xx)."""


def _digest(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open_user_file(path, "downloaded file") as fh:  # never a FIFO left in the cache
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checksum_problem(path: Path, md5: str | None, sha256: str | None) -> str | None:
    """None when the file matches every checksum given, else what differs."""
    for algorithm, expected in (("sha256", sha256), ("md5", md5)):
        if expected:
            got = _digest(path, algorithm)
            if got != expected.lower():
                return f"{algorithm.upper()} {got}, expected {expected.lower()}"
    return None


def _transfer(url: str, part: Path, timeout: float, progress: Progress | None, label: str) -> None:
    """Fetch url into part, appending to what part already holds when the server honours Range."""
    start = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if start:
        headers["Range"] = f"bytes={start}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and start:
            return  # we already hold every byte: the checksum decides
        if exc.code >= 500 or exc.code in (408, 429):
            raise _Offline(f"HTTP {exc.code} {exc.reason} from {url}") from None  # transient: worth a retry
        raise _Unavailable(f"HTTP {exc.code} {exc.reason} from {url}") from None
    except urllib.error.URLError as exc:
        raise _Offline(f"{exc.reason} ({url})") from None
    except (socket.timeout, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
        raise _Offline(f"{exc.__class__.__name__}: {exc} ({url})") from None
    except ValueError as exc:  # e.g. a malformed host
        raise CnnExplorerError(f"download: bad URL {url!r} ({exc})") from None
    with response:
        if start and response.status != 206:
            start = 0  # the server ignored Range: start over
        length = response.headers.get("Content-Length")
        total = start + int(length) if length and length.isdigit() else None
        done = start
        with part.open("ab" if start else "wb") as out:
            try:
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total, label)
            except (http.client.IncompleteRead, ConnectionError, socket.timeout, TimeoutError) as exc:
                raise _Offline(f"connection lost after {done} of {total or '?'} bytes ({exc.__class__.__name__}) from {url}") from None
        if total is not None and done < total:
            raise _Offline(f"connection closed after {done} of {total} bytes from {url}")


def fetch_file(
    urls: list[str] | tuple[str, ...],
    dest: Path,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 30.0,
    progress: Progress | None = None,
    what: str = "",
) -> Path:
    """Download one file to dest from the first url that works; verified, resumable, retried.

    Each url is tried up to ``1 + retries`` times, waiting ``backoff * 2**k``
    seconds between tries; an interrupted transfer resumes from the bytes
    already in ``dest.part``. A file failing its checksum is deleted; when it
    had been resumed it is fetched once more from scratch before giving up.
    """
    what = what or dest.name
    for url in urls:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https") or not urllib.parse.urlsplit(url).netloc:
            raise CnnExplorerError(f"download: bad URL {url!r} (expected http:// or https://)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    offline: list[str] = []
    unavailable: list[str] = []
    for url in urls:
        fresh_retry_done = False
        attempt = 0
        while attempt <= retries:
            resumed = part.exists() and part.stat().st_size > 0
            try:
                _transfer(url, part, timeout, progress, f"downloading {dest.name}")
            except _Offline as exc:
                offline.append(str(exc))
                attempt += 1
                if attempt <= retries:
                    time.sleep(backoff * 2 ** (attempt - 1))
                continue
            except _Unavailable as exc:
                unavailable.append(str(exc))
                break  # this mirror does not have it; try the next
            problem = _checksum_problem(part, md5, sha256)
            if problem is None:
                part.replace(dest)
                return dest
            part.unlink()
            if resumed and not fresh_retry_done:
                fresh_retry_done = True  # the bytes kept from before may be stale: once more, from scratch
                continue
            raise CnnExplorerError(
                f"could not download {what}: {dest.name} from {url} failed its checksum ({problem}); "
                "the file was not kept"
            )
    if unavailable and not offline:
        raise CnnExplorerError(f"could not download {what}: {dest.name} is not available ({unavailable[-1]})")
    reason = offline[-1] if offline else "no mirror given"
    kept = "; the partial file is kept and the next try resumes it" if part.exists() else ""
    raise CnnExplorerError(
        f"could not download {what}: no network or the server is unreachable ({reason}){kept}; "
        "the bundled mnist-sample works offline"
    )


def _extract(archive: Path, folder: Path, members: tuple[str, ...]) -> None:
    """Copy the named regular files out of a .tar.gz into folder (nothing else: no paths, no links)."""
    tmp = folder.with_name(folder.name + ".extracting")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    wanted = set(members)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if base in wanted and member.isfile():
                    src = tar.extractfile(member)
                    if src is None:
                        continue
                    with src, (tmp / base).open("wb") as out:
                        shutil.copyfileobj(src, out)
    except (tarfile.TarError, OSError, EOFError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CnnExplorerError(f"{archive.name}: could not unpack the archive ({exc})") from None
    missing = sorted(wanted - {p.name for p in tmp.iterdir()})
    if missing:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CnnExplorerError(f"{archive.name}: the archive lacks {', '.join(missing)}")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.replace(folder)


def fetch(
    name: str,
    *,
    cache_dir: str | Path | None = None,
    base_url: str | None = None,
    progress: Progress | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 30.0,
) -> Path:
    """Download a dataset into the cache (if not there yet) and return the folder to load it from."""
    src = _source(name)
    folder = dataset_folder(name, cache_dir)
    if is_cached(name, cache_dir):
        return folder
    base = base_url or os.environ.get(src.env)
    mirrors = (base,) if base else src.mirrors
    root = folder.parent if src.folder else folder
    for remote in src.files:
        dest = root / remote.name
        if not dest.is_file():
            fetch_file([m.rstrip("/") + "/" + remote.name for m in mirrors], dest, md5=remote.md5,
                       sha256=remote.sha256, retries=retries, backoff=backoff, timeout=timeout,
                       progress=progress, what=name)
        if src.extract:
            _extract(dest, folder, src.extract)
            dest.unlink()
    return folder
