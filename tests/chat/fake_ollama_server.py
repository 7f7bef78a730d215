"""A fake Ollama server on 127.0.0.1 for tests (stdlib only, runs in a thread).

Implements Ollama's native API as ChatOllama / the `ollama` client use it: POST /api/chat as NDJSON streaming
(`"stream": true`, Ollama's default: one JSON object per line, the last with `"done": true` and the token counts)
and as one JSON object (`"stream": false`); GET /api/tags and POST /api/show (which ChatOllama calls only when
asked to validate the model) answer with the one model `model_name`. Every request is recorded in `requests`
as (method, path, body). `mode`: "ok", "error" (HTTP 500), "missing" (HTTP 404 model not found, as Ollama
answers for a model that was never pulled), "hang" (no answer until the server stops), "drop" (connection closed
without a response), "no_images" (a text-only model: HTTP 500 "this model does not support image input" for a
request with images, else "ok").
"""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.chat.loopback_server import DEFAULT_REPLY, LoopbackServer

PROMPT_EVAL_COUNT = 456
EVAL_COUNT = 17
CREATED_AT = "2025-01-01T00:00:00.000000Z"


class FakeOllamaServer(LoopbackServer):
    """Start with `start()` (or as a context manager); `url` is the base URL (no path) to give a client."""

    thread_name = "fake-ollama"

    def __init__(self, reply: str = DEFAULT_REPLY, mode: str = "ok", model_name: str = "llava:latest") -> None:
        self.model_name = model_name
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        super().__init__(reply, mode)

    @property
    def url(self) -> str:
        return self.base_url

    def chat_requests(self) -> list[dict[str, Any]]:
        """Bodies of the POST /api/chat requests, oldest first."""
        return [body for method, path, body in self.requests if (method, path) == ("POST", "/api/chat")]

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
                if fake.mode == "no_images" and any(m.get("images") for m in body.get("messages") or ()):
                    self._send_json(500, {"error": "this model does not support image input"})
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
