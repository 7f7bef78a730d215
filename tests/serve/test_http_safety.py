"""The API's guards: token (401), cross-site writes and foreign Host names (403), another process writing to the
store (409), a store gone while serving (503), and a delete while searches run (nothing lost, nothing broken)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading

import pytest

from tests.serve.conftest import make_client

pytest.importorskip("fastapi")


def test_token_is_required_on_every_api_call(served_store):
    with make_client(served_store[0], token="s3cret") as client:
        assert client.get("/api/health").status_code == 401
        assert client.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/health", headers={"Authorization": "Basic s3cret"}).status_code == 401
        missing = client.post("/api/search", json={"query": "sales"})
        assert missing.status_code == 401 and "Bearer" in missing.json()["detail"]
        assert missing.headers["www-authenticate"] == "Bearer"
        good = {"Authorization": "Bearer s3cret"}
        assert client.get("/api/health", headers=good).json()["documents"] == 1
        assert client.post("/api/search", json={"query": "sales"}, headers=good).status_code == 200
        # With a token the server may be reached by any name (it listens beyond loopback)
        assert client.get("/api/health", headers={**good, "Host": "docs.example.org"}).status_code == 200


def test_cross_site_writes_are_403(api):
    doc_id = api.get("/api/documents").json()["documents"][0]["doc_id"]
    evil = {"Origin": "http://evil.example"}
    assert api.delete(f"/api/documents/{doc_id}", headers=evil).status_code == 403
    upload = api.post("/api/documents", files=[("files", ("n.md", b"# n\n\nhello there\n", "text/markdown"))],
                      headers=evil)
    assert upload.status_code == 403 and "cross-site" in upload.json()["detail"]
    assert api.post("/api/ask", json={"question": "sales?"}, headers={"Sec-Fetch-Site": "cross-site"}).status_code \
        == 403
    assert api.post("/api/search", json={"query": "sales"}, headers={"Origin": "null"}).status_code == 403
    same = {"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"}
    assert api.post("/api/search", json={"query": "sales"}, headers=same).status_code == 200
    assert api.get("/api/health", headers=evil).status_code == 200  # reads carry no Origin check
    assert api.get("/api/health").json()["documents"] == 1


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "10.0.0.5"])
def test_foreign_host_names_are_403_without_a_token(api, host):
    response = api.get("/api/health", headers={"Host": host})
    assert response.status_code == 403 and "Host" in response.json()["detail"]


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "127.0.0.2:9"])
def test_loopback_host_names_are_served(api, host):
    assert api.get("/api/health", headers={"Host": host}).status_code == 200


def test_another_process_writing_is_409(api, served_store):
    store, _ = served_store
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(store / 'ingest.lock')!r}, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        print("locked", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        doc_id = api.get("/api/documents").json()["documents"][0]["doc_id"]
        deleted = api.delete(f"/api/documents/{doc_id}")
        assert deleted.status_code == 409 and "another" in deleted.json()["detail"]
        upload = api.post("/api/documents", files=[("files", ("n.md", b"# n\n\nhello\n", "text/markdown"))])
        assert upload.status_code == 409 and str(holder.pid) in upload.json()["detail"]
        assert api.post("/api/search", json={"query": "sales"}).status_code == 200  # reads go on
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert api.delete(f"/api/documents/{doc_id}").status_code == 200


def test_a_store_gone_while_serving_is_503(api, served_store, tmp_path):
    store, _ = served_store
    assert api.get("/api/health").status_code == 200
    shutil.move(str(store), str(tmp_path / "moved"))
    response = api.post("/api/search", json={"query": "sales"})
    assert response.status_code == 503 and "no library" in response.json()["detail"]
    assert api.get("/api/health").status_code == 503


def test_deleting_while_searches_run_loses_nothing(api):
    from tests.serve.conftest import wait_for_job

    notes = b"# Warehouse notes\n\nThe Lisbon warehouse holds 310 pallets of olive oil.\n"
    job = api.post("/api/documents", files=[("files", ("notes.md", notes, "text/markdown"))]).json()["job"]
    assert wait_for_job(api, job)["state"] == "done"
    doc_ids = {d["source"]: d["doc_id"] for d in api.get("/api/documents").json()["documents"]}
    statuses: list[int] = []
    sources: set[str] = set()
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            response = api.post("/api/search", json={"query": "olive oil pallets net sales", "k": 5})
            statuses.append(response.status_code)
            if response.status_code == 200:
                sources.update(h["source"] for h in response.json()["hits"])

    threads = [threading.Thread(target=search_loop) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        assert api.delete(f"/api/documents/{doc_ids['report.pdf']}").status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert statuses and set(statuses) == {200}
    assert sources <= {"notes.md", "report.pdf"} and "notes.md" in sources
    hits = api.post("/api/search", json={"query": "olive oil pallets", "k": 5}).json()["hits"]
    assert hits and {h["source"] for h in hits} == {"notes.md"}
    library = api.app.state.docrag.access.library
    assert library.doctor().ok


def test_serve_refuses_a_public_host_without_a_token(tmp_path, capsys, monkeypatch):
    from chat.cli import main

    monkeypatch.delenv("DOCRAG_TOKEN", raising=False)
    assert main(["serve", "--store", str(tmp_path / "lib"), "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err
    assert not (tmp_path / "lib").exists()
