"""A LangChain retriever over a docrag library, for use inside LangChain chains and agents.

    from chat.library import Library
    from chat.langchain_retriever import DocragRetriever
    retriever = DocragRetriever(library=Library.open("lib"), k=5)
    docs = retriever.invoke("total net sales")   # Documents with source, page, bbox, kind, image in metadata

Importing this module imports langchain_core; nothing else in docrag needs it at import time.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retrieval.hit import Hit


def hit_to_document(hit: Hit) -> Document:
    """A docrag hit as a LangChain Document; the metadata holds only JSON-friendly values (bbox as a list)."""
    e = hit.element
    metadata: dict[str, Any] = {"source": e.source, "page": e.page, "kind": e.kind.value,
                                "bbox": list(e.bbox) if e.bbox is not None else None, "image": e.image,
                                "element_id": e.id, "doc_id": e.provenance.doc_id, "score": hit.score,
                                "rank": hit.rank, "routes": list(hit.routes)}
    if e.cells is not None:
        metadata["cells"] = json.dumps([list(row) for row in e.cells], ensure_ascii=False)
    if e.caption:
        metadata["caption"] = e.caption
    return Document(page_content=e.text, metadata=metadata, id=e.id)


class DocragRetriever(BaseRetriever):
    """Retrieves mixed text, table and figure evidence from a docrag `Library`.

    library: a `chat.library.Library`; k: how many hits; sources: restrict to these file names; kinds: to these
    element kinds ("table", "figure", ...); pages: to this page range (first, last) of each document."""

    library: Any
    k: int = 10
    sources: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    pages: tuple[int, int] | None = None

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        filters = {name: value for name, value in (("kinds", self.kinds), ("pages", self.pages)) if value}
        hits = self.library.search(query, k=self.k, sources=self.sources, **filters)
        return [hit_to_document(hit) for hit in hits]
