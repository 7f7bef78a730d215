"""A live `docrag serve` app on 127.0.0.1 for tests that need a real socket (a browser): uvicorn in a thread."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def live_server(store: Path, *, startup_timeout: float = 60.0, **app_options) -> Iterator[str]:
    """Serve a library at `store` (created if missing; extractive answers, no image search) on a free loopback
    port; yields the base URL ("http://127.0.0.1:PORT") and stops the server on exit. `app_options` go to
    serve.app.create_app."""
    import uvicorn

    from chat.library import Library
    from serve.app import create_app

    library = Library.open(store, llm="extractive", image_search=False)
    app = create_app(library, **app_options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="docrag-live-server",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the test server on 127.0.0.1:{port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
