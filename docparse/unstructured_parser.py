"""DOCX, PPTX, XLSX, HTML and EML through unstructured's partitioners, offline.

`open` checks the container cheaply without unstructured (empty, not a ZIP, a legacy or password-protected OLE
file, missing main part, zip bomb) and counts slides / sheets; `elements` runs the format's partitioner (imported
lazily, after `docparse.unstructured_offline.prepare_unstructured`) and maps its output
(docparse.unstructured_elements). A document with bytes but nothing extractable is an error, never an empty success.
Markdown and plain text stay on docparse.text_parser (see docs/design.md).
"""
from __future__ import annotations

import email
import email.policy
import io
import logging
import re
import zipfile
from pathlib import Path
from typing import Any, Iterator

from docparse.base import DocumentInfo, ParseOptions, file_doc_id, stored_path
from docparse.element import Element
from docparse.errors import (CorruptDocumentError, DocumentTooLargeError, EncryptedDocumentError, NoContentError,
                             ParseError, UnsupportedFormatError)
from docparse.ooxml_entities import without_entities
from docparse.unstructured_elements import RULES, ElementMapper

logger = logging.getLogger(__name__)

# extension -> format name used by the mapping rules
FORMATS = {".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx", ".html": "html", ".htm": "html", ".eml": "eml"}
# the part every genuine OOXML package of that type holds
_MAIN_PART = {"docx": "word/document.xml", "pptx": "ppt/presentation.xml", "xlsx": "xl/workbook.xml"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNZIPPED_BYTES = 2 << 30  # an office file inflating past 2 GiB is refused (zip bombs)
_SLIDE_PART = re.compile(r"^ppt/slides/slide\d+\.xml$")
_DOCX_PAGES = re.compile(rb"<(?:\w+:)?Pages>\s*(\d+)\s*<")
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\bname=\"([^\"]*)\"")


def _ole_reason(path: Path, kind: str) -> ParseError:
    """Why an OLE compound file was given as an OOXML one: encrypted OOXML, or a legacy binary Office file."""
    # Encrypted OOXML is an OLE file holding "EncryptionInfo" and "EncryptedPackage" streams; directory entries
    # store stream names in UTF-16LE, so finding the name needs no OLE reader.
    with open(path, "rb") as handle:
        data = handle.read(16 << 20)
    if "EncryptedPackage".encode("utf-16-le") in data:
        return EncryptedDocumentError(f"{path.name}: encrypted (password-protected) {kind.upper()}; "
                                      "a password is required (ParseOptions.password)")
    return CorruptDocumentError(f"{path.name}: a legacy binary Office file, not {kind.upper()}; "
                                f"save it as .{kind} first")


