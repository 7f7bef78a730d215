from chat.answer import Span
from chat.backends import AnswerBackend, make_backend
from chat.extractive import NOT_FOUND, ExtractiveBackend, terms
from tests.chat.evidence_fixtures import SALES_CELLS, SALES_MARKDOWN, element, hits

QUESTION = "What were total net sales for the three months ended June 25, 2022?"
# The layout of a 10-Q statement: "$" in its own column before each amount, the scale in the caption.
STATEMENT_CELLS = (
    ("", "Three Months Ended", "", "", ""),
    ("", "June 25, 2022", "", "June 26, 2021", ""),
    ("Net sales:", "", "", "", ""),
    ("Products", "$", "63,355", "$", "63,948"),
    ("Services", "", "19,604", "", "17,486"),
    ("Total net sales", "$", "82,959", "$", "81,434"),
    ("Diluted earnings per share", "$", "1.20", "$", "1.30"),
)


def statement():
    return element("table", "statement", cells=STATEMENT_CELLS, page=4,
                   caption="CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (In millions, except per-share amounts)")


def test_is_an_answer_backend():
    backend = make_backend("extractive")
    assert isinstance(backend, ExtractiveBackend) and isinstance(backend, AnswerBackend)
    assert (backend.name, backend.mode, backend.supports_images) == ("extractive", "extractive", False)


def test_table_answer_states_the_cell_first_with_currency_and_scale():
    table = statement()
    prose = element("text", "The company sells products and services worldwide. Net sales grew in the quarter.")
    answer = ExtractiveBackend().answer(QUESTION, hits(prose, table))
    lines = answer.text.splitlines()
    assert lines[0] == "$82,959 million \u2014 Total net sales, Three Months Ended June 25, 2022 [S2]"
    # One line of support: the same row's other period, under the table's caption; nothing from other rows.
    assert len(lines) == 2 and "81,434" in lines[1] and lines[1].endswith("[S2]")
    assert "63,355" not in answer.text and "Percentage" not in answer.text
    assert answer.answerable is True and answer.support == 1.0
    assert answer.citations[0].span == Span("cell", ("Total net sales", "82,959"))


def test_the_period_named_picks_the_column():
    answer = ExtractiveBackend().answer("Services net sales three months ended June 26, 2021", hits(statement()))
    assert answer.text.startswith("17,486 million \u2014 Net sales: Services, Three Months Ended June 26, 2021")


def test_per_share_amounts_keep_their_own_unit():
    answer = ExtractiveBackend().answer("Diluted earnings per share three months ended June 25, 2022",
                                        hits(statement()))
    assert answer.text.startswith("$1.20 \u2014 Diluted earnings per share")


def test_tied_cells_are_shown_labelled():
    table = element("table", SALES_MARKDOWN, cells=SALES_CELLS, caption="Table 1: Net sales (in millions)")
    answer = ExtractiveBackend().answer("What were total net sales?", hits(table))
    first = answer.text.splitlines()[0]
    assert first.startswith("Total net sales: 82,959 million (Three Months Ended June 25, 2022); "
                            "81,434 million (Three Months Ended June 26, 2021)")
    assert answer.citations[0].span.kind == "row"


def test_row_whose_label_is_what_was_asked_beats_a_wider_label():
    header = "| | Three Months Ended | |\n|---|---|---|\n| | June 25, 2022 | June 26, 2021 |\n"
    shares = element("table", header + "| Percentage of total net sales | 8 % | 7 % |", page=21)
    income = element("table", header + "| Total net sales | $ 82,959 | $ 81,434 |", page=4)
    answer = ExtractiveBackend().answer(QUESTION, hits(shares, income))
    assert answer.text.startswith("$82,959 \u2014 Total net sales") and "8 %" not in answer.text


def test_number_in_question_picks_the_row_holding_it():
    table = element("table", SALES_MARKDOWN, cells=SALES_CELLS)
    answer = ExtractiveBackend().answer("Which line had 19,604 in sales?", hits(table))
    assert answer.text.startswith("19,604 \u2014 Services, Three Months Ended June 25, 2022 [S1]")


def test_text_answer_is_the_whole_sentence():
    text = element("text", "Our headquarters moved in 2019. The company employed about 164,000 full-time "
                           "equivalent employees as of September 24, 2022. Most work in the U.S. and Europe.")
    answer = ExtractiveBackend().answer("How many full-time equivalent employees did the company have?",
                                        hits(text))
    assert answer.text == ("The company employed about 164,000 full-time equivalent employees as of September 24, "
                           "2022. [S1]")
    assert answer.citations[0].span == Span("sentence", (answer.text[:-5],))


