import re

from docparse.scripts import CJK, HANGUL, HANGUL_SYLLABLES, is_han_or_kana, is_hangul


def test_hangul_covers_syllables_and_jamo_but_not_han():
    for ch in "가힣ㄱㅏ\u1100":
        assert is_hangul(ch), ch
    for ch in "漢かカa1":
        assert not is_hangul(ch), ch


def test_han_and_kana_exclude_hangul_and_latin():
    for ch in "漢かカ\uf900":
        assert is_han_or_kana(ch), ch
    for ch in "가ㄱa":
        assert not is_han_or_kana(ch), ch


def test_fragments_combine_into_patterns():
    assert re.fullmatch(f"[{CJK}]+", "매출漢かな")
    assert not re.search(f"[{CJK}]", "sales 2023")
    assert re.fullmatch(f"[{HANGUL}]+", "ㄱ가") and not re.fullmatch(f"[{HANGUL_SYLLABLES}]+", "ㄱ가")
