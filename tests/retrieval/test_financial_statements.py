"""Financial statements: recognising statement tables, reading what a question needs of them, and the "statement"
route that lifts the balance sheet above MD&A prose for a ratio question."""
from __future__ import annotations

from docparse.element import Element, ElementKind, Provenance
from retrieval.financial_statements import (BALANCE, CASH_FLOW, INCOME, expanded_query, looks_tabular,
                                            statement_kinds, statement_match, statement_need)
from retrieval.search_pipeline import fuse_query
from retrieval.search_settings import SearchSettings

BALANCE_SHEET = """| | 2022 | 2021 |
| Cash and cash equivalents | 3,655 | 4,564 |
| Accounts receivable, net | 4,532 | 4,660 |
| Inventories | 5,372 | 4,985 |
| Total current assets | 14,688 | 15,403 |
| Property, plant and equipment, net | 9,178 | 9,429 |
| Goodwill | 12,790 | 13,486 |
| Total assets | 46,455 | 47,072 |
| Accounts payable | 3,183 | 2,994 |
| Total current liabilities | 9,523 | 9,035 |
| Long-term debt | 14,001 | 16,056 |
| Total equity | 14,770 | 15,117 |"""

CASH_FLOWS = """Net income 5,791 5,921 Depreciation and amortization 1,831 1,915
Net cash provided by operating activities 5,591 7,454
Purchases of property, plant and equipment (1,749) (1,603)
Net cash used in investing activities (1,046) (1,317)
Dividends paid (3,369) (3,420) Net cash used in financing activities (6,088) (6,260)"""

MDNA = ("Our current ratio was 1.5 at year end, compared with 1.7 a year earlier, as total current liabilities "
        "rose faster than total current assets. Liquidity remains strong and we expect cash from operations to "
        "cover our needs; the current ratio is a measure we watch closely.")

INCOME_STATEMENT = """Net sales 34,229 35,355 Cost of sales 19,232 18,795 Gross profit 14,997 16,560
Selling, general and administrative expenses 9,049 7,197 Research and development 1,862 1,994
Operating income 6,539 7,369 Interest expense 462 488 Income before income taxes 6,392 7,204
Provision for income taxes 612 1,285 Net income 5,791 5,921"""


def _element(element_id: str, text: str, kind: ElementKind = ElementKind.TEXT, section: tuple[str, ...] = (),
             caption: str | None = None, doc: str = "acme") -> Element:
    return Element(id=element_id, kind=kind, text=text, section=section, caption=caption,
                   provenance=Provenance(doc_id=doc, source=f"{doc.upper()}_2022_10K.pdf", page=1))


def test_statements_are_recognised_by_their_line_items_and_prose_is_not() -> None:
    assert BALANCE in statement_kinds(BALANCE_SHEET)
    assert CASH_FLOW in statement_kinds(CASH_FLOWS)
    assert INCOME in statement_kinds(INCOME_STATEMENT)
    assert statement_kinds(MDNA) == frozenset()  # names line items, but is prose: few figures
    assert not looks_tabular(MDNA) and looks_tabular(BALANCE_SHEET)


def test_a_title_in_the_heading_counts_with_fewer_line_items() -> None:
    short = "Total assets 46,455 47,072 Total liabilities 31,685 31,955 12 13 14 15"
    assert statement_kinds(short) == frozenset()
    assert statement_kinds(short, heading="Consolidated Balance Sheets") == {BALANCE}


def test_ratios_and_metrics_name_their_line_items() -> None:
    need = statement_need("What was the company's current ratio in FY2022?")
    assert need.line_items == {"total current assets", "total current liabilities"}
    assert "purchases of property plant and equipment" in statement_need("How much was capex?").line_items
    assert {"operating income", "depreciation and amortization"} <= statement_need("Compute EBITDA").line_items
    assert statement_need("Using the cash flow statement, what was spent?").statements == {CASH_FLOW}
    assert not statement_need("How many people were surveyed by phone?")
    assert not statement_need("What does the green bar in Figure 3 show?")


def test_expanded_query_adds_only_the_missing_line_items() -> None:
    assert expanded_query("the current ratio") == \
        "the current ratio total current assets total current liabilities"
    assert expanded_query("who founded the company") == "who founded the company"


def test_statement_match_counts_wanted_items_and_a_named_statement() -> None:
    need = statement_need("What is the current ratio according to the balance sheet?")
    assert statement_match(need, BALANCE_SHEET)[0] == 3  # two wanted line items, and the statement named
    titled = statement_match(need, BALANCE_SHEET, heading="Consolidated Balance Sheets")
    assert titled[0] == 4 and titled[1] >= 10  # a primary statement's own title; most of its standard items
    assert statement_match(need, MDNA) == (0, 0)
    assert statement_match(need, CASH_FLOWS) == (0, 0)  # a statement, but not the one named nor holding the items


