"""The web app and HTTP API over one Library: `create_app(library)` -> a FastAPI app (served by `docrag serve`).

The JSON API lives under /api/ (contract: docs/design.md, HTTP contract), the web app's static files at /, the
OpenAPI docs at /docs. Errors are JSON {"detail": "..."} with a status saying what kind: 400 bad input, 401 no
or wrong token, 403 refused (cross-site write, foreign Host), 404 unknown id or page, 409 another process is
writing to the store, 413 upload too large, 415 unsupported type, 503 the store cannot be used as it is.
"""
from __future__ import annotations

import logging
import mimetypes
import threading
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Iterable

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from chat.library import Library
from serve.access import LibraryAccess
from serve.auth import LOOPBACK_NAMES, AccessGuard
from serve.http_errors import status_for
from serve.jobs import JobQueue
from serve.page_view import PageImages
from serve.sessions import Sessions
from serve.state import ServerState
from serve.uploads import DEFAULT_MAX_UPLOAD_BYTES, UPLOADS_FOLDER, BodyLimit

log = logging.getLogger(__name__)

# Some systems map .js to text/plain, which browsers refuse to run as a module.
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/css", ".css")

STATIC_DIR = Path(__file__).parent / "static"


def create_app(library: Library, *, token: str | None = None, check_host: bool | None = None,
               allowed_hosts: Iterable[str] = LOOPBACK_NAMES, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               lock_timeout: float | None = None, static_dir: Path | None = STATIC_DIR,
               warm_up: bool = True) -> FastAPI:
    """The app serving `library`. token: required as `Authorization: Bearer` on /api/ (None: no token);
    check_host: accept only Host headers naming `allowed_hosts` or a loopback address (default: on when there is
    no token); max_upload_bytes: per upload request (413 above); lock_timeout: seconds a write waits for the
    store's lock before 409; warm_up: load the models when the server starts rather than at the first request."""
    from chat.cli import version

    access = LibraryAccess(library, lock_timeout=lock_timeout)
    jobs = JobQueue(access, Path(library.config.root) / UPLOADS_FOLDER)
    state = ServerState(access=access, jobs=jobs, sessions=Sessions(), pages=PageImages(),
                        max_upload_bytes=max_upload_bytes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if warm_up:  # in a thread, so the server answers at once; the first request waits for it
            threading.Thread(target=_warm_up, args=(access,), name="docrag-warm-up",
                             daemon=True).start()
        try:
            yield
        finally:
            jobs.close()

    app = FastAPI(title="docrag", version=version(), lifespan=lifespan,
                  description="Ask questions about your documents; answers cite the page and the box on it.")
    app.state.docrag = state
    _add_error_handlers(app)
    from serve import routes_ask, routes_jobs, routes_library, routes_pages, routes_search
    for module in (routes_library, routes_jobs, routes_search, routes_ask, routes_pages):
        app.include_router(module.router)
    _add_api_fallback(app)
    _add_static(app, static_dir)
    app.add_middleware(AccessGuard, token=token, check_host=(token is None) if check_host is None else check_host,
                       allowed_hosts=allowed_hosts)
    app.add_middleware(BodyLimit, max_bytes=max_upload_bytes)  # outermost: refuses before anything reads
    return app


def _warm_up(access: LibraryAccess) -> None:
    try:
        access.warm_up()
    except Exception as err:  # each request reports it
        log.warning("could not load the library yet: %s", err)


def _add_error_handlers(app: FastAPI) -> None:
    from retrieval.errors import StoreError, UnknownSourceError
    from serve.page_view import NotFound

    async def handle(_request: Request, err: Exception) -> JSONResponse:
        status = status_for(err)
        if status == 500:
            log.error("request failed", exc_info=err)
        return JSONResponse({"detail": str(err) or type(err).__name__}, status_code=status)

    for kind in (NotFound, StoreError, UnknownSourceError, ValueError):
        app.add_exception_handler(kind, handle)


def _add_api_fallback(app: FastAPI) -> None:
    """Any other path under /api/ (also one that `..` or an encoded slash made) is 404 for every method, never a
    static file nor a 405 from the web app's mount."""
    from serve.page_view import NotFound

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    @app.api_route("/api/{rest:path}", methods=methods, include_in_schema=False)
    def no_such_endpoint(rest: str) -> None:
        raise NotFound(f"no endpoint /api/{rest} (see /docs)")

    @app.api_route("/api", methods=methods, include_in_schema=False)
    def api_root() -> None:
        raise NotFound("no endpoint /api (see /docs)")


def _add_static(app: FastAPI, static_dir: Path | None) -> None:
    if static_dir is not None and (static_dir / "index.html").is_file():
        from fastapi.staticfiles import StaticFiles

        app.mount("/", StaticFiles(directory=static_dir, html=True), name="web")
        return

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def no_web_app() -> str:
        return ("<!doctype html><meta charset=utf-8><title>docrag</title><p>The docrag API is running: see "
                "<a href=/docs>/docs</a>. The web app's files are not installed.")
