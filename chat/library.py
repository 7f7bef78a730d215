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
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from chat.answer import Answer
from chat.attachments import validate_images
from chat.ingest_report import FileFailure, IngestReport, IngestTally, expand_paths
from docparse.base import ParseOptions, file_doc_id
from docparse.errors import ParseError
from docparse.registry import ParsedDocument, open_document, parse_document
from retrieval.errors import StoreError
from retrieval.hit import Hit
from retrieval.page_images import PAGES_FOLDER

log = logging.getLogger(__name__)

EMPTY_LIBRARY_MESSAGE = "The library is empty: add documents first (docrag ingest PATH)."


def default_store() -> Path:
    """The library folder: $DOCRAG_STORE, else ./.docrag."""
    return Path(os.environ.get("DOCRAG_STORE") or ".docrag")


@dataclass(frozen=True)
class LibraryConfig:
    """Settings of a library. llm: answer-model spec ("openai:<model>", "extractive", ...); None means
    $DOCRAG_LLM, else extractive. base_url / api_key: for OpenAI-compatible servers (else from the
    environment). chroma_url: a Chroma server instead of the embedded store."""

    root: Path
    text_model: str = "all-MiniLM-L6-v2"
    # What runs the text model (retrieval.text_embedder.TEXT_EMBEDDERS): None = $DOCRAG_TEXT_BACKEND, else "onnx-int8"
    # (ONNX Runtime on the CPU with int8 weights, ~4x torch's speed; "onnx" keeps float32, torch's vectors;
    # sentence-transformers where ONNX cannot run).
    text_backend: str | None = None
    chroma_url: str | None = None
    llm: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    search_k: int = 10
    # Answering looks wider than a search list: the answerer re-scores its evidence (the extractive one row by
    # row), and an LLM backend still packs only what fits its budget, best ranks first.
    answer_k: int = 20
    # The CLIP image route: loaded on ingest, and on search once the store holds images; None = the defaults
    # (ViT-B-32 / laion2b_s34b_b79k, or $DOCRAG_CLIP_MODEL / $DOCRAG_CLIP_PRETRAINED).
    image_search: bool = True
    clip_model: str | None = None
    clip_pretrained: str | None = None
    # Optional CrossEncoder (hub id or local folder) re-ordering the top fused hits; None = $DOCRAG_RERANK, else off.
    rerank_model: str | None = None
    # The library's collection name on a Chroma server (None: derived from the store path, or the one it recorded).
    chroma_collection: str | None = None
    # OCR of image-only pages, figures without a text layer and images: "auto", "off" or an engine name
    # (docparse.ocr.OCR_CHOICES); ocr_languages: Tesseract codes ("eng+kor").
    ocr: str = "auto"
    ocr_languages: str = "eng+kor"
    # Table/figure crops and attached images sent to the answer model; None = $DOCRAG_SEND_IMAGES, else on.
    # Off for text-only models (chat.image_input).
    send_images: bool | None = None

    @property
    def llm_spec(self) -> str:
        return self.llm or os.environ.get("DOCRAG_LLM") or "extractive"


