"""Packaging: the desktop entry, AppStream metainfo, icons, the tarball installer, and the wheel."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cnn_explorer.ui.app import APP_ID

REPO = Path(__file__).resolve().parents[1]
SHARE = REPO / "packaging" / "linux" / "share"
DESKTOP = SHARE / "applications" / f"{APP_ID}.desktop"
METAINFO = SHARE / "metainfo" / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _desktop_entry() -> dict[str, str]:
    lines = DESKTOP.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def test_the_desktop_entry_names_the_program_and_the_icon_by_the_windows_app_id():
    entry = _desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "CNN Explorer"
    assert entry["Icon"] == APP_ID
    assert entry["Exec"].split()[0] == "cnn-explorer"
    assert entry["Terminal"] == "false"
    assert "Education" in entry["Categories"].split(";")


def test_the_metainfo_describes_the_same_app_with_screenshots_that_exist():
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name
    assert len(root.find("description").findall("p")) >= 2
    shots = [img.text for img in root.iter("image")]
    assert len(shots) >= 3
    for url in shots:
        assert url.startswith("https://")
        assert (REPO / "resources" / "screenshots" / url.rsplit("/", 1)[1]).is_file(), url


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", ICON_SIZES)
def test_an_icon_at_each_hicolor_size(size):
    icon = SHARE / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert _png_size(icon) == (size, size)


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="desktop-file-utils is not installed")
def test_desktop_file_validate_accepts_the_entry():
    out = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="appstream is not installed")
def test_appstreamcli_validates_the_metainfo():
    out = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.fixture
def unpacked(tmp_path) -> Path:
    """The tarball's layout, with a stand-in program where the frozen app goes."""
    folder = tmp_path / "cnn-explorer-0.1.0-linux-x86_64"
    (folder / "app" / "_internal").mkdir(parents=True)
    program = folder / "app" / "cnn-explorer"
    program.write_text("#!/bin/sh\necho 'cnn-explorer 0.1.0'\n")
    program.chmod(0o755)
    (folder / "app" / "_internal" / "lib.so").write_bytes(b"\0" * 10)
    shutil.copytree(SHARE, folder / "share")
    shutil.copy(REPO / "packaging" / "linux" / "install.sh", folder / "install.sh")
    return folder


def _install(folder: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DESTDIR=str(root))
    return subprocess.run(["sh", str(folder / "install.sh"), *args], capture_output=True, text=True, env=env)


def test_the_installer_puts_everything_in_place_and_removes_exactly_that(unpacked, tmp_path):
    root = tmp_path / "root"
    done = _install(unpacked, root, "--prefix", "/usr/local")
    assert done.returncode == 0, done.stderr
    prefix = root / "usr" / "local"
    assert os.readlink(prefix / "bin" / "cnn-explorer") == "/usr/local/lib/cnn-explorer/cnn-explorer"
    assert subprocess.run([str(prefix / "lib" / "cnn-explorer" / "cnn-explorer")], capture_output=True,
                          text=True).stdout.startswith("cnn-explorer")
    desktop = (prefix / "share" / "applications" / DESKTOP.name).read_text()
    assert "Exec=/usr/local/lib/cnn-explorer/cnn-explorer %F" in desktop
    assert (prefix / "share" / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png").is_file()
    assert (prefix / "share" / "metainfo" / METAINFO.name).is_file()
    again = _install(unpacked, root, "--prefix", "/usr/local")  # an update replaces the old copy
    assert again.returncode == 0, again.stderr
    gone = _install(unpacked, root, "--uninstall", "--prefix", "/usr/local")
    assert gone.returncode == 0, gone.stderr
    assert [p for p in root.rglob("*") if not p.is_dir()] == []
    twice = _install(unpacked, root, "--uninstall", "--prefix", "/usr/local")
    assert twice.returncode == 2 and "not installed" in twice.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--prefix"], ["--prefix", "relative/path"]])
def test_the_installer_refuses_bad_options_with_one_line(unpacked, tmp_path, args):
    out = _install(unpacked, tmp_path / "root", *args)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "root").exists()


@pytest.mark.slow
def test_the_wheel_installed_into_a_fresh_venv_runs_every_command(tmp_path):
    """Build the wheel, install it (not editable) into a new venv, and run packaging/smoke_test.sh on it.

    The new venv reaches the test environment's dependencies (torch, Qt) through a .pth file, so
    nothing is downloaded; cnn_explorer itself and its resources come from the wheel alone.
    """
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the wheel alone, not a source tree
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(wheels), str(REPO)], capture_output=True, text=True, cwd=tmp_path, env=clean)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("cnn_explorer-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=clean)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True, env=clean).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                               capture_output=True, text=True, env=clean)
    assert installed.returncode == 0, installed.stderr[-2000:]
    where = subprocess.run([str(python), "-c", "import cnn_explorer; print(cnn_explorer.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, env=clean).stdout.strip()
    assert where.startswith(str(venv)), where
    smoke = subprocess.run(["bash", str(REPO / "packaging" / "smoke_test.sh"), str(venv / "bin" / "cnn-explorer")],
                           capture_output=True, text=True, timeout=600, env=clean)
    assert smoke.returncode == 0 and "FAIL" not in smoke.stdout, smoke.stdout + smoke.stderr


def test_the_application_tells_the_desktop_its_id(qapp):
    from cnn_explorer.ui.app import create_application

    assert create_application().desktopFileName() == APP_ID
