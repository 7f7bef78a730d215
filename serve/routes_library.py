"""GET /api/health, GET/POST /api/documents, DELETE /api/documents/{doc_id}."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, UploadFile
from fastapi.responses import JSONResponse

from serve.page_view import document
from serve.state import ServerState, server_state
from serve.uploads import UPLOADS_FOLDER, save_uploads

router = APIRouter(prefix="/api", tags=["library"])


def document_entry(record) -> dict[str, Any]:
    return {"doc_id": record.doc_id, "source": record.source, "pages": record.pages,
            "elements": record.n_elements, "format": record.format, "added_at": record.added_at}


@router.get("/health")
def health(state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """{"status": "ok", "documents": N}."""
    with state.access.reading() as library:
        return {"status": "ok", "documents": len(library.documents())}


@router.get("/documents")
def list_documents(state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """{"documents": [{"doc_id", "source", "pages", "elements", "format", "added_at"}]} (one entry per stored
    file name; identical copies share a doc_id)."""
    with state.access.reading() as library:
        return {"documents": [document_entry(r) for r in library.documents()],
                "image_search": library.image_search_state()}


@router.delete("/documents/{doc_id}")
def delete_document(doc_id: str, state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """Remove the document `doc_id` (every file name holding it): {"removed": [source...]}. 404 when unknown,
    409 when another process is writing to the store."""
    with state.access.reading() as library:
        document(library, doc_id)  # 404 for a malformed or unknown id, before waiting for the write lock
    uploads = (state.root / UPLOADS_FOLDER).resolve()
    removed: list[str] = []
    with state.access.writing() as library:
        for record in [r for r in library.documents() if r.doc_id == doc_id]:
            removed += [r.source for r in library.remove(record.path)]
            path = Path(record.path)
            if path.resolve().parent == uploads:  # the server's own copy of an upload goes with its document
                path.unlink(missing_ok=True)
    return {"removed": removed}


@router.post("/documents", status_code=202)
async def upload_documents(files: list[UploadFile],
                           state: ServerState = Depends(server_state)) -> JSONResponse:
    """Upload files (multipart field `files`) to add to the library: 202 {"job": ID}; follow it at
    GET /api/jobs/{ID}. 413 over the size limit, 415 for a type docrag does not read, 409 when another process is
    writing to the store."""
    holder = state.lock_holder()
    if holder:
        raise HTTPException(409, holder)
    saved = await save_uploads(files, state.root, state.max_upload_bytes)
    job = state.jobs.submit(saved)
    return JSONResponse({"job": job.id}, status_code=202)

