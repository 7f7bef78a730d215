import pytest

pymupdf = pytest.importorskip("pymupdf")

from docparse.table_columns import split_missed_columns, vertical_rules  # noqa: E402

ROWS = [["GMC", "Sacramento", "Anthem Blue Cross", "164,380"], ["GMC", "Sacramento", "Health Net", "126,547"],
        ["GMC", "San Diego", "Care 1st Health Plan", "71,831"], ["COHS", "Marin", "Partnership Health", "12,234"],
        ["COHS", "Napa", "Partnership Health", "10,002"]]
X = [50, 110, 220, 380, 460]  # column borders; the model misses the one at 220


def _page(ruled: bool, spaced: bool = True):
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    y = 100
    for row in ROWS:
        cells = row if spaced else [row[0], f"{row[1]} {row[2]}", "", row[3]]
        for c, text in enumerate(cells):
            page.insert_text((X[c] + 4, y + 14), text, fontsize=10)
        y += 20
    if ruled:
        for x in X:
            page.draw_line((x, 100), (x, y), width=0.6)
    return page


def _model_view(page):
    """What the model saw: columns 2 and 3 read as one ("Sacramento Anthem Blue Cross")."""
    edges = [X[0], X[1], X[3], X[4]]
    bands = [(100 + 20 * i, 120 + 20 * i) for i in range(len(ROWS))]
    grid = [[r[0], f"{r[1]} {r[2]}", r[3]] for r in ROWS]
    return grid, bands, edges


def test_a_vertical_rule_inside_a_model_column_splits_it():
    page = _page(ruled=True)
    grid, bands, edges = _model_view(page)
    out, new_edges = split_missed_columns(grid, bands, edges, page.get_text("words"),
                                          vertical_rules(page.get_cdrawings()))
    assert out == ROWS and len(new_edges) == 5 and abs(new_edges[2] - X[2]) < 1.5


def test_an_aligned_whitespace_gap_splits_a_column_without_rules():
    page = _page(ruled=False)
    grid, bands, edges = _model_view(page)
    out, _ = split_missed_columns(grid, bands, edges, page.get_text("words"))
    assert out == ROWS


def test_text_running_across_the_border_keeps_the_column_whole():
    # the "third column" follows the second's text after one space in every row: one phrase, no gap to split at
    page = _page(ruled=False, spaced=False)
    grid, bands, edges = _model_view(page)
    words = page.get_text("words")
    assert split_missed_columns(grid, bands, edges, words)[0] == grid


def test_vertical_rules_come_from_lines_and_rectangle_edges():
    paths = [{"items": [("l", (10.0, 5.0), (10.2, 90.0))]}, {"items": [("re", (20.0, 0.0, 60.0, 30.0), 1)]},
             {"items": [("l", (0.0, 5.0), (90.0, 5.0))]}]
    assert vertical_rules(paths) == [(10.1, 5.0, 90.0), (20.0, 0.0, 30.0), (60.0, 0.0, 30.0)]
