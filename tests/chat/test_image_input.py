"""Text-only answer models: the send_images setting (option, environment, TOML) and the one retry without images
when a server refuses image input (fake OpenAI and Ollama servers on 127.0.0.1)."""
import logging

import pytest

from chat import cli
from chat.backends import BackendError, make_backend
from chat.settings import resolve_settings
from chat.context import SYSTEM_PROMPT
from chat.image_input import refuses_images
from chat.library import Library
from tests.chat.evidence_fixtures import element, hits, write_png
from tests.chat.fake_ollama_server import FakeOllamaServer

QUESTION = "What was revenue in 2023?"


@pytest.fixture
def evidence(tmp_path):
    return hits(element("text", "Revenue in 2023 was 4,812.", source="annual.pdf", page=3),
                element("figure", "Figure 2: Revenue by year", caption="Figure 2: Revenue by year", page=5,
                        image=write_png(tmp_path / "fig.png")))


def _image_parts(request):
    return [p for m in request["messages"] if isinstance(m.get("content"), list)
            for p in m["content"] if p.get("type") == "image_url"]


@pytest.mark.parametrize("message", [
    "Error code: 400 - Invalid content type. image_url is only supported by certain models.",
    "this model does not support image input", "vision model not found",
    "Model does not support images. Please use a model that does",
    "image input is not supported - hint: you may need to provide the mmproj",
    "Qwen2.5-7B-Instruct is not a multimodal model"])
def test_image_refusals_are_recognised(message):
    assert refuses_images(Exception(message))


@pytest.mark.parametrize("message", ["model \"llava\" not found, try pulling it first", "rate limit exceeded",
                                     "fake server exploded", "context length exceeded"])
def test_other_failures_are_not_image_refusals(message):
    assert not refuses_images(Exception(message))


def test_refusing_server_gets_one_retry_without_images_and_one_warning(fake_openai, evidence, caplog):
    fake_openai.mode = "no_images"
    backend = make_backend("openai:text-only", base_url=fake_openai.url, max_retries=0)
    with caplog.at_level(logging.WARNING):
        answer = backend.answer(QUESTION, evidence)
        again = backend.answer(QUESTION, evidence)
    assert answer.mode == "llm" and "4,812" in answer.text and answer.usage.images == 0
    assert again.mode == "llm"
    first, retry, second = fake_openai.requests
    assert _image_parts(first) and not _image_parts(retry) and not _image_parts(second)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "does not take image input" in warnings[0].getMessage()


def test_other_errors_still_fail(fake_openai, evidence):
    fake_openai.mode = "error"
    with pytest.raises(BackendError, match="500"):
        make_backend("openai:m", base_url=fake_openai.url, max_retries=0).answer(QUESTION, evidence)
    assert len(fake_openai.requests) == 1


def test_ollama_refusal_is_retried_without_images(offline_env, evidence, monkeypatch):
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    with FakeOllamaServer(mode="no_images", reply="Revenue was 4,812 [S1].") as server:
        answer = make_backend("ollama:llama3", base_url=server.url, timeout=5).answer(QUESTION, evidence)
        requests = server.chat_requests()
    assert answer.mode == "llm" and answer.text == "Revenue was 4,812 [S1]."
    assert [bool(r["messages"][-1].get("images")) for r in requests] == [True, False]


def test_send_images_setting_from_option_environment_and_toml(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCRAG_SEND_IMAGES", raising=False)
    monkeypatch.delenv("DOCRAG_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    bare = tmp_path / "bare"
    assert resolve_settings(bare, {}, {}).send_images is True
    assert resolve_settings(bare, {}, {"DOCRAG_SEND_IMAGES": "0"}).send_images is False
    assert resolve_settings(bare, {"send_images": False}, {"DOCRAG_SEND_IMAGES": "1"}).send_images is False
    with pytest.raises(ValueError, match="DOCRAG_SEND_IMAGES='maybe': send_images must be true or false"):
        resolve_settings(bare, {}, {"DOCRAG_SEND_IMAGES": "maybe"})
    store = tmp_path / "store"
    store.mkdir()
    (store / "docrag.toml").write_text("send_images = false\n")
    assert resolve_settings(store, {}).send_images is False
    assert resolve_settings(store, {}, {"DOCRAG_SEND_IMAGES": "1"}).send_images is True
    args = cli.build_parser().parse_args(["ask", "q", "--no-send-images"])
    assert args.no_send_images is True
    assert cli.build_parser().parse_args(["chat", "--no-send-images"]).no_send_images is True


def test_library_with_send_images_off_sends_text_only(report_store, fake_openai, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCRAG_SEND_IMAGES", "false")
    library = Library.open(report_store, image_search=False, llm="openai:text-only", base_url=fake_openai.url)
    photo = write_png(tmp_path / "photo.png")
    answer = library.ask("Which plant is shown in the site photograph?", images=[photo])
    assert answer.mode == "llm" and answer.usage.images == 0
    assert not _image_parts(fake_openai.requests[-1])
    assert Library.open(report_store, llm="extractive", send_images=False).backend.mode == "extractive"


def test_model_not_found_maps_to_answerable_false(report_store, fake_openai):
    assert "not found in the documents" in SYSTEM_PROMPT
    library = Library.open(report_store, image_search=False, llm="openai:m", base_url=fake_openai.url)
    fake_openai.reply = "The answer is not found in the documents."
    answer = library.ask("What was the CEO's salary?")
    assert answer.mode == "llm" and answer.answerable is False and answer.to_contract()["answerable"] is False
    fake_openai.reply = "Revenue was 4,812 [S1]."
    assert library.ask("What was the quarterly revenue?").answerable is True