def test_long_sentences_are_cut_between_words_korean_included():
    long_korean = "2023년 매출은 " + "국내외 시장의 수요 회복과 신제품 출시 효과로 " * 20 + "크게 증가했다."
    answer = ExtractiveBackend().answer("2023년 매출이 얼마였나요?", hits(element("text", long_korean)))
    shown = answer.text.removesuffix(" [S1]")
    assert shown.endswith(" \u2026") and shown[:-2] in long_korean
    assert long_korean[len(shown) - 2] == " "  # the cut falls on a blank, not inside a word


def test_korean_question_over_korean_text():
    unrelated = element("text", "본사는 서울에 있으며 직원은 약 300명이다.", source="회사소개.pdf")
    target = element("text", "회사 개요입니다. 2023년 매출은 4,812억 원으로 전년 대비 12% 증가했다. 영업이익은 감소했다.",
                     source="연차보고서.pdf", page=3)
    answer = ExtractiveBackend().answer("2023년 매출이 얼마였나요?", hits(unrelated, target))
    assert answer.text == "2023년 매출은 4,812억 원으로 전년 대비 12% 증가했다. [S2]"
    assert [(c.key, c.element.source, c.element.page) for c in answer.citations] == [("S2", "연차보고서.pdf", 3)]


def test_korean_bigrams_match_inflected_words():
    assert "매출" in terms("매출이") and "매출" in terms("매출은")
    assert terms("Sales in 2023 were 4,812")["4812"] > terms("Sales in 2023 were 4,812")["sale"]


def test_figure_answer_is_its_caption_and_labels():
    caption = "Figure 7-27. Stainless steel self-locking nut."
    fig = element("figure", caption + "\nNut case Threaded nut core Locking shoulder Keyway", caption=caption)
    answer = ExtractiveBackend().answer("What are the parts of a stainless steel self-locking nut?", hits(fig))
    assert answer.text == ("Figure: Figure 7-27. Stainless steel self-locking nut. (labels in the figure: "
                           "Nut case Threaded nut core Locking shoulder Keyway) [S1]")


def test_no_hits_means_not_found():
    answer = ExtractiveBackend().answer("What is the capital of Mars?", [])
    assert answer.text == NOT_FOUND == "Not found in the documents."
    assert answer.citations == () and answer.hits == () and answer.answerable is False


def test_unsupported_question_abstains_with_what_was_searched_and_nearest_evidence():
    text = element("text", "Revenue in Europe rose 4% in 2022. The board met twice.", source="annual.pdf")
    answer = ExtractiveBackend().answer("How many patents did the company file in Japan in 2021?", hits(text))
    lines = answer.text.splitlines()
    assert lines[0] == NOT_FOUND and answer.answerable is False
    assert lines[1].startswith("Searched 1 passages in annual.pdf for: patents, company, file, Japan, 2021")
    assert lines[2] == "Nearest evidence: Revenue in Europe rose 4% in 2022. [S1]"
    assert answer.support < 0.5 and [c.key for c in answer.citations] == ["S1"]


def test_threshold_decides_between_answer_and_abstention():
    text = element("text", "Revenue in Europe rose 4% in 2022.")
    question = "What was revenue growth in Europe?"
    assert ExtractiveBackend(threshold=0.9).answer(question, hits(text)).answerable is False
    assert ExtractiveBackend(threshold=0.3).answer(question, hits(text)).answerable is True


def test_follow_up_carries_the_subject_and_shifts_the_period():
    table = statement()
    first = ExtractiveBackend().answer(QUESTION, hits(table))
    follow = ExtractiveBackend().answer("and the year before?", hits(table), history=[(QUESTION, first.text)])
    assert follow.question == "and the year before?"
    assert follow.text.startswith("$81,434 million \u2014 Total net sales, Three Months Ended June 26, 2021")
    assert follow.answerable is True


def test_a_name_no_evidence_mentions_means_not_found():
    text = element("text", "Facebook users aged 25-34 make up 29% of the audience. Twitter skews younger.",
                   source="deck.pdf")
    question = "What age range accounts for the most users of the Amazon platform?"
    answer = ExtractiveBackend(threshold=0.0).answer(question, hits(text))
    assert answer.answerable is False and answer.support == 0.0
    assert "None of them mentions: Amazon." in answer.text.splitlines()[1]
    asked_of_facebook = ExtractiveBackend(threshold=0.0).answer(question.replace("Amazon", "Facebook"), hits(text))
    assert asked_of_facebook.answerable is True


