import pytest

from chat.backends import BackendError, make_backend
from chat.query_rewrite import REWRITE_SYSTEM_PROMPT, TextCompleter, is_follow_up, rewrite_query, rule_rewrite

HISTORY = [("What was total net sales in 2022?", "Total net sales were 82,959 [S1].")]


@pytest.mark.parametrize("question", ["and in 2021?", "What about services?", "the year before?",
                                      "How did it change?", "2021?", "그럼 2022년은?", "그리고 영업이익은?"])
def test_follow_ups_are_recognised(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", ["What is the EBITDA margin for Apple?", "Who audited the 2023 report?",
                                      "2023년 영업이익은 얼마인가요?"])
def test_standalone_questions_are_not_follow_ups(question):
    assert not is_follow_up(question)
    assert rewrite_query(question, HISTORY) == question


def test_rule_carries_the_subject_and_replaces_the_year():
    assert rewrite_query("and in 2021?", HISTORY) == "total net sales and in 2021?"
    # a relative year moves the carried year instead of adding words that match nothing
    assert rewrite_query("the year before?", HISTORY) == "total net sales 2021"
    assert rewrite_query("and the following year?", HISTORY) == "total net sales 2023"
    # a chain of follow-ups keeps the original subject
    chain = HISTORY + [("and in 2021?", "81,434 [S2].")]
    assert rewrite_query("what about services?", chain) == "total net sales 2021 what about services?"


def test_rule_in_korean():
    history = [("2023년 매출은 얼마인가요?", "4,812입니다 [S1].")]
    assert rewrite_query("그럼 2022년은?", history) == "매출은 얼마인가요 그럼 2022년은?"
    assert rewrite_query("그리고 영업이익은?", history).startswith("2023년 매출은")
    assert rewrite_query("그럼 전년은?", history) == "2022년 매출은 얼마인가요"


def test_no_history_means_no_rewrite():
    assert rewrite_query("  and in 2021? ", []) == "and in 2021?"
    assert rule_rewrite("and in 2021?", []) == "and in 2021?"


def test_llm_rewrites_through_the_fake_openai_server(fake_openai):
    fake_openai.reply = 'Query: "Total net sales in 2021" [S1]\nBecause the user asked about 2022 before.'
    backend = make_backend("openai:test-model", base_url=fake_openai.url, timeout=5, max_retries=0)
    assert isinstance(backend, TextCompleter)
    assert rewrite_query("and in 2021?", HISTORY, backend) == "Total net sales in 2021"
    [request] = fake_openai.requests
    system, user = request["messages"]
    assert system == {"role": "system", "content": REWRITE_SYSTEM_PROMPT}
    assert "User: What was total net sales in 2022?" in user["content"]
    assert "Assistant: Total net sales were 82,959." in user["content"]  # stale [S1] dropped
    assert user["content"].rstrip().endswith("Latest question: and in 2021?\n\nStandalone search query:")


def test_llm_is_not_asked_without_history(fake_openai):
    backend = make_backend("openai:test-model", base_url=fake_openai.url, timeout=5, max_retries=0)
    assert rewrite_query("What was revenue?", [], backend) == "What was revenue?"
    assert fake_openai.requests == []


@pytest.mark.parametrize("mode", ["error", "drop"])
def test_llm_failure_falls_back_to_the_rule(fake_openai, mode):
    fake_openai.mode = mode
    backend = make_backend("openai:test-model", base_url=fake_openai.url, timeout=2, max_retries=0)
    with pytest.raises(BackendError, match="openai:test-model"):
        backend.complete("system", "prompt")
    assert rewrite_query("and in 2021?", HISTORY, backend) == "total net sales and in 2021?"


def test_unusable_llm_reply_falls_back_to_the_rule(fake_openai):
    backend = make_backend("openai:test-model", base_url=fake_openai.url, timeout=5, max_retries=0)
    for reply in ("   \n  ", "x" * 1000):
        fake_openai.reply = reply
        assert rewrite_query("and in 2021?", HISTORY, backend) == "total net sales and in 2021?"


def test_extractive_backend_uses_the_rule():
    backend = make_backend("extractive")
    assert rewrite_query("and in 2021?", HISTORY, backend) == "total net sales and in 2021?"


def test_a_follow_up_keeps_the_evidence_the_previous_answer_cited():
    from chat.answer import Answer, Citation
    from chat.query_rewrite import carry_evidence
    from tests.chat.evidence_fixtures import SALES_CELLS, SALES_MARKDOWN, element, hits

    table = element("table", SALES_MARKDOWN, cells=SALES_CELLS, ident="sales-table")
    other = element("text", "Net sales of other companies rose.", ident="other")
    previous = Answer(question="q", text="82,959 [S1]", citations=(Citation("S1", table),), hits=(), model="x",
                      mode="extractive")
    history = [("What were total net sales in 2022?", previous.text)]
    carried = carry_evidence("and the year before?", history, previous, hits(other, table))
    assert [h.element.id for h in carried] == ["sales-table", "other"] and carried[0].routes == ("conversation",)
    standalone = carry_evidence("What is the dividend policy of the company?", history, previous, hits(other))
    assert [h.element.id for h in standalone] == ["other"]


def test_extractive_chat_answers_a_follow_up_from_the_same_table(report_store):
    from chat.library import Library

    session = Library.open(report_store, image_search=False, llm="extractive").chat()
    first = session.ask("What was revenue in the North region in 2023?")
    assert first.text.startswith("1,350")
    follow = session.ask("and the year before?")
    assert follow.text.startswith("1,200 \u2014 North, 2022") and follow.answerable
