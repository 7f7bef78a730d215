from pathlib import Path

import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse import ElementKind, ParseOptions, parse_document  # noqa: E402
from docparse.upright_page import sideways_turn  # noqa: E402
from tests.pdf_builders import _ruled_table  # noqa: E402

GRID = [["Region"] + [f"Q{i}" for i in range(1, 8)]] + [
    [f"Area {r}"] + [f"{100 * r + c},{r}{c}0" for c in range(1, 8)] for r in range(1, 6)]


def _sideways_pdf(path: Path, turn: int, rotation: int) -> Path:
    """A landscape ruled table drawn turned by `turn` degrees on a portrait page whose /Rotate is `rotation`
    (turn 90 + /Rotate 90: a landscape page as printers make it; /Rotate 0: a table printed sideways)."""
    src = pymupdf.open()
    landscape = src.new_page(width=842, height=595)
    landscape.insert_text((60, 120), "Table 4: Quarterly sales by area", fontsize=11)
    _ruled_table(landscape, GRID, 60, 150, 90, 24)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.show_pdf_page(page.rect, src, 0, rotate=turn)
    page.set_rotation(rotation)
    doc.save(path)
    return path


def _lines(*dirs_and_text):
    return [{"lines": [{"dir": d, "spans": [{"text": t}]} for d, t in dirs_and_text]}]


def test_sideways_turn_needs_most_text_running_one_sideways_way():
    upward = "x" * 200
    assert sideways_turn(_lines(((0.0, -1.0), upward))) == 270
    assert sideways_turn(_lines(((0.0, 1.0), upward))) == 90
    assert sideways_turn(_lines(((-1.0, 0.0), upward))) == 180
    assert sideways_turn(_lines(((1.0, 0.0), upward))) == 0
    # a vertical column header or axis label on a normal page does not turn it
    assert sideways_turn(_lines(((1.0, 0.0), "y" * 400), ((0.0, -1.0), "x" * 100))) == 0
    assert sideways_turn(_lines(((0.0, -1.0), "short"))) == 0
    assert sideways_turn([]) == 0


@pytest.mark.parametrize("turn,rotation", [(90, 90), (270, 0), (90, 0)])
def test_sideways_table_is_parsed_upright_with_boxes_on_the_page(tmp_path, turn, rotation):
    path = _sideways_pdf(tmp_path / f"t{turn}r{rotation}.pdf", turn, rotation)
    doc = parse_document(path, ParseOptions(assets_dir=tmp_path / "assets"))
    tables = [e for e in doc.elements if e.kind is ElementKind.TABLE]
    assert len(tables) == 1
    table = tables[0]
    assert [list(r) for r in table.cells] == GRID
    # the box is on the page as displayed (top-left origin): it holds the table's words, turned by /Rotate
    with pymupdf.open(path) as pdf:
        shown = pdf[0].rotation_matrix
        words = [pymupdf.Rect(w[:4]) * shown for w in pdf[0].get_text("words")
                 if w[4] in ("Region", "Q7", "Area", "507,570")]
    assert words
    x0, y0, x1, y1 = table.bbox
    for w in words:
        assert x0 - 1 <= (w.x0 + w.x1) / 2 <= x1 + 1 and y0 - 1 <= (w.y0 + w.y1) / 2 <= y1 + 1
    if rotation == 90:  # a landscape page: the box lies across the displayed (landscape) page
        assert x1 > 600
    # the crop is upright: the table is wider than tall
    pix = pymupdf.Pixmap(table.image)
    assert pix.width > pix.height


def test_a_failing_check_parses_the_page_as_it_is(caplog):
    from types import SimpleNamespace

    from docparse.upright_page import upright_copy

    doc = pymupdf.open()
    page = doc.new_page()
    bad = SimpleNamespace(blocks=[{"lines": [{"dir": (0.0, -1.0), "spans": None}]}], words=[])
    assert upright_copy(page, bad, "bad.pdf") is None
    assert "bad.pdf page 1: sideways-text check failed" in caplog.text
    assert upright_copy(page, None, "bad.pdf") is None
