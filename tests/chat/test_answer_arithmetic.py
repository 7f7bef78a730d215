"""The computed value of arithmetic questions in extractive answers (chat.answer_arithmetic, chat.arithmetic_ask,
chat.arithmetic_operands)."""
import pytest

from chat.answer import Span
from chat.answer_arithmetic import Operand, compute, number_text, parse_quantity, read_ask
from chat.extractive import ExtractiveBackend
from tests.chat.evidence_fixtures import element, hits

# A balance sheet note: the current year in the first column, "$" in its own layout column on the first row.
ASSETS = (
    ("", "", "December 31, 2019", "", "December 31, 2018"),
    ("Land", "$", "1,565", "$", "1,747"),
    ("Vehicles", "", "778", "", "937"),
    ("Payroll and incentive compensation", "", "3,009", "", "1,937"),
    ("Less: accumulated depreciation", "", "(921)", "", "(1,255)"),
    ("Construction in progress", "", "\u2014", "", "412"),
    ("Total assets", "$", "6,331", "$", "4,866"),
)
# Net sales by category: an amount and a percent column per year.
SALES = (
    ("", "2019", "", "2018", ""),
    ("In thousands", "$", "%", "$", "%"),
    ("Drinkable Kefir other than ProBugs", "$ 71,822", "77%", "$ 78,523", "76%"),
    ("Cheese", "11,459", "12%", "11,486", "11%"),
    ("ProBugs Kefir", "2,780", "3%", "2,795", "3%"),
    ("Frozen Kefir (a)", "1,617", "2%", "1,434", "1%"),
    ("Net Sales", "$ 93,662", "100%", "$ 103,350", "100%"),
)


def assets(caption=None):
    return element("table", "assets", cells=ASSETS, caption=caption)


def sales():
    return element("table", "sales", cells=SALES, caption="Net sales by category")


def ask(question, *evidence):
    return ExtractiveBackend().answer(question, hits(*evidence))


def first_line(question, *evidence):
    return ask(question, *evidence).text.splitlines()[0]


@pytest.mark.parametrize("text, value, currency, scale, percent", [
    ("$3,009", 3009.0, "$", "", False), ("$ 71,822", 71822.0, "$", "", False), ("(1,255)", -1255.0, "", "", False),
    ("$(225)", -225.0, "$", "", False), ("(47 )", -47.0, "", "", False), ("(1.0)%", -1.0, "", "", True),
    ("14.5%", 14.5, "", "", True), ("$1,072 million", 1072.0, "$", "million", False),
    ("2.10 billions", 2.1, "", "billion", False), ("-3.5", -3.5, "", "", False),
])
def test_quantities_are_read_with_sign_currency_scale_and_percent(text, value, currency, scale, percent):
    q = parse_quantity(text)
    assert (q.value, q.currency, q.scale, q.percent) == (value, currency, scale, percent)


@pytest.mark.parametrize("text", ["\u2014", "n/a", "2018 - 2019", "1,617 2%", "(47", "$5 $6", ""])
def test_what_is_not_one_number_is_no_quantity(text):
    assert parse_quantity(text) is None


def test_numbers_are_rounded_to_two_decimals_without_trailing_zeros():
    assert [number_text(v) for v in (1072.0, 857.5, 47.16960, -182.0, 0.0, -0.001, 1234567.891)] == \
        ["1,072", "857.5", "47.17", "-182", "0", "0", "1,234,567.89"]


@pytest.mark.parametrize("question, op, periods", [
    ("What is the change in payroll and incentive compensation between 2018 and 2019?", "change", (2018, 2019)),
    ("What was the increase in revenue from 2017 to 2018?", "change", (2017, 2018)),
    ("What is the percentage change in the total accrued expenses from 2018 to 2019?", "percent_change",
     (2018, 2019)),
    ("What is the growth rate in amortization expense in 2009?", "percent_change", (2009,)),
    ("What is the average value of vehicles for 2018 and 2019?", "average", (2018, 2019)),
    ("What is the average total net sales for both 2018 and 2019?", "average", (2018, 2019)),
    ("what was total rent charged to operating expense in millions for 2016 , 2015 and 2014?", "total",
     (2016, 2015, 2014)),
    ("2018년 대비 2019년 토지의 증가액은 얼마인가?", "change", (2018, 2019)),
    ("2018년과 2019년 매출의 평균은?", "average", (2018, 2019)),
    ("How much did revenue grow from 2018 to 2019?", "change", (2018, 2019)),
    ("By how much has the backlog risen since 2017 to 2019?", "change", (2017, 2019)),
])
def test_the_operation_and_periods_asked_are_read(question, op, periods):
    read = read_ask(question)
    assert (read.op, read.periods) == (op, periods)


