"""Library.ask and ChatSession against a real store (the report PDF): extractive and through the fake OpenAI
server, streaming, attached images, failures, and the batch CLI form."""
import json

import pytest

from chat import cli
from chat.answer import Answer
from chat.backends import BackendError
from chat.library import Library
from chat.session import AnswerStream, ChatSession
from tests.chat.evidence_fixtures import write_png


def open_library(store, **settings):
    return Library.open(store, image_search=False, **settings)


def test_ask_and_chat_session_return_answers_with_citations_and_usage(report_store):
    library = open_library(report_store, llm="extractive")
    answer = library.ask("What was the quarterly revenue of Zentrix Corp?")
    assert isinstance(answer, Answer) and "4,812" in answer.text
    assert answer.citations[0].element.source == "report.pdf" and answer.citations[0].element.page == 1
    assert answer.usage.prompt_tokens == 0 and answer.context.text_tokens > 100 and answer.context.items >= 1

    session = library.chat()
    assert isinstance(session, ChatSession)
    first = session.ask("What was revenue in the North region in 2023?")
    assert "1,350" in first.text
    second = session.ask("and in the South?")
    assert session.history == [("What was revenue in the North region in 2023?", first.text),
                               ("and in the South?", second.text)]
    assert "1,105" in second.text  # the follow-up was searched with the first question's words
    session.clear()
    assert session.history == [] and session.last is None


def test_stream_true_yields_pieces_then_the_answer(report_store, fake_openai):
    library = open_library(report_store, llm="openai:test-model", base_url=fake_openai.url)
    fake_openai.reply = "Revenue was 4,812 million dollars [S1]."
    stream = library.ask("What was the quarterly revenue?", stream=True)
    assert isinstance(stream, AnswerStream)
    pieces = list(stream)
    assert len(pieces) > 3 and "".join(pieces) == fake_openai.reply
    answer = stream.answer
    assert answer.mode == "llm" and answer.citations[0].key == "S1"
    assert answer.usage.prompt_tokens == 321 and answer.context.counted_by
    chat_stream = library.chat().ask("What was the quarterly revenue?", stream=True)
    assert "".join(chat_stream) == fake_openai.reply and chat_stream.answer.text == answer.text


def test_closing_a_stream_stops_the_answer(report_store, fake_openai):
    library = open_library(report_store, llm="openai:test-model", base_url=fake_openai.url)
    fake_openai.mode, fake_openai.piece_delay = "slow", 0.2
    session = library.chat()
    stream = session.ask("What was the quarterly revenue?", stream=True)
    for _ in stream:
        break  # the reader leaves after the first piece
    with pytest.raises(Exception, match="closed the answer stream"):
        stream.answer
    assert session.history == []  # a stopped answer is not part of the conversation


def test_failures_before_and_during_the_stream(report_store, fake_openai):
    library = open_library(report_store, llm="openai:test-model", base_url=fake_openai.url)
    library.backend._llm.max_retries = 0
    fake_openai.mode = "error"
    fell_back = library.ask("What was the quarterly revenue?")
    assert fell_back.mode == "extractive" and "500" in fell_back.note and "4,812" in fell_back.text
    fake_openai.mode = "truncated"
    shown = []
    with pytest.raises(BackendError, match="broke off"):  # words were on screen: no extractive answer after them
        library.ask("What was the quarterly revenue?", on_token=shown.append)
    assert "".join(shown) == "".join(fake_openai.pieces()[:2]).rstrip()  # a trailing blank waits for what follows
    fake_openai.mode = "ok"
    assert library.ask("What was the quarterly revenue?", on_token=shown.append).mode == "llm"


def test_attached_image_goes_to_the_model_and_drives_image_search(report_store, fake_openai, tmp_path, monkeypatch):
    library = open_library(report_store, llm="openai:test-model", base_url=fake_openai.url)
    photo = write_png(tmp_path / "photo.png", size=(64, 48))
    text_hits = library.search("site photograph", k=20)
    figure = next(h for h in text_hits if h.element.kind.value == "figure")
    searched = []

    def by_image(path, k=10, sources=None, kinds=None):
        searched.append(path)
        return [type(figure)(element=figure.element, score=1.0, rank=1, routes=("image",))]

    monkeypatch.setattr(library.index, "search_by_image", by_image)
    answer = library.ask("Which plant is this?", images=[photo])
    assert searched == [photo]
    assert answer.hits[0].element.id == figure.element.id and "image" in answer.hits[0].routes
    parts = fake_openai.requests[-1]["messages"][-1]["content"]
    assert any("photo.png" in p.get("text", "") for p in parts)
    assert answer.usage.images >= 1
    notes = tmp_path / "notes.txt"
    notes.write_text("text")
    with pytest.raises(ValueError, match="notes.txt"):
        library.ask("Which plant is this?", images=[str(notes)])


def test_batch_ask_loads_models_once_and_reports_errors_per_line(report_store, tmp_path, capsys, monkeypatch):
    import chat.backends
    import retrieval.text_embedder

    made = {"embedder": 0, "backend": 0}
    real_embedder, real_backend = retrieval.text_embedder.make_text_embedder, chat.backends.make_backend

    def count(name, real):
        def wrapper(*args, **kwargs):
            made[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(retrieval.text_embedder, "make_text_embedder", count("embedder", real_embedder))
    monkeypatch.setattr(chat.backends, "make_backend", count("backend", real_backend))
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "question": "What was the quarterly revenue of Zentrix Corp?"},
        {"id": "b", "question": "   "},
        {"id": "c", "question": "Revenue in the North region in 2023?", "sources": ["report.pdf"]}]) + "\n")
    code = cli.main(["ask", "--store", str(report_store), "--no-images", "--llm", "extractive", "--json",
                     "--questions", str(questions)])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and [line["id"] for line in lines] == ["a", "b", "c"]
    assert "4,812" in lines[0]["answer"] and lines[0]["citations"][0]["page"] == 1
    assert lines[1] == {"id": "b", "error": "empty question"}
    assert lines[2]["context"]["text_tokens"] > 0 and lines[2]["usage"]["prompt_tokens"] == 0
    assert made == {"embedder": 1, "backend": 1}
