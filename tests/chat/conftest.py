"""Fixtures for the answer layer: a fake OpenAI-compatible server on 127.0.0.1, and an environment that cannot
leak requests elsewhere (no proxies, no tracing, no real OpenAI settings)."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.chat.fake_openai_server import FakeOpenAIServer

_LEAKY_ENV = ("OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_API_KEY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
              "http_proxy", "https_proxy", "all_proxy", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING",
              "LANGCHAIN_API_KEY", "LANGSMITH_API_KEY", "LANGSMITH_GATEWAY", "LANGSMITH_GATEWAY_API_KEY")


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove settings that could send a test's request anywhere but 127.0.0.1."""
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def fake_openai(offline_env: None) -> Iterator[FakeOpenAIServer]:
    """A running fake server (mode "ok", reply "Revenue was 4,812 [S1] and see [S9]."); set `.mode`/`.reply`."""
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def report_store(tmp_path_factory):
    """A library holding the three-page report PDF (text, a ruled table, a photo, a chart), ingested once per
    test session with the real parser and MiniLM; tests that write to it (chat transcripts) use `store_copy`."""
    from chat.library import Library
    from tests.pdf_builders import make_report_pdf

    folder = tmp_path_factory.mktemp("report-docs")
    make_report_pdf(folder / "report.pdf")
    store = tmp_path_factory.mktemp("report-store")
    report = Library.open(store, llm="extractive", image_search=False).add([folder])
    assert list(report.added) == ["report.pdf"] and not report.failed
    return store


@pytest.fixture
def store_copy(report_store, tmp_path):
    """A private copy of `report_store`."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(report_store, copy)
    return copy