@pytest.mark.parametrize("question", ["What was the value of land in 2019?", "Which year has a higher value of land?",
                                      "Who audited the financial statements?",
                                      "What drove the change in operating margin from 2021 to 2022?",
                                      "Why did revenue decrease between 2018 and 2019?"])
def test_a_question_asking_no_arithmetic_asks_none(question):
    assert read_ask(question) is None


def test_two_items_are_read_in_the_order_named():
    difference = read_ask("What is the difference in net sales between Cream and other and Cheese in 2019?")
    assert difference.op == "difference"
    assert difference.pairs == (("Cream", "other and Cheese in 2019"), ("Cream and other", "Cheese in 2019"))
    share = read_ask("What percentage of total net sales in 2019 was from Frozen Kefir?")
    assert (share.op, share.pairs) == ("share", (("Frozen Kefir", "total net sales in 2019"),))
    constitution = read_ask("What is the percentage constitution of net sales from Frozen Kefir among the total "
                            "net sales in 2019?")
    assert constitution.pairs == (("net sales from Frozen Kefir", "total net sales in 2019"),)
    multiple = read_ask("operating expenses were what multiple of pre-tax earnings in 2015?")
    assert (multiple.op, multiple.pairs) == ("ratio", (("operating expenses", "pre-tax earnings in 2015"),))
    assert read_ask("What is the ratio of debt to equity in 2019?").pairs == (("debt", "equity in 2019"),)
    # "between 2018 and 2019" names periods, not items: a change
    assert read_ask("What is the difference in land between 2018 and 2019?").op == "change"


def test_change_is_later_minus_earlier_whatever_the_column_order_and_comes_first_cited():
    answer = ask("What is the change in the value of land between 2018 and 2019?", assets())
    lines = answer.text.splitlines()
    assert lines[0] == ("-$182 \u2014 change in Land, December 31, 2018 to 2019 ($1,565 \u2212 $1,747) "
                        "[S1]")
    assert lines[1] == "Land: $1,565 (December 31, 2019); $1,747 (December 31, 2018) [S1]"
    assert answer.citations[0].span == Span("row", ("Land", "1,565", "1,747"))
    assert ask("What was the increase in land from 2019 to 2018?", assets()).text.startswith("-$182 \u2014")


def test_percentage_change_average_and_total_of_one_row():
    assert first_line("What is the percentage change in payroll and incentive compensation from 2018 to 2019?",
                      assets()).startswith("55.34% \u2014 percentage change in Payroll and incentive compensation")
    assert first_line("What is the average value of vehicles for 2018 and 2019?", assets()).startswith(
        "857.5 \u2014 average of Vehicles, December 31, 2018 and 2019 ((937 + 778) / 2) [S1]")
    assert first_line("What is the total payroll and incentive compensation for 2018 and 2019 combined?",
                      assets()).startswith("4,946 \u2014 total of Payroll and incentive compensation")


def test_parenthesised_cells_are_negative():
    line = first_line("What was the change in accumulated depreciation from 2018 to 2019?", assets())
    assert line.startswith("334 \u2014 change in Less: accumulated depreciation") and "(-1,255)" in line


def test_the_table_scale_and_currency_are_kept():
    line = first_line("What is the change in total assets between 2018 and 2019?", assets("(in millions)"))
    assert line.startswith("$1,465 million \u2014 change in Total assets")


def test_a_cell_that_is_no_number_means_no_arithmetic():
    answer = ask("What is the change in construction in progress between 2018 and 2019?", assets())
    assert "change in" not in answer.text and answer.text.startswith("412 \u2014 Construction in progress")


