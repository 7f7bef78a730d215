"""Citation lines for HWP/HWPX evidence name the section and paragraph (the page where Hancom's layout gives one)."""
from __future__ import annotations

from pathlib import Path

from chat.answer import Answer, Citation
from chat.render import format_sources
from docparse import ElementKind, parse_document
from tests.docparse.hwp5_builders import PASSWORD, make_hwp5
from tests.docparse.hwp_builders import make_hwpx, real_sample


def _answer(*elements) -> Answer:
    citations = tuple(Citation(f"S{i}", e) for i, e in enumerate(elements, start=1))
    return Answer(question="q", text="", citations=citations, hits=(), model="none", mode="extractive")


def test_sources_cite_section_and_paragraph(tmp_path: Path):
    built = next(e for e in parse_document(make_hwpx(tmp_path / "report.hwpx")).elements
                 if e.kind is ElementKind.TABLE)
    position = dict(built.metadata)["position"]
    lines = format_sources(_answer(built)).splitlines()
    assert lines[0] == f"  [S1] report.hwpx, {position}, table (box {position})"


def test_sources_cite_the_page_of_a_hancom_file():
    real = next(e for e in parse_document(real_sample("noori.hwp")).elements if e.kind is ElementKind.TABLE)
    lines = format_sources(_answer(real)).splitlines()
    assert lines[0] == "  [S1] noori.hwp, page 1, table (box section 1, paragraph 2)"


def test_folder_of_hwp_files_ingested_and_answered_with_citations(tmp_path: Path):
    from chat.library import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    import shutil

    make_hwp5(folder / "locked.hwp", PASSWORD)
    shutil.copy(make_hwpx(tmp_path / "report.hwpx"), folder / "report.hwpx")  # built beside its picture file
    library = Library.open(tmp_path / "store", llm="extractive", image_search=False)
    report = library.add([folder])
    assert list(report.added) == ["report.hwpx"]
    (failure,) = report.failed
    assert "locked.hwp: password-protected HWP document" in str(failure)
    answer = library.ask("2025년 매출은 얼마인가?")
    assert "20" in answer.text
    assert any(c.element.source == "report.hwpx" for c in answer.citations)


def test_real_hancom_files_ingested_and_answered_with_citations(tmp_path: Path):
    import shutil

    from chat.library import Library

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("noori.hwp", "hwpxlib-SimpleTable.hwpx"):
        shutil.copy(real_sample(name), folder / name)
    library = Library.open(tmp_path / "store", llm="extractive", image_search=False)
    report = library.add([folder])
    assert sorted(report.added) == ["hwpxlib-SimpleTable.hwpx", "noori.hwp"] and not report.failed
    answer = library.ask("한국형발사체의 새로운 명칭은 무엇으로 결정되었나?")
    assert "누리" in answer.text
    cited = [c.element for c in answer.citations]
    assert any(e.source == "noori.hwp" and e.page in (1, 2) for e in cited)
