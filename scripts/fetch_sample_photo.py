"""Make the sample photos in resources/images/ from the scikit-image wheel (run once; the results are committed).

    python scripts/fetch_sample_photo.py [--wheel PATH] [--out resources/images]

Without --wheel, ``pip download --no-deps scikit-image`` fetches the wheel into a
temporary folder (PyPI only; the app never imports scikit-image). From it we take

- ``skimage/data/astronaut.png``: Eileen Collins, NASA Great Images database;
  "No known copyright restrictions, released into the public domain" (scikit-image's
  ``skimage.data.astronaut`` docstring);
- ``skimage/data/coffee.png``: coffee cup, courtesy of Pikolo Espresso Bar;
  "No copyright restrictions. CC0 by the photographer (Rachel Michetti)"
  (``skimage.data.coffee`` docstring);

scale each so its longer side is 512 px (Lanczos) and save it as JPEG, quality 90.
The output is deterministic for a given Pillow version.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import zipfile
from pathlib import Path

from PIL import Image
from pip_wheel import download_wheel  # scripts/pip_wheel.py: this folder is on sys.path

REPO = Path(__file__).resolve().parents[1]
PHOTOS = {
    # member of the wheel -> output file name
    "skimage/data/astronaut.png": "astronaut.jpg",
    "skimage/data/coffee.png": "coffee.jpg",
}
LONG_SIDE = 512
QUALITY = 90


def make_photo(png_bytes: bytes, out: Path) -> tuple[int, int]:
    """Scale a PNG so its longer side is LONG_SIDE and write it as JPEG; returns (width, height)."""
    with Image.open(io.BytesIO(png_bytes)) as im:
        im = im.convert("RGB")
        scale = LONG_SIDE / max(im.size)
        if scale < 1:
            size = (round(im.width * scale), round(im.height * scale))
            im = im.resize(size, Image.Resampling.LANCZOS)
        im.save(out, format="JPEG", quality=QUALITY, optimize=True)
        return im.size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="a scikit-image wheel already downloaded")
    parser.add_argument("--out", type=Path, default=REPO / "resources" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel("scikit-image", Path(tmp))
        with zipfile.ZipFile(wheel) as zf:
            for member, name in PHOTOS.items():
                target = args.out / name
                w, h = make_photo(zf.read(member), target)
                print(f"{target}: {w}×{h}, {target.stat().st_size / 1024:.0f} KiB (from {member})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
