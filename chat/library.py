"""The `Library` facade: the one object that the CLI and Python users construct.

    from chat.library import Library
    lib = Library.open("./.docrag")
    lib.add(["reports/"])
    for hit in lib.search("total net sales", k=5):
        print(hit.element.source, hit.element.page, hit.element.text[:80])
    answer = lib.ask("What were total net sales in Q3 2022?")
    print(answer.text, [c.to_contract() for c in answer.citations])

Models load lazily on first use and stay loaded for the Library's lifetime, so one Library answers many queries
with every model loaded once.
"""
from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from chat.answer import Answer
from chat.attachments import validate_images
from chat.file_discovery import expand_paths
from chat.settings import LibraryConfig, Settings, default_store  # noqa: F401 (LibraryConfig: the older name)
from retrieval.ingest_events import IngestEvent
from retrieval.ingest_report import IngestReport
from docparse.base import ParseOptions
from docparse.element import ElementKind
from docparse.registry import ParsedDocument, parse_document
from retrieval.hit import Hit
from retrieval.page_images import PAGES_FOLDER

if TYPE_CHECKING:
    from retrieval.index import LibraryIndex

log = logging.getLogger(__name__)

EMPTY_LIBRARY_MESSAGE = "The library is empty: add documents first (docrag ingest PATH)."


def open_index(config: LibraryConfig, *, rebuilding: bool = False) -> "LibraryIndex":
    """The retrieval index of the library `config` describes (text embedder, Chroma store, catalog; CLIP is
    attached by the Library). The default `Library(index_factory=...)`."""
    from retrieval.index import LibraryIndex
    from retrieval.rerank import reranker_from_config
    from retrieval.text_embedder import make_text_embedder
    from retrieval.tokenize import LexicalTokenizer

    return LibraryIndex(config.root, make_text_embedder(config.text_model, config.text_backend,
                                                        cache_dir=config.cache_dir),
                        chroma_url=config.chroma_url, collection=config.chroma_collection,
                        search_settings=config.search_settings(), tokenizer=LexicalTokenizer(config.korean_analyzer),
                        reranker=reranker_from_config(config.rerank_model), rebuilding=rebuilding)


def _with_on_file(progress: Callable[[IngestEvent], None] | None,
                  on_file: Callable[[str, int, int, int], None] | None) -> Callable[[IngestEvent], None] | None:
    """One progress callback that also calls `on_file(source, pages, done, total)` for each file event."""
    if on_file is None:
        return progress

    def both(event: IngestEvent) -> None:
        if progress is not None:
            progress(event)
        if event.kind == "file":
            on_file(event.source, event.pages, event.files_done, event.files_total)

    return both


