"""Uploaded files: checked (type, size, name) and written inside the store before their ingest job runs.

A file name is reduced to its base name (no folders, no `..`), only types that docrag parses are accepted (415
otherwise, with the supported list), and a request over the size limit is refused (413) before or while it is
read, leaving nothing behind. Files wait in `<store>/uploads/.incoming/<job>/` until the writer thread moves them
to `<store>/uploads/` and adds them.
"""
from __future__ import annotations

import secrets
import shutil
from pathlib import Path, PurePosixPath, PureWindowsPath

from fastapi import HTTPException, UploadFile

DEFAULT_MAX_UPLOAD_BYTES = 200 * 1024 * 1024
UPLOADS_FOLDER = "uploads"
_INCOMING = ".incoming"
_CHUNK = 1 << 20


def safe_name(raw: str | None) -> str:
    """The base name of an uploaded file name (a browser may send a path, with either kind of slash)."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name.strip()
    if not name or name in (".", "..") or name.startswith(".") or "\x00" in name:
        raise HTTPException(400, f"upload without a usable file name ({raw!r}): name the file, e.g. report.pdf")
    return name


def check_type(name: str) -> None:
    """415 unless docrag has a parser for the file's type."""
    from docparse.registry import supported_extensions

    suffix = Path(name).suffix.lower()
    if suffix not in supported_extensions():
        raise HTTPException(415, f"{name}: docrag cannot read {suffix or 'files without an extension'}; "
                                 f"supported: {', '.join(supported_extensions())}")


async def save_uploads(files: list[UploadFile], store: Path, max_bytes: int) -> list[tuple[str, Path]]:
    """Write `files` under the store's incoming folder; (file name, path) pairs. Every name and type is checked
    before anything is written; over `max_bytes` in all, what was written is removed and 413 raised."""
    if not files:
        raise HTTPException(400, "no files: send them as multipart/form-data in the field 'files'")
    names = [safe_name(upload.filename) for upload in files]
    for name in names:
        check_type(name)
    folder = store / UPLOADS_FOLDER / _INCOMING / secrets.token_hex(8)
    folder.mkdir(parents=True, exist_ok=True)
    saved: list[tuple[str, Path]] = []
    total = 0
    try:
        for upload, name in zip(files, names):
            target = folder / f"{len(saved)}-{name}"  # two files of one name in a request stay apart
            with open(target, "wb") as out:
                while chunk := await upload.read(_CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise HTTPException(413, too_large(max_bytes))
                    out.write(chunk)
            saved.append((name, target))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return saved


def too_large(max_bytes: int) -> str:
    return f"upload too large: the limit is {max_bytes:,} bytes (docrag serve --max-upload-mb)"


class _TooLarge(BaseException):  # not Exception: FastAPI turns those into "error parsing the body" (400)
    pass


class BodyLimit:
    """ASGI middleware: a POST body over `max_bytes` (plus room for multipart framing) is refused with 413, at once
    when Content-Length says so, else as soon as that many bytes have arrived; nothing of it is kept."""

    def __init__(self, app, max_bytes: int, slack: int = 1 << 20) -> None:
        self.app = app
        self.limit = max_bytes + slack
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watching_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        import json
        body = json.dumps({"detail": too_large(self.max_bytes)}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
