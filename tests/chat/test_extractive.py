from chat.backends import AnswerBackend, make_backend
from chat.extractive import NOT_FOUND, ExtractiveBackend, table_rows, terms
from tests.chat.evidence_fixtures import SALES_CELLS, SALES_MARKDOWN, element, hits


def test_is_an_answer_backend():
    backend = make_backend("extractive")
    assert isinstance(backend, ExtractiveBackend) and isinstance(backend, AnswerBackend)
    assert (backend.name, backend.mode, backend.supports_images) == ("extractive", "extractive", False)


def test_table_row_rendered_with_header_context():
    rows = table_rows(element("table", SALES_MARKDOWN, cells=SALES_CELLS))
    assert rows[-1][0] == ("Total net sales \u2014 Three Months Ended June 25, 2022: 82,959; June 26, 2021: 81,434; "
                           "Nine Months Ended June 25, 2022: 303,660; June 26, 2021: 282,457")
    assert len(rows) == 3


def test_table_rows_from_markdown_when_cells_missing():
    md = "| Region | 2023 | 2022 |\n|---|---|---|\n| Europe | 1,200 | 1,100 |\n| Asia | 900 | 800 |"
    rows = table_rows(element("table", md, cells=None))
    assert [r for r, _, _, _ in rows] == ["Europe \u2014 2023: 1,200; 2022: 1,100", "Asia \u2014 2023: 900; 2022: 800"]


def test_table_row_with_the_asked_number_wins():
    table = element("table", SALES_MARKDOWN, cells=SALES_CELLS, page=4, caption="Table 1: Net sales")
    prose = element("text", "The company sells products and services worldwide. Net sales grew in the quarter.")
    answer = ExtractiveBackend().answer("What were total net sales for the three months ended June 25, 2022?",
                                        hits(prose, table))
    first = answer.text.splitlines()[0]
    assert first.startswith("Total net sales \u2014 Three Months Ended June 25, 2022: 82,959") and first.endswith("[S2]")
    assert answer.citations[0].key == "S2" and answer.citations[0].element is table
    assert answer.mode == "extractive" and answer.model == "extractive"
    assert answer.note == "extractive answer: no language model configured"
    assert len(answer.text.splitlines()) <= 3


def test_row_whose_label_is_what_was_asked_beats_a_wider_label():
    header = "| | Three Months Ended | |\n|---|---|---|\n| | June 25, 2022 | June 26, 2021 |\n"
    shares = element("table", header + "| Percentage of total net sales | 8 % | 7 % |", page=21)
    income = element("table", header + "| Total net sales | $ 82,959 | $ 81,434 |", page=4)
    # The share table is ranked first and both rows hold every asked word; the row labelled exactly so wins.
    answer = ExtractiveBackend(max_pieces=1).answer(
        "What were total net sales for the three months ended June 25, 2022?", hits(shares, income))
    assert answer.text.startswith("Total net sales") and "82,959" in answer.text and answer.text.endswith("[S2]")


def test_number_in_question_picks_the_row_holding_it():
    table = element("table", SALES_MARKDOWN, cells=SALES_CELLS)
    answer = ExtractiveBackend(max_pieces=1).answer("Which line had 19,604 in sales?", hits(table))
    assert answer.text.startswith("Services \u2014") and answer.text.endswith("[S1]")


def test_korean_question_over_korean_text():
    unrelated = element("text", "본사는 서울에 있으며 직원은 약 300명이다.", source="회사소개.pdf")
    target = element("text", "회사 개요입니다. 2023년 매출은 4,812억 원으로 전년 대비 12% 증가했다. 영업이익은 감소했다.",
                     source="연차보고서.pdf", page=3)
    answer = ExtractiveBackend(max_pieces=1).answer("2023년 매출이 얼마였나요?", hits(unrelated, target))
    assert answer.text == "2023년 매출은 4,812억 원으로 전년 대비 12% 증가했다. [S2]"
    assert [(c.key, c.element.source, c.element.page) for c in answer.citations] == [("S2", "연차보고서.pdf", 3)]


def test_korean_bigrams_match_inflected_words():
    assert "매출" in terms("매출이") and "매출" in terms("매출은")
    assert terms("Sales in 2023 were 4,812")["4812"] > terms("Sales in 2023 were 4,812")["sale"]


def test_figure_with_matching_caption_is_pointed_to():
    fig = element("figure", "Figure 3: Revenue by region, 2023", caption="Figure 3: Revenue by region, 2023")
    text = element("text", "Revenue in Europe rose sharply.")
    answer = ExtractiveBackend().answer("How did revenue by region change?", hits(text, fig))
    assert "See Figure: Figure 3: Revenue by region, 2023 [S2]" in answer.text.splitlines()
    assert {c.key for c in answer.citations} == {"S1", "S2"}


def test_figure_labels_are_part_of_the_pointer():
    caption = "Figure 7-27. Stainless steel self-locking nut."
    fig = element("figure", caption + "\nNut case Threaded nut core Locking shoulder Keyway", caption=caption)
    answer = ExtractiveBackend().answer("What are the parts of a stainless steel self-locking nut?", hits(fig))
    line = next(l for l in answer.text.splitlines() if l.startswith("See Figure"))
    assert line == ("See Figure: Figure 7-27. Stainless steel self-locking nut. (labels in the figure: "
                    "Nut case Threaded nut core Locking shoulder Keyway) [S1]")


def test_figure_without_overlap_is_not_mentioned():
    fig = element("figure", "Figure 1: Org chart", caption="Figure 1: Org chart")
    answer = ExtractiveBackend().answer("What was revenue?", hits(element("text", "Revenue was 5."), fig))
    assert "See Figure" not in answer.text


def test_no_hits_means_not_found():
    answer = ExtractiveBackend().answer("What is the capital of Mars?", [])
    assert answer.text == NOT_FOUND == "Not found in the documents."
    assert answer.citations == () and answer.hits == ()


def test_no_overlap_falls_back_to_top_hit_and_streams_once():
    tokens = []
    answer = ExtractiveBackend().answer("zzz?", hits(element("text", "First sentence. Second.")),
                                        on_token=tokens.append)
    assert answer.text == "First sentence. [S1]"
    assert tokens == [answer.text]


def test_rows_matching_only_through_headers_are_left_out():
    table = element("table", SALES_MARKDOWN, cells=SALES_CELLS)
    answer = ExtractiveBackend().answer("What were total net sales for the three months ended June 25, 2022?",
                                        hits(table))
    assert len(answer.text.splitlines()) == 1 and answer.text.startswith("Total net sales")