def test_a_question_asking_no_arithmetic_is_answered_as_before():
    assert first_line("What was the value of vehicles in 2018?", assets()) == \
        "937 \u2014 Vehicles, December 31, 2018 [S1]"


def test_difference_between_two_rows_of_the_named_year_in_the_order_named():
    line = first_line("What is the difference in net sales between drinkable Kefir other than ProBugs and Cheese "
                      "in 2019?", sales())
    assert line == ("$60,363 thousand \u2014 difference, Drinkable Kefir other than ProBugs \u2212 Cheese, 2019 $ "
                    "($71,822 \u2212 11,459) [S1]")
    reverse = first_line("What is the difference in net sales between Cheese and ProBugs Kefir in 2018?", sales())
    assert reverse.startswith("8,691 thousand \u2014 difference, Cheese \u2212 ProBugs Kefir, 2018 $")


def test_share_of_the_total_row_uses_amounts_not_the_percent_column():
    line = first_line("What is the percentage constitution of net sales from Frozen Kefir among the total net "
                      "sales in 2019?", sales())
    assert line == "1.73% \u2014 Frozen Kefir as a share of Net Sales, 2019 $ (1,617 / $93,662 \u00d7 100) [S1]"


def test_ratio_of_two_rows():
    table = element("table", "t", cells=(("", "2015", "2014"), ("Operating expenses", "25,042", "22,171"),
                                         ("Pre-tax earnings", "8,778", "12,357")))
    line = first_line("Operating expenses were what multiple of pre-tax earnings in 2015?", table)
    assert line.startswith("2.85 \u2014 ratio of Operating expenses to Pre-tax earnings, 2015 (25,042 / 8,778)")


def test_mixed_units_are_refused():
    table = element("table", "t", cells=(("", "2019"), ("Gross margin", "23.6%"), ("Net sales", "93,662")))
    answer = ask("What is the ratio of gross margin to net sales in 2019?", table)
    assert "ratio of" not in answer.text
    mixed = element("text", "Fees were $396 million for 2016 and $4.01 billion for 2015.")
    assert "total" not in ask("What were total fees for 2016 and 2015?", mixed).text.splitlines()[0]


def test_periods_that_do_not_resolve_to_one_cell_each_mean_no_arithmetic():
    table = element("table", "t", cells=(("", "Three Months Ended", "", "Nine Months Ended", ""),
                                         ("", "June 2019", "June 2018", "June 2019", "June 2018"),
                                         ("Net sales", "100", "90", "300", "280")))
    assert "change in" not in ask("What is the change in net sales between 2018 and 2019?", table).text
    assert "change in" not in ask("What is the change in land between 2017 and 2019?", assets()).text


def test_a_table_stating_the_change_is_read_not_recomputed():
    table = element("table", "t", cells=(("", "2019", "2018", "Change"), ("Revenue", "500", "400", "100")))
    assert "change in Revenue" not in ask("What is the change in revenue between 2018 and 2019?", table).text


def test_sentence_amounts_with_their_periods():
    rent = element("text", "Rent charged to operating expense was $244 million for 2016, $249 million for 2015 "
                           "and $309 million for 2014.")
    answer = ask("What was total rent charged to operating expense for 2016, 2015 and 2014?", rent)
    assert answer.text.splitlines()[0] == "$802 million \u2014 total, 2016, 2015 and 2014 ($244 + $249 + $309) [S1]"
    assert answer.citations[0].span.kind == "sentence"
    commitments = element("text", "Investment commitments include $2.10 billion and $2.86 billion as of December "
                                  "2016 and December 2015, respectively.")
    growth = first_line("What is the percentage change in investment commitments from 2015 to 2016?", commitments)
    assert growth.startswith("-26.57% \u2014 percentage change, 2015 to 2016")


def test_korean_operation_words():
    table = element("table", "t", cells=(("", "2019년", "2018년"), ("토지", "1,565", "1,747")))
    assert first_line("2018년 대비 2019년 토지의 증가액은 얼마인가?", table).startswith("-182 \u2014 change in 토지")
    assert first_line("2018년과 2019년 토지의 평균은?", table).startswith("1,656 \u2014 average of 토지")


