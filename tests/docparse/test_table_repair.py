from docparse.table_grid import dense_grid
from docparse.table_repair import (drop_empty_lines, horizontal_rules, is_amount, merge_continuation_rows,
                                   merge_split_columns, merge_wrapped_header, reread_cell, split_merged_row)


def _word(x0, y0, text, block, line, width=20.0, height=10.0):
    # (x0, y0, x1, y1, text, block, line, word_no), as PyMuPDF's get_text("words") returns them
    return (x0, y0, x0 + width, y0 + height, text, block, line, 0)


def test_is_amount():
    assert all(is_amount(s) for s in ("82,959", "(1,234)", "12.5%", "$3.4bn", "-7"))
    assert not any(is_amount(s) for s in ("2003–04", "43 years", "Total", ""))


def test_columns_split_inside_a_phrase_are_joined():
    # "40 | years" in every row: one line of text with a word space (5 pt at 10 pt height) across the border
    col_edges = [0, 30, 80, 140]
    bands = [(0, 12), (12, 24), (24, 36)]
    grid = [["40", "years", "2,468,083"], ["41", "years", "2,375,849"], ["42", "years", "2,325,572"]]
    words = []
    for i, (age, _, total) in enumerate(grid):
        y = bands[i][0] + 1
        words += [_word(5, y, age, i, 0, width=20), _word(30, y, "years", i, 0, width=30),
                  _word(90, y, total, i, 1, width=45)]
    assert merge_split_columns(grid, bands, col_edges, words) == [
        ["40 years", "2,468,083"], ["41 years", "2,375,849"], ["42 years", "2,325,572"]]


def test_adjacent_numbers_are_never_joined():
    col_edges = [0, 50, 100]
    bands = [(0, 12), (12, 24), (24, 36), (36, 48)]
    grid = [["1,000", "2,000"]] * 4
    words = []
    for i in range(4):  # one text line, ordinary spaces between the numbers (a justified line)
        words += [_word(5, bands[i][0] + 1, "1,000", i, 0, width=40), _word(48, bands[i][0] + 1, "2,000", i, 0)]
    assert merge_split_columns([list(r) for r in grid], bands, col_edges, words) == grid


def test_a_phrase_in_one_row_only_does_not_join_columns():
    col_edges = [0, 30, 80]
    bands = [(0, 12), (12, 24), (24, 36), (36, 48)]
    grid = [["Net", "sales"], ["A", "B"], ["C", "D"], ["E", "F"]]
    words = [_word(5, 1, "Net", 0, 0), _word(30, 1, "sales", 0, 0)]
    for i in range(1, 4):
        words += [_word(5, bands[i][0] + 1, grid[i][0], i, 0, width=5), _word(60, bands[i][0] + 1, grid[i][1], i, 1)]
    assert merge_split_columns([list(r) for r in grid], bands, col_edges, words) == grid


def test_unruled_continuation_rows_fold_into_the_row_above_in_a_ruled_table():
    bands = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60)]
    grid = [["Group", "Butter", "Margarine"],
            ["Astra", "Total: 0%", "Total: 47%"],
            ["", "", "(Fruit d'or, Effi)"],
            ["Besnier", "18.1%", "0%"],
            ["Cema", "", "1.3%"],
            ["CLE", "6.7%", ""]]
    # rules drawn cell by cell above every row except the continuation (row 2)
    rules = [(x, y, x + 50) for y in (10, 30, 40, 50) for x in (0, 50, 100)]
    assert merge_continuation_rows(grid, bands, 0, 150, rules) == [
        ["Group", "Butter", "Margarine"],
        ["Astra", "Total: 0%", "Total: 47% (Fruit d'or, Effi)"],
        ["Besnier", "18.1%", "0%"], ["Cema", "", "1.3%"], ["CLE", "6.7%", ""]]


def test_rows_are_not_folded_without_rules_or_when_both_hold_numbers():
    bands = [(0, 10), (10, 20), (20, 30), (30, 40)]
    grid = [["Item", "Count"], ["Alcohol", "20"], ["", "4.3%"], ["Allergies", "40"]]
    assert merge_continuation_rows(grid, bands, 0, 100, []) == grid  # an unruled table: no evidence
    rules = [(0, 10, 100), (0, 30, 100)]
    assert merge_continuation_rows(grid, bands, 0, 100, rules) == grid  # "20" and "4.3%" stay two cells