def test_the_column_the_question_names_wins_over_the_first_column():
    md = ("| Year | Date of declaration of dividend | Total dividend (Rs.) | % |\n|---|---|---|---|\n"
          "| 1999-00 | 25th August, 2000 | 3,02,16,492.00 | 1.06 |\n| 2000-01 | 27th July, 2001 | 3,71,26,782.00 | 1.2 |")
    table = element("table", md, caption="Unclaimed dividends")
    answer = ExtractiveBackend().answer("What was the total dividend declared for 1999-00?", hits(table))
    assert answer.text.startswith("3,02,16,492.00 \u2014 1999-00, Total dividend (Rs.)")
    share = ExtractiveBackend().answer("What percentage was unclaimed in 2000-01?", hits(table))
    assert share.text.startswith("1.2% \u2014 2000-01, %")


def test_a_label_line_comes_with_its_value():
    text = element("text", "Revised May 2016\nProduced by:\nFlorida Department of Health\n4052 Bald Cypress Way")
    answer = ExtractiveBackend().answer("Who produced the document that was revised on May 2016?", hits(text))
    assert answer.text == "Revised May 2016 Produced by: Florida Department of Health [S1]"


def test_an_equally_good_candidate_from_another_item_is_shown_labelled():
    table = element("table", "| Segment | 2023 |\n|---|---|\n| Cloud revenue | 4,100 |", source="a.pdf")
    text = element("text", "Cloud revenue in 2023 was 4,120 after the restatement.", source="b.pdf")
    answer = ExtractiveBackend().answer("What was cloud revenue in 2023?", hits(table, text))
    assert answer.text.splitlines() == ["4,100 \u2014 Cloud revenue, 2023 [S1]",
                                        "Cloud revenue in 2023 was 4,120 after the restatement. [S2]"]


def test_a_question_naming_two_periods_gets_both_cells_of_the_row():
    md = ("| | December 31, 2019 | December 31, 2018 |\n|---|---|---|\n| Trade names | 2,248 | 2,248 |\n"
          "| Preferred stock, no par value, at 2019 and 2018 | 2,380 | 2,303 |\n| Real estate taxes | 398 | 398 |")
    prose = element("text", "Income tax expense was $782 in 2019, compared to a benefit of $225 in 2018.")
    table = element("table", md, caption="Other assets (in thousands)")
    answer = ExtractiveBackend().answer("What is the average real estate taxes for 2018 and 2019?", hits(prose, table))
    # The average asked for comes first (chat.answer_arithmetic), the row's cells stay as its support.
    lines = answer.text.splitlines()
    assert lines[0].startswith("398 thousand \u2014 average of Real estate taxes") and lines[0].endswith("[S2]")
    assert lines[1] == "Real estate taxes: 398 thousand (December 31, 2019); 398 thousand (December 31, 2018) [S2]"
    names = ExtractiveBackend().answer("What is the average value of trade names for both 2018 and 2019?",
                                       hits(table))
    assert names.text.splitlines()[1].startswith("Trade names: 2,248 thousand (December 31, 2019)")


def test_a_year_in_a_row_label_does_not_make_the_row_asked_for():
    md = ("| | December 31, 2019 | December 31, 2018 |\n|---|---|---|\n"
          "| Preferred stock, no par value, at 2019 and 2018 | 2,380 | 2,303 |\n| Land | 1,942 | 2,124 |")
    answer = ExtractiveBackend().answer("What is the change in the value of land between 2018 and 2019?",
                                        hits(element("table", md)))
    assert answer.text.splitlines()[1].startswith("Land: 1,942 (December 31, 2019); 2,124 (December 31, 2018)")
    assert answer.text.startswith("-182 \u2014 change in Land, December 31, 2018 to 2019")


def test_the_row_naming_more_of_the_question_wins_over_words_the_caption_supplies():
    md = ("| Method | MMLU Physics | MMLU Chemistry |\n|---|---|---|\n| PaLM-2L | 66.4% | 70.9% |\n"
          "| PaLM-2L + Step-Back (ours) | 73.2% | 81.9% |")
    table = element("table", md, caption="Table 1: Strong performance of Step-Back prompting on STEM tasks")
    answer = ExtractiveBackend().answer("What score did PaLM-2L + Step-Back achieve in MMLU Physics?", hits(table))
    assert answer.text.startswith("73.2% \u2014 PaLM-2L + Step-Back (ours), MMLU Physics")


