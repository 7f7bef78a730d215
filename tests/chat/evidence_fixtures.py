"""Elements and hits built in code for the answer-layer tests (crops are small PNGs written into tmp_path)."""
from __future__ import annotations

from pathlib import Path

from docparse.element import Element, ElementKind, Provenance
from retrieval.hit import Hit

SALES_CELLS = (
    ("", "Three Months Ended", "", "Nine Months Ended", ""),
    ("", "June 25, 2022", "June 26, 2021", "June 25, 2022", "June 26, 2021"),
    ("Products", "63,355", "63,948", "244,719", "232,309"),
    ("Services", "19,604", "17,486", "58,941", "50,148"),
    ("Total net sales", "82,959", "81,434", "303,660", "282,457"),
)
SALES_MARKDOWN = """Table 1: Net sales
| | Three Months Ended | | Nine Months Ended | |
|---|---|---|---|---|
| | June 25, 2022 | June 26, 2021 | June 25, 2022 | June 26, 2021 |
| Products | 63,355 | 63,948 | 244,719 | 232,309 |
| Services | 19,604 | 17,486 | 58,941 | 50,148 |
| Total net sales | 82,959 | 81,434 | 303,660 | 282,457 |"""


def element(kind: str, text: str, *, source: str = "report.pdf", page: int = 1, ident: str | None = None,
            image: str | None = None, cells=None, caption: str | None = None, section=()) -> Element:
    return Element(id=ident or f"{source}-{kind}-{page}-{abs(hash(text)) % 10**8}", kind=ElementKind(kind),
                   text=text, provenance=Provenance(doc_id="d" * 16, source=source, page=page,
                                                    bbox=(10.0, 20.0, 300.0, 400.0)),
                   image=image, cells=cells, caption=caption, section=tuple(section))


def hits(*elements: Element) -> list[Hit]:
    return [Hit(element=e, score=1.0 / (i + 1), rank=i + 1) for i, e in enumerate(elements)]


def write_png(path: Path, size=(40, 30), color=(200, 30, 30)) -> str:
    from PIL import Image

    Image.new("RGB", size, color).save(path, format="PNG")
    return str(path)
