from docparse.table_rows import split_stacked_rows


def _word(x0, y0, text, width=40.0):
    return (x0, y0, x0 + width, y0 + 10.0, text, 0, 0, 0)


CELLS = [(0, 0, 100, 30), (100, 0, 200, 30), (200, 0, 300, 30)]


def test_a_cell_of_stacked_numbers_cuts_the_row_at_its_lines():
    words = [_word(5, 2, "AALAEI,"), _word(50, 2, "BEHZAD"), _word(5, 16, "TOTAL"),
             _word(105, 2, "HIGHLAND,"), _word(150, 2, "IN"),
             _word(205, 2, "$51.24"), _word(205, 16, "$51.24")]
    assert split_stacked_rows(CELLS, words) == [["AALAEI, BEHZAD", "HIGHLAND, IN", "$51.24"],
                                                ["TOTAL", "", "$51.24"]]


def test_a_wrapped_label_beside_one_number_stays_one_row():
    words = [_word(5, 2, "Murder"), _word(5, 16, "manslaughter"), _word(205, 16, "10.0")]
    assert split_stacked_rows(CELLS, words) is None


def test_a_number_over_a_word_is_not_a_stack():
    words = [_word(5, 2, "Total"), _word(205, 2, "1,234"), _word(205, 16, "restated")]
    assert split_stacked_rows(CELLS, words) is None


def test_a_ruled_row_keeps_two_amounts_in_one_cell():
    words = [_word(5, 2, "Procurement"), _word(5, 16, "Cross"), _word(205, 2, "62,785,105"), _word(205, 16, "11,200")]
    rules = [(0.0, 0.5, 300.0), (0.0, 29.5, 300.0)]
    assert split_stacked_rows(CELLS, words, rules) is None
    assert split_stacked_rows(CELLS, words, rules[:1]) is not None
    # a rule between the stacked lines confirms two rows
    assert split_stacked_rows(CELLS, words, rules + [(0.0, 15.0, 300.0)]) is not None
