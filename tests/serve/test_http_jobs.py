"""POST /api/jobs/{id}/cancel: a queued job ends at once, a running one after the document being written; both
end "done" with "cancelled": true and keep what was stored before."""
from __future__ import annotations

import threading

import pytest

from tests.serve.conftest import wait_for_job
from tests.serve.test_http_library import NOTES, _upload

pytest.importorskip("fastapi")

MORE = b"# More notes\n\nThe Porto depot holds 12 barrels of vinegar.\n"


def _sources(client) -> list[str]:
    return sorted(d["source"] for d in client.get("/api/documents").json()["documents"])


def _blocked_parse(monkeypatch):
    """Make each parse wait for the returned `release` Event; `parsing` is set when one starts."""
    import retrieval.ingest_run as ingest_run

    real_open = ingest_run.open_document
    parsing, release = threading.Event(), threading.Event()

    def blocked(path, options):
        parsing.set()
        release.wait(30)
        return real_open(path, options)

    monkeypatch.setattr(ingest_run, "open_document", blocked)
    return parsing, release


def test_a_queued_job_cancelled_ends_at_once_and_adds_nothing(api, served_store, monkeypatch):
    parsing, release = _blocked_parse(monkeypatch)
    first = _upload(api, ("notes.md", NOTES)).json()["job"]
    second = _upload(api, ("more.md", MORE)).json()["job"]
    try:
        assert parsing.wait(30)
        assert api.get(f"/api/jobs/{second}").json()["state"] == "queued"
        shown = api.post(f"/api/jobs/{second}/cancel")
        assert shown.status_code == 200
        assert shown.json()["state"] == "done" and shown.json()["cancelled"] is True
        assert shown.json()["files_done"] == 0 and shown.json()["added"] == []
    finally:
        release.set()
    done = wait_for_job(api, first)
    assert done["added"] == ["notes.md"] and done["cancelled"] is False
    assert wait_for_job(api, second)["cancelled"] is True
    assert _sources(api) == ["notes.md", "report.pdf"]
    store = served_store[0]
    assert not (store / "uploads" / "more.md").exists()
    assert not [p for p in (store / "uploads").rglob("more.md")]  # its incoming copy is gone too


def test_a_running_job_cancelled_stops_after_the_document_being_written(api, served_store, monkeypatch):
    parsing, release = _blocked_parse(monkeypatch)
    job = _upload(api, ("notes.md", NOTES), ("more.md", MORE)).json()["job"]
    try:
        assert parsing.wait(30)
        shown = api.post(f"/api/jobs/{job}/cancel").json()
        assert shown["state"] == "running" and shown["cancelled"] is False  # it stops between documents
    finally:
        release.set()
    done = wait_for_job(api, job)
    assert done["state"] == "done" and done["cancelled"] is True
    assert done["added"] == ["notes.md"] and done["files_done"] == 1 and done["files_total"] == 2
    assert _sources(api) == ["notes.md", "report.pdf"]
    assert not [p for p in (served_store[0] / "uploads").rglob("more.md")]
    again = wait_for_job(api, _upload(api, ("more.md", MORE)).json()["job"])  # the queue goes on
    assert again["added"] == ["more.md"] and again["cancelled"] is False


def test_cancelling_a_finished_or_unknown_job(api):
    job = _upload(api, ("notes.md", NOTES)).json()["job"]
    done = wait_for_job(api, job)
    shown = api.post(f"/api/jobs/{job}/cancel").json()
    assert shown == done and shown["cancelled"] is False
    assert api.post("/api/jobs/nope/cancel").status_code == 404
    assert api.post(f"/api/jobs/{job}/cancel", headers={"Origin": "https://elsewhere.example"}).status_code == 403
