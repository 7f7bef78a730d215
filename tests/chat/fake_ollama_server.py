"""A fake Ollama server on 127.0.0.1 for tests (stdlib only, runs in a thread).

Implements Ollama's native API as ChatOllama / the `ollama` client use it: POST /api/chat as NDJSON streaming
(`"stream": true`, Ollama's default: one JSON object per line, the last with `"done": true` and the token counts)
and as one JSON object (`"stream": false`); GET /api/tags and POST /api/show (which ChatOllama calls only when
asked to validate the model) answer with the one model `model_name`. Every request is recorded in `requests`
as (method, path, body). `mode`: "ok", "error" (HTTP 500), "missing" (HTTP 404 model not found, as Ollama
answers for a model that was never pulled), "hang" (no answer until the server stops), "drop" (connection closed
without a response).
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_REPLY = "Revenue was 4,812 [S1] and see [S9]."
PROMPT_EVAL_COUNT = 456
EVAL_COUNT = 17
CREATED_AT = "2025-01-01T00:00:00.000000Z"


class FakeOllamaServer:
    """Start with `start()` (or as a context manager); `url` is the base URL (no path) to give a client."""

    def __init__(self, reply: str = DEFAULT_REPLY, mode: str = "ok", model_name: str = "llava:latest") -> None:
        self.reply = reply
        self.mode = mode
        self.model_name = model_name
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-ollama", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeOllamaServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # releases handlers stuck in "hang"
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "FakeOllamaServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def chat_requests(self) -> list[dict[str, Any]]:
        """Bodies of the POST /api/chat requests, oldest first."""
        return [body for method, path, body in self.requests if (method, path) == ("POST", "/api/chat")]

    def pieces(self) -> list[str]:
        """The reply split into the streamed pieces (words with their following blanks)."""
        return re.findall(r"\S+\s*", self.reply) or [""]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, {}))
                if self.path == "/api/tags":
                    self._send_json(200, {"models": [{"name": fake.model_name, "model": fake.model_name}]})
                elif self.path == "/api/version":
                    self._send_json(200, {"version": "0.0.0-fake"})
                else:
                    self._send_json(404, {"error": f"no route {self.path}"})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send_json(400, {"error": "body is not JSON"})
                    return
                fake.requests.append(("POST", self.path, body))
                if self.path == "/api/show":
                    self._send_json(200, {"modelfile": "", "parameters": "", "template": "",
                                          "details": {"family": "llama"}, "capabilities": ["completion", "vision"]})
                    return
                if self.path != "/api/chat":
                    self._send_json(404, {"error": f"no route {self.path}"})
                    return
                if fake.mode == "error":
                    self._send_json(500, {"error": "fake ollama exploded"})
                    return
                if fake.mode == "missing":
                    self._send_json(404, {"error": f"model \"{body.get('model')}\" not found, try pulling it first"})
                    return
                if fake.mode == "hang":
                    fake._stop.wait(60)
                    return
                if fake.mode == "drop":
                    self.close_connection = True
                    return
                if body.get("stream", True):  # Ollama streams unless told not to
                    self._stream(body)
                else:
                    self._send_json(200, fake._final(body, content=fake.reply))

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()  # HTTP/1.0: the stream ends when the connection closes

                def line(payload: dict[str, Any]) -> None:
                    self.wfile.write(json.dumps(payload).encode("utf-8") + b"\n")
                    self.wfile.flush()

                for piece in fake.pieces():
                    line({"model": body.get("model"), "created_at": CREATED_AT,
                          "message": {"role": "assistant", "content": piece}, "done": False})
                line(fake._final(body, content=""))

        return Handler

    def _final(self, body: dict[str, Any], content: str) -> dict[str, Any]:
        return {"model": body.get("model"), "created_at": CREATED_AT,
                "message": {"role": "assistant", "content": content}, "done": True, "done_reason": "stop",
                "total_duration": 1000, "load_duration": 10, "prompt_eval_count": PROMPT_EVAL_COUNT,
                "prompt_eval_duration": 100, "eval_count": EVAL_COUNT, "eval_duration": 500}
