from docparse.table_grid import clean_cell, dense_grid, grid_to_html, grid_to_markdown, parse_markdown_table


def test_clean_cell_strips_markup_and_joins_lines():
    assert clean_cell("**June 25,**<br>**2022**") == "June 25, 2022"
    assert clean_cell("a\nb  c") == "a b c"
    assert clean_cell(None) == ""


def _cells(col_edges, row_edges):
    return [[(col_edges[j], row_edges[i], col_edges[j + 1], row_edges[i + 1]) for j in range(len(col_edges) - 1)]
            for i in range(len(row_edges) - 1)]


def test_dense_grid_merges_text_spanning_columns():
    cells = _cells([0, 100, 160, 220], [0, 20, 40])
    table = {"cells": cells, "extract": [["", "Three Mo", "nths Ended"], ["Sales", "1", "2"]]}
    # words: (x0, y0, x1, y1, text, block, line, word_no)
    words = [(110, 5, 140, 15, "Three", 0, 0, 0), (143, 5, 185, 15, "Months", 0, 0, 1),
             (188, 5, 215, 15, "Ended", 0, 0, 2), (5, 25, 40, 35, "Sales", 1, 0, 0),
             (120, 25, 126, 35, "1", 2, 0, 0), (180, 25, 186, 35, "2", 3, 0, 0)]
    grid = dense_grid(table, words)
    assert grid == [["", "Three Months Ended", ""], ["Sales", "1", "2"]]


def test_dense_grid_without_words_pads_rows_and_drops_empty_columns():
    assert dense_grid({"extract": [["a", None, "x"], ["b"]]}) == [["a", "x"], ["b", ""]]
    assert dense_grid({"extract": [["a", None], ["b"]]}) == [["a"], ["b"]]


def test_markdown_and_html():
    grid = [["Region", "2022"], ["North", "1|2"]]
    assert grid_to_markdown(grid) == "| Region | 2022 |\n|---|---|\n| North | 1\\|2 |"
    html = grid_to_html(grid)
    assert html.startswith("<table><tr><th>Region</th><th>2022</th></tr><tr><td>North</td>")


def test_parse_markdown_table_round_trip():
    grid = [["a", "b"], ["1", "2"]]
    assert parse_markdown_table(grid_to_markdown(grid).splitlines()) == grid
    assert parse_markdown_table(["| a | b |", "not a separator"]) is None