def _decrypt(path: Path, kind: str, password: str) -> bytes:
    try:
        import msoffcrypto  # installed with unstructured[xlsx] (the office extra)
    except ImportError:
        raise UnsupportedFormatError(f"{path.name}: decrypting needs the office extra "
                                     "(pip install 'docrag[office]')") from None

    with open(path, "rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        try:
            office.load_key(password=password)
            out = io.BytesIO()
            office.decrypt(out)
        except Exception as err:  # msoffcrypto raises InvalidKeyError / DecryptionError / ValueError
            raise EncryptedDocumentError(f"{path.name}: encrypted {kind.upper()}; the given password is wrong "
                                         f"({type(err).__name__})") from None
    return out.getvalue()


def _check_package(path: Path, data: bytes | None, kind: str) -> zipfile.ZipFile:
    """Open an OOXML package, raising a one-line parse error if it is not one of `kind`."""
    source = io.BytesIO(data) if data is not None else path
    if not zipfile.is_zipfile(source):
        raise CorruptDocumentError(f"{path.name}: not a {kind.upper()} file (no ZIP container; "
                                   "a different file type renamed?)")
    try:
        package = zipfile.ZipFile(source)
        names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise CorruptDocumentError(f"{path.name}: damaged {kind.upper()} ZIP container ({err})") from None
    if _MAIN_PART[kind] not in names or "[Content_Types].xml" not in names:
        package.close()
        raise CorruptDocumentError(f"{path.name}: a ZIP archive but not a {kind.upper()} "
                                   f"(no {_MAIN_PART[kind]})")
    inflated = sum(item.file_size for item in package.infolist())
    if inflated > MAX_UNZIPPED_BYTES:
        package.close()
        raise DocumentTooLargeError(f"{path.name}: unpacks to {inflated} bytes, over the limit of "
                                    f"{MAX_UNZIPPED_BYTES} (a zip bomb?)")
    return package


def _check_text_file(path: Path, kind: str) -> None:
    """HTML and e-mail are text: refuse binary bytes under those names, and e-mail without any header."""
    with open(path, "rb") as handle:
        head = handle.read(64 << 10)
    if not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text legitimately holds NUL bytes
        control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
        if b"\0" in head or control > 0.05 * len(head):
            raise CorruptDocumentError(f"{path.name}: binary data, not {'an e-mail' if kind == 'eml' else 'HTML'}")
    if kind == "eml":
        message = email.message_from_bytes(head, policy=email.policy.compat32)
        if not message.keys():
            raise CorruptDocumentError(f"{path.name}: not an e-mail (no header lines such as From: or Subject:)")


def _count_pages(package: zipfile.ZipFile, kind: str) -> tuple[int, tuple[str, ...]]:
    """Slides of a PPTX, sheets (and their names) of an XLSX; for a DOCX the page count Word stored when it last
    laid the document out (docProps/app.xml; the same layout gives unstructured its page numbers), else 1."""
    if kind == "docx":
        try:
            found = _DOCX_PAGES.search(package.read("docProps/app.xml"))
        except KeyError:  # no app.xml: written by a library, never laid out
            return 1, ()
        return (max(1, int(found.group(1))) if found else 1), ()
    if kind == "pptx":
        return max(1, sum(1 for n in package.namelist() if _SLIDE_PART.match(n))), ()
    if kind == "xlsx":
        names = tuple(m.decode("utf-8", "replace") for m in _SHEET_TAG.findall(package.read("xl/workbook.xml")))
        return max(1, len(names)), names
    return 1, ()


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _notes_last(elements: list[Any], deck: Any) -> list[Any]:
    """Move each slide's speaker notes after the slide's own content (unstructured emits them first, which would
    put them before the slide title, outside its section)."""
    from pptx import Presentation

    notes: dict[int, str] = {}
    for number, slide in enumerate(Presentation(deck).slides, start=1):
        frame = slide.notes_slide.notes_text_frame if slide.has_notes_slide else None
        if frame is not None and frame.text.strip():
            notes[number] = frame.text
    if not notes:
        return elements
    by_page: dict[int, list[Any]] = {}
    for element in elements:
        by_page.setdefault(element.metadata.page_number or 1, []).append(element)
    ordered: list[Any] = []
    for page, items in by_page.items():
        at = next((i for i, e in enumerate(items) if e.category == "NarrativeText" and page in notes
                   and _same_text(e.text or "", notes[page])), None)
        if at is not None:
            moved = items.pop(at)
            ends_with_break = bool(items) and items[-1].category == "PageBreak"
            items.insert(len(items) - 1 if ends_with_break else len(items), moved)
        ordered.extend(items)
    return ordered


class UnstructuredParser:
    """Parser for Office, HTML and e-mail files through unstructured (offline; no spaCy model, no network)."""

    name = "unstructured"
    extensions = tuple(FORMATS)

    def open(self, path: Path, options: ParseOptions) -> DocumentInfo:
        """Validate the file and report its pages: slides (PPTX), sheets (XLSX), else 1."""
        path = Path(path)
        kind = FORMATS.get(path.suffix.lower())
        if kind is None:
            raise CorruptDocumentError(f"{path.name}: not a type this parser reads; it reads "
                                       f"{', '.join(sorted(FORMATS))}")
        if not path.is_file():
            raise CorruptDocumentError(f"{path.name}: file not found")
        with open(path, "rb") as handle:
            head = handle.read(8)
        if not head.strip():
            raise CorruptDocumentError(f"{path.name}: empty file")
        pages = 1
        if kind in ("html", "eml"):
            _check_text_file(path, kind)
        if kind in _MAIN_PART:
            data = self._package_bytes(path, kind, options, head)  # raises for legacy or locked files
            with _check_package(path, data, kind) as package:
                pages, _ = _count_pages(package, kind)
        if pages > options.max_pages:
            raise DocumentTooLargeError(f"{path.name}: {pages} pages exceeds the limit max_pages={options.max_pages}")
        return DocumentInfo(doc_id=file_doc_id(path), source=path.name, path=stored_path(path), pages=pages,
                            format=kind)

    @staticmethod
    def _package_bytes(path: Path, kind: str, options: ParseOptions, head: bytes) -> bytes | None:
        """The decrypted package when the file is password-protected (and a password was given), else None."""
        if head != _OLE_MAGIC:
            return None
        error = _ole_reason(path, kind)
        if isinstance(error, EncryptedDocumentError) and options.password:
            return _decrypt(path, kind, options.password)
        raise error

    def elements(self, info: DocumentInfo, options: ParseOptions) -> Iterator[Element]:
        """Titles, text chunks, tables and figures in document order (see docparse.unstructured_elements)."""
        path = Path(info.path)
        kind = info.format
        raw, sheet_names, source_tables = self._partition(path, info, options)
        subject, lead = self._email_lead(path, info) if kind == "eml" else ("", [])
        rules = RULES[kind]()
        if sheet_names:
            rules.page_sections.update({i + 1: (name,) for i, name in enumerate(sheet_names)})
        mapper = ElementMapper(info, options, rules, source_tables)
        mapper.sections = [(-1, subject)] if subject else []
        yield from lead
        produced = len(lead)
        for element in mapper.map(raw):
            produced += 1
            yield element
        if produced == 0:
            # the trap this guards: a partitioner that failed quietly (e.g. a missing NLP model) looks like this
            raise NoContentError(f"{info.source}: no text, tables or pictures found in this {kind.upper()} "
                                 f"({len(raw)} elements from unstructured, none with content)")

    def _partition(self, path: Path, info: DocumentInfo, options: ParseOptions) -> tuple[list[Any], tuple, Any]:
        """Run unstructured on the file: (its elements, sheet names for XLSX, source tables for HTML)."""
        from docparse.unstructured_offline import prepare_unstructured

        prepare_unstructured()
        kind = info.format
        sheet_names: tuple[str, ...] = ()
        source_tables = None
        try:
            if kind in _MAIN_PART:
                with open(path, "rb") as handle:
                    head = handle.read(8)
                data = self._package_bytes(path, kind, options, head)
                with _check_package(path, data, kind) as package:
                    _, sheet_names = _count_pages(package, kind)
                    data = without_entities(package) or data  # text after an entity reference is kept
                target: dict[str, Any] = ({"file": io.BytesIO(data), "metadata_filename": info.source}
                                          if data is not None else {"filename": str(path)})
                raw = self._run(kind, target)
                if kind == "pptx":
                    raw = _notes_last(raw, io.BytesIO(data) if data is not None else path)
                return raw, sheet_names, None
            if kind == "html":
                from docparse.unstructured_tables import SourceTables

                source_tables = SourceTables(path.read_bytes())
            return self._run(kind, {"filename": str(path)}), sheet_names, source_tables
        except ParseError:
            raise
        except ImportError as err:  # the optional office extra is missing (unstructured or one of its readers)
            raise UnsupportedFormatError(f"{info.source}: reading {kind.upper()} needs the office extra "
                                         f"(pip install 'docrag[office]'); missing module {err.name!r}") from None
        except Exception as err:  # unstructured, python-docx, lxml ... raise many types for unreadable input
            first = (str(err).splitlines() or [""])[0][:200]
            raise CorruptDocumentError(f"{info.source}: not a readable {kind.upper()} "
                                       f"({type(err).__name__}: {first})") from None

    @staticmethod
    def _run(kind: str, target: dict[str, Any]) -> list[Any]:
        if kind == "docx":
            from docparse.unstructured_pictures import register_picture_partitioners
            from unstructured.partition.docx import partition_docx

            register_picture_partitioners()
            return partition_docx(**target, include_page_breaks=True, infer_table_structure=True)
        if kind == "pptx":
            from docparse.unstructured_pictures import register_picture_partitioners
            from unstructured.partition.pptx import partition_pptx

            register_picture_partitioners()
            return partition_pptx(**target, include_slide_notes=True, infer_table_structure=True)
        if kind == "xlsx":
            from unstructured.partition.xlsx import partition_xlsx

            return partition_xlsx(**target, infer_table_structure=True)
        if kind == "html":
            from unstructured.partition.html import partition_html

            return partition_html(**target)
        from unstructured.partition.email import partition_email

        # attachments are listed and skipped in _email_lead: partitioning them would need every other format's
        # dependencies (PDF attachments fail with an ImportError warning) and mix their text into the mail's
        return partition_email(**target, process_attachments=False)

    @staticmethod
    def _email_lead(path: Path, info: DocumentInfo) -> tuple[str, list[Element]]:
        """The subject as the mail's TITLE and a header line (from, to, date) as TEXT; attachments logged."""
        from docparse.element import ElementKind, Provenance, element_id

        with open(path, "rb") as handle:
            message = email.message_from_binary_file(handle, policy=email.policy.default)
        for part in message.walk():
            name = part.get_filename()
            if name and part.is_attachment():
                logger.info("%s: attachment %s (%s) skipped; parse it as a file of its own", info.source, name,
                            part.get_content_type())
        provenance = Provenance(info.doc_id, info.source, 1, None)
        subject = " ".join(str(message.get("Subject", "") or "").split())
        header = "; ".join(f"{label}: {' '.join(str(message.get(label)).split())}"
                           for label in ("From", "To", "Cc", "Date") if message.get(label))
        out: list[Element] = []
        if subject:
            out.append(Element(id=element_id(info.doc_id, "title", 1, 0, subject), kind=ElementKind.TITLE,
                               text=subject, provenance=provenance))
        if header:
            out.append(Element(id=element_id(info.doc_id, "text", 1, -1, header), kind=ElementKind.TEXT,
                               text=header, provenance=provenance, section=(subject,) if subject else ()))
        return subject, out
