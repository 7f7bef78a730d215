"""Lexical terms: numbers as tables write them, English stemming and stop-words, Korean, punctuation."""
from __future__ import annotations

import pytest

from retrieval.tokenize import (DEFAULT_KOREAN, KOREAN_ANALYZERS, LexicalTokenizer, char_bigrams,
                                has_searchable_text, normalize_number)


@pytest.fixture(scope="module")
def tok() -> LexicalTokenizer:
    return LexicalTokenizer(korean="bigram")  # Korean terms without loading Kiwi (English terms are the same)


@pytest.mark.parametrize("written, term", [("82,959", "82959"), ("82959", "82959"), ("(1,234)", "1234"),
                                           ("12.5%", "12.5"), ("$3.20", "3.20"), ("-5%", "5"),
                                           ("1,234,567.89", "1234567.89")])
def test_numbers_as_written_in_tables(tok: LexicalTokenizer, written: str, term: str) -> None:
    assert normalize_number(written) == term
    assert tok(f"total {written} here") == ["total", term, "here"]


def test_thousands_comma_only_between_digit_groups(tok: LexicalTokenizer) -> None:
    assert tok("in 2019, sales") == ["2019", "sale"]
    assert tok("1,2 and 1,2345") == ["1", "2", "1", "2345"]  # not a thousands separator: two numbers


def test_query_and_cell_meet_on_the_same_number(tok: LexicalTokenizer) -> None:
    cell = tok("| Net sales | 82,959 | (1,234) |")
    assert "82959" in cell and "1234" in cell
    assert set(tok("was it 82959?")) & set(cell) == {"82959"}


def test_english_lower_case_stemmed_without_stopwords(tok: LexicalTokenizer) -> None:
    assert tok("The Revenues of the Tables") == tok("revenue table")
    assert tok("the of and is") == []
    assert "sale" in tok("SALES")


def test_letters_and_digits_split(tok: LexicalTokenizer) -> None:
    assert tok("FY2019") == tok("FY 2019") == ["fy", "2019"]


def test_punctuation_only_gives_no_terms(tok: LexicalTokenizer) -> None:
    assert tok("...!!! ??? -- ()") == []
    assert not has_searchable_text(" ?!.. ")
    assert has_searchable_text("?a") and has_searchable_text("매출") and has_searchable_text("7")


def test_fullwidth_and_accents_normalised(tok: LexicalTokenizer) -> None:
    assert tok("ＡＢＣ １２３") == ["abc", "123"]
    assert tok("Café") == ["café"]


def test_korean_bigrams_match_inflected_forms(tok: LexicalTokenizer) -> None:
    assert char_bigrams("매출액") == ["매출", "출액"]
    assert char_bigrams("년") == ["년"]
    doc = set(tok("2023년 매출액이 전년 대비 12% 증가했습니다"))
    query = set(tok("매출액은 얼마나 증가한"))
    assert {"매출", "출액", "증가"} <= doc & query
    assert "12" in doc and "2023" in doc


def test_cjk_without_spaces_bigrams(tok: LexicalTokenizer) -> None:
    assert tok("東京都") == ["東京", "京都"]


def test_unknown_korean_analyzer_names_choices() -> None:
    with pytest.raises(ValueError, match="bigram"):
        LexicalTokenizer(korean="nope")
    assert set(KOREAN_ANALYZERS) == {"bigram", "kiwi"}


def test_tokenizer_name_says_what_it_makes() -> None:
    assert LexicalTokenizer(korean="bigram").name != LexicalTokenizer(korean="kiwi").name


def test_korean_analyzer_default_and_choice() -> None:
    assert LexicalTokenizer().korean.name == DEFAULT_KOREAN == "kiwi"  # morphemes won on the Korean dev questions
    assert LexicalTokenizer(korean="bigram").korean.name == "bigram"
    with pytest.raises(ValueError, match=r"korean_analyzer.*bigram"):
        LexicalTokenizer(korean="mecab")


def test_english_text_never_loads_kiwi() -> None:
    tokenizer = LexicalTokenizer(korean="kiwi")
    assert tokenizer("Net sales of 82,959 in FY2019") == ["net", "sale", "82959", "fy", "2019"]
    assert tokenizer.korean._kiwi is None


@pytest.mark.slow
def test_kiwi_analyzer_gives_morphemes() -> None:
    pytest.importorskip("kiwipiepy")
    terms = LexicalTokenizer(korean="kiwi")("매출액이 증가했습니다")
    assert "매출액" in terms and "증가" in terms
