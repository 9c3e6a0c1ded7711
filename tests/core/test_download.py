"""Downloads against an HTTP server on 127.0.0.1 started by the test: good, corrupt, truncated, resumed, offline."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import pickle
import socket
import struct
import tarfile
import threading

import numpy as np
import pytest

from cnn_explorer.cli import main
from cnn_explorer.core.datasets import download as dl
from cnn_explorer.core.datasets import list_datasets, load_dataset
from cnn_explorer.core.errors import CnnExplorerError

FAST = {"retries": 2, "backoff": 0.01, "timeout": 5.0}


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves server.files; honours Range; can cut a file short once or serve corrupt bytes."""

    def do_GET(self):  # noqa: N802 - http.server API
        srv = self.server
        name = self.path.rsplit("/", 1)[-1]
        srv.log.append((name, self.headers.get("Range")))
        if name not in srv.files:
            self.send_error(404, "not here")
            return
        if name in srv.busy_once:
            srv.busy_once.discard(name)
            self.send_error(503, "busy")
            return
        body = srv.files[name]
        if name in srv.corrupt:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        start = 0
        rng = self.headers.get("Range")
        if rng and srv.ranges:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if name in srv.cut_once:
            srv.cut_once.discard(name)
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 (port 0) in a thread, shut down after the test."""
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    httpd.timeout = 5
    httpd.files, httpd.corrupt, httpd.cut_once, httpd.log, httpd.ranges = {}, set(), set(), [], True
    httpd.busy_once = set()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="test-http")
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}/data/"
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PAYLOAD = bytes(range(256)) * 400  # 100 KiB: several read chunks


def test_good_download_is_verified_and_moved_into_place(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    seen = []
    dest = dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD),
                         sha256=hashlib.sha256(PAYLOAD).hexdigest(), progress=lambda d, t, m: seen.append((d, t)), **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert not (tmp_path / "f.bin.part").exists()
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))


def test_corrupt_file_is_refused_and_not_kept(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    server.corrupt.add("f.bin")
    with pytest.raises(CnnExplorerError, match=r"could not download f.bin: f.bin .* failed its checksum \(MD5 .*not kept"):
        dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_transfer_resumes_with_a_range_request(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    server.cut_once.add("f.bin")
    dest = dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert server.log[0] == ("f.bin", None)
    assert server.log[1] == ("f.bin", f"bytes={len(PAYLOAD) // 2}-")
    assert len(server.log) == 2


def test_partial_file_from_an_earlier_run_is_resumed(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:1000])
    dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert server.log == [("f.bin", "bytes=1000-")]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_stale_partial_file_is_fetched_again_from_scratch(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    (tmp_path / "f.bin.part").write_bytes(b"\xff" * 1000)  # not the start of this file
    dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert server.log == [("f.bin", "bytes=1000-"), ("f.bin", None)]
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_server_ignoring_range_restarts_the_file(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    server.ranges = False
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:1000])
    dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_busy_server_is_retried(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    server.busy_once.add("f.bin")
    dl.fetch_file([server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert len(server.log) == 2 and (tmp_path / "f.bin").read_bytes() == PAYLOAD


def test_bad_base_url(tmp_path):
    with pytest.raises(CnnExplorerError, match="bad URL"):
        dl.fetch_file(["nothing-like-a-url/f.bin"], tmp_path / "f.bin", **FAST)


def test_server_down_gives_the_offline_message(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/data/f.bin"
    with pytest.raises(CnnExplorerError, match="could not download mnist: no network.*bundled mnist-sample works offline"):
        dl.fetch_file([url], tmp_path / "f.bin", md5="0" * 32, what="mnist", **FAST)
    assert not (tmp_path / "f.bin").exists()


def test_missing_file_tries_the_next_mirror(server, tmp_path):
    server.files["f.bin"] = PAYLOAD
    with pytest.raises(CnnExplorerError, match="not available.*HTTP 404"):
        dl.fetch_file([server.url + "other.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    dl.fetch_file([server.url + "x/nothing", server.url + "f.bin"], tmp_path / "f.bin", md5=md5(PAYLOAD), **FAST)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD


# --- whole datasets --------------------------------------------------------------------------------

def idx_bytes(arr) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    return gzip.compress(b"\0\0\x08" + bytes([arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes())


@pytest.fixture
def tiny_mnist(server, monkeypatch):
    """The server holds a tiny MNIST (40 train, 10 test digits); SOURCES["mnist"] carries its checksums."""
    rng = np.random.default_rng(0)
    files = {
        "train-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (40, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_bytes(np.arange(40) % 10),
        "t10k-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (10, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(np.arange(10)),
    }
    server.files.update(files)
    src = dl.SOURCES["mnist"]
    monkeypatch.setitem(dl.SOURCES, "mnist", dl.Source(
        "mnist", ("http://127.0.0.1:9/never/",), tuple(dl.RemoteFile(n, md5=md5(b)) for n, b in files.items()), src.env))
    monkeypatch.setenv(src.env, server.url)
    return server


def test_load_mnist_with_download(tiny_mnist, tmp_path):
    with pytest.raises(CnnExplorerError, match="not downloaded yet.*--download mnist"):
        load_dataset("mnist", cache_dir=tmp_path)
    assert tiny_mnist.log == []
    ds = load_dataset("mnist", download=True, cache_dir=tmp_path)
    assert ds.name == "mnist" and ds.input_shape == (28, 28, 1)
    assert (len(ds.train_y) + len(ds.val_y), len(ds.test_y)) == (40, 10)
    assert {i.name: i.available for i in list_datasets(tmp_path)}["mnist"]
    requests = len(tiny_mnist.log)
    load_dataset("mnist", download=True, cache_dir=tmp_path)
    assert len(tiny_mnist.log) == requests == 4  # cached: no second download


def test_cli_download_and_list(tiny_mnist, tmp_path, capsys):
    assert main(["datasets", "--download", "mnist", "--cache-dir", str(tmp_path)]) == 0
    assert "downloaded and verified" in capsys.readouterr().out
    assert main(["datasets", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mnist-sample" in out and "[ready]" in out and "slashes" in out
    assert main(["datasets", "--download", "mnist-sample"]) == 2
    assert "--download: choose one of" in capsys.readouterr().err
    assert main(["datasets", "--info", "xo"]) == 0
    assert "train 480, val 60, test 60" in capsys.readouterr().out


def test_cli_offline_download_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dl, "fetch", _fast_fetch)
    url = f"http://127.0.0.1:{free_port()}/"
    assert main(["datasets", "--download", "fashion-mnist", "--cache-dir", str(tmp_path), "--base-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no network" in err and "mnist-sample works offline" in err


_real_fetch = dl.fetch


def _fast_fetch(*args, **kwargs):
    return _real_fetch(*args, **{**kwargs, **FAST})


def cifar_archive(evil: bool = False) -> bytes:
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name in ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"):
            batch = {b"data": rng.integers(0, 256, (10, 3072), dtype=np.uint8), b"labels": list(range(10))}
            add(f"cifar-10-batches-py/{name}", pickle.dumps(batch, protocol=2))
        add("cifar-10-batches-py/batches.meta", pickle.dumps({b"label_names": [b"a%d" % i for i in range(10)]}))
        add("../escape.txt" if evil else "cifar-10-batches-py/readme.html", b"x")
    return buf.getvalue()


def test_cifar10_download_is_unpacked_safely(server, monkeypatch, tmp_path):
    archive = cifar_archive(evil=True)
    server.files["cifar-10-python.tar.gz"] = archive
    src = dl.SOURCES["cifar10"]
    monkeypatch.setitem(dl.SOURCES, "cifar10", dl.Source(
        "cifar10", (server.url,), (dl.RemoteFile("cifar-10-python.tar.gz", md5=md5(archive)),), src.env,
        folder=src.folder, extract=src.extract))
    ds = load_dataset("cifar10", download=True, cache_dir=tmp_path / "cache")
    assert ds.name == "cifar10" and ds.input_shape == (32, 32, 3) and ds.class_names[1] == "a1"
    assert (len(ds.train_y) + len(ds.val_y), len(ds.test_y)) == (50, 10)
    folder = tmp_path / "cache" / "cifar10"
    assert sorted(p.name for p in (folder / "cifar-10-batches-py").iterdir()) == sorted(src.extract)
    assert not (folder / "cifar-10-python.tar.gz").exists()  # the archive is not kept
    assert not (tmp_path / "cache" / "escape.txt").exists() and not (folder / "escape.txt").exists()