def test_wrapped_header_cells_fold_but_data_rows_do_not():
    grid = [["Age", "Total", "Age", "Total"],
            ["", "population", "", "population"],
            ["Under 1 year", "3,533,692", "40 years", "2,468,083"],
            ["", "in thousands", "", ""]]
    assert merge_wrapped_header(grid) == [["Age", "Total population", "Age", "Total population"],
                                          ["Under 1 year", "3,533,692", "40 years", "2,468,083"],
                                          ["", "in thousands", "", ""]]
    # a second header row holding new cells is a real row, not a wrap
    grouped = [["", "U.S. population", ""], ["Age", "Proportion", "Total"], ["1", "0.1", "2"]]
    assert merge_wrapped_header(grouped) == grouped


def test_drop_empty_lines():
    assert drop_empty_lines([["a", "", "b"], ["", "", ""], ["c", "", "d"]]) == [["a", "b"], ["c", "d"]]
    assert drop_empty_lines([["", ""]]) == []


def test_horizontal_rules_from_lines_and_rects():
    drawings = [{"items": [("l", (0, 10), (100, 10.4)), ("l", (5, 0), (5, 50)),
                           ("re", (0, 20, 100, 21)), ("re", (0, 30, 100, 45))]}]
    rules = horizontal_rules(drawings)
    assert (0, 10.2, 100) in rules and (0, 20.5, 100) in rules
    assert (0, 30, 100) in rules and (0, 45, 100) in rules
    assert all(abs(r[1] - 5) > 1 for r in rules)  # the vertical line is not a rule


def test_dense_grid_applies_the_repairs():
    cells = [[(0, 0, 30, 12), (30, 0, 80, 12), (80, 0, 140, 12)],
             [(0, 12, 30, 24), (30, 12, 80, 24), (80, 12, 140, 24)],
             [(0, 24, 30, 36), (30, 24, 80, 36), (80, 24, 140, 36)]]
    extract = [["40", "years", "2,468,083"], ["41", "years", "2,375,849"], ["42", "years", "2,325,572"]]
    words = []
    for i, (age, _, total) in enumerate(extract):
        words += [_word(5, 12 * i + 1, age, i, 0), _word(30, 12 * i + 1, "years", i, 0, width=30),
                  _word(90, 12 * i + 1, total, i, 1, width=45)]
    grid = dense_grid({"cells": cells, "extract": extract}, words, [])
    assert grid == [["40 years", "2,468,083"], ["41 years", "2,375,849"], ["42 years", "2,325,572"]]


def test_reread_cell_restores_a_comma_the_model_moved():
    words = [(10, 0, 40, 10, "3,031", 0, 0, 0)]
    assert reread_cell("3031", words, (0, -2, 50, 12)) == "3,031"
    # a different text is the model's call, not a punctuation slip
    assert reread_cell("3032", words, (0, -2, 50, 12)) == "3032"
    assert reread_cell("x", [], (0, 0, 1, 1)) == "x"


def test_split_merged_row_splits_two_table_rows_in_one_band():
    boxes = [(0, 0, 60, 24), (60, 0, 120, 24), (120, 0, 180, 24)]
    words = [_word(2, 1, "Utah", 0, 0), _word(62, 1, "30,252", 1, 0), _word(122, 1, "30,253", 2, 0),
             _word(2, 13, "Washington", 3, 0), _word(62, 13, "61,274", 4, 0), _word(122, 13, "61,094", 5, 0)]
    assert split_merged_row(boxes, words) == [["Utah", "30,252", "30,253"], ["Washington", "61,274", "61,094"]]


def test_split_merged_row_keeps_wrapped_labels_and_headers_whole():
    boxes = [(0, 0, 60, 24), (60, 0, 120, 24)]
    wrapped_label = [_word(2, 1, "Total", 0, 0), _word(2, 13, "sales", 0, 1), _word(62, 7, "82,959", 1, 0)]
    assert split_merged_row(boxes, wrapped_label) is None
    two_line_header = [_word(2, 1, "Three", 0, 0), _word(2, 13, "Months", 0, 1),
                       _word(62, 1, "Six", 1, 0), _word(62, 13, "Months", 1, 1)]
    assert split_merged_row(boxes, two_line_header) is None
