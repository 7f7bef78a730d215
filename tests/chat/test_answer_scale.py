"""Amounts restated in the scale a question asks ("Answer in USD billions"), printed value kept."""
from chat.answer_arithmetic import Operand, compute, parse_quantity, restated
from chat.arithmetic_ask import asked_scale, read_ask
from chat.extractive import ExtractiveBackend
from chat.financial_ratios import compute_ratio, read_ratio
from tests.chat.evidence_fixtures import element, hits

EQUITY_CELLS = (
    ("(in millions, except per share data)", "2021", "2020"),
    ("Total stockholders\u2019 equity", "$ 18,078", "$ 15,243"),
    ("Diluted earnings per share", "$ 11.27", "$ 9.02"),
    ("Gross margin percentage", "11.13%", "11.20%"),
    ("Shares outstanding", "441,825", "441,255"),
)
THOUSANDS_CELLS = (
    ("(in thousands)", "2020", "2019"),
    ("Net cash provided by operating activities", "381,603", "465,699"),
    ("Number of employees", "5,477", "3,835"),
)


def _answer(question, cells):
    return ExtractiveBackend().answer(question, hits(element("table", "t", cells=cells))).text


def test_the_scale_asked_is_read_from_the_instructions_after_the_question():
    assert asked_scale("What were total assets in FY2021? Answer in USD millions.").scale == "million"
    assert asked_scale("What is net PPNE (in $ billions)?").scale == "billion"
    assert asked_scale("Total revenue in thousands, rounded to one decimal place?").decimals == 1
    # a limit the values are compared with is no scale asked
    assert asked_scale("In which year was X less than 70 thousands?") is None
    assert asked_scale("What were total assets in 2021?") is None


def test_a_cell_answer_is_restated_in_the_scale_asked():
    text = _answer("What was total stockholders' equity in 2021? Answer in USD billions.", EQUITY_CELLS)
    assert text.startswith("$18.08 billion ($18,078 million as printed) \u2014 Total stockholders\u2019 equity, 2021")


def test_a_finer_scale_than_printed_keeps_whole_numbers_whole():
    text = _answer("What was net cash provided by operating activities in 2020? Answer in USD millions.",
                   THOUSANDS_CELLS)
    assert text.startswith("381.6 million (381,603 thousand as printed)")
    assert restated("441,825 thousand", "million") == "441.83 million (441,825 thousand as printed)"
    assert restated("$8.7 billion", "million") == "$8,700 million ($8.7 billion as printed)"


def test_percentages_per_share_amounts_and_counts_are_not_restated():
    assert _answer("What was diluted earnings per share in 2021? Answer in billions.", EQUITY_CELLS).startswith(
        "$11.27 \u2014 Diluted earnings per share, 2021")
    assert _answer("What was the gross margin percentage in 2021? Answer in billions.", EQUITY_CELLS).startswith(
        "11.13% \u2014 Gross margin percentage, 2021")
    assert _answer("How many shares were outstanding in 2021? Answer in billions.", EQUITY_CELLS).startswith(
        "441,825 million \u2014 Shares outstanding, 2021")
    assert _answer("What was the number of employees in 2020? Answer in millions.", THOUSANDS_CELLS).startswith(
        "5,477 \u2014 Number of employees, 2020")
    assert restated("1,200", "billion") == "1,200"  # no scale printed: nothing to restate from


def test_no_scale_asked_leaves_the_answer_as_printed():
    text = _answer("What was total stockholders' equity in 2021?", EQUITY_CELLS)
    assert text.startswith("$18,078 million \u2014 Total stockholders\u2019 equity, 2021")
    assert restated("$18,078 million", "") == "$18,078 million"


def test_a_computed_amount_is_stated_in_the_scale_asked_first():
    ask = read_ask("What was the change in total stockholders' equity from 2020 to 2021? Answer in USD billions.")
    assert ask.scale == "billion"
    old, new = (Operand("Total stockholders' equity", y, parse_quantity(v)) for y, v in
                (("2020", "$15,243 million"), ("2021", "$18,078 million")))
    result = compute("change", [old, new], "Total stockholders' equity", ask.decimals, ask.scale)
    assert result.line.startswith("$2.84 billion (= $2,835 million) \u2014 change in Total stockholders' equity")
    assert result.value == 2835  # the value stays in the operands' scale
    # a percentage change is a percentage whatever scale the question asks
    assert compute("percent_change", [old, new], "", 2, "billion").shown == "18.6%"
    assert compute("change", [old, new], "", 2, "").shown == "$2,835 million"


def test_a_computed_count_is_not_restated():
    a, b = (Operand("Shares outstanding", y, parse_quantity(v)) for y, v in (("2020", "441,255 million"),
                                                                             ("2021", "441,825 million")))
    assert compute("change", [a, b], "Shares outstanding", 2, "billion").shown == "570 million"


def test_a_computed_answer_from_a_table_is_restated():
    text = _answer("What was the change in total stockholders' equity between 2020 and 2021? Answer in billions.",
                   EQUITY_CELLS)
    assert text.startswith("$2.84 billion (= $2,835 million) \u2014 change in Total stockholders\u2019 equity")


def test_a_bare_millions_header_cell_is_the_tables_scale():
    cells = (("(Millions, except Employees)", "Employees 2018", "Property, plant and equipment - net 2018"),
             ("United States", "37,412", "$ 4,915"), ("Total Company", "93,516", "$ 8,738"))
    table = element("table", "t", cells=cells)
    answer = ExtractiveBackend().answer("What is the 2018 property, plant and equipment - net for the total company? "
                                        "Answer in USD billions.", hits(table))
    assert answer.text.startswith("$8.74 billion ($8,738 million as printed)"), answer.text
    answer = ExtractiveBackend().answer("How many employees did the total company have in 2018?", hits(table))
    assert answer.text.startswith("93,516 \u2014"), answer.text


def test_a_sum_of_line_items_is_restated_but_a_ratio_is_not():
    balance = (("(in millions)", "August 29, 2021", "August 30, 2020"), ("Total current assets", "29,505", "28,120"),
               ("Total current liabilities", "29,441", "24,844"), ("Total liabilities", "41,190", "36,851"))
    tables = list(enumerate([element("table", "balance", cells=balance, caption="Consolidated Balance Sheets")]))
    result = compute_ratio(read_ratio("What is total long-term liabilities in FY2021? Answer in USD billions."), tables)
    assert result.line.startswith("11.75 billion (= 11,749 million) \u2014 long term liabilities, 2021")
    assert compute_ratio(read_ratio("What is total long-term liabilities in FY2021?"), tables).line.startswith(
        "11,749 million \u2014")
    ratio = compute_ratio(read_ratio("What is the current ratio in FY2021? Answer in billions."), tables)
    assert ratio.line.startswith("1 \u2014 current ratio, 2021"), ratio.line
