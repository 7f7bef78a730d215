"""Lines drawn as text blocks of their own are put back into paragraphs (docparse.line_blocks)."""
from __future__ import annotations

from docparse.line_blocks import merge_line_blocks


def _block(text: str, x0: float, y0: float, x1: float, size: float = 10.0) -> dict:
    line = {"bbox": (x0, y0, x1, y0 + size * 1.2),
            "spans": [{"text": text, "size": size, "bbox": (x0, y0, x1, y0 + size * 1.2)}]}
    return {"type": 0, "bbox": line["bbox"], "lines": [line]}


def _texts(blocks):
    return [" / ".join(s["text"] for line in b["lines"] for s in line["spans"]) for b in blocks]


def test_one_line_blocks_of_two_columns_become_their_paragraphs():
    blocks = [_block("보험약관 분쟁 시 금융감독원의 분쟁조정 절차를", 75, 100, 298),  # indented first line
              _block("거쳐, 혹은 법원소송을 통해 보험금 지급여부가 결정", 65, 118, 296),
              _block("되는데, 재해보험금 지급을 검토할 필요가 있다.", 65, 136, 250),  # short: the paragraph ends
              _block("우선 감독당국의 조속한 표준약관 개정작업이", 75, 154, 298),
              _block("진행되어야 할 필요가 있다고 판단된다.", 65, 172, 220),
              _block("보험사는 기후변화, 전염병 등과 같은 신종위험으로", 318, 100, 551),  # the right column
              _block("인한 사회적 손실이 증가하는 추세에 있다.", 318, 118, 500)]
    assert _texts(merge_line_blocks(blocks)) == [
        "보험약관 분쟁 시 금융감독원의 분쟁조정 절차를 / 거쳐, 혹은 법원소송을 통해 보험금 지급여부가 결정 / "
        "되는데, 재해보험금 지급을 검토할 필요가 있다.",
        "우선 감독당국의 조속한 표준약관 개정작업이 / 진행되어야 할 필요가 있다고 판단된다.",
        "보험사는 기후변화, 전염병 등과 같은 신종위험으로 / 인한 사회적 손실이 증가하는 추세에 있다."]


def test_items_sentence_ends_sizes_and_labels_stay_apart():
    blocks = [_block("The first item of the list runs to the end of", 65, 100, 298),
              _block("1. Open the watch buckle and airbag buckle.", 65, 118, 296),
              _block("This sentence ends at the end of the line.", 65, 136, 297),
              _block("Another sentence starts on the next line here", 65, 154, 298),
              _block("set larger as a heading would be set in text", 65, 172, 298, size=14.0),
              _block("Rick Scott", 65, 200, 120), _block("GOVERNOR", 65, 218, 118)]
    assert len(merge_line_blocks(blocks)) == len(blocks)


def test_pages_whose_blocks_hold_paragraphs_are_left_alone():
    two_lines = {"type": 0, "bbox": (65, 10, 298, 40),
                 "lines": _block("a", 65, 10, 298)["lines"] + _block("b", 65, 22, 298)["lines"]}
    blocks = [two_lines, dict(two_lines), _block("wrapped across a full line of the page col", 65, 100, 298),
              _block("umn and on", 65, 118, 120)]
    assert merge_line_blocks(blocks) == blocks
