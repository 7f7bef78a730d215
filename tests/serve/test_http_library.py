"""The library endpoints: health, the document list, uploads as queued ingest jobs (with live progress), failures
per file, and removal."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from tests.serve.conftest import make_client, wait_for_job

pytest.importorskip("fastapi")

NOTES = b"# Warehouse notes\n\nThe Lisbon warehouse holds 310 pallets of olive oil.\n"


def _upload(client, *files: tuple[str, bytes]):
    return client.post("/api/documents", files=[("files", (name, data, "application/octet-stream"))
                                                for name, data in files])


def test_health_and_documents_list_the_stored_report(api):
    assert api.get("/api/health").json() == {"status": "ok", "documents": 1}
    [doc] = api.get("/api/documents").json()["documents"]
    assert doc["source"] == "report.pdf" and doc["pages"] == 3 and doc["elements"] > 0
    assert len(doc["doc_id"]) == 40


def test_an_empty_folder_serves_an_empty_library(tmp_path):
    with make_client(tmp_path / "new-store") as client:
        assert client.get("/api/health").json() == {"status": "ok", "documents": 0}
        assert client.get("/api/documents").json()["documents"] == []
        assert client.post("/api/search", json={"query": "anything", "k": 3}).json()["hits"] == []


def test_upload_is_a_job_that_adds_the_file_inside_the_store(api, served_store):
    store, _ = served_store
    response = _upload(api, ("../../notes.md", NOTES))
    assert response.status_code == 202
    job = wait_for_job(api, response.json()["job"])
    assert job["state"] == "done" and job["added"] == ["notes.md"] and job["failed"] == []
    assert job["files_done"] == job["files_total"] == 1
    assert (store / "uploads" / "notes.md").read_bytes() == NOTES  # base name only, inside the store
    assert not any((store / "uploads" / ".incoming").iterdir())
    sources = {d["source"] for d in api.get("/api/documents").json()["documents"]}
    assert sources == {"report.pdf", "notes.md"}
    hits = api.post("/api/search", json={"query": "olive oil pallets", "k": 3}).json()["hits"]
    assert hits[0]["source"] == "notes.md"


def test_a_bad_file_fails_its_entry_and_the_rest_is_added(api):
    broken = b"%PDF-1.7\nthis is not really a PDF\n"
    job = wait_for_job(api, _upload(api, ("broken.pdf", broken), ("notes.md", NOTES)).json()["job"])
    assert job["state"] == "done" and job["added"] == ["notes.md"]
    [failure] = job["failed"]
    assert failure["source"] == "broken.pdf" and failure["error"]
    only_bad = wait_for_job(api, _upload(api, ("broken2.pdf", broken)).json()["job"])
    assert only_bad["state"] == "failed" and only_bad["failed"][0]["source"] == "broken2.pdf"
    assert api.get("/api/health").json()["documents"] == 2  # the server goes on


def test_unsupported_type_is_415_with_the_reason_and_nothing_is_kept(api, served_store):
    response = _upload(api, ("tool.exe", b"MZ..."), ("notes.md", NOTES))
    assert response.status_code == 415
    assert "tool.exe" in response.json()["detail"] and ".pdf" in response.json()["detail"]
    assert not (served_store[0] / "uploads").exists() or not any((served_store[0] / "uploads").rglob("*.md"))


@pytest.mark.parametrize("size", [3_000, 3 * 1024 * 1024])  # over the limit while reading / declared up front
def test_upload_over_the_size_limit_is_413(served_store, size):
    store, _ = served_store
    with make_client(store, max_upload_bytes=1_000) as client:
        response = _upload(client, ("big.md", b"x" * size))
        assert response.status_code == 413 and "limit" in response.json()["detail"]
        assert not list((store / "uploads").rglob("*.md")) if (store / "uploads").exists() else True
        assert client.get("/api/health").status_code == 200


def test_two_uploads_queue_and_never_write_at_once(api):
    library = api.app.state.docrag.access.library
    real_add = library.add
    running, most, first_started, release = [0], [0], threading.Event(), threading.Event()
    guard = threading.Lock()

    def slow_add(paths, **options):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        first_started.set()
        release.wait(30)
        try:
            return real_add(paths, **options)
        finally:
            with guard:
                running[0] -= 1

    library.add = slow_add
    first = _upload(api, ("notes.md", NOTES)).json()["job"]
    second = _upload(api, ("more.md", NOTES + b"\nAnd 12 barrels of vinegar.\n")).json()["job"]
    assert first_started.wait(30)
    assert api.get(f"/api/jobs/{first}").json()["state"] == "running"
    assert api.get(f"/api/jobs/{second}").json()["state"] == "queued"
    release.set()
    assert wait_for_job(api, first)["state"] == wait_for_job(api, second)["state"] == "done"
    assert most[0] == 1


def test_job_events_stream_progress_then_done(api):
    job_id = _upload(api, ("notes.md", NOTES)).json()["job"]
    with api.stream("GET", f"/api/jobs/{job_id}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    events = [block.split("\n") for block in text.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    assert names[-1] == "done" and set(names[:-1]) <= {"progress"}
    done = json.loads(events[-1][1].removeprefix("data: "))
    assert done["state"] == "done" and done["added"] == ["notes.md"] and done["files_done"] == 1


def test_unknown_job_is_404(api):
    assert api.get("/api/jobs/nope").status_code == 404
    assert api.get("/api/jobs/nope/events").status_code == 404


def test_delete_removes_the_document_and_its_uploaded_copy(api, served_store):
    store, _ = served_store
    wait_for_job(api, _upload(api, ("notes.md", NOTES)).json()["job"])
    docs = {d["source"]: d["doc_id"] for d in api.get("/api/documents").json()["documents"]}
    response = api.delete(f"/api/documents/{docs['notes.md']}")
    assert response.status_code == 200 and response.json() == {"removed": ["notes.md"]}
    assert not (store / "uploads" / "notes.md").exists()
    assert [d["source"] for d in api.get("/api/documents").json()["documents"]] == ["report.pdf"]
    assert api.delete(f"/api/documents/{docs['notes.md']}").status_code == 404


@pytest.mark.parametrize("doc_id", ["..", "..%2F..%2Fetc", "%2Fetc%2Fpasswd", "0" * 40, "x" * 40])
def test_delete_with_a_crafted_or_unknown_id_is_404(api, doc_id):
    assert api.delete(f"/api/documents/{doc_id}").status_code == 404
    assert api.get("/api/health").json()["documents"] == 1


def test_openapi_docs_are_served(api):
    assert api.get("/docs").status_code == 200
    paths = api.get("/openapi.json").json()["paths"]
    for path in ("/api/health", "/api/documents", "/api/documents/{doc_id}", "/api/jobs/{job_id}", "/api/search",
                 "/api/search/image", "/api/ask", "/api/pages/{doc_id}/{page}", "/api/elements/{key}/crop"):
        assert path in paths


def test_static_web_app_is_served_at_the_root(served_store, tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>docrag web</title>", encoding="utf-8")
    (web / "app.js").write_text("export const x = 1;\n", encoding="utf-8")
    with make_client(served_store[0], static_dir=Path(web)) as client:
        assert "docrag web" in client.get("/").text
        assert client.get("/app.js").headers["content-type"].startswith("text/javascript")
        assert client.get("/api/health").status_code == 200


def test_a_search_during_a_parse_runs_at_once_and_one_during_a_store_write_waits(api, monkeypatch):
    import retrieval.ingest_run as ingest_run

    access = api.app.state.docrag.access
    access.warm_up()  # waits for the warm-up thread, which builds the index this test patches
    index = access.library.index
    real_open, real_add = ingest_run.open_document, index.add
    parsing, writing, release_parse, release_write = (threading.Event() for _ in range(4))

    def blocked_parse(path, options):
        parsing.set()
        release_parse.wait(30)
        return real_open(path, options)

    def blocked_write(info, elements):
        writing.set()
        release_write.wait(30)
        return real_add(info, elements)

    def search() -> threading.Thread:
        thread = threading.Thread(target=lambda: results.append(
            api.post("/api/search", json={"query": "olive oil pallets", "k": 3}).status_code))
        thread.start()
        return thread

    results: list[int] = []
    monkeypatch.setattr(ingest_run, "open_document", blocked_parse)
    monkeypatch.setattr(index, "add", blocked_write)
    job_id = _upload(api, ("notes.md", NOTES)).json()["job"]
    try:
        assert parsing.wait(30)
        during_parse = search()
        during_parse.join(30)
        assert not during_parse.is_alive() and results == [200]  # the parse holds no lock searches wait for
        release_parse.set()
        assert writing.wait(30)
        during_write = search()
        during_write.join(0.5)
        assert during_write.is_alive()  # held while the document is written
    finally:
        release_parse.set()
        release_write.set()
    during_write.join(60)
    assert results == [200, 200]
    assert wait_for_job(api, job_id)["added"] == ["notes.md"]
    hits = api.post("/api/search", json={"query": "olive oil pallets", "k": 3}).json()
    assert "notes.md" in json.dumps(hits)


def test_a_korean_file_name_is_kept(api, served_store):
    text = "# 창고 메모\n\n리스본 창고에는 올리브유 310 팔레트가 있다.\n".encode("utf-8")
    job = wait_for_job(api, _upload(api, ("창고 메모.md", text)).json()["job"])
    assert job["state"] == "done" and job["added"] == ["창고 메모.md"]
    assert (served_store[0] / "uploads" / "창고 메모.md").read_bytes() == text
    hits = api.post("/api/search", json={"query": "올리브유 팔레트", "k": 3}).json()["hits"]
    assert hits[0]["source"] == "창고 메모.md"


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PUT"])
def test_unknown_api_paths_are_404_beside_the_web_app(served_store, tmp_path, method):
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>docrag web</title>", encoding="utf-8")
    with make_client(served_store[0], static_dir=Path(web)) as client:
        for path in ("/api/nothing", "/api/documents/..", "/api/documents/..%2F..%2Fetc", "/api/%2e%2e/index.html"):
            response = client.request(method, path)
            assert response.status_code == 404, (method, path, response.status_code)
            assert "docrag web" not in response.text
