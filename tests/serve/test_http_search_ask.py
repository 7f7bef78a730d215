"""POST /api/search, /api/search/image and /api/ask: the CLI's JSON objects over HTTP, streamed answers, sessions
and a request's choice of answer model (against the fake OpenAI server on 127.0.0.1)."""
from __future__ import annotations

import base64
import json

import pytest

from tests.pdf_builders import _png
from tests.serve.conftest import make_client

pytest.importorskip("fastapi")

HIT_KEYS = {"rank", "score", "source", "page", "kind", "bbox", "text", "image", "routes", "sources", "doc_id", "id"}
CITATION_KEYS = {"key", "source", "page", "bbox", "kind", "image", "span_bbox", "doc_id", "id"}


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        name, data = block.split("\n", 1)
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def test_search_returns_the_cli_hits_with_doc_id_and_element_id(api, served_store):
    from chat.library import Library

    response = api.post("/api/search", json={"query": "quarterly net sales table", "k": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "quarterly net sales table" and 1 <= len(body["hits"]) <= 5
    assert set(body["hits"][0]) == HIT_KEYS
    cli = Library.open(served_store[0], llm="extractive", image_search=False).search("quarterly net sales table", k=5)
    assert body["hits"] == json.loads(json.dumps([h.to_contract() for h in cli]))  # same objects as the CLI


def test_search_filters_kind_pages_and_source(api):
    tables = api.post("/api/search", json={"query": "sales", "k": 10, "kind": "table"}).json()["hits"]
    assert tables and {h["kind"] for h in tables} == {"table"}
    page_two = api.post("/api/search", json={"query": "sales", "k": 10, "pages": "2"}).json()["hits"]
    assert page_two and {h["page"] for h in page_two} == {2}
    listed = api.post("/api/search", json={"query": "sales", "k": 10, "kind": ["table"], "pages": [1, 3],
                                           "source": "report.pdf"}).json()["hits"]
    assert listed == tables


def test_search_bad_input_is_400_or_422(api):
    unknown = api.post("/api/search", json={"query": "sales", "source": "nothere.pdf"})
    assert unknown.status_code == 400 and "nothere.pdf" in unknown.json()["detail"]
    assert api.post("/api/search", json={"query": "sales", "kind": "nonsense"}).status_code == 400
    assert api.post("/api/search", json={"query": "sales", "pages": "a-b"}).status_code == 400
    assert api.post("/api/search", json={"query": ""}).status_code == 422
    assert api.post("/api/search", json={"query": "sales", "k": 0}).status_code == 422


def test_image_search_without_clip_says_why(api):
    response = api.post("/api/search/image", files={"image": ("chart.png", _png(), "image/png")})
    assert response.status_code == 400 and "image" in response.json()["detail"].lower()


def test_ask_returns_the_cli_answer_object_with_page_links(api):
    response = api.post("/api/ask", json={"question": "What were the net sales?"})
    assert response.status_code == 200
    body = response.json()
    assert body["question"] == "What were the net sales?" and body["mode"] == "extractive"
    for key in ("answer", "model", "citations", "usage", "note", "context", "answerable", "support"):
        assert key in body
    assert body["citations"] and set(body["citations"][0]) == CITATION_KEYS
    assert api.post("/api/ask", json={"question": "  "}).status_code == 400


def test_ask_streams_tokens_then_one_answer(api):
    with api.stream("POST", "/api/ask", json={"question": "What were the net sales?", "stream": True}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = _events(response.read().decode())
    names = [name for name, _ in events]
    assert names[-1] == "answer" and names.count("answer") == 1 and set(names[:-1]) == {"token"}
    answer = events[-1][1]
    assert "".join(data["text"] for name, data in events[:-1]).strip() == answer["answer"].strip()
    assert answer["citations"]


def test_ask_with_a_chosen_model_and_a_session(served_store, fake_openai):
    fake_openai.reply = "Net sales were 4,812 [S1]."
    with make_client(served_store[0], lib_base_url=fake_openai.url, lib_api_key="test-key") as client:
        first = client.post("/api/ask", json={"question": "What were the net sales in Q3?", "llm": "openai:fake-m",
                                              "session": "s1"}).json()
        assert first["mode"] == "llm" and "fake-m" in first["model"] and first["session"] == "s1"
        assert first["citations"] and first["citations"][0]["doc_id"]
        with client.stream("POST", "/api/ask", json={"question": "and the year before?", "llm": "openai:fake-m",
                                                     "session": "s1", "stream": True}) as response:
            events = _events(response.read().decode())
        assert [n for n, _ in events].count("token") > 1 and events[-1][0] == "answer"
        sent = json.dumps(fake_openai.requests[-1]["messages"])
        assert "What were the net sales in Q3?" in sent  # the follow-up carries the first turn
        other = client.post("/api/ask", json={"question": "and the year before?", "llm": "openai:fake-m",
                                              "session": "s2"}).json()
        assert other["session"] == "s2"
        assert "What were the net sales in Q3?" not in json.dumps(fake_openai.requests[-1]["messages"])
        # one index for every model: the request's model did not build a second one
        access = client.app.state.docrag.access
        assert access.answering("openai:fake-m").index is access.library.index
        bad = client.post("/api/ask", json={"question": "x?", "llm": "nosuch:model"})
        assert bad.status_code == 400 and "valid" in bad.json()["detail"]


def test_ask_with_an_attached_image_sends_it_to_the_model(served_store, fake_openai):
    url = "data:image/png;base64," + base64.b64encode(_png()).decode()
    with make_client(served_store[0], lib_base_url=fake_openai.url, lib_api_key="k", lib_llm="openai:fake-m") as c:
        body = c.post("/api/ask", json={"question": "What does this chart show?", "images": [url]}).json()
        assert body["mode"] == "llm"
        assert "image_url" in json.dumps(fake_openai.requests[-1]["messages"])
        assert not list((served_store[0] / "uploads" / ".incoming").iterdir())  # the attachment is not kept
        bad = c.post("/api/ask", json={"question": "x?", "images": ["http://example.com/a.png"]})
        assert bad.status_code == 400


def test_sessions_are_bounded():
    from chat.answer import Answer
    from serve.sessions import Sessions

    sessions = Sessions(max_sessions=3, max_turns=2)
    for number in range(5):
        conversation = sessions.get(f"s{number}")
        for turn in range(4):
            sessions.record(conversation, f"q{turn}", Answer(question=f"q{turn}", text=f"a{turn}", citations=(),
                                                             hits=(), model="m", mode="extractive"))
    assert len(sessions) == 3 and sessions.get("s4").history == [("q2", "a2"), ("q3", "a3")]
    assert sessions.get("s0").history == []  # forgotten: a new conversation


def test_a_streamed_answer_that_fails_ends_with_an_error_event(api):
    with api.stream("POST", "/api/ask", json={"question": "What were the net sales?", "stream": True,
                                              "source": "nothere.pdf"}) as response:
        events = _events(response.read().decode())
    [(name, data)] = events
    assert name == "error" and data["status"] == 400 and "nothere.pdf" in data["detail"]
    assert api.post("/api/ask", json={"question": "What were the net sales?", "source": "nothere.pdf"}).status_code \
        == 400