def test_compute_refuses_what_cannot_be_combined():
    def op(value, currency="", scale="", percent=False):
        return Operand("x", "c", parse_quantity(f"{currency}{value}{'%' if percent else ''} {scale}".strip()))
    assert compute("change", [op(5, "$"), op(7, "\u20ac")]) is None
    assert compute("share", [op(5, percent=True), op(50, percent=True)]) is None
    assert compute("percent_change", [op(0), op(7)]) is None
    assert compute("change", [op(2, scale="million"), op(3, scale="billion")]) is None
    points = compute("change", [op(23.6, percent=True), op(25.0, percent=True)])
    assert points.shown == "1.4 percentage points"
    assert compute("percent_change", [op("(50)"), op(25)]).shown == "150%"


def test_the_rounding_the_question_asks_for_is_kept():
    line = first_line("What is the percentage change in payroll and incentive compensation from 2018 to 2019? "
                      "Round your answer to one decimal place.", assets())
    assert line.startswith("55.3% \u2014 percentage change in Payroll and incentive compensation")
    assert read_ask("What is the change? Round to the nearest integer.").decimals == 0


def test_a_change_asked_in_percentage_terms_of_amounts_is_their_percentage_change():
    assert first_line("What is the change in payroll and incentive compensation from 2018 to 2019 (in units of "
                      "percents)?", assets()).startswith("55.34% \u2014 percentage change")
    margin = element("table", "t", cells=(("", "2019", "2018"), ("Gross margin", "23.6%", "25.0%")))
    assert first_line("What is the change in gross margin from 2018 to 2019? Answer in percentage terms.",
                      margin).startswith("-1.4 percentage points \u2014 change in Gross margin")


def test_a_range_of_years_is_every_year_for_an_average():
    table = element("table", "t", cells=(("", "2019", "2018", "2017"), ("Capital expenditures", "116", "131", "155")))
    assert read_ask("What is the FY2017 - FY2019 average capital expenditures?").periods == (2017, 2018, 2019)
    assert first_line("What is the FY2017 - FY2019 average capital expenditures?", table).startswith(
        "134 \u2014 average of Capital expenditures, 2017, 2018 and 2019")


def test_a_list_of_amounts_then_a_list_of_years_pairs_in_order():
    text = element("text", "Allowance for returns was $153 million, $156 million, and $62 million as of "
                           "December 31, 2015, 2016, and 2017.")
    assert first_line("What is the percentage change of the allowance for returns from 2016 to 2017?",
                      text).startswith("-60.26% \u2014 percentage change, 2016 to 2017")
    one_for_many = element("text", "Deductions from the allowance were $1.3 billion, $1.5 billion and $2.2 billion "
                                   "and additions were $2.2 billion in 2015, 2016 and 2017.")
    assert "change" not in first_line("What is the change in deductions from the allowance from 2016 to 2017?",
                                      one_for_many)


def test_a_sentence_about_something_else_supplies_no_operands():
    text = element("text", "There was $1 million, $2 million and $5 million of income tax benefits realized from "
                           "stock option exercises in fiscal 2023, fiscal 2022 and fiscal 2021, respectively.")
    answer = ask("What is the change of gross margin from FY2021 to FY2022?", text)
    assert "change," not in answer.text


def test_two_columns_of_one_row_and_the_column_the_question_names():
    prices = element("table", "t", cells=(("", "2018 High", "2018 Low", "2017 High", "2017 Low"),
                                          ("First Quarter", "$8.40", "$5.99", "$9.10", "$7.00"),
                                          ("Second Quarter", "$6.20", "$4.79", "$8.00", "$6.50")))
    line = first_line("In the first quarter of 2018, what is the difference between the high and low price?", prices)
    assert line.startswith("$2.41 \u2014 difference, 2018 High \u2212 2018 Low, First Quarter ($8.40 \u2212 $5.99)")
    scores = element("table", "t", cells=(("Model", "HOVER 2-hop", "HOVER 3-hop"), ("ProgramFC", "54.27", "54.18"),
                                          ("Ours", "55.10", "53.30")))
    gap = first_line("What is the difference between Ours and ProgramFC on HOVER 3-hop?", scores)
    assert gap.startswith("-0.88 \u2014 difference, Ours \u2212 ProgramFC, HOVER 3-hop (53.30 \u2212 54.18)")
    assert "difference," not in ask("What is the difference between Ours and ProgramFC?", scores).text