class Library:
    """A document collection on disk: ingest files, search them, ask questions about them."""

    def __init__(self, config: LibraryConfig, *, index=None,
                 index_factory: Callable[..., "LibraryIndex"] | None = None):
        """index: an index to use (tests); index_factory(config, rebuilding=False): builds one on first use
        (default: `open_index`)."""
        self.config = config
        self._index = index
        self._index_factory = index_factory or open_index
        self._backend = None
        self._images_requested = False  # CLIP is tried once per library: a failed load is not retried per call

    @classmethod
    def open(cls, root: str | Path | None = None, *, must_exist: bool = False, **settings) -> "Library":
        """Open (or create on first write) the library at `root` (default: $DOCRAG_STORE, else ./.docrag).

        settings: fields of chat.settings.Settings; each one not given (or None) comes from its environment
        variable, else the config file (chat.config_file: $DOCRAG_CONFIG, `<root>/docrag.toml`,
        ~/.config/docrag/config.toml), else its default. A text model given nowhere is the one the store was built
        with. must_exist: raise `retrieval.errors.NoLibraryError` (creating nothing) when `root` holds no library,
        for callers that only read."""
        from chat.settings import resolve_settings
        from retrieval.store_guard import recorded_text_model, require_library

        store = Path(root) if root is not None else default_store()
        if must_exist:
            require_library(store)
        return cls(resolve_settings(store, settings, recorded_text_model=recorded_text_model(store)))

    def with_llm(self, llm: str, base_url: str | None = None) -> "Library":
        """This library answering with another model: the same index (one copy of each retrieval model, built here
        if not yet), its own answer backend. For servers whose requests choose the model."""
        twin = Library(replace(self.config, llm=llm, base_url=base_url or self.config.base_url))
        twin._index = self._open_index()
        twin._images_requested = self._images_requested
        return twin

    # -- components, built on first use -------------------------------------------------------------------
    @property
    def index(self):
        """The retrieval index (text embedder, Chroma store, catalog; CLIP once the store holds images)."""
        index = self._open_index()
        index.settle_images()  # a search needs CLIP in place
        return index

    def _open_index(self, rebuilding: bool = False, images: bool = True):
        """The index, built on first use; when the store holds images, CLIP starts loading in the background
        (unless `images` is False: listing and removing documents need no model). rebuilding: for `rebuild`
        (the vectors being replaced may come from another text model)."""
        if self._index is None:
            self.config.root.mkdir(parents=True, exist_ok=True)
            self._index = self._index_factory(self.config, rebuilding=rebuilding)
        if images:
            from retrieval.image_route import store_has_images
            if store_has_images(self.config.root):
                self._start_loading_images(self._index)
        return self._index

    def _start_loading_images(self, index) -> None:
        """Load CLIP for the index in a background thread (retrieval.clip_route), once per library, unless image
        search is off. An ingest parses and stores text meanwhile, and waits for CLIP at its first image step."""
        if not self.config.image_search or self._images_requested:
            return
        from retrieval.clip_embedder import ClipSettings

        index.clip.load_in_background(ClipSettings.with_overrides(model=self.config.clip_model,
                                                                  pretrained=self.config.clip_pretrained))
        self._images_requested = True

    @property
    def backend(self):
        """The answer backend chosen by the `llm` setting."""
        if self._backend is None:
            from chat.backends import backend_options, make_backend
            self._backend = make_backend(self.config.llm, base_url=self.config.base_url, api_key=self.config.api_key,
                                         **backend_options(self.config.llm, self.config.send_images,
                                                           timeout=self.config.llm_timeout,
                                                           tokenizer=self.config.tokenizer))
        return self._backend

    def parse_options(self) -> ParseOptions:
        """Parse settings for this library: crops beside the store, chunks sized by the embedder's tokenizer
        (when the text model is a local folder with a tokenizer.json; else a word-count estimate)."""
        from retrieval.text_embedder import resolve_text_model
        folder = Path(resolve_text_model(self.config.text_model))
        tokenizer = str(folder) if (folder / "tokenizer.json").is_file() else None
        return ParseOptions(assets_dir=self.config.root / "assets", tokenizer=tokenizer, ocr=self.config.ocr,
                            ocr_languages=self.config.ocr_languages, layout_features=self.config.layout_features)

    # -- documents ------------------------------------------------------------------------------------------
    def parse(self, path: str | Path) -> ParsedDocument:
        """Parse one file without storing it (crops are written under the library's assets folder)."""
        return parse_document(path, self.parse_options())

    def add(self, paths: Iterable[str | Path], sync: bool = False,
            on_file: Callable[[str, int, int, int], None] | None = None, workers: int = 1,
            follow_links: bool = False, *, progress: Callable[[IngestEvent], None] | None = None,
            cancel: Any = None, write_guard: Callable[[], AbstractContextManager] | None = None) -> IngestReport:
        """Ingest files and folders. Unchanged files are skipped, changed files replace their old version, a
        renamed or moved file keeps its stored document under its new name (`renamed`), an identical copy is one
        more source of the stored document (`added`, nothing embedded again), and each bad file lands in `failed`
        with a one-line reason while the rest go on. With `sync`, paths under the given ones whose files are gone
        are removed (`removed`); a document goes only when no path holds its bytes any more.
        `progress(retrieval.ingest_events.IngestEvent)` hears each step; `on_file(source, pages, done, total)` is
        called as each file ends (for progress bars). `cancel` (a threading.Event) stops the ingest between
        documents (the report then says `cancelled`). `workers` > 1 parses in that many processes
        (docparse.parallel); embedding and storing stay in this process, one document at a time. Links inside a
        folder that lead out of it are skipped (and reported) unless `follow_links` (chat.file_discovery).
        `write_guard()`, a context manager, is held around each store write and never around parsing (the server
        passes its write lock, so searches wait for writes only; retrieval.ingest_session)."""
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        paths = list(paths)  # read twice: expanded here, and as the roots that sync removes under
        files, skipped = expand_paths(paths, follow_links=follow_links)
        index = self._open_index()
        self._start_loading_images(index)
        # PDF page images are written by the parser while it holds each page (in the workers), not by this
        # process reopening every document after storing it.
        options = replace(self.parse_options(), page_images_dir=index.root / PAGES_FOLDER)
        with index.ingest(options, workers=workers, progress=_with_on_file(progress, on_file),
                          cancel=cancel, write_guard=write_guard) as session:
            session.add(files, sync_roots=paths if sync else None, skipped=skipped)
        return session.report

    def rebuild(self, paths: Iterable[str | Path] = (), **add_options) -> IngestReport:
        """Re-make the store's vectors, lexical index and page images from its catalog (documents whose files are
        gone keep everything; the text model may differ from the one the store was built with), then `add`
        `paths`. An unreadable catalog is set aside (renamed) and the store rebuilt from `paths` alone."""
        from chat.store_upkeep import rebuild_library
        return rebuild_library(self, paths, **add_options)

    def doctor(self):
        """The full consistency check of the store (`retrieval.store_check.StoreReport`; reads only)."""
        from retrieval.store_check import check_store
        return check_store(self.config.root, self.config.chroma_url, self.config.chroma_collection)

    def remove(self, name_or_path: str) -> list:
        """Remove a document (by file name or path): its vectors, catalog entries and crops (loads no model)."""
        index = self._open_index(images=False)
        with index.write_lock():
            return index.remove(name_or_path)

    def documents(self) -> list:
        """The stored documents (`retrieval.catalog.DocumentRecord`; loads no model)."""
        return self._open_index(images=False).documents()

    def image_search_state(self) -> dict[str, str]:
        """{"state": "on" | "off", "reason": ...} for this library's image search (loads no model)."""
        from retrieval.image_route import image_search_state
        return image_search_state(self.config.root, self.config.image_search)

    # -- search and answers ---------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, sources: Sequence[str] | None = None, *,
               kinds: Sequence[str] | None = None, pages: tuple[int, int] | int | None = None) -> list[Hit]:
        """Mixed-modality evidence for a query, best first. `sources` restricts to these file names, `kinds` to
        these element kinds ("text", "table", "figure", ...), `pages` to a page range (first, last) per document."""
        self._check_sources(sources)
        return self.index.search(query, k=k or self.config.search_k, sources=sources or None, kinds=kinds or None,
                                 pages=pages)

    def _check_sources(self, sources: Sequence[str] | None) -> None:
        """UnknownSourceError (with the close names) for a file name that no stored document has."""
        if sources:
            from retrieval.source_check import check_source_names
            check_source_names(sources, (record.source for record in self.index.documents()))

    def search_by_image(self, image: str | Path, k: int | None = None,
                        sources: Sequence[str] | None = None, *, kinds: Sequence[str] | None = None) -> list[Hit]:
        """Figures, tables and pages that look like an image file (the CLIP route)."""
        self._check_sources(sources)
        return self.index.search_by_image(validate_images([str(image)])[0], k=k or self.config.search_k,
                                          sources=sources or None, kinds=kinds or None)

    def search_many(self, queries: Sequence[tuple[str, Sequence[str] | None]],
                    k: int | None = None, *, kinds: Sequence[str] | None = None,
                    pages: tuple[int, int] | int | None = None) -> list[list[Hit]]:
        """Batch form of `search`: (query, sources) pairs in, hit lists out in the same order; `kinds` and
        `pages` apply to every query."""
        return self.index.search_many(queries, k=k or self.config.search_k, kinds=kinds or None, pages=pages)

    def ask(self, question: str, k: int | None = None, sources: Sequence[str] | None = None,
            history: Sequence[tuple[str, str]] | None = None, images: Sequence[str] | None = None,
            on_token: Callable[[str], None] | None = None, stream: bool = False, previous: Answer | None = None):
        """Answer a question from the library's documents, with citations and token usage.

        history: earlier (question, answer) pairs, oldest first (a follow-up is searched as a standalone query);
        images: paths of images attached to the question (sent to a vision model, and searched for look-alike
        figures when image search is on); on_token: called with each piece of text as it is written. With
        stream=True the result is a `chat.session.AnswerStream` (iterate for text pieces, then `.answer`).
        With no language model configured the answer is extractive (best evidence sentences, table rows and
        figures) and says so, and a follow-up is also answered from the evidence `previous` (the answer it follows
        up) cited; when the configured model is unreachable or fails before writing anything, the
        answer falls back to extractive and the note gives the reason. For conversations see `chat()`."""
        question = (question or "").strip()
        if not question:
            raise ValueError("empty question")
        history = list(history or ())
        images = validate_images(list(images or ()))
        if stream:
            from chat.session import AnswerStream
            return AnswerStream(lambda relay: self.ask(question, k=k, sources=sources, history=history,
                                                       images=images, on_token=relay, previous=previous))
        if self.index.element_count() == 0:
            return Answer(question=question, text=EMPTY_LIBRARY_MESSAGE, citations=(), hits=(),
                          model="none", mode="extractive", note=EMPTY_LIBRARY_MESSAGE)
        backend = self._backend_or_fallback()
        # A follow-up ("and the year before?") is searched as a standalone query; the model sees the question
        # as asked, with the history.
        from chat.query_rewrite import carry_evidence, rewrite_query
        query = rewrite_query(question, history, backend)
        hits = self.evidence(query, k=k, sources=sources, images=images)
        if backend.mode == "extractive":
            hits = carry_evidence(question, history, previous, hits)
        streamed: list[str] = []

        def relay(piece: str) -> None:
            streamed.append(piece)
            on_token(piece)  # type: ignore[misc]

        try:
            return self._finish(backend.answer(question, hits, history=history, images=self._model_images(images),
                                               on_token=relay if on_token else None))
        except Exception as err:
            from chat.backends import BackendError
            # Once the model's words are on the user's screen, an extractive answer after them would read as its
            # continuation: the error is reported instead.
            if not isinstance(err, BackendError) or backend.mode == "extractive" or streamed:
                raise
            log.warning("%s; answering extractively", err)
            answer = self._extractive().answer(question, hits, history=history, images=images, on_token=on_token)
            return self._finish(replace(answer, note=f"{err}; answered extractively instead"))

    def chat(self, k: int | None = None, sources: Sequence[str] | None = None):
        """A `chat.session.ChatSession`: `.ask(question, images=None, stream=False)` answers with the earlier
        turns as history."""
        from chat.session import ChatSession
        return ChatSession(self, k=k, sources=sources)

    def evidence(self, query: str, k: int | None = None, sources: Sequence[str] | None = None,
                 images: Sequence[str] = ()) -> list[Hit]:
        """The hits `ask` hands its answer backend for `query` (a follow-up already rewritten): the text search
        (with the tables a financial ratio it names is computed from, and tables captioned by the scale line printed
        beside them), fused with an image search per attached image when image search is on."""
        k = k or self.config.answer_k
        hits = self.search(query, k=k, sources=sources)
        from chat.financial_ratios import operand_queries, with_operand_hits
        operands = operand_queries(query)
        if operands:  # a ratio reads two statements; the question's own words may find only one
            hits = with_operand_hits(hits, self.search_many([(q, sources) for q in operands], k=3, kinds=["table"]))
        if any(hit.element.kind is ElementKind.TABLE for hit in hits):  # "(In millions)" set apart from its table
            from chat.table_scale_line import with_scale_lines
            hits = with_scale_lines(hits, self.index.catalog)
        if not images:
            return hits
        from chat.attachments import merge_hit_lists
        try:
            by_image = [self.index.search_by_image(image, k=k, sources=sources or None) for image in images]
        except ValueError as err:  # image search is off (no CLIP): the image still goes to a vision model
            log.info("attached image not searched: %s", err)
            return hits
        return merge_hit_lists([hits, *by_image], k)

    def _model_images(self, images: Sequence[str]) -> Sequence[str]:
        """Attached images go to the model unless send_images is off (they are still searched by look)."""
        return images if self.config.send_images else ()

    def _finish(self, answer: Answer) -> Answer:
        from chat.answer_finish import finish_answer
        return finish_answer(answer, self._document_path)

    def _document_path(self, doc_id: str) -> str | None:
        record = self.index.catalog.document_by_id(doc_id)
        return record.path if record else None

    def show(self, answer: Answer, out_dir: str | Path | None = None) -> list[Path]:
        """Write the cited pages as PNGs with the cited boxes outlined (default folder: `<store>/shown`)."""
        from chat.highlight import highlight_citations

        return highlight_citations(answer.citations, self._document_path,
                                   Path(out_dir) if out_dir else self.config.root / "shown")

    def _backend_or_fallback(self):
        try:
            return self.backend
        except Exception as err:
            from chat.backends import BackendError
            if not isinstance(err, BackendError):
                raise
            log.warning("%s; answering extractively", err)
            return self._extractive()

    def _extractive(self):
        from chat.backends import make_backend
        return make_backend("extractive")