def test_a_comparison_gets_the_values_side_by_side():
    md = ("| | December 31, 2019 | December 31, 2018 |\n|---|---|---|\n| Other intangible assets, net | 152 | 344 |\n"
          "| Drinkable Kefir | 71,822 | 78,523 |\n| Cheese | 11,459 | 11,736 |")
    table = element("table", md)
    which = ExtractiveBackend().answer("Which year has a higher value of other intangible assets, net?", hits(table))
    assert which.text.startswith("Other intangible assets, net: 152 (December 31, 2019); 344 (December 31, 2018)")
    both = ExtractiveBackend().answer("What is the difference in net sales between Drinkable Kefir and Cheese in "
                                      "2019?", hits(table))
    assert "71,822" in both.text and "11,459" in both.text
    assert both.text.startswith("60,363 \u2014 difference, Drinkable Kefir \u2212 Cheese, December 31, 2019")


def test_sentences_do_not_end_at_abbreviations_but_do_at_line_breaks():
    from chat.sentence_answer import split_sentences

    assert split_sentences("Sales in the U.S. rose 4%. Costs fell!\nGOVERNOR\nRick Scott") == [
        "Sales in the U.S. rose 4%.", "Costs fell!", "GOVERNOR", "Rick Scott"]


def test_footnote_markers_are_not_part_of_the_row_label():
    md = "| | 2022 | 2021 |\n|---|---|---|\n| Total net sales (4) | 82,959 | 81,434 |\n| iPhone ® (1) | 40,665 | 39,570 |"
    answer = ExtractiveBackend().answer("What were total net sales in 2022?", hits(element("table", md)))
    assert answer.text.startswith("82,959 \u2014 Total net sales, 2022 [S1]") and answer.support == 1.0


def test_a_runner_up_must_hold_the_asked_words_not_only_the_date():
    prose = element("text", "The following table shows other income for the three- and nine-month periods ended "
                            "June 25, 2022 and June 26, 2021.", source="b.pdf")
    answer = ExtractiveBackend().answer(QUESTION, hits(statement(), prose))
    assert "other income" not in answer.text and answer.text.startswith("$82,959 million")


def test_korean_instruction_words_are_not_content():
    from chat.answer_terms import terms

    assert set(terms("구체적으로 설명하시오")) == {"으로"}
    assert "매출" in terms("어떤 매출을 설명해주세요")


def test_a_metric_finds_the_row_that_states_it_under_its_line_item_name():
    md = ("| | 2018 | 2017 |\n|---|---|---|\n"
          "| Net cash provided by operating activities | 6,439 | 6,240 |\n"
          "| Purchases of property, plant and equipment (PP&E) | (1,577) | (1,373) |\n"
          "| Proceeds from sale of PP&E | 262 | 49 |")
    table = element("table", md, caption="Consolidated Statement of Cash Flows (Millions)")
    answer = ExtractiveBackend().answer("What was the capital expenditure in 2018?", hits(table))
    assert answer.text.startswith("(1,577)") and "Purchases of property, plant and equipment" in answer.text


def test_lines_that_state_nothing_are_no_answer():
    contents = element("text", "1 Mission, Vision and Values ....................... 4\n"
                               "10 Appendix D: Alignment .......................... 22")
    axis = element("text", "2012 #2013 2014")
    label = element("text", "GOVERNOR\nRevised May 2018\nProduced by:")
    answer = ExtractiveBackend().answer("What is the title of the appendix on alignment?", hits(contents, axis, label))
    assert answer.answerable is False and answer.text.startswith(NOT_FOUND)
    sentence = element("text", "Appendix D describes the alignment of goals with the state health plan.")
    answer = ExtractiveBackend().answer("What is the title of the appendix on alignment?",
                                        hits(contents, sentence))
    assert answer.text.startswith("Appendix D describes the alignment")


def test_a_quantity_question_is_answered_by_a_line_stating_a_number_first():
    title = element("text", "Debit card users in India, 2013: users by bank")
    count = element("text", "India had 399 million debit card holders in 2013.")
    words = element("text", "The system is comprised of five principal modules.")
    answer = ExtractiveBackend().answer("How many debit card users were there in India in 2013?", hits(title, count))
    assert answer.text.startswith("India had 399 million debit card holders in 2013.")
    assert ExtractiveBackend().answer("How many modules does the system have?", hits(words)).text.startswith(
        "The system is comprised of five principal modules.")  # a count in words states a number
    # "when" inside a question asks for no date: the steps answer it
    steps = element("text", "Press the Down button twice to start a measurement.")
    assert ExtractiveBackend().answer("What happens when you press the Down button twice?",
                                      hits(steps)).answerable
