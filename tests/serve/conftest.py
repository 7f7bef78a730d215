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


LOCAL = "http://127.0.0.1:8000"


@pytest.fixture
def served_store(report_library, tmp_path):
    """A private copy of the report library's store: (store folder, PDF path)."""
    import shutil

    store, pdf = report_library
    copy = tmp_path / "store"
    shutil.copytree(store, copy)
    return copy, pdf


def make_client(store, **app_options):
    """A TestClient over a fresh app serving the library at `store` (extractive answers, no CLIP), addressed to
    127.0.0.1 as a browser on this machine would. app_options go to create_app; library settings as lib_*."""
    from fastapi.testclient import TestClient

    from chat.library import Library
    from serve.app import create_app

    settings = {key[4:]: app_options.pop(key) for key in list(app_options) if key.startswith("lib_")}
    library = Library.open(store, **{"llm": "extractive", "image_search": False, **settings})
    app_options.setdefault("lock_timeout", 0.5)
    return TestClient(create_app(library, **app_options), base_url=LOCAL)


@pytest.fixture
def api(served_store):
    """A TestClient over the report library (a private copy)."""
    with make_client(served_store[0]) as client:
        yield client


def wait_for_job(client, job_id: str, timeout: float = 120.0) -> dict:
    """The job's state once it is done or failed."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = client.get(f"/api/jobs/{job_id}").json()
        if shown["state"] in ("done", "failed"):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {shown}")


# The fake OpenAI-compatible server of the answer layer's tests, on 127.0.0.1.
from tests.chat.conftest import fake_openai, offline_env  # noqa: E402,F401
