from chat.answer_terms import terms
from chat.extractive import ExtractiveBackend
from chat.table_answer import match_cells, read_table
from chat.table_totals import totals_above
from tests.chat.evidence_fixtures import element, hits

# A tax note: two parts add up to "Total current", which with "Deferred" adds up to the provision.
TAX_CELLS = (
    ("", "2019", "2018"),
    ("Current:", "", ""),
    ("Federal", "$ (27 )", "$ (13)"),
    ("State and local", "276", "249"),
    ("Total current", "249", "236"),
    ("Deferred", "533", "(461)"),
    ("Provision (benefit) for income taxes", "$ 782", "$ (225)"),
)
# Net sales by product: the parts above a closing total that does not say "Total".
PRODUCT_CELLS = (
    ("In thousands", "2019", "2018"),
    ("Drinkable Kefir", "$ 71,822", "$ 78,523"),
    ("Cheese", "11,459", "11,486"),
    ("Cream and other", "4,228", "5,276"),
    ("Net Sales", "$ 87,509", "$ 95,285"),
)


def _values(*rows):
    return [tuple((col, v) for col, v in enumerate(r, 1) if v) for r in rows]


def test_a_total_and_a_subtotal_are_found_by_their_figures():
    view = read_table(element("table", "tax", cells=TAX_CELLS))
    wholes = totals_above([r.values for r in view.rows])
    # Federal and State and local are parts of Total current and, through it, of the provision.
    assert wholes == [[2, 4], [2, 4], [4], [4], []]
    state = next(r for r in view.rows if r.label.endswith("State and local"))
    assert set(terms("provision benefit income taxes")) <= set(state.whole_terms)
    assert "total" not in state.whole_terms


def test_rows_that_do_not_add_up_make_no_total():
    assert totals_above(_values(("5", "7"), ("3", "4"), ("9", "11"))) == [[], [], []]
    # one column: two numbers summing to a third happen by chance; three that do are a total
    assert totals_above(_values(("1",), ("2",), ("3",))) == [[], [], []]
    assert totals_above(_values(("1",), ("2",), ("4",), ("7",))) == [[3], [3], [3], []]
    # rounding: parts stated in whole millions may miss their total by one
    assert totals_above(_values(("1,200", "800"), ("1,301", "701"), ("2,500", "1,500"))) == [[2], [2], []]


def test_a_part_named_in_its_totals_words_is_the_row_asked_for():
    table = element("table", "tax", cells=TAX_CELLS, section=("Note 10",))
    answer = ExtractiveBackend().answer("What was the provision for state and local income taxes in 2019?",
                                        hits(table))
    assert answer.text.startswith("276 \u2014 Current: State and local, 2019")


def test_change_in_a_part_of_a_total_is_computed_from_the_part():
    table = element("table", "products", cells=PRODUCT_CELLS, section=("Products",))
    answer = ExtractiveBackend().answer("What is the change in the net sales for cheese between 2018 and 2019?",
                                        hits(table))
    assert answer.text.startswith("-27 thousand \u2014 change in Cheese")


def test_the_total_itself_still_answers_for_its_own_words():
    table = element("table", "products", cells=PRODUCT_CELLS, section=("Products",))
    answer = ExtractiveBackend().answer("What were net sales in 2019?", hits(table))
    assert answer.text.startswith("$87,509 thousand \u2014 Net Sales, 2019")


def test_total_in_the_question_does_not_make_a_subtotal_a_part_asked_for():
    table = element("table", "tax", cells=TAX_CELLS, section=("Note 10",))
    answer = ExtractiveBackend().answer("What is the total provision (benefit) for income taxes in 2019?",
                                        hits(table))
    assert answer.text.startswith("$782 \u2014 Provision (benefit) for income taxes, 2019")


def test_average_of_a_subtotal_is_computed_from_the_subtotal_not_its_parts():
    table = element("table", "tax", cells=TAX_CELLS, section=("Note 10",))
    answer = ExtractiveBackend().answer(
        "What is the average total current provision (benefit) for income taxes for 2018 and 2019?", hits(table))
    assert answer.text.startswith("242.5 \u2014 average of Total current")


def test_a_roll_forwards_balance_lends_its_words_but_not_its_dates():
    cells = (("", "Retained earnings", "Total"),
             ("Balance as of December 31, 2018", "19,625", "43,549"),
             ("Net income", "11,588", "11,588"),
             ("Other comprehensive income", "\u2014", "49"),
             ("Balance as of December 31, 2019", "31,213", "55,186"))
    view = read_table(element("table", "equity", cells=cells))
    net_income = next(r for r in view.rows if r.label == "Net income")
    assert "balance" in net_income.whole_terms
    assert not any(t[:1].isdigit() for t in net_income.whole_terms)


BALANCE_CELLS = (
    ("", "May 31, 2021", "May 31, 2020"),
    ("Accounts payable", "2,836", "2,248"),
    ("Accrued liabilities", "6,063", "5,184"),
    ("Income taxes payable", "306", "156"),
    ("Total current liabilities", "9,674", "8,284"),
)
INCOME_CELLS = (
    ("", "2019", "2018"),
    ("Income before income taxes", "13,976", "11,261"),
    ("Provision for income taxes", "(2,374)", "(1,197)"),
    ("Net income", "$ 11,588", "$ 10,073"),
    ("Net income per share", "$ 23.46", "$ 20.68"),
)


def _top(question, cells, **kwargs):
    view = read_table(element("table", "t", cells=cells, **kwargs))
    matches = match_cells(terms(question), view)
    return matches[0], [m for m in matches if m.row.index != matches[0].row.index]


def test_accruals_are_the_accrued_liabilities_line():
    best, others = _top("What is accrual liabilities in FY2021?", BALANCE_CELLS)
    assert best.row.label == "Accrued liabilities" and best.value == "6,063"
    assert all(m.score < best.score for m in others)


def test_net_income_is_the_income_attributable_to_shareholders():
    best, others = _top("What is net income attributable to shareholders in 2019?", INCOME_CELLS)
    assert best.row.label == "Net income" and all(m.score < best.score for m in others)


def test_a_metric_name_does_not_make_its_row_less_asked_for():
    # "Net income" also goes by "net income attributable to shareholders": asked for plainly it is still the
    # row whose label the question names in full, not "Net income per share".
    best, _ = _top("What was net income in 2019?", INCOME_CELLS)
    assert (best.row.label, best.value) == ("Net income", "$ 11,588")


def test_total_stockholders_equity_with_the_company_name_is_shareholders_equity():
    cells = (("", "2021"), ("Total Costco stockholders\u2019 equity", "17,564"),
             ("Noncontrolling interests", "514"), ("Total equity", "18,078"))
    best, _ = _top("What was Costco's shareholders' equity in 2021?", cells)
    assert best.row.label == "Total Costco stockholders\u2019 equity"


def test_a_count_of_people_does_not_take_the_tables_money_scale():
    cells = (("$ in millions", "2016", "2015"), ("Total operating expenses", "$20,304", "$25,042"),
             ("Total staff at period-end", "34,400", "36,800"), ("Staff costs", "11,647", "12,678"))
    table = element("table", "expenses", cells=cells)
    assert ExtractiveBackend().answer("What was total staff at period-end in 2016?", hits(table)).text.startswith(
        "34,400 \u2014 Total staff at period-end, 2016")
    assert ExtractiveBackend().answer("What were staff costs in 2016?", hits(table)).text.startswith(
        "11,647 million \u2014 Staff costs, 2016")
