"""Vector-graphics clustering: join the rectangles of neighbouring drawing paths into picture regions.

Like PyMuPDF's `Page.cluster_drawings` (rectangles within a tolerance of each other, or of a joined region, end
in one region), but computed as a closure, so a small item inside a larger region (a legend swatch inside a chart)
is joined to it rather than listed on its own; and in O(n log n) instead of its quadratic-per-merge loop, which
took 0.2-0.3 s on a financial-filing page with 470 paths: more than the whole fast path of that page.
"""
from __future__ import annotations

from typing import Iterable, Sequence

Rect = tuple[float, float, float, float]


def _near(a: Rect, b: Rect, dx: float, dy: float) -> bool:
    return not (a[2] < b[0] - dx or a[0] > b[2] + dx or a[3] < b[1] - dy or a[1] > b[3] + dy)


def _components(rects: Sequence[Rect], dx: float, dy: float) -> list[Rect]:
    """Union rectangles of the connected components of the neighbour graph (sweep over x)."""
    parent = list(range(len(rects)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(rects)), key=lambda i: rects[i][0])
    active: list[int] = []
    for i in order:
        r = rects[i]
        active = [j for j in active if rects[j][2] >= r[0] - dx]
        for j in active:
            if _near(r, rects[j], dx, dy):
                parent[find(i)] = find(j)
        active.append(i)
    unions: dict[int, list[float]] = {}
    for i, r in enumerate(rects):
        u = unions.setdefault(find(i), list(r))
        u[0], u[1], u[2], u[3] = min(u[0], r[0]), min(u[1], r[1]), max(u[2], r[2]), max(u[3], r[3])
    return [tuple(u) for u in unions.values()]


def cluster_rects(rects: Iterable[Sequence[float]], clip: Sequence[float], tolerance: float = 3.0) -> list[Rect]:
    """Regions joining drawing rectangles within `tolerance` of each other (or of a joined region), restricted
    to rectangles inside `clip`; regions not larger than the tolerance in both directions are dropped."""
    boxes = [(min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])) for r in rects]
    boxes = [b for b in boxes if b[0] >= clip[0] and b[1] >= clip[1] and b[2] <= clip[2] and b[3] <= clip[3]]
    regions = _components(boxes, tolerance, tolerance)
    # A joined region can reach rectangles that no single member touched: repeat on the unions until stable.
    while True:
        merged = _components(regions, tolerance, tolerance)
        if len(merged) == len(regions):
            break
        regions = merged
    regions.sort(key=lambda r: (r[3], r[0]))
    return [r for r in regions if r[2] - r[0] > tolerance and r[3] - r[1] > tolerance]
