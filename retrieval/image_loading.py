"""Opening untrusted image files for embedding: bounded decoding, RGB, errors that name the file.

An image's pixel count is read from its header before anything is decoded, so a small file that claims to be
huge (a decompression bomb) is refused, or for JPEG decoded at a reduced scale, without allocating its pixels.
PIL is imported on first use.
"""
from __future__ import annotations

import math
import warnings
from typing import Any


def _shrink_on_decode(image: Any, max_pixels: int) -> None:
    """Ask the decoder for a reduced scale (JPEG decodes at 1/2, 1/4 or 1/8 for free) that fits max_pixels."""
    width, height = image.size
    scale = math.sqrt(max_pixels / (width * height))
    # draft() picks the strongest reduction that stays at least the size asked for; asking for half the target
    # makes the chosen power of two land in [scale/2, scale), i.e. within the limit.
    image.draft("RGB", (max(1, int(width * scale / 2)), max(1, int(height * scale / 2))))


def _to_rgb(image: Any) -> Any:
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent areas become white, as on a page, rather than the black that a plain convert gives.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def open_rgb_image(path: str, max_pixels: int) -> Any:
    """The image at `path` as a decoded RGB PIL image of at most `max_pixels` pixels (width x height).

    Larger images are decoded at a reduced scale where the format allows it (JPEG), else refused. Raises
    FileNotFoundError for a missing file and ValueError, naming the file, for one that is not a readable image
    or is too large.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Our own max_pixels bounds decoding below; PIL's softer warning threshold adds nothing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
    except FileNotFoundError:
        raise
    except Image.DecompressionBombError as err:
        raise ValueError(f"{path}: refused as a possible decompression bomb ({err})") from None
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"{path} is not an image that can be read ({err})") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            _shrink_on_decode(image, max_pixels)
            if image.size[0] * image.size[1] > max_pixels:
                raise ValueError(f"{path} is {width}x{height} = {width * height} pixels, more than the limit of "
                                 f"{max_pixels} (ClipSettings.max_pixels); shrink the image or raise the limit")
        try:
            image.load()
            return _to_rgb(image)
        except (OSError, ValueError, SyntaxError) as err:  # truncated or corrupt data behind a valid header
            raise ValueError(f"{path} is not an image that can be read ({err})") from None