def test_a_total_asked_for_each_period_respectively_is_a_list_not_a_sum():
    assert read_ask("What is the total current provision for 2018 and 2019 respectively?") is None


def test_an_item_named_by_one_loose_word_resolves_to_no_row():
    table = element("table", "t", cells=(("", "2015"), ("Accrued expenses", "48,810"),
                                         ("Proceeds from sale of short-term investments", "259,783"),
                                         ("Advertising expenses", "714,300"), ("Revenues", "6,779,511")))
    assert "ratio of" not in ask("What is the advertsing expense to sales ratio in 2015?", table).text
    assert first_line("What is the advertising expenses to revenues ratio in 2015?", table).startswith(
        "0.11 (10.54%) \u2014 ratio of Advertising expenses to Revenues, 2015 (714,300 / 6,779,511)")


def test_a_row_the_question_names_no_more_than_another_is_not_taken_for_granted():
    from chat.arithmetic_operands import table_computation
    from chat.table_answer import read_table

    question = "What is the change in the net sales for cheese between 2018 and 2019?"
    view = read_table(sales())
    net_sales, cheese = (next(r.index for r in view.rows if r.label == name) for name in ("Net Sales", "Cheese"))
    assert table_computation(read_ask(question), view, net_sales) is None
    assert table_computation(read_ask(question), view, cheese).value == -27
    assert first_line(question, sales()).startswith("-27 thousand \u2014 change in Cheese")
    assert first_line("What is the change in net sales from Frozen Kefir between 2018 and 2019?", sales()).startswith(
        "183 thousand \u2014 change in Frozen Kefir, 2018 $ to 2019 $ (1,617 \u2212 1,434)")


def test_a_nearly_as_well_supported_piece_that_computes_exactly_what_is_asked_comes_first():
    from chat.answer_arithmetic import computed_first
    from types import SimpleNamespace as Piece

    exact = compute("change", [Operand("Ingredients", "2018", parse_quantity("1,580")),
                               Operand("Ingredients", "2019", parse_quantity("1,942"))])
    assert exact is not None and not exact.exact  # only the operand finders know what the labels name
    from dataclasses import replace
    top, loose, named = Piece(support=0.8, computed=None), Piece(support=0.7, computed=exact), \
        Piece(support=0.7, computed=replace(exact, exact=True))
    assert computed_first([top, loose, named], 0.8) == [named, top, loose]
    assert computed_first([top, loose], 0.8) == [top, loose]
    assert computed_first([top, Piece(support=0.5, computed=replace(exact, exact=True))], 0.8)[0] is top
    # never promoted under the support an answer needs: the answer would turn into "not found"
    assert computed_first([Piece(support=0.22, computed=None), Piece(support=0.19, computed=named.computed)],
                          0.8, 0.2)[0].computed is None
    # end to end: "Change in tax rates" holds "change" and "percentage", the Ingredients row is what is asked
    table = element("table", "t", cells=(("", "2019 Amount", "2019 Percentage", "2018 Amount", "2018 Percentage"),
                                         ("Change in tax rates", "8", "0.7%", "(37)", "1.1%")))
    inventory = element("table", "i", cells=(("", "December 31, 2019", "December 31, 2018"),
                                             ("Ingredients", "$1,942", "$1,580")))
    assert first_line("What is the percentage change in ingredients between 2018 and 2019?", table, inventory) \
        .startswith("22.91% \u2014 percentage change in Ingredients")


def test_a_sentence_must_name_the_subject_in_full():
    text = element("text", "Two major customers accounted for approximately 22% and 21% of net sales for the years "
                           "ended December 31, 2019 and 2018, respectively.")
    assert "change," not in ask("What is the change in the net sales for cheese between 2018 and 2019?", text).text
    assert first_line("What is the change in the share of net sales of two major customers between 2018 and 2019?",
                      text).startswith("1 percentage point \u2014 change, 2018 to 2019 (22% \u2212 21%)")


