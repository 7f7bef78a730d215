"""Ranking between equally supported candidates of different items (chat.extractive.candidates)."""
from chat.context import select_evidence
from chat.extractive import ExtractiveBackend, candidates
from tests.chat.evidence_fixtures import element, hits

SELLING_MD = ("| | 2019 | 2018 |\n|---|---|---|\n| Net sales | 93,662 | 103,350 |\n"
              "| Selling expenses | 11,062 | 13,477 |\n| General and administrative | 13,128 | 12,192 |")
ROYALTIES = ("Royalties earned are included in selling expenses in the accompanying consolidated statements of "
             "operations and were $588 and $587 during the years ended December 31, 2019 and 2018, respectively.")


def _selling_table():
    return element("table", SELLING_MD, source="a.pdf",
                   caption="Consolidated statements of operations, years ended December 31 (in thousands)")


def _ranked(question, *elements):
    """The candidate pieces of `elements`, retrieved in that order, best first."""
    return candidates(question, select_evidence(hits(*elements), max_items=20, token_budget=10 ** 9))


def test_a_sentence_restating_the_dates_does_not_outrank_the_cell_naming_the_item():
    # An amount for a period: both hold all of the question; the sentence's own words repeat "December 31, 2019",
    # the cell's date sits in its column and caption. The line item decides: the row is "Selling expenses", the
    # sentence is about royalties.
    prose = element("text", ROYALTIES, source="b.pdf")
    question = "What was the amount of selling expenses for the year ended December 31, 2019?"
    answer = ExtractiveBackend().answer(question, hits(prose, _selling_table()))
    assert answer.text.startswith("11,062 thousand \u2014 Selling expenses, 2019"), answer.text


def test_the_piece_naming_more_of_the_item_still_wins_for_a_dated_question():
    prose = element("text", "Selling and marketing expenses were $4,120 in 2019.", source="b.pdf")
    table = element("table", "| | 2019 | 2018 |\n|---|---|---|\n| Marketing | 2,050 | 1,980 |", source="a.pdf")
    pieces = _ranked("What was the amount of selling and marketing expenses in 2019?", table, prose)
    assert pieces[0].line.startswith("Selling and marketing expenses were $4,120")


def test_without_a_year_named_the_own_words_still_count_the_numbers():
    # no year asked: a sentence holding the question's number in its own words keeps its lead
    prose = element("text", "Order 4471 shipped to the Denver warehouse in March.", source="b.pdf")
    other = element("text", "Orders ship to the Denver warehouse within a week.", source="c.pdf")
    pieces = _ranked("Where did order 4471 ship to?", other, prose)
    assert pieces[0].line.startswith("Order 4471 shipped")
