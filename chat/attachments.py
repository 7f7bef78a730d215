"""Checks on files a user attaches to a question (`--image`, `/image`): they must be readable images."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

MAX_ATTACHED_PIXELS = 50_000_000  # beyond this an "image" is more likely a decompression bomb than a photo


def validate_images(paths: Sequence[str]) -> list[str]:
    """The paths, each checked to be an image PIL can read within the pixel budget; ValueError names the file."""
    from PIL import Image

    checked = []
    for raw in paths:
        path = Path(raw)
        if not path.is_file():
            raise ValueError(f"{raw}: attached image not found")
        try:
            with Image.open(path) as image:
                width, height = image.size
                image.verify()
        except Exception as err:
            raise ValueError(f"{path.name}: not an image PIL can read ({type(err).__name__})") from None
        if width * height > MAX_ATTACHED_PIXELS:
            raise ValueError(f"{path.name}: image of {width}x{height} pixels exceeds the limit of "
                             f"{MAX_ATTACHED_PIXELS:,} pixels")
        checked.append(str(path))
    return checked
