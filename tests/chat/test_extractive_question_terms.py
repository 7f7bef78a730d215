"""How the extractive answerer weighs a question's words: instructions and where-to-look clauses, period words,
inflections, and a table's header row read as data."""
from chat.extractive import ExtractiveBackend
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
