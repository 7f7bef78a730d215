"""POST /api/ask: the `docrag ask --json` object, or with "stream": true a text/event-stream of `token` events
and one `answer` event holding the whole object (an `error` event instead when answering failed)."""
from __future__ import annotations

import base64
import binascii
import re
import secrets
import shutil
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Union

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from serve.routes_search import sources_of
from serve.http_errors import status_for
from serve.sessions import Conversation
from serve.sse import SSE_HEADERS, sse_event
from serve.state import ServerState, server_state
from serve.uploads import UPLOADS_FOLDER

router = APIRouter(prefix="/api", tags=["ask"])

MAX_IMAGES = 4
_DATA_URL = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|bmp|tiff);base64,(.*)$", re.S | re.I)


class AskRequest(BaseModel):
    question: str = Field(min_length=1)
    llm: Optional[str] = Field(None, description="answer model, e.g. openai:gpt-4o-mini or extractive (default: the "
                                                  "server's)")
    images: list[str] = Field(default_factory=list, description="attached images as data: URLs")
    session: Optional[str] = Field(None, max_length=128, description="conversation id: follow-ups see the earlier "
                                                                     "turns")
    stream: bool = False
    k: Optional[int] = Field(None, ge=1, le=100)
    source: Union[str, list[str], None] = None


def answer_contract(answer, session: str | None) -> dict[str, Any]:
    out = answer.to_contract()
    if session:
        out["session"] = session
    return out


@contextmanager
def attached_images(body: AskRequest, state: ServerState) -> Iterator[list[str]]:
    """The request's data-URL images as files in the store's incoming folder, removed afterwards."""
    if not body.images:
        yield []
        return
    if len(body.images) > MAX_IMAGES:
        raise ValueError(f"{len(body.images)} images attached; at most {MAX_IMAGES}")
    folder = state.root / UPLOADS_FOLDER / ".incoming" / f"ask-{secrets.token_hex(8)}"
    try:
        paths = []
        for number, url in enumerate(body.images, 1):
            match = _DATA_URL.match(url)
            if not match:
                raise ValueError(f"image {number}: not a data:image/...;base64, URL")
            try:
                data = base64.b64decode(match.group(2), validate=False)
            except (binascii.Error, ValueError):
                raise ValueError(f"image {number}: its base64 data does not decode") from None
            if len(data) > state.max_upload_bytes:
                raise ValueError(f"image {number}: over the upload limit of {state.max_upload_bytes:,} bytes")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"image-{number}.{match.group(1).lower()}"
            path.write_bytes(data)
            paths.append(str(path))
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _answer(state: ServerState, body: AskRequest, conversation: Conversation | None, images: list[str],
            on_token=None):
    library = state.access.answering(body.llm)
    history = list(conversation.history) if conversation else []
    previous = conversation.last if conversation else None
    with state.access.reading():
        answer = library.ask(body.question, k=body.k, sources=sources_of(body.source), history=history,
                             images=images, on_token=on_token, previous=previous)
    if conversation is not None:
        state.sessions.record(conversation, body.question, answer)
    return answer


@router.post("/ask", response_model=None)
def ask(body: AskRequest, state: ServerState = Depends(server_state)) -> dict[str, Any] | StreamingResponse:
    """Answer a question with citations (each also carries `doc_id` and the element `id`). `session` keeps the
    conversation; `images` are data URLs; `llm` picks another answer model for this request."""
    conversation = state.sessions.get(body.session) if body.session else None
    if body.stream:
        return StreamingResponse(_stream(state, body, conversation), media_type="text/event-stream",
                                 headers=SSE_HEADERS)
    with attached_images(body, state) as images:
        if conversation is None:
            return answer_contract(_answer(state, body, None, images), None)
        with conversation.lock:
            return answer_contract(_answer(state, body, conversation, images), body.session)


def _stream(state: ServerState, body: AskRequest, conversation: Conversation | None) -> Iterator[str]:
    from chat.session import AnswerStream

    def run(relay):
        with attached_images(body, state) as images:
            if conversation is None:
                return _answer(state, body, None, images, relay)
            with conversation.lock:
                return _answer(state, body, conversation, images, relay)

    # The answer runs in its own thread, which holds the read lock for exactly as long as it answers; a reader
    # who goes away stops it at its next piece (AnswerStream.close).
    stream = AnswerStream(run)
    try:
        for piece in stream:
            yield sse_event("token", {"text": piece})
        yield sse_event("answer", answer_contract(stream.answer, body.session))
    except Exception as err:
        yield sse_event("error", {"detail": str(err) or type(err).__name__, "status": status_for(err)})
    finally:
        stream.close()

