"""A `chroma run` server on 127.0.0.1 for the tests that need one (the chroma CLI ships with chromadb).

Import `chroma_server` into a test module to use it: the module's tests share one server; it is skipped, with the
reason, only when the CLI is missing or the server cannot start."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma_server(folder: Path) -> tuple[str, subprocess.Popen]:
    """`chroma run` over `folder` on a free port: (url, process), once it answers; skips the test when it cannot."""
    exe = Path(sys.executable).with_name("chroma")
    command = str(exe) if exe.exists() else shutil.which("chroma")
    if command is None:
        pytest.skip("the chroma CLI is not installed (it ships with the chromadb package)")
    port = _free_port()
    log_path = folder.with_name(folder.name + ".log")
    with open(log_path, "wb") as log:
        server = subprocess.Popen([command, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                                  stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
            return url, server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_chroma_server(server)
                tail = log_path.read_text(errors="replace")[-500:]
                pytest.skip(f"chroma run did not come up on {url}: {tail}")
            time.sleep(0.2)


def stop_chroma_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, server = start_chroma_server(tmp_path_factory.mktemp("chroma-server"))
    try:
        yield url
    finally:
        stop_chroma_server(server)
