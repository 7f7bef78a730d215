"""Which HTTP status each kind of failure is: one table for the app's error handlers and the `error` events of
streamed answers."""
from __future__ import annotations


def status_for(err: BaseException) -> int:
    """The HTTP status an error maps to (serve.app's handlers use the same table)."""
    from retrieval.errors import StoreError, StoreLockedError, UnknownSourceError
    from serve.page_view import NotFound
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, StoreLockedError):
        return 409
    if isinstance(err, StoreError):
        return 503
    if isinstance(err, (ValueError, UnknownSourceError)):
        return 400
    return 500


