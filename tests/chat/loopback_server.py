"""The shared scaffold of the fake model servers: a threaded stdlib HTTP server on 127.0.0.1 (port 0), a reply
streamed in word pieces, and a stop event that releases handlers told to hang."""
from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_REPLY = "Revenue was 4,812 [S1] and see [S9]."


class LoopbackServer:
    """Subclasses provide `_handler_class()`; `base_url` is http://127.0.0.1:<port>. Use `start()`/`stop()` or
    `with`."""

    thread_name = "fake-server"

    def __init__(self, reply: str = DEFAULT_REPLY, mode: str = "ok") -> None:
        self.reply = reply
        self.mode = mode
        self.piece_size: int | None = None  # stream the reply in pieces of this many characters, not words
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases handlers stuck in "hang"
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pieces(self) -> list[str]:
        """The reply split into the streamed pieces: words with their following blanks, or `piece_size`
        characters each when that is set (the way a tokenizer may cut "[S77]" into "[S", "7", "7]")."""
        if self.piece_size:
            return [self.reply[i:i + self.piece_size] for i in range(0, len(self.reply), self.piece_size)] or [""]
        return re.findall(r"\S+\s*", self.reply) or [""]