class Library:
    """A document collection on disk: ingest files, search them, ask questions about them."""

    def __init__(self, config: LibraryConfig):
        self.config = config
        self._index = None
        self._backend = None
        self._images_requested = False  # CLIP is tried once per library: a failed load is not retried per call

    @classmethod
    def open(cls, root: str | Path | None = None, **settings) -> "Library":
        """Open (or create on first write) the library at `root` (default: `default_store()`).

        settings: LibraryConfig fields; those not given (or None) come from the config file when one applies
        (see chat.config_file: $DOCRAG_CONFIG, `<root>/docrag.toml`, ~/.config/docrag/config.toml)."""
        from chat.config_file import merged_settings

        store = Path(root) if root is not None else default_store()
        return cls(LibraryConfig(root=store, **merged_settings(store, settings)))

    # -- components, built on first use -------------------------------------------------------------------
    @property
    def index(self):
        """The retrieval index (text embedder, Chroma store, catalog; CLIP once the store holds images)."""
        index = self._open_index()
        index.settle_images()  # a search needs CLIP in place
        return index

    def _open_index(self):
        """The index, built on first use; when the store holds images, CLIP starts loading in the background."""
        if self._index is None:
            from retrieval.index import LibraryIndex
            from retrieval.text_embedder import DEFAULT_TEXT_BACKEND, make_text_embedder
            self.config.root.mkdir(parents=True, exist_ok=True)
            from retrieval.image_route import store_has_images
            from retrieval.rerank import reranker_from_config
            backend = self.config.text_backend or os.environ.get("DOCRAG_TEXT_BACKEND") or DEFAULT_TEXT_BACKEND
            self._index = LibraryIndex(self.config.root, make_text_embedder(self.config.text_model, backend),
                                       chroma_url=self.config.chroma_url, collection=self.config.chroma_collection,
                                       reranker=reranker_from_config(self.config.rerank_model))
            if store_has_images(self.config.root):
                self._start_loading_images(self._index)
        return self._index

    def _start_loading_images(self, index) -> None:
        """Load CLIP for the index in a background thread, once per library, unless image search is off.
        Importing open_clip and torch alone takes seconds; an ingest parses and stores text meanwhile, and the
        index waits for CLIP at its first image step (LibraryIndex.attach_image_embedder_when_ready). When the
        weights cannot be had, CLIP's loader says once why image search is off, and the text routes carry on."""
        if not self.config.image_search or self._images_requested or index.images_requested:
            return
        from retrieval.clip_embedder import ClipSettings, load_image_embedder

        settings = ClipSettings.from_env(model=self.config.clip_model, pretrained=self.config.clip_pretrained)
        loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-load")
        index.attach_image_embedder_when_ready(loader.submit(load_image_embedder, settings))
        loader.shutdown(wait=False)
        self._images_requested = True

    @property
    def backend(self):
        """The answer backend chosen by `config.llm_spec`."""
        if self._backend is None:
            from chat.backends import make_backend
            from chat.image_input import backend_options
            self._backend = make_backend(self.config.llm_spec, base_url=self.config.base_url,
                                         api_key=self.config.api_key,
                                         **backend_options(self.config.llm_spec, self.config.send_images))
        return self._backend

    def parse_options(self) -> ParseOptions:
        """Parse settings for this library: crops beside the store, chunks sized by the embedder's tokenizer
        (when the text model is a local folder with a tokenizer.json; else a word-count estimate)."""
        from retrieval.text_embedder import resolve_text_model
        folder = Path(resolve_text_model(self.config.text_model))
        tokenizer = str(folder) if (folder / "tokenizer.json").is_file() else None
        return ParseOptions(assets_dir=self.config.root / "assets", tokenizer=tokenizer, ocr=self.config.ocr,
                            ocr_languages=self.config.ocr_languages)

    # -- documents ------------------------------------------------------------------------------------------
    def parse(self, path: str | Path) -> ParsedDocument:
        """Parse one file without storing it (crops are written under the library's assets folder)."""
        return parse_document(path, self.parse_options())

    def add(self, paths: Iterable[str | Path], sync: bool = False,
            on_file: Callable[[str, int, int, int], None] | None = None, workers: int = 1) -> IngestReport:
        """Ingest files and folders. Unchanged files are skipped, changed files replace their old version, and
        each bad file lands in `failed` with a one-line reason while the rest go on. With `sync`, documents
        whose files are no longer under the given paths are removed. `on_file(source, pages, done, total)`
        is called as each file ends (for progress bars). `workers` > 1 parses in that many processes
        (docparse.parallel); embedding and storing stay in this process, one document at a time."""
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        started = time.monotonic()
        files, skipped = expand_paths(paths)
        tally = IngestTally(skipped=list(skipped))
        index = self._open_index()
        self._start_loading_images(index)
        # PDF page images are written by the parser while it holds each page (in the workers), not by this
        # process reopening every document after storing it.
        options = replace(self.parse_options(), page_images_dir=index.root / PAGES_FOLDER)
        with index.write_lock():
            index.sweep_orphan_pages_once()  # before the parser writes page images of documents not yet stored
            images_were_complete = index.open_image_changes()
            preloading = index.preload_lexical() if files else None
            try:
                if workers == 1:
                    for done, path in enumerate(files, 1):
                        pages = self._add_one(path, index, options, tally)
                        if on_file is not None:
                            on_file(path.name, pages, done, len(files))
                else:
                    self._add_parallel(files, index, options, tally, on_file, workers)
                if sync:
                    present = {str(p) for p in files}
                    for record in index.documents():
                        if record.path not in present and _under_any(record.path, paths):
                            index.remove(record.path)
                            tally.removed.append(record.source)
                if tally.added or tally.updated or tally.removed:
                    index.refresh_lexical()  # rebuild BM25 now, so the first search after an ingest does not pay
            finally:
                if preloading is not None:
                    preloading.join()  # an import cut off by the interpreter's exit would print errors
        index.settle_images()  # CLIP in place before returning, also when no document reached an image step
        index.close_image_changes(images_were_complete)
        report = tally.freeze(time.monotonic() - started)
        if report.failed:
            log.warning("%d of %d files failed: %s", len(report.failed), len(files),
                        "; ".join(f.error for f in report.failed))
        return report

    def _add_parallel(self, files: list[Path], index, options: ParseOptions, tally: IngestTally,
                      on_file: Callable[[str, int, int, int], None] | None, workers: int) -> None:
        """Unchanged files are settled here; the rest are parsed in worker processes and stored as they arrive.
        The text embedder (where it can) runs on the cores the workers leave free until they are done."""
        from docparse.parallel import parse_in_workers, usable_cores

        done = 0
        todo: list[tuple[Path, str]] = []
        for path in files:
            try:
                status = index.status_of(path, file_doc_id(path))
            except OSError as err:
                tally.failed.append(FileFailure(path.name, f"{path.name}: cannot read: {err.strerror or err}"))
                status = None
            if status == "unchanged":
                tally.unchanged.append(path.name)
            if status in (None, "unchanged"):
                done += 1
                if on_file is not None:
                    on_file(path.name, 0, done, len(files))
            else:
                todo.append((path, status))
        statuses = dict(todo)
        limit_threads = getattr(index.embedder, "limit_threads", None)
        if limit_threads is None or not todo:
            limit_threads = _no_thread_limit
        limit_threads(max(1, usable_cores() - workers))
        try:
            streams = parse_in_workers([p for p, _ in todo], options, workers=workers,
                                       on_idle=lambda: limit_threads(None))
            for stream in streams:
                pages = self._add_one(stream.path, index, options, tally, status=statuses[stream.path],
                                      parsed=stream)
                done += 1
                if on_file is not None:
                    on_file(stream.path.name, pages, done, len(files))
        finally:
            limit_threads(None)

    def _add_one(self, path: Path, index, options: ParseOptions, tally: IngestTally, status: str | None = None,
                 parsed=None) -> int:
        """Ingest one file into `tally`; returns its page count (0 when it failed or was unchanged). `parsed`: a
        `docparse.parallel.ParsedStream` already under way for this file (with its `status`)."""
        try:
            if parsed is None:
                status = index.status_of(path, file_doc_id(path))
                if status == "unchanged":
                    tally.unchanged.append(path.name)
                    return 0
                info, elements = open_document(path, options)
            elif parsed.error is not None:
                raise parsed.error
            else:
                info, elements = parsed.info, parsed.elements
            tally.elements += index.add(info, elements)
            tally.pages += info.pages
            getattr(tally, status).append(path.name)
            return info.pages
        except StoreError:  # the store itself is unusable (damaged, server down): no point trying the next file
            raise
        except ParseError as err:
            tally.failed.append(FileFailure(path.name, str(err)))
        except OSError as err:
            tally.failed.append(FileFailure(path.name, f"{path.name}: cannot read: {err.strerror or err}"))
        except Exception as err:  # a parser bug on one file must not stop the batch
            log.exception("unexpected error ingesting %s", path)
            tally.failed.append(FileFailure(path.name, f"{path.name}: {type(err).__name__}: {err}"))
        return 0

    def remove(self, name_or_path: str) -> list:
        """Remove a document (by file name or path): its vectors, catalog entries and crops."""
        with self.index.write_lock():
            return self.index.remove(name_or_path)

    def documents(self) -> list:
        """The stored documents (`retrieval.catalog.DocumentRecord`)."""
        return self.index.documents()

    # -- search and answers ---------------------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, sources: Sequence[str] | None = None, *,
               kinds: Sequence[str] | None = None, pages: tuple[int, int] | int | None = None) -> list[Hit]:
        """Mixed-modality evidence for a query, best first. `sources` restricts to these file names, `kinds` to
        these element kinds ("text", "table", "figure", ...), `pages` to a page range (first, last) per document."""
        return self.index.search(query, k=k or self.config.search_k, sources=sources or None, kinds=kinds or None,
                                 pages=pages)

    def search_by_image(self, image: str | Path, k: int | None = None,
                        sources: Sequence[str] | None = None, *, kinds: Sequence[str] | None = None) -> list[Hit]:
        """Figures, tables and pages that look like an image file (the CLIP route)."""
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
        hits = self._evidence(query, images, k or self.config.answer_k, sources)
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

    def _evidence(self, query: str, images: Sequence[str], k: int, sources: Sequence[str] | None) -> list[Hit]:
        """The text search for `query`, fused with an image search per attached image when image search is on."""
        hits = self.search(query, k=k, sources=sources)
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
        from chat.image_input import send_images_setting
        return images if send_images_setting(self.config.send_images) else ()

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


def _no_thread_limit(threads: int | None) -> None:
    """Stands in for `limit_threads` of embedders that have none (their threads are left as they are)."""


def _under_any(stored_path: str, roots: Iterable[str | Path]) -> bool:
    """Whether a stored document path lies under one of the folders (or is one of the files) given to sync."""
    stored = Path(stored_path)
    for root in roots:
        root = Path(root).resolve()
        if stored == root or root in stored.parents:
            return True
    return False
