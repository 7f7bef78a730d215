"""`docrag serve`: the app (serve.app) under uvicorn, and the refusal to listen beyond this machine unguarded."""
from __future__ import annotations

import logging

from chat.library import Library
from serve.auth import is_loopback

log = logging.getLogger(__name__)


def loopback_refusal(host: str, token: str | None) -> str | None:
    """Why `host` may not be served without a token (None when it may)."""
    if token or is_loopback(host):
        return None
    return (f"--host {host} would let other machines read, add and delete documents in this library: give "
            "--token TOKEN (or $DOCRAG_TOKEN) so that every API call needs Authorization: Bearer TOKEN, or keep "
            "the default --host 127.0.0.1")


def run_server(library: Library, host: str = "127.0.0.1", port: int = 8000, token: str | None = None,
               **app_options) -> None:
    """Serve `library` on host:port until interrupted (Ctrl-C)."""
    import uvicorn

    from serve.app import create_app

    app = create_app(library, token=token, **app_options)
    shown = f"[{host}]" if ":" in host else host
    log.warning("docrag serve: %s on http://%s:%d (API docs at /docs)%s", library.config.root, shown, port,
                " - API calls need the token" if token else "")
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
