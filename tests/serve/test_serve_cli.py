"""`docrag serve` as a person starts it: a real uvicorn process on 127.0.0.1, stopped with Ctrl-C (SIGINT)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(url: str, process: subprocess.Popen, headers=None) -> httpx.Response:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"docrag serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            return httpx.get(url, headers=headers, timeout=5)
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError("docrag serve did not answer in 120 s")


def _start(store: Path, port: int, *extra: str, env=None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1", **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "chat.cli", "serve", "--store", str(store), "--port", str(port),
                             "--no-images", *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def test_serve_starts_on_a_new_folder_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    store = tmp_path / "new-lib"
    process = _start(store, port)
    try:
        response = _wait_up(f"http://127.0.0.1:{port}/api/health", process)
        assert response.json() == {"status": "ok", "documents": 0}
        assert httpx.get(f"http://127.0.0.1:{port}/docs", timeout=10).status_code == 200
    finally:
        _stop(process)
    assert process.returncode in (0, 130, -signal.SIGINT)


def test_serve_takes_the_token_from_the_environment(served_store):
    port = _free_port()
    process = _start(served_store[0], port, env={"DOCRAG_TOKEN": "from-env"})
    try:
        assert _wait_up(f"http://127.0.0.1:{port}/api/health", process).status_code == 401
        good = httpx.get(f"http://127.0.0.1:{port}/api/health", headers={"Authorization": "Bearer from-env"},
                         timeout=30)
        assert good.json() == {"status": "ok", "documents": 1}
    finally:
        _stop(process)
