"""Page images with the cited boxes drawn on them (`docrag ask --show`), so a person can see where a claim comes
from. One PNG per cited page; each box is outlined and labelled with its citation key, and the cell, row or
sentence the answer used (the citation's span_bbox, when known) is outlined inside it in a second colour."""
from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Callable, Sequence

from chat.answer import Citation

log = logging.getLogger(__name__)

SHOW_DPI = 110
BOX_COLOUR = (220, 30, 30)
SPAN_COLOUR = (20, 90, 230)


def highlight_citations(citations: Sequence[Citation], document_path: Callable[[str], str | None],
                        out_dir: Path, dpi: int = SHOW_DPI) -> list[Path]:
    """Render every cited page once with its cited boxes outlined; returns the PNG paths in citation order.

    document_path maps a doc_id to the stored file's path (None when the document is gone). Pages of formats
    without geometry (bbox None) and documents whose file is missing are skipped with a log line."""
    import pymupdf
    from PIL import Image, ImageDraw

    by_page: dict[tuple[str, int], list[Citation]] = defaultdict(list)
    for citation in citations:
        by_page[(citation.element.provenance.doc_id, citation.element.page)].append(citation)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for (doc_id, page_number), cited in by_page.items():
        path = document_path(doc_id)
        source = cited[0].element.source
        if not path or not Path(path).is_file():
            log.warning("%s: file not found; cannot show page %d", source, page_number)
            continue
        if Path(path).suffix.lower() != ".pdf":
            log.info("%s: no page images for this format", source)
            continue
        with pymupdf.open(path) as doc:
            if not 1 <= page_number <= doc.page_count:
                log.warning("%s: page %d is out of range", source, page_number)
                continue
            pixmap = doc[page_number - 1].get_pixmap(dpi=dpi)
        image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
        draw = ImageDraw.Draw(image)
        scale = dpi / 72.0
        for citation in cited:
            bbox = citation.element.bbox
            if bbox is None:
                continue
            x0, y0, x1, y1 = (v * scale for v in bbox)
            draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), outline=BOX_COLOUR, width=3)
            draw.text((x0, max(0.0, y0 - 14)), f"[{citation.key}]", fill=BOX_COLOUR)
            if citation.span_bbox is not None:
                sx0, sy0, sx1, sy1 = (v * scale for v in citation.span_bbox)
                draw.rectangle((sx0 - 2, sy0 - 2, sx1 + 2, sy1 + 2), outline=SPAN_COLOUR, width=3)
        target = out_dir / f"{Path(source).stem}-p{page_number}.png"
        image.save(target)
        written.append(target)
    return written
