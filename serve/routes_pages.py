"""Page images and crops: GET /api/pages/{doc_id}/{page} (PNG; ?boxes= draws boxes), its /info (JSON), and
GET /api/elements/{key}/crop. Ids are looked up in the catalog, never used as paths: a crafted one is 404."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response

from serve.page_view import NotFound, crop_path, draw_boxes, parse_boxes
from serve.state import ServerState, server_state

router = APIRouter(prefix="/api", tags=["pages"])


def page_number(text: str) -> int:
    """A 1-based page number from the path; anything else is a page that does not exist (404)."""
    if not text.isdigit() or len(text) > 7:
        raise NotFound(f"no page {text!r}: pages are numbered from 1")
    return int(text)


@router.get("/pages/{doc_id}/{page}", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def page_image(doc_id: str, page: str,
               boxes: str | None = Query(None, description="x0,y0,x1,y1;... in PDF points, drawn on the page"),
               state: ServerState = Depends(server_state)) -> Response:
    """The page as PNG. Headers: X-Page-Width / X-Page-Height (the page in PDF points), X-Image-Scale (image
    pixels per PDF point: a box [x0,y0,x1,y1] lies at [x0*s, y0*s, x1*s, y1*s] on the image), X-Page-Count."""
    wanted = parse_boxes(boxes)
    with state.access.reading() as library:
        shown = state.pages.page(library, doc_id, page_number(page))
    png = draw_boxes(shown, wanted) if wanted else shown.png
    return Response(png, media_type="image/png", headers=shown.headers())


@router.get("/pages/{doc_id}/{page}/info")
def page_info(doc_id: str, page: str, state: ServerState = Depends(server_state)) -> dict[str, Any]:
    """{"doc_id", "source", "page", "pages", "width", "height" (PDF points), "image_width", "image_height"
    (pixels of the PNG), "scale" (pixels per point)}."""
    with state.access.reading() as library:
        return state.pages.page(library, doc_id, page_number(page)).info()


@router.get("/elements/{key}/crop", response_class=FileResponse,
            responses={200: {"content": {"image/png": {}}}})
def element_crop(key: str, state: ServerState = Depends(server_state)) -> FileResponse:
    """The crop image of a table or figure (`key`: the element `id` of a hit or citation)."""
    with state.access.reading() as library:
        path = crop_path(library, key)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
