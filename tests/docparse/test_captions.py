from docparse.captions import caption_kind, is_caption, link_captions


def test_caption_patterns_english_and_korean():
    for text in ("Figure 3 A plot", "Fig. 3: x", "Figure 7-27. Rivets", "Table 2 Revenue", "TABLE 4", "Chart 1",
                 "Exhibit 12", "[표 1] 감염병 분류", "<표 1> 분류", "표 1 분류", "[그림 1] 구조", "그림 1 구조"):
        assert is_caption(text), text
    for text in ("Table of contents", "The figure shows", "표준 절차", "Figures are rounded", "그림자"):
        assert not is_caption(text), text
    assert caption_kind("[표 2] x") == "table"
    assert caption_kind("Fig. 2") == "figure"
    assert caption_kind("Exhibit 2") == "any"


def test_link_nearest_matching_kind_within_gap():
    table = ((100, 200, 400, 300), "table")
    figure = ((100, 400, 400, 600), "figure")
    candidates = [((100, 180, 300, 192), "Table 1: Revenue"),       # above the table
                  ((100, 610, 300, 622), "Figure 1: Plant"),        # below the figure
                  ((100, 310, 300, 322), "Figure 9: wrong kind"),   # near the table but names a figure
                  ((100, 700, 300, 712), "Figure 5: too far")]
    links = link_captions([table, figure], candidates)
    assert links == {0: 0, 1: 1}


def test_no_link_without_horizontal_overlap_or_beyond_gap():
    target = [((100, 200, 200, 300), "figure")]
    assert link_captions(target, [((300, 305, 400, 315), "Figure 1")]) == {}
    assert link_captions(target, [((100, 380, 200, 390), "Figure 1")]) == {}
    assert link_captions(target, [((100, 305, 200, 315), "Not a caption")]) == {}
