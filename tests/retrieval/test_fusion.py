"""Reciprocal-rank fusion: dedupe across routes, weights, the table/figure slots, and the settings value."""
from __future__ import annotations

import pytest

from retrieval.fusion import fuse, lead_with_kinds
from retrieval.search_settings import SearchSettings, parse_routes

PLAIN = SearchSettings(visual_every=0)


def test_element_found_by_both_routes_is_one_entry_naming_both() -> None:
    fused = fuse({"dense": ["a", "b"], "lexical": ["b", "c"]}, {}, 10, PLAIN)
    assert [f.element_id for f in fused] == ["b", "a", "c"]
    assert fused[0].routes == ("dense", "lexical")
    assert fused[1].routes == ("dense",) and fused[2].routes == ("lexical",)
    assert fused[0].score == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1].score == pytest.approx(1 / 61)


def test_weights_and_routes_follow_settings() -> None:
    lexical_heavy = SearchSettings(routes=(("dense", 0.5), ("lexical", 2.0)), visual_every=0)
    fused = fuse({"dense": ["a"], "lexical": ["c"]}, {}, 10, lexical_heavy)
    assert [f.element_id for f in fused] == ["c", "a"]
    dense_only = SearchSettings(routes=(("dense", 1.0),), visual_every=0)
    assert [f.element_id for f in fuse({"dense": ["a"], "lexical": ["c"]}, {}, 10, dense_only)] == ["a"]


def test_ties_go_to_the_better_single_rank_then_id() -> None:
    fused = fuse({"dense": ["x", "y"], "lexical": ["y", "x"]}, {}, 10, PLAIN)
    assert [f.element_id for f in fused] == ["x", "y"]  # equal sums, both best rank 1: by id


def test_k_limits_and_zero() -> None:
    ranked = {"dense": [f"e{i}" for i in range(20)]}
    assert len(fuse(ranked, {}, 5, PLAIN)) == 5
    assert fuse(ranked, {}, 0, PLAIN) == []


def _texts_then_table(table_rank: int, lexical_too: bool = False) -> tuple[dict[str, list[str]], dict[str, str]]:
    ids = [f"t{i}" for i in range(1, 30)]
    ids.insert(table_rank - 1, "tab")
    kinds = {e: "text" for e in ids}
    kinds["tab"] = "table"
    return {"dense": ids, "lexical": ids if lexical_too else [e for e in ids if e != "tab"]}, kinds


def test_visual_slot_lifts_a_table_ranked_within_2k() -> None:
    ranked, kinds = _texts_then_table(table_rank=12)
    plain = [f.element_id for f in fuse(ranked, kinds, 10, PLAIN)]
    assert "tab" not in plain
    slotted = [f.element_id for f in fuse(ranked, kinds, 10, SearchSettings(visual_every=5))]
    assert slotted.index("tab") == 4  # position 5: the first slot
    assert len(slotted) == 10 and len(set(slotted)) == 10


def test_visual_slot_ignores_tables_ranked_beyond_2k() -> None:
    ranked, kinds = _texts_then_table(table_rank=25)
    assert "tab" not in [f.element_id for f in fuse(ranked, kinds, 10, SearchSettings(visual_every=5))]


def test_visual_slot_leaves_lists_that_already_hold_tables() -> None:
    ranked, kinds = _texts_then_table(table_rank=2, lexical_too=True)
    settings = SearchSettings(visual_every=5)
    assert [f.element_id for f in fuse(ranked, kinds, 10, settings)] == \
        [f.element_id for f in fuse(ranked, kinds, 10, PLAIN)]
    assert [f.element_id for f in fuse(ranked, kinds, 10, settings)][1] == "tab"


def test_settings_validate_with_choices() -> None:
    with pytest.raises(ValueError, match="dense"):
        SearchSettings(routes=(("colour", 1.0),))
    with pytest.raises(ValueError, match="positive"):
        SearchSettings(routes=(("dense", 0.0),))
    with pytest.raises(ValueError, match="depth"):
        SearchSettings(depth=0)


def test_route_specs() -> None:
    assert parse_routes("lexical:2, dense") == (("lexical", 2.0), ("dense", 1.0))
    with pytest.raises(ValueError, match="dense:1"):
        parse_routes("dense:x")
    with pytest.raises(ValueError, match="visual_every >= 0"):
        SearchSettings(visual_every=-1)


def test_page_crowding_lets_other_pages_ahead_of_a_pages_second_hit() -> None:
    ranked = {"dense": ["a1", "a2", "a3", "b1", "c1"]}
    pages = {"a1": ("d", 1), "a2": ("d", 1), "a3": ("d", 1), "b1": ("d", 2), "c1": ("e", 1)}
    crowded = fuse(ranked, {}, 5, SearchSettings(per_page=1), pages)
    # a2 and a3 wait behind page 2 of their own document, not behind document e's weaker page
    assert [f.element_id for f in crowded] == ["a1", "b1", "a2", "a3", "c1"]
    two = fuse(ranked, {}, 5, SearchSettings(per_page=2), pages)
    assert [f.element_id for f in two] == ["a1", "a2", "b1", "a3", "c1"]
    off = fuse(ranked, {}, 5, SearchSettings(per_page=0), pages)
    assert [f.element_id for f in off] == ranked["dense"]
    assert [f.element_id for f in fuse(ranked, {}, 5, SearchSettings(per_page=1))] == ranked["dense"]  # no pages


def test_per_page_setting() -> None:
    assert SearchSettings().per_page == 1
    with pytest.raises(ValueError, match="per_page"):
        SearchSettings(per_page=-1)


def test_named_kind_speaks_for_its_page_without_moving_pages() -> None:
    ranked = {"dense": ["a_text", "b_text", "a_table", "b_fig"]}
    pages = {"a_text": 1, "a_table": 1, "b_text": 2, "b_fig": 2}
    kinds = {"a_text": "text", "a_table": "table", "b_text": "text", "b_fig": "figure"}
    plain = fuse(ranked, kinds, 2, SearchSettings(per_page=1, visual_every=0), pages)
    assert [f.element_id for f in plain] == ["a_text", "b_text"]
    asked = fuse(ranked, kinds, 4, SearchSettings(per_page=1, visual_every=0), pages, named_kinds={"table"})
    assert [f.element_id for f in asked] == ["a_table", "b_text", "a_text", "b_fig"]  # page 1 still first
    assert lead_with_kinds(["x", "y"], {"x": 1, "y": 1}, {"x": "text", "y": "text"}, {"table"}) == ["x", "y"]
