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
