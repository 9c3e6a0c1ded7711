"""What the explorer's image is (a drawing, a slide grid, a photo, an opened file…), for its caption and the
presenter bar; the image and its origin change together, undo included."""

from __future__ import annotations

from dataclasses import dataclass

#: what a sample's group makes its image, for the canvas caption
SAMPLE_KINDS = {"slides": "slide", "synthetic": "synthetic", "photos": "photo"}


@dataclass(frozen=True)
class ImageOrigin:
    """What the image is, for its caption (the image and its origin change together, undo included).

    ``kind``: "drawing" (a blank canvas and what was drawn on it), "slide", "synthetic" or "photo"
    (a sample), "picture" or "grid" (an opened file), "pasted picture", "pasted grid", or "image"
    (anything else); ``name``: the sample or file name; ``note``: e.g. "scaled from 4032×3024 to 1024×768".
    """

    kind: str = "drawing"
    name: str = ""
    note: str = ""
