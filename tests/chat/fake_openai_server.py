"""A fake OpenAI-compatible chat server on 127.0.0.1 for tests (stdlib only, runs in a thread).

Implements POST /v1/chat/completions as plain JSON and as SSE streaming (`"stream": true`, with a final usage chunk
when `stream_options.include_usage` is set). Every request body is recorded in `requests`. `mode` picks the
behaviour: "ok", "error" (HTTP 500), "hang" (never answers until the server stops), "drop" (closes the
connection without a response), "truncated" (a stream that breaks off after two pieces, with no finish reason and
no [DONE]), "garbage" (a stream whose second event is not JSON; a plain request gets a 200 whose body is not JSON)
"slow" (streams one piece every `piece_delay` seconds, to interrupt mid-answer) or "no_images" (a text-only model:
HTTP 400 with OpenAI's wording for any request holding an image part, else "ok").
"""
from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.chat.loopback_server import DEFAULT_REPLY, LoopbackServer

PROMPT_TOKENS = 321
COMPLETION_TOKENS = 12
MODES = ("ok", "error", "hang", "drop", "truncated", "garbage", "slow", "no_images")
NO_IMAGES_MESSAGE = "Invalid content type. image_url is only supported by certain models."


class FakeOpenAIServer(LoopbackServer):
    """Start with `start()` (or as a context manager); `url` is the base URL to give a client (ends in /v1)."""

    thread_name = "fake-openai"

    def __init__(self, reply: str = DEFAULT_REPLY, mode: str = "ok") -> None:
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.piece_delay = 0.5
        super().__init__(reply, mode)

    @property
    def url(self) -> str:
        return f"{self.base_url}/v1"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                fake.paths.append(self.path)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request"}})
                    return
                fake.requests.append(body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                    return
                if fake.mode == "error":
                    self._send_json(500, {"error": {"message": "fake server exploded", "type": "server_error"}})
                    return
                if fake.mode == "no_images" and _has_image(body):
                    self._send_json(400, {"error": {"message": NO_IMAGES_MESSAGE, "type": "invalid_request_error",
                                                    "param": "messages", "code": None}})
                    return
                if fake.mode == "hang":
                    fake._stop.wait(60)
                    return
                if fake.mode == "drop":
                    self.close_connection = True
                    return  # nothing written: the client sees the connection close without a response
                if body.get("stream"):
                    self._stream(body)
                elif fake.mode == "garbage":
                    raw_reply = b"<html>502 Bad Gateway</html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw_reply)))
                    self.end_headers()
                    self.wfile.write(raw_reply)
                else:
                    self._send_json(200, fake._completion(body))

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()  # HTTP/1.0: the stream ends when the connection closes
                model = body.get("model", "fake")

                def event(payload: dict[str, Any] | str) -> None:
                    data = payload if isinstance(payload, str) else json.dumps(payload)
                    self.wfile.write(f"data: {data}\n\n".encode("utf-8"))
                    self.wfile.flush()

                for i, piece in enumerate(fake.pieces()):
                    if fake.mode == "truncated" and i == 2:
                        self.close_connection = True
                        return  # the connection closes mid-answer
                    if fake.mode == "garbage" and i == 1:
                        event("{not json")
                    if fake.mode == "slow" and i and fake._stop.wait(fake.piece_delay):
                        return
                    delta = {"content": piece} if i else {"role": "assistant", "content": piece}
                    event(_chunk(model, [{"index": 0, "delta": delta, "finish_reason": None}]))
                event(_chunk(model, [{"index": 0, "delta": {}, "finish_reason": "stop"}]))
                if (body.get("stream_options") or {}).get("include_usage"):
                    event(_chunk(model, [], usage=_usage()))
                event("[DONE]")

        return Handler

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply},
                             "finish_reason": "stop"}],
                "usage": _usage()}


def _usage() -> dict[str, int]:
    return {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}


def _chunk(model: str, choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> dict[str, Any]:
    chunk: dict[str, Any] = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                             "model": model, "choices": choices}
    if usage is not None:
        chunk["usage"] = usage
    return chunk


def _has_image(body: dict[str, Any]) -> bool:
    return any(isinstance(m.get("content"), list) and any(p.get("type") == "image_url" for p in m["content"])
               for m in body.get("messages") or ())
