"""Opening Hancom word-processor files: HWP 5.x (binary, an OLE compound file) and HWPX (OWPML, XML in a zip).

Both are read through hwpforge (a Rust library with Python bindings): an HWP 5.x file is first converted to HWPX
by `hwpforge.convert_hwp5`, so one document model (hwpforge's JSON projection of OWPML, `format_version` 2) serves
both formats, and the pictures of either come from the HWPX package's BinData/ entries.

Files hwpforge cannot or must not read are refused here, each with a one-line reason naming the file:
- HWP 5.x: not an OLE compound file, truncated or damaged streams, a missing FileHeader, HWP 3.x files (another
  format entirely), password-protected documents (FileHeader flag bit 1) and distribution documents
  (배포용 문서, flag bit 2: their text sits encrypted in ViewText/ for viewing only).
- HWPX: not a zip, no section part, an encrypted package (META-INF/manifest.xml declares encryption), or a
  package that would inflate past MAX_UNPACKED_BYTES (a zip bomb).
"""
from __future__ import annotations

import io
import json
import logging
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docparse.errors import CorruptDocumentError, DocumentTooLargeError, EncryptedDocumentError, ParseError

logger = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 2 << 30  # an HWPX package inflating past 2 GiB is refused as a possible zip bomb
MODEL_FORMAT_VERSION = 2  # the hwpforge JSON layout this reader walks (checked: a new layout fails loudly)

_HWP5_SIGNATURE = b"HWP Document File"
_HWP3_SIGNATURE = b"HWP Document File V"  # HWP 3.x: "HWP Document File V3.00", no OLE container
_FLAG_PASSWORD = 1 << 1
_FLAG_DISTRIBUTION = 1 << 2
_FLAG_DRM = 1 << 4


@dataclass(frozen=True)
class HwpPackage:
    """A readable HWP/HWPX document: hwpforge's model (`document` and `styles` of its JSON projection) and the
    HWPX package bytes its pictures are read from. `format` is "hwp" or "hwpx"."""

    format: str
    document: dict[str, Any]
    styles: dict[str, Any]
    package: bytes = field(repr=False)

    def picture(self, path: str) -> bytes | None:
        """The bytes of a picture the model names ("BinData/image1" or "BinData/BIN0002": the package entry may
        carry an extension the model leaves off); None when the package has no such entry or it is damaged."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.package)) as archive:
                names = archive.namelist()
                match = path if path in names else next((n for n in names if n.rsplit(".", 1)[0] == path), None)
                return archive.read(match) if match else None
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as err:
            logger.warning("picture %s unreadable (%s)", path, err)
            return None


def load_package(path: Path) -> HwpPackage:
    """Read an .hwp or .hwpx file into an `HwpPackage`; raises a `ParseError` subclass naming the file."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise CorruptDocumentError(f"{name}: file not found")
    data = path.read_bytes()
    if not data:
        raise CorruptDocumentError(f"{name}: empty file")
    fmt = "hwpx" if zipfile.is_zipfile(io.BytesIO(data)) else "hwp"
    if fmt == "hwpx":
        _check_hwpx(data, name)
    else:
        _check_hwp5(data, name)
    try:
        import hwpforge  # noqa: F401 - lazy: a 16 MB native module, needed only for these files
    except ImportError as err:
        raise ParseError(f"{name}: HWP/HWPX files need the hwpforge package, a docrag dependency that is not "
                         f"installed here ({err}); reinstall docrag (make install, or pip install -e .)") from None
    try:
        model, package = _read_model(data, fmt)
    except BaseException as err:  # noqa: B902 - a Rust panic arrives as pyo3's PanicException (a BaseException)
        if isinstance(err, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        reason = _first_line(err)
        if fmt == "hwp" and "password" in reason.lower():
            raise EncryptedDocumentError(f"{name}: password-protected HWP document (decryption is not "
                                         "supported)") from None
        kind = "HWPX" if fmt == "hwpx" else "HWP 5"
        raise CorruptDocumentError(f"{name}: not a readable {kind} document ({reason})") from None
    if model.get("format_version") != MODEL_FORMAT_VERSION:
        raise ParseError(f"{name}: hwpforge wrote document model version {model.get('format_version')!r}; this "
                         f"reader walks version {MODEL_FORMAT_VERSION} (install the hwpforge version pinned in "
                         "pyproject.toml)")
    return HwpPackage(format=fmt, document=model.get("document") or {}, styles=model.get("styles") or {},
                      package=package)


def _read_model(data: bytes, fmt: str) -> tuple[dict[str, Any], bytes]:
    """hwpforge's JSON model of the document and its HWPX package bytes (an HWP 5 file converted first)."""
    import hwpforge

    document = hwpforge.Document.from_bytes(data) if fmt == "hwpx" else hwpforge.convert_hwp5(data).document
    return json.loads(document.to_json(styles=True).text), document.to_bytes()


def _check_hwp5(data: bytes, name: str) -> None:
    """Refuse what is not a readable HWP 5.x file, before hwpforge sees it."""
    import olefile

    if data.startswith(_HWP3_SIGNATURE):
        raise CorruptDocumentError(f"{name}: HWP 3.x document (only HWP 5.x and HWPX are read; Hancom Office can "
                                   "save it as HWPX)")
    if not olefile.isOleFile(io.BytesIO(data)):
        raise CorruptDocumentError(f"{name}: not an HWP 5 document (no OLE compound file header)")
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("FileHeader"):
                raise CorruptDocumentError(f"{name}: not an HWP 5 document (no FileHeader stream)")
            header = ole.openstream("FileHeader").read()
            has_body = ole.exists("BodyText/Section0") or ole.exists("ViewText/Section0")
    except ParseError:
        raise
    except Exception as err:  # olefile reports truncation and damaged sector chains as assorted errors
        raise CorruptDocumentError(f"{name}: truncated or damaged HWP file ({type(err).__name__}: {err})") from None
    if not header.startswith(_HWP5_SIGNATURE) or len(header) < 40:
        raise CorruptDocumentError(f"{name}: not an HWP 5 document (FileHeader signature missing)")
    flags = int.from_bytes(header[36:40], "little")
    if flags & _FLAG_PASSWORD:
        raise EncryptedDocumentError(f"{name}: password-protected HWP document (decryption is not supported)")
    if flags & _FLAG_DISTRIBUTION:
        raise EncryptedDocumentError(f"{name}: distribution-protected HWP document (배포용 문서: its text is "
                                     "encrypted for viewing only and cannot be extracted)")
    if flags & _FLAG_DRM:
        raise EncryptedDocumentError(f"{name}: DRM-protected HWP document")
    if not has_body:
        raise CorruptDocumentError(f"{name}: HWP document without a body section (BodyText/Section0 missing)")


def _check_hwpx(data: bytes, name: str) -> None:
    """Refuse zips that are no readable HWPX package, before hwpforge inflates them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            manifest = archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as err:
        raise CorruptDocumentError(f"{name}: truncated or damaged HWPX package ({err})") from None
    if not any(n.startswith("Contents/section") and n.endswith(".xml") for n in names):
        raise CorruptDocumentError(f"{name}: not an HWPX document (no Contents/section*.xml in the zip)")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentTooLargeError(f"{name}: HWPX package inflates to {unpacked:,} bytes, over the limit of "
                                    f"{MAX_UNPACKED_BYTES:,} (refused as a possible zip bomb)")
    if b"encryption-data" in manifest:
        raise EncryptedDocumentError(f"{name}: encrypted HWPX document (password or distribution protection)")


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]
