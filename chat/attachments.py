"""Files a user attaches to a question (`--image`, `/image`): checked to be readable images, and the image search
they drive merged with the text search."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from retrieval.hit import Hit

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


def merge_hit_lists(lists: Sequence[Sequence["Hit"]], k: int, rrf_k: int = 60) -> list["Hit"]:
    """Hit lists (the text search, and one image search per attached image) fused by reciprocal rank into the
    top k, ranks renumbered from 1; an element found by several lists is one hit naming all their routes."""
    from retrieval.hit import Hit

    scores: dict[str, float] = {}
    first: dict[str, Hit] = {}
    routes: dict[str, list[str]] = {}
    for hits in lists:
        for hit in hits:
            element_id = hit.element.id
            scores[element_id] = scores.get(element_id, 0.0) + 1.0 / (rrf_k + hit.rank)
            first.setdefault(element_id, hit)
            routes.setdefault(element_id, [])
            routes[element_id] += [r for r in hit.routes if r not in routes[element_id]]
    order = sorted(scores, key=lambda e: -scores[e])[:k]
    return [Hit(element=first[e].element, score=scores[e], rank=rank, routes=tuple(routes[e]))
            for rank, e in enumerate(order, start=1)]
