"""Long tables send their header and the rows the question names; short tables and other kinds go whole."""
from chat.answer_terms import terms
from chat.context import format_evidence, select_evidence
from chat.evidence_excerpt import excerpt_for, table_excerpt
from tests.chat.evidence_fixtures import element, hits

ROWS = ["iPhone", "Mac", "iPad", "Wearables, home and accessories", "Services", "Americas", "Europe", "Greater China",
        "Japan", "Rest of Asia Pacific"]
LONG_TABLE = "\n".join(
    ["Net sales by category (in millions)", "| | 2022 | 2021 |", "|---|---|---|"]
    + [f"| {label} | {1000 + i} | {900 + i} |" for i, label in enumerate(ROWS)]
    + ["| Total net sales | 82,959 | 81,434 |"])


def test_long_table_keeps_header_matching_rows_and_says_what_was_left_out():
    cut = table_excerpt(LONG_TABLE, terms("What were total net sales of Services?"))
    lines = cut.splitlines()
    assert lines[:3] == LONG_TABLE.splitlines()[:3]  # title line, header row, separator
    assert "| Services | 1004 | 904 |" in lines and "| Total net sales | 82,959 | 81,434 |" in lines
    assert not any("iPhone" in line or "Japan" in line for line in lines)
    assert lines[-1] == "(9 of 11 rows not matching the question left out)"


def test_whole_table_when_short_or_when_no_row_or_every_row_matches():
    short = "\n".join(LONG_TABLE.splitlines()[:6])
    assert table_excerpt(short, terms("Services net sales")) is None
    assert table_excerpt(LONG_TABLE, terms("employee headcount")) is None  # nothing matches: keep it all
    every = "\n".join(LONG_TABLE.splitlines()[:3] + [f"| sales {i} | {i} |" for i in range(12)])
    assert table_excerpt(every, terms("sales")) is None
    assert table_excerpt("no table here", terms("sales")) is None


def test_select_evidence_sends_the_excerpt_and_counts_its_cost():
    table = element("table", LONG_TABLE)
    prose = element("text", "Net sales of Services rose because of advertising and cloud.")
    whole = select_evidence(hits(table, prose), token_budget=10 ** 6)
    cut = select_evidence(hits(table, prose), token_budget=10 ** 6, excerpt=excerpt_for("Services net sales"))
    assert whole[0].text is None and cut[0].text is not None
    assert cut[0].element is table  # the citation still names the whole table
    assert cut[0].text_tokens < whole[0].text_tokens
    assert "Japan" in format_evidence(whole) and "Japan" not in format_evidence(cut)
    assert cut[1].text is None  # prose is never cut by the excerpt
    assert excerpt_for("the")(table) is None  # a question without content terms sends tables whole