def test_the_statement_route_lifts_the_balance_sheet_above_mdna_prose() -> None:
    found = {e.id: e for e in (_element("mdna", MDNA), _element("mdna2", MDNA + " More prose."),
                               _element("cash", CASH_FLOWS),
                               _element("bs", BALANCE_SHEET, ElementKind.TABLE, section=("Item 8",)))}
    ranked = {"dense": ["mdna", "mdna2", "cash", "bs"], "lexical": ["mdna", "mdna2", "cash", "bs"]}
    with_route = SearchSettings()
    without = SearchSettings(routes=(("dense", 1.0), ("lexical", 1.0)), per_page=0)
    question = "What is the current ratio?"
    hits = fuse_query(question, ranked, found, with_route, {}, 4, lambda: {})
    plain = fuse_query(question, ranked, found, without, {}, 4, lambda: {})
    assert [h.element.id for h in plain][0] == "mdna"
    assert hits[0].element.id == "bs" and "statement" in hits[0].routes
    # A question about no figure leaves the order alone.
    other = fuse_query("Who chairs the board?", ranked, found, with_route, {}, 4, lambda: {})
    assert "statement" not in {r for h in other for r in h.routes}


def test_the_route_keeps_only_the_best_match_so_the_primary_statement_beats_a_summary_table() -> None:
    summary = "\n".join(BALANCE_SHEET.splitlines()[:5] + BALANCE_SHEET.splitlines()[9:10])  # an MD&A excerpt
    found = {e.id: e for e in (_element("summary", summary, ElementKind.TABLE, section=("Liquidity",)),
                               _element("bs", BALANCE_SHEET, ElementKind.TABLE,
                                        section=("Item 8", "Consolidated Balance Sheets")))}
    ranked = {"lexical": ["summary", "bs"], "dense": ["summary", "bs"]}
    hits = fuse_query("What is the working capital?", ranked, found, SearchSettings(per_page=0), {}, 2, lambda: {})
    assert [h.element.id for h in hits] == ["bs", "summary"]
    assert "statement" not in hits[1].routes  # the excerpt lists both items but carries no statement title


def test_across_filings_the_route_votes_only_in_documents_the_other_routes_favour() -> None:
    found = {e.id: e for e in (_element("mdna", MDNA), _element("mdna2", MDNA + " More prose."),
                               _element("cash", CASH_FLOWS),
                               _element("bs", BALANCE_SHEET, ElementKind.TABLE, section=("Item 8",)),
                               _element("other-bs", BALANCE_SHEET, ElementKind.TABLE,
                                        section=("Item 8", "Consolidated Balance Sheets"), doc="globex"))}
    # Acme's pages lead both routes; Globex's balance sheet (a better match: it carries the title) is a candidate
    # only far down, so it is another company's statement, not the one asked about.
    ranked = {"dense": ["mdna", "mdna2", "cash", "bs", "other-bs"],
              "lexical": ["mdna", "mdna2", "cash", "bs", "other-bs"]}
    hits = fuse_query("What is Acme's current ratio?", ranked, found, SearchSettings(per_page=0), {}, 5,
                      lambda: {})
    routes = {h.element.id: h.routes for h in hits}
    assert "statement" in routes["bs"] and "statement" not in routes["other-bs"]
    assert hits[0].element.id == "bs"


def test_line_items_join_the_lexical_query_only_inside_one_document() -> None:
    from retrieval.search_filter import SearchFilter
    from retrieval.search_pipeline import lexical_queries

    texts = ["What is Acme's current ratio?"] * 3
    filters = [SearchFilter.build(["ACME_2022_10K.pdf"]), SearchFilter.build(), SearchFilter.build(["a.pdf", "b.pdf"])]
    inside, across, several = lexical_queries(texts, filters, SearchSettings())
    assert "total current assets" in inside.lower()
    assert across == several == texts[0]  # across filings the words naming the company decide the document
    plain = SearchSettings(routes=(("dense", 1.0), ("lexical", 1.0)))
    assert lexical_queries(texts[:1], filters[:1], plain) == texts[:1]


def test_metric_names_read_a_line_item_as_the_metric_it_states() -> None:
    from retrieval.financial_statements import metric_names

    assert metric_names("Purchases of property, plant and equipment (PP&E)") == ["capital expenditure", "capex"]
    assert metric_names("Cost of sales") == ["cost of goods sold"]
    assert metric_names("Net sales") == ["revenue"]
    assert metric_names("Other income") == []


def test_metric_names_know_the_standard_labels_of_net_income_equity_and_accruals() -> None:
    from retrieval.financial_statements import metric_names

    net_income = "net income attributable to shareholders stockholders"  # us-gaap NetIncomeLoss
    for label in ("Net income", "Net income (loss)", "NET INCOME ATTRIBUTABLE TO COSTCO", "Net earnings (1)"):
        assert net_income in metric_names(label), label
    for label in ("Net income attributable to noncontrolling interests", "Net income per share",
                  "Net income including noncontrolling interests"):
        assert net_income not in metric_names(label), label
    # us-gaap StockholdersEquity, with the company's name inside the label
    assert "shareholders equity" in metric_names("Total Costco stockholders\u2019 equity")
    assert metric_names("Total liabilities and stockholders' equity") == []
    assert "accruals" in metric_names("Accrued liabilities")  # AccruedLiabilitiesCurrent
