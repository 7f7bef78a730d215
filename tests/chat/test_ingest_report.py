import os
import socket


from chat.file_discovery import expand_paths
from retrieval.ingest_report import FileFailure, IngestTally


def test_expand_paths_walks_folders_and_skips_unsupported(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "sub" / "b.md").write_text("# hi")
    (tmp_path / "c.xyz").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "d.pdf").write_bytes(b"%PDF-1.4")
    files, skipped = expand_paths([tmp_path, tmp_path / "a.pdf", tmp_path / "missing.pdf"])
    assert [f.name for f in files] == ["a.pdf", "b.md"]
    reasons = {s.source: s.error for s in skipped}
    assert "unsupported file type '.xyz'" in reasons["c.xyz"]
    assert "no such file" in reasons["missing.pdf"]
    assert "hidden" in reasons[".hidden"]


def _reasons(skipped):
    return {s.source: s.error for s in skipped}


def test_special_files_are_skipped_with_a_reason_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdf")  # opening it would block the ingest for ever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock.txt"))
        files, skipped = expand_paths([tmp_path])
    reasons = _reasons(skipped)
    assert files == []
    assert "not a regular file (a FIFO)" in reasons["pipe.pdf"]
    assert "not a regular file (a socket)" in reasons["sock.txt"]
    _, skipped = expand_paths([tmp_path / "pipe.pdf"])
    assert "a FIFO" in skipped[0].error


def test_link_loops_are_reported(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "a.txt").write_text("alpha")
    (docs / "sub" / "up").symlink_to(docs)  # a folder link back up the tree
    (docs / "self.pdf").symlink_to(docs / "self.pdf")  # a link to itself
    files, skipped = expand_paths([docs])
    reasons = _reasons(skipped)
    assert [f.name for f in files] == ["a.txt"]
    assert "link loop" in reasons["up"] and "link loop" in reasons["self.pdf"]


def test_odd_names_are_ingested_under_their_literal_names(tmp_path):
    names = ["..%2F..%2Fevil.pdf", "...three dots.txt", "new\nline.txt", "사업 보고서.txt", "space name .md"]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / ".secret.txt").write_text("x")
    files, skipped = expand_paths([tmp_path])
    assert sorted(f.name for f in files) == sorted(names)
    assert [s.source for s in skipped] == [".secret.txt"]


def test_links_leaving_the_folder_are_skipped_unless_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    (outside / "more").mkdir()
    (outside / "more" / "b.txt").write_text("more")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "own.txt").write_text("own")
    (docs / "alias.txt").symlink_to(docs / "own.txt")  # stays inside: kept, under its own name
    (docs / "key.txt").symlink_to(outside / "secret.txt")
    (docs / "folder").symlink_to(outside / "more")
    files, skipped = expand_paths([docs])
    reasons = _reasons(skipped)
    assert sorted(f.name for f in files) == ["alias.txt", "own.txt"]
    assert files[0] == docs.resolve() / "alias.txt"  # the link's own path, not its target's
    assert f"links outside {docs.resolve()}" in reasons["key.txt"] and "--follow-links" in reasons["key.txt"]
    assert "links outside" in reasons["folder"]
    files, skipped = expand_paths([docs], follow_links=True)
    assert sorted(f.name for f in files) == ["alias.txt", "b.txt", "key.txt", "own.txt"]
    assert skipped == []


def test_a_linked_file_named_on_the_command_line_keeps_its_name(tmp_path):
    (tmp_path / "target.txt").write_text("x")
    (tmp_path / "link.txt").symlink_to(tmp_path / "target.txt")
    files, _ = expand_paths([tmp_path / "link.txt"])
    assert [f.name for f in files] == ["link.txt"]


def test_tally_freezes_into_contract():
    tally = IngestTally()
    tally.added.append("a.pdf")
    tally.failed.append(FileFailure("b.pdf", "b.pdf: corrupt"))
    tally.elements = 7
    out = tally.freeze(1.5).to_contract()
    assert out["added"] == ["a.pdf"] and out["failed"] == [{"source": "b.pdf", "error": "b.pdf: corrupt"}]
    assert set(out) >= {"added", "updated", "unchanged", "removed", "failed", "elements"}
    assert out["elements"] == 7
