"""Fixtures for the servers: a small library (the three-page report PDF) ingested once per session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def report_library(tmp_path_factory):
    """(store folder, PDF path) of a library holding report.pdf, built with the real parser and MiniLM; image
    search off so that no server started on it waits for CLIP. Tests that change the store copy it."""
    from chat.library import Library
    from tests.pdf_builders import make_report_pdf

    folder = tmp_path_factory.mktemp("serve-docs")
    pdf = make_report_pdf(folder / "report.pdf")
    store = tmp_path_factory.mktemp("serve-store")
    report = Library.open(store, llm="extractive", image_search=False).add([folder])
    assert list(report.added) == ["report.pdf"] and not report.failed
    return store, pdf
