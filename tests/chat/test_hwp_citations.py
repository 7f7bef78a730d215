"""Citation lines for HWP/HWPX evidence name the section and paragraph (the page where Hancom's layout gives one)."""
from __future__ import annotations

from pathlib import Path

from chat.answer import Answer, Citation
from chat.render import format_sources
from docparse import ElementKind, parse_document
from tests.docparse.hwp_builders import SAMPLES, make_hwpx


def _answer(*elements) -> Answer:
    citations = tuple(Citation(f"S{i}", e) for i, e in enumerate(elements, start=1))
    return Answer(question="q", text="", citations=citations, hits=(), model="none", mode="extractive")


def test_sources_cite_section_and_paragraph(tmp_path: Path):
    built = next(e for e in parse_document(make_hwpx(tmp_path / "report.hwpx")).elements
                 if e.kind is ElementKind.TABLE)
    real = next(e for e in parse_document(SAMPLES / "noori.hwp").elements if e.kind is ElementKind.TABLE)
    position = dict(built.metadata)["position"]
    lines = format_sources(_answer(built, real)).splitlines()
    assert lines[0] == f"  [S1] report.hwpx, {position}, table (box {position})"
    assert lines[1] == "  [S2] noori.hwp, page 1, table (box section 1, paragraph 2)"


def test_folder_of_hwp_files_ingested_and_answered_with_citations(tmp_path: Path):
    import shutil

    from chat.library import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("noori.hwp", "password-12345.hwp", "hwpxlib-SimpleTable.hwpx"):
        shutil.copy(SAMPLES / name, folder / name)
    shutil.copy(make_hwpx(tmp_path / "report.hwpx"), folder / "report.hwpx")
    library = Library.open(tmp_path / "store", llm="extractive", image_search=False)
    report = library.add([folder])
    assert sorted(report.added) == ["hwpxlib-SimpleTable.hwpx", "noori.hwp", "report.hwpx"]
    (failure,) = report.failed
    assert "password-12345.hwp: password-protected HWP document" in str(failure)
    answer = library.ask("한국형발사체의 새로운 명칭은 무엇으로 결정되었나?")
    assert "누리" in answer.text
    cited = [c.element for c in answer.citations]
    assert any(e.source == "noori.hwp" and e.page in (1, 2) for e in cited)
