from chat.ingest_report import FileFailure, IngestTally, expand_paths


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


def test_tally_freezes_into_contract():
    tally = IngestTally()
    tally.added.append("a.pdf")
    tally.failed.append(FileFailure("b.pdf", "b.pdf: corrupt"))
    tally.elements = 7
    out = tally.freeze(1.5).to_contract()
    assert out["added"] == ["a.pdf"] and out["failed"] == [{"source": "b.pdf", "error": "b.pdf: corrupt"}]
    assert set(out) >= {"added", "updated", "unchanged", "removed", "failed", "elements"}
    assert out["elements"] == 7
