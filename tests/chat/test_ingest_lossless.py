"""An ingest accounts for every entry of a folder: each is stored, or named in `failed` / `skipped` with a reason;
links keep their own names and do not lead the library out of the folder."""
import os

import pytest

pymupdf = pytest.importorskip("pymupdf")

from chat.library import Library  # noqa: E402
from tests.docparse.test_empty_parse import _bomb, _invalid_operators  # noqa: E402


def test_every_entry_is_stored_or_reported(tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "key.txt").write_text("The vault phrase is heliotrope seven.")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("The boiler room inspection is due in March.")
    (docs / "..%2F..%2Fevil.txt").write_text("An odd name that still holds the harbour schedule.")
    (docs / "alias.txt").symlink_to(docs / "notes.txt")
    (docs / "key-link.txt").symlink_to(outside / "key.txt")
    (docs / "loop.pdf").symlink_to(docs / "loop.pdf")
    os.mkfifo(docs / "pipe.pdf")
    _bomb(docs / "bomb.pdf")
    _invalid_operators(docs / "broken-ops.pdf")

    library = Library.open(tmp_path / "store", llm="extractive", image_search=False, ocr="off")
    report = library.add([docs])

    # alias.txt holds the same bytes as notes.txt: stored once, whichever name comes first
    assert set(report.added) | set(report.unchanged) == {"..%2F..%2Fevil.txt", "alias.txt", "notes.txt"}
    failed = {f.source: f.error for f in report.failed}
    assert "decompression bomb" in failed["bomb.pdf"] and "syntax error" in failed["broken-ops.pdf"]
    skipped = {s.source: s.error for s in report.skipped}
    assert "links outside" in skipped["key-link.txt"] and "--follow-links" in skipped["key-link.txt"]
    assert "link loop" in skipped["loop.pdf"] and "not a regular file (a FIFO)" in skipped["pipe.pdf"]
    assert not library.search("vault phrase heliotrope", k=3) or all(
        h.element.source != "key.txt" for h in library.search("vault phrase heliotrope", k=3))

    followed = library.add([docs], follow_links=True)
    assert followed.added == ("key-link.txt",)  # stored under the link's own name, not "key.txt"
    record = next(r for r in library.documents() if r.source == "key-link.txt")
    assert record.path == str(docs.resolve() / "key-link.txt")
