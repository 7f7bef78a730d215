"""POST /api/search (JSON) and POST /api/search/image (multipart): the `docrag search --json` object."""
from __future__ import annotations

import secrets
import shutil
from typing import Any, Union

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel, Field

from serve.state import ServerState, server_state
from serve.uploads import UPLOADS_FOLDER

router = APIRouter(prefix="/api", tags=["search"])


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, description="what to look for")
    k: int = Field(10, ge=1, le=100, description="how many hits")
    kind: Union[str, list[str], None] = Field(None, description="element kinds: 'table,figure' or a list")
    pages: Union[str, int, list[int], None] = Field(None, description="a page (4), a range '3-7' or [3, 7]")
    source: Union[str, list[str], None] = Field(None, description="only documents with this file name (or names)")


def kinds_of(kind: str | list[str] | None) -> list[str] | None:
    parts = kind.split(",") if isinstance(kind, str) else list(kind or ())
    return [p.strip() for p in parts if p.strip()] or None


def pages_of(pages: str | int | list[int] | None) -> tuple[int, int] | None:
    if pages is None or pages == "":
        return None
    if isinstance(pages, int):
        return (pages, pages)
    if isinstance(pages, list):
        if len(pages) not in (1, 2):
            raise ValueError(f"pages {pages!r}: give [first, last] or one page")
        return (pages[0], pages[-1])
    first, dash, last = pages.strip().partition("-")
    try:
        return (int(first), int(last) if dash else int(first))
    except ValueError:
        raise ValueError(f"pages {pages!r}: write a page or a range such as 3 or 3-7") from None


def sources_of(source: str | list[str] | None) -> list[str] | None:
    return ([source] if isinstance(source, str) else list(source or ())) or None


def hits_contract(hits) -> list[dict[str, Any]]:
    return [hit.to_contract() for hit in hits]


@router.post("/search")
def search(body: SearchRequest, state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """{"query", "hits": [...]}: the `docrag search --json` object; each hit also carries `doc_id` and the
    element `id` (for /api/pages and /api/elements/{id}/crop)."""
    if not body.query.strip():
        raise ValueError("empty query: say what to look for")
    with state.access.reading() as library:
        hits = library.search(body.query, k=body.k, sources=sources_of(body.source), kinds=kinds_of(body.kind),
                              pages=pages_of(body.pages))
    return {"query": body.query, "hits": hits_contract(hits)}


@router.post("/search/image")
async def search_image(image: UploadFile = File(..., description="the image to find look-alikes of"),
                       k: int = Form(10, ge=1, le=100), kind: str | None = Form(None),
                       source: str | None = Form(None),
                       state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """Figures, tables and pages that look like the uploaded image: {"query", "image", "hits"}."""
    from starlette.concurrency import run_in_threadpool

    folder = state.root / UPLOADS_FOLDER / ".incoming" / f"image-{secrets.token_hex(8)}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        path = folder / "query-image"
        path.write_bytes(await image.read(state.max_upload_bytes + 1))
        if path.stat().st_size > state.max_upload_bytes:
            from fastapi import HTTPException
            from serve.uploads import too_large
            raise HTTPException(413, too_large(state.max_upload_bytes))

        def run() -> list:
            with state.access.reading() as library:
                return library.search_by_image(path, k=k, sources=sources_of(source), kinds=kinds_of(kind))
        hits = await run_in_threadpool(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"query": image.filename or "", "image": image.filename or "", "hits": hits_contract(hits)}
