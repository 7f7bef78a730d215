"""How the extractive answerer weighs a question's words: instructions and where-to-look clauses, period words,
inflections, and a table's header row read as data."""
from chat.extractive import ExtractiveBackend
from chat.question_instructions import question_terms
from tests.chat.evidence_fixtures import element, hits

CASH_FLOWS = (
    ("", "Year Ended December 31, 2019", "Year Ended December 31, 2018"),
    ("OPERATING ACTIVITIES:", "", ""),
    ("Net income", "11,588", "10,073"),
    ("Depreciation and amortization", "21,789", "15,341"),
    ("SUPPLEMENTAL CASH FLOW INFORMATION:", "", ""),
    ("Cash paid for interest on debt", "875", "854"),
    ("Cash paid for income taxes, net of refunds", "881", "1,184"),
)


def cash_flow_statement():
    return element("table", "cash flows", cells=CASH_FLOWS, page=37, caption="CONSOLIDATED STATEMENTS OF CASH FLOWS")


def test_where_to_look_clause_does_not_pick_the_row():
    # "information", "cash" and "flow" of the clause would make "SUPPLEMENTAL CASH FLOW INFORMATION: Cash paid for
    # income taxes" hold more of the question than the "Net income" asked for.
    question = ("By drawing conclusions from the information stated only in the income statement, what is the "
                "FY2019 net income attributable to shareholders (in USD millions)?")
    answer = ExtractiveBackend().answer(question, hits(cash_flow_statement()))
    assert answer.text.startswith("11,588 \u2014 OPERATING ACTIVITIES: Net income, Year Ended December 31, 2019")
    assert answer.answerable is True


def test_answer_format_sentence_weighs_nothing():
    assert question_terms("How many datasets are used? Please write down the answer in float format with 1 "
                          "decimal.") == question_terms("How many datasets are used?")


def test_period_words_do_not_weigh_when_a_year_is_named():
    # The auditor's sentence names the company and the period; the sentence stating the goodwill is the answer.
    opinion = element("text", "We have audited the accompanying consolidated balance sheets of Best Buy Co., Inc. "
                              "as of January 28, 2023 and January 29, 2022, and the related statements for each of "
                              "the fiscal years in the period ended January 28, 2023.", page=36)
    goodwill = element("text", "The goodwill balance was $1,383 million as of January 28, 2023, of which $891 "
                               "million was related to the Best Buy Health reporting unit.", page=37)
    answer = ExtractiveBackend().answer("What goodwill does Best Buy have for the fiscal year ending January 28, "
                                        "2023?", hits(opinion, goodwill))
    assert answer.text.startswith("The goodwill balance was $1,383 million")
    # Asked for the period itself, "year" is the content: it stays.
    assert "year" in question_terms("Which year was the report published?")
    assert "year" not in question_terms("What goodwill did it have for the fiscal year ending January 28, 2023?")


def test_an_inflected_word_orders_sentences_but_does_not_lift_support():
    graph = element("text", "The following graph compares the total return on common stock in 2021 with the "
                            "return of the S&P 500.", page=21)
    program = element("text", "During 2021 and 2020, we repurchased 1,358,000 and 643,000 shares of common stock, "
                              "totaling approximately $495 and $198, respectively.", page=29)
    answer = ExtractiveBackend().answer("How much did the company spend repurchasing common stock in 2021?",
                                        hits(graph, program))
    assert answer.text.splitlines()[0].startswith("During 2021 and 2020, we repurchased")
    # The threshold is checked on exact words: "repurchasing" in "repurchased" adds nothing to the support.
    assert answer.support == ExtractiveBackend().answer("How much did the company spend buying common stock in "
                                                        "2021?", hits(graph, program)).support


def test_a_header_row_read_as_data_is_no_answer():
    # A PDF table whose year row, split across cells, reads as a data row labelled "2015" with years as values.
    cells = (("", "Year Ended December 31,", "", "", "", "Change", "", ""),
             ("", "2015", "2014", "2013 (in thousands, excep", "2015 vs. 201 t percentages)", "4", "2014 vs. 20", "13"),
             ("Technology and development", "$ 650,788 $", "472,321", "$ 378,769", "$ 178,467", "38%", "$ 93,552",
              "25%"),
             ("As a percentage of revenues", "10%", "9%", "9%", "", "", "", ""))
    table = element("table", "t", cells=cells, section=("Netflix, Inc.", "Operating Expenses Technology and Development"))
    answer = ExtractiveBackend().answer("What is research and development expense of Netflix in FY 2015?",
                                        hits(table))
    assert answer.text.startswith("Technology and development: $650,788")