def test_the_words_the_columns_share_are_said_once():
    def cell(column, value):
        return Operand("Restricted cash", column, parse_quantity(value))
    line = compute("average", [cell("For the Years Ended December 31, 2018", "70"),
                               cell("For the Years Ended December 31, 2019", "72")], "Restricted cash").line
    assert line == ("71 \u2014 average of Restricted cash, For the Years Ended December 31, 2018 and 2019 "
                    "((70 + 72) / 2)")
    mixed = compute("change", [cell("Year Ended December 2015", "5"), cell("As of December 2016", "7")]).line
    assert "Year Ended December 2015 to As of December 2016" in mixed


def test_periods_in_rows_and_items_in_columns():
    table = element("table", "t", cells=(("Fiscal year", "Revenue", "Net income"), ("2019", "$5,200", "$610"),
                                         ("2018", "$4,800", "$540"), ("2017", "$4,100", "$(20)")),
                    caption="Selected financial data (in millions)")
    line = first_line("What was the percentage change in revenue from 2018 to 2019?", table)
    assert line.startswith("8.33% \u2014 percentage change in Revenue, 2018 to 2019 (($5,200 \u2212 $4,800) / $4,800")
    assert first_line("What was the change in net income between 2017 and 2018?", table).startswith(
        "$560 million \u2014 change in Net income, 2017 to 2018 ($540 \u2212 (-$20))")


def test_short_fiscal_years():
    assert read_ask("What was the change in revenue from FY18 to FY19?").periods == (2018, 2019)
    assert read_ask("What was the change in revenue from FY18 to FY19?").subject == ("revenue",)
    table = element("table", "t", cells=(("", "FY19", "FY18"), ("Revenue", "5,200", "4,800")))
    assert first_line("What was the change in revenue from FY18 to FY19?", table).startswith(
        "400 \u2014 change in Revenue, FY18 to FY19 (5,200 \u2212 4,800)")


def test_a_question_about_quarters_is_not_answered_from_whole_years():
    assert read_ask("What was the change in revenue in the first quarter of 2019?").sub_year
    table = element("table", "t", cells=(("", "2019", "2018"), ("Revenue", "5,200", "4,800")))
    assert "change in" not in ask("What was the change in revenue in the first quarter of 2019?", table).text
    assert "change in" not in ask("What was the change in revenue from Q1 2018 to Q1 2019?", table).text
    quarters = element("table", "q", cells=(("", "Q1 2019", "Q1 2018"), ("Revenue", "1,300", "1,100")))
    assert first_line("What was the change in revenue from Q1 2018 to Q1 2019?", quarters).startswith(
        "200 \u2014 change in Revenue, Q1 2018 to 2019 (1,300 \u2212 1,100)")


def test_the_period_length_named_picks_the_columns_of_a_10q_table():
    from chat.extractive import ExtractiveBackend
    from tests.chat.evidence_fixtures import element, hits

    cells = (("", "Three Months Ended", "", "Nine Months Ended", ""),
             ("", "June 25, 2022", "June 26, 2021", "June 25, 2022", "June 26, 2021"),
             ("Total net sales", "$ 82,959", "$ 81,434", "$ 304,182", "$ 282,457"))
    table = element("table", "sales", cells=cells, caption="Net sales (in millions)")
    question = "What was the change in total net sales between the {} months ended June 26, 2021 and June 25, 2022?"
    three = ExtractiveBackend().answer(question.format("three"), hits(table)).text.splitlines()[0]
    nine = ExtractiveBackend().answer(question.format("nine"), hits(table)).text.splitlines()[0]
    assert three.startswith("$1,525 million \u2014 change in Total net sales, Three Months Ended June 26, 2021 to "
                            "June 25, 2022")
    assert nine.startswith("$21,725 million \u2014 change in Total net sales, Nine Months Ended")


