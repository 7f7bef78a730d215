import pymupdf
from PIL import Image

from chat.answer import Citation
from chat.highlight import BOX_COLOUR, SHOW_DPI, highlight_citations
from docparse.element import Element, ElementKind, Provenance


def _citation(key, doc_id, page, bbox, source="doc.pdf"):
    element = Element(id=key, kind=ElementKind.TEXT, text="t", provenance=Provenance(doc_id, source, page, bbox))
    return Citation(key, element)


def test_cited_boxes_are_drawn_on_their_pages(tmp_path):
    pdf = tmp_path / "doc.pdf"
    with pymupdf.open() as doc:
        for _ in range(2):
            doc.new_page(width=300, height=400)
        doc.save(pdf)
    citations = [_citation("S1", "d1", 2, (100.0, 100.0, 200.0, 150.0)),
                 _citation("S2", "d1", 2, (20.0, 300.0, 80.0, 350.0)),
                 _citation("S3", "gone", 1, (0.0, 0.0, 10.0, 10.0), source="gone.pdf")]
    paths = highlight_citations(citations, {"d1": str(pdf)}.get, tmp_path / "shown")
    assert [p.name for p in paths] == ["doc-p2.png"]  # one image per page; the missing document is skipped
    image = Image.open(paths[0]).convert("RGB")
    scale = SHOW_DPI / 72
    assert image.getpixel((int(150 * scale), int(100 * scale) - 2)) == BOX_COLOUR  # top edge of S1's box
    assert image.getpixel((int(150 * scale), int(125 * scale))) == (255, 255, 255)  # inside stays blank
    assert image.getpixel((int(20 * scale) - 2, int(325 * scale))) == BOX_COLOUR  # left edge of S2's box
