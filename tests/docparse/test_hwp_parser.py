"""HWP 5.x and HWPX reading: text, headings, tables with merged cells, pictures, positions, and bad files.

Real Hancom-made files are read from the shared samples folder (tests/docparse/hwp_builders.py; those tests
skip where it is absent); the HWPX with headings, captions and a merged header cell and the protected or broken
HWP 5 containers are built in code (tests/docparse/hwp_builders.py, hwp5_builders.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from docparse import ElementKind, ParseOptions, parse_document, supported_extensions
from docparse.errors import CorruptDocumentError, EncryptedDocumentError
from tests.docparse.hwp5_builders import DISTRIBUTION, DRM, PASSWORD, make_hwp5
from tests.docparse.hwp_builders import (make_encrypted_hwpx, make_hwpx, make_not_hwpx_zip, make_truncated,
                                         real_sample)


def _of(doc, kind: ElementKind):
    return [e for e in doc.elements if e.kind is kind]


def test_hwp_and_hwpx_are_supported_types():
    assert ".hwp" in supported_extensions() and ".hwpx" in supported_extensions()


def test_built_hwpx_headings_text_merged_table_and_captioned_picture(tmp_path: Path):
    doc = parse_document(make_hwpx(tmp_path / "report.hwpx"), ParseOptions(assets_dir=tmp_path / "assets"))
    assert doc.info.format == "hwpx"
    titles = _of(doc, ElementKind.TITLE)
    assert [t.text for t in titles] == ["제1장 사업 개요", "1.1 실적"]
    assert titles[1].section == ("제1장 사업 개요",)  # outline level 2 nests under level 1
    text = _of(doc, ElementKind.TEXT)
    assert any("글로벌 수출 확대" in e.text for e in text)
    (table,) = _of(doc, ElementKind.TABLE)
    # the merged header cell keeps its text in its first slot; the slot it also covers is empty
    assert table.cells == (("구분", "연도", ""), ("매출", "10", "20"), ("이익", "3", "4"))
    assert table.caption == "표 1 실적" and table.text.startswith("표 1 실적\n\n| 구분 | 연도 |")
    assert table.section == ("제1장 사업 개요", "1.1 실적")
    (figure,) = _of(doc, ElementKind.FIGURE)
    assert figure.caption == "그림 1 매출 추이" and "그림 1 매출 추이" in figure.text
    with Image.open(figure.image) as crop:
        assert crop.size == (200, 120)
    # a library-written file has no saved layout: the page is the section, and the contract says so
    meta = dict(table.metadata)
    assert meta["page_source"] == "section" and table.page == 1
    assert meta["position"].startswith("section 1, paragraph ")
    contract = table.to_contract()
    assert contract["html"].startswith("<table><tr><th>구분</th><th>연도</th>")
    assert contract["position"] == meta["position"] and contract["page_source"] == "section"
    assert contract["bbox"] is None


def test_real_hwp5_press_release_text_tables_figures_and_pages(tmp_path: Path):
    doc = parse_document(real_sample("noori.hwp"), ParseOptions(assets_dir=tmp_path))
    assert doc.info.format == "hwp" and doc.info.pages == 3
    body = " ".join(e.text for e in _of(doc, ElementKind.TEXT))
    assert "한국형발사체의 새로운 명칭은 ‘누리’로 결정되었으며" in body
    tables = _of(doc, ElementKind.TABLE)
    first = tables[0].cells
    # "보도일시" row: its date spans the three columns to the right
    assert first[0] == ("보도일시", "2018. 9. 4.(화) 조간(온라인 9. 3. 12:00)부터 보도해 주시기 바랍니다.", "", "")
    assert first[1] == ("배포일시", "2018. 9. 3.(월) 09:00", "담당부서", "거대공공연구정책과")
    compare = next(t for t in tables if t.cells[0][0] == "구 분")
    assert compare.cells[0] == ("구 분", "한국형발사체(누리호)", "시험발사체") and compare.page == 3
    figures = _of(doc, ElementKind.FIGURE)
    assert len(figures) >= 3 and all(Path(f.image).is_file() for f in figures)
    assert {dict(e.metadata)["page_source"] for e in doc.elements} == {"layout"}
    assert [e.page for e in doc.elements] == sorted(e.page for e in doc.elements)


def test_real_hwp5_heading_and_second_page():
    doc = parse_document(real_sample("sample-5017.hwp"))
    assert [t.text for t in _of(doc, ElementKind.TITLE)] == ["한글 2005 예제 파일입니다."]
    assert _of(doc, ElementKind.TABLE)[0].cells == (("A0", "B0"), ("A1", "B10 B11"))
    last = _of(doc, ElementKind.TEXT)[-1]
    assert last.text == "다음 페이지" and last.page == 2 and doc.info.pages == 2


def test_real_hancom_hwpx_merged_cells():
    doc = parse_document(real_sample("hwpxlib-SimpleTable.hwpx"))
    (table,) = _of(doc, ElementKind.TABLE)
    # "1" spans 2x2, "4" spans two columns
    assert table.cells == (("1", "", "2"), ("", "", "3"), ("5", "4", ""))
    assert dict(table.metadata)["position"] == "section 1, paragraph 1"


@pytest.mark.parametrize("flags, words", [
    (PASSWORD, "password-protected"),
    (DISTRIBUTION, "배포용"),
    (DRM, "DRM-protected"),
])
def test_protected_hwp_refused_by_name(tmp_path: Path, flags, words):
    path = make_hwp5(tmp_path / "locked.hwp", flags)
    with pytest.raises(EncryptedDocumentError) as caught:
        parse_document(path)
    message = str(caught.value)
    assert message.startswith("locked.hwp: ") and words in message and "\n" not in message


def test_hwp5_without_body_is_corrupt(tmp_path: Path):
    with pytest.raises(CorruptDocumentError, match=r"^bodiless\.hwp: .*BodyText"):
        parse_document(make_hwp5(tmp_path / "bodiless.hwp", body=False))


def test_truncated_and_mislabelled_files_are_corrupt(tmp_path: Path):
    cases = [make_truncated(make_hwp5(tmp_path / "whole.hwp"), tmp_path / "cut.hwp"),
             make_truncated(make_hwpx(tmp_path / "whole.hwpx"), tmp_path / "cut.hwpx"),
             make_not_hwpx_zip(tmp_path / "other.hwpx")]
    (tmp_path / "text.hwp").write_text("plain text, not HWP")
    (tmp_path / "empty.hwpx").write_bytes(b"")
    cases += [tmp_path / "text.hwp", tmp_path / "empty.hwpx"]
    for path in cases:
        with pytest.raises(CorruptDocumentError) as caught:
            parse_document(path)
        assert str(caught.value).startswith(f"{path.name}: "), str(caught.value)


def test_encrypted_hwpx_refused(tmp_path: Path):
    path = make_encrypted_hwpx(make_hwpx(tmp_path / "open.hwpx"), tmp_path / "locked.hwpx")
    with pytest.raises(EncryptedDocumentError, match=r"^locked\.hwpx: encrypted HWPX"):
        parse_document(path)



def test_citation_place_names_section_and_paragraph_where_pages_are_unknown(tmp_path: Path):
    built = parse_document(make_hwpx(tmp_path / "report.hwpx"))
    (table,) = _of(built, ElementKind.TABLE)
    position = dict(table.metadata)["position"]
    assert table.place == position and table.box_text == position  # no layout saved: no page to cite
    real = _of(parse_document(real_sample("noori.hwp")), ElementKind.TABLE)[0]
    assert real.place == "page 1" and real.box_text == "section 1, paragraph 2"


def test_caption_paragraphs_next_to_tables_and_pictures_become_their_captions():
    from docparse.hwp_blocks import HwpBlock, attach_captions

    where = dict(section=1, page=1, page_source="layout")
    blocks = [HwpBlock("text", "[표 3] 지역별 현황", paragraph=1, **where),
              HwpBlock("table", "", paragraph=2, cells=(("서울", "1"),), **where),
              HwpBlock("figure", "", paragraph=3, picture="BinData/image1", **where),
              HwpBlock("text", "<그림 2> 추진 체계", paragraph=4, **where),
              HwpBlock("text", "표 4는 다음 쪽에 있다.", paragraph=5, **where)]
    table, figure, body = attach_captions(blocks)
    assert table.caption == "[표 3] 지역별 현황"
    assert figure.caption == "<그림 2> 추진 체계" and figure.text == "<그림 2> 추진 체계"
    assert body.text == "표 4는 다음 쪽에 있다."


def test_hwpx_with_damaged_compressed_part_is_corrupt(tmp_path: Path):
    import zipfile

    path = tmp_path / "damaged.hwpx"
    with zipfile.ZipFile(make_hwpx(tmp_path / "whole.hwpx")) as original, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, original.read(info.filename))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("META-INF/manifest.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 2, start + min(info.compress_size, 40)):
        data[offset] ^= 0x5A  # scramble the deflate stream; the zip directory stays intact
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptDocumentError, match=r"^damaged\.hwpx: "):
        parse_document(path)


def test_hyperlink_text_and_nested_table_caption_are_kept():
    from docparse.hwp_blocks import iter_blocks

    def para(*contents):
        return {"runs": [{"content": c, "char_shape_id": 0} for c in contents], "para_shape_id": 0}

    inner = {"rows": [{"cells": [{"paragraphs": [para({"Text": "내부 셀"})], "addr": {"row": 0, "col": 0}}]}],
             "caption": {"paragraphs": [para({"Text": "[표 2] 내부 표"})]}}
    outer = {"rows": [{"cells": [{"paragraphs": [para({"Table": inner})], "addr": {"row": 0, "col": 0}},
                                 {"paragraphs": [para({"Text": "옆 셀"})], "addr": {"row": 0, "col": 1}}]}]}
    document = {"sections": [{"paragraphs": [
        para({"Text": "글꼴 "}, {"Control": {"Hyperlink": {"text": "설치하기", "url": "http://127.0.0.1/"}}}),
        para({"Table": outer})]}]}
    text, table = list(iter_blocks(document, {}))
    assert text.text == "글꼴 설치하기"
    assert table.cells == (("[표 2] 내부 표 내부 셀", "옆 셀"),)


def test_bold_numbered_head_at_body_size_opens_a_section():
    from docparse.hwp_blocks import iter_blocks

    def para(text, shape):
        return {"runs": [{"content": {"Text": text}, "char_shape_id": shape}], "para_shape_id": 0}

    styles = {"char_shapes": [{"height": 1000, "bold": False}, {"height": 1000, "bold": True}]}
    body = "일상 속 자주 사용하지 않는 한자어를 알기 쉬운 용어로 순화하고 첨부자료의 종류를 명확히 안내한다."
    document = {"sections": [{"paragraphs": [para("1. 개정이유", 1), para(body, 0), para(body, 0),
                                             para("굵게 쓴 문장도 있다.", 1)]}]}
    kinds = [(b.kind, b.text[:8].strip()) for b in iter_blocks(document, styles)]
    assert kinds == [("heading", "1. 개정이유"), ("text", body[:8].strip()), ("text", body[:8].strip()), ("text", "굵게 쓴 문장도")]