def test_which_year_passes_a_limit_is_read_as_a_threshold():
    ask = read_ask("In which year was Professional and legal fees less than 500 thousands?")
    assert (ask.op, ask.limit, ask.below, ask.limit_scale) == ("threshold", 500.0, True, "thousand")
    assert ask.subject == ("professional", "legal", "fee")
    assert read_ask("Which year had revenues higher than $5 million?").below is False
    assert read_ask("Which year had the highest revenues?") is None


FEES = (
    ("(in thousands)", "2019", "2018"),
    ("Professional and legal fees", "242", "545"),
    ("Restricted cash included in other assets, noncurrent", "--", "70"),
    ("Rent", "610", "590"),
)


def test_the_year_whose_value_is_below_the_limit_is_the_answer():
    table = element("table", "fees", cells=FEES, section=("Other expenses",))
    answer = ExtractiveBackend().answer("In which year was Professional and legal fees less than 500 thousands?",
                                        hits(table))
    assert answer.text.startswith("2019 \u2014 Professional and legal fees less than 500: 545 (2018); 242 (2019)")


def test_a_dash_beside_figures_is_nil_and_passes_a_lower_limit():
    table = element("table", "fees", cells=FEES, section=("Other expenses",))
    answer = ExtractiveBackend().answer(
        "In which year was Restricted cash included in other assets, noncurrent less than 70 thousands?", hits(table))
    assert answer.text.startswith("2019 \u2014 Restricted cash included in other assets, noncurrent less than 70")


def test_no_year_passing_the_limit_computes_nothing():
    table = element("table", "fees", cells=FEES, section=("Other expenses",))
    answer = ExtractiveBackend().answer("In which year was rent more than 700 thousands?", hits(table))
    assert not answer.text.startswith("20") and "Rent" in answer.text


def test_how_much_higher_is_x_than_y_is_a_difference_of_two_items():
    ask = read_ask("How much higher is the accuracy of PaLM-2L + RAG compared to PaLM-2L on TimeQA?")
    assert (ask.op, ask.pairs) == ("difference", (("accuracy of PaLM-2L + RAG", "PaLM-2L on TimeQA"),))
    # "lower": by how much X falls short of Y, Y minus X
    assert read_ask("How much lower is the accuracy of GPT-4 than Claude?").pairs == (("Claude", "accuracy of GPT-4"),)
    # two periods: the change between them, later minus earlier
    ask = read_ask("How many more debit card users were there in India in 2015 compared to 2014?")
    assert (ask.op, sorted(ask.periods)) == ("change", [2014, 2015])


RESULTS = (
    ("Method", "TimeQA", "TQA Easy", "SituatedQA"),
    ("PaLM-2L", "41.5%", "42.6%", "54.3% (0.3%)"),
    ("PaLM-2L + CoT", "40.8%", "41.8%", "56.4% (0.2%)"),
    ("PaLM-2L + RAG", "57.4%", "67.8%", "59.3% (0.4%)"),
)


def test_how_much_higher_reads_two_rows_in_the_column_named_even_when_all_are_percentages():
    table = element("table", "results", cells=RESULTS, caption="Table 2: Accuracy on knowledge QA")
    answer = ExtractiveBackend().answer("How much higher is the accuracy of PaLM-2L + RAG compared to PaLM-2L on "
                                        "TimeQA?", hits(table))
    assert answer.text.startswith("15.9 percentage points \u2014 difference, PaLM-2L + RAG \u2212 PaLM-2L, TimeQA")


def test_the_number_of_x_is_about_x():
    assert read_ask("What is the net change in the number of staff in 2016?").subject == ("staff",)


def test_a_computing_piece_at_exactly_the_runner_up_share_leads():
    from types import SimpleNamespace

    from chat.answer_arithmetic import computed_first

    computed = SimpleNamespace(exact=True)
    # shares of a question weight of 7: 4/7 is 0.8 of 5/7, whatever the floating-point rounding of 0.8 * 5/7
    top, lead = SimpleNamespace(support=5 / 7, computed=None), SimpleNamespace(support=4 / 7, computed=computed)
    assert computed_first([top, lead], 0.8) == [lead, top]
    below = SimpleNamespace(support=3.9 / 7, computed=computed)
    assert computed_first([top, below], 0.8) == [top, below]
