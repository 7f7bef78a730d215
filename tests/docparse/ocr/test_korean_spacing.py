"""Korean OCR word spacing: clear gaps decide alone, the band between goes to Kiwi, and without Kiwi the single
pixel threshold decides as before."""
import pytest

from docparse.ocr import korean_spacing
from docparse.ocr.tesseract_engine import _join_words


def _line(syllables: str, gaps: list[float], height: int = 20) -> tuple[list[str], list[int], list[int]]:
    """Word boxes for one syllable per word, 18 px wide, separated by gaps given in word heights."""
    lefts, rights, x = [], [], 0
    for k, _ in enumerate(syllables):
        if k:
            x += round(gaps[k - 1] * height)
        lefts.append(x)
        rights.append(x + 18)
        x += 18
    return list(syllables), lefts, rights


@pytest.fixture
def no_kiwi(monkeypatch):
    monkeypatch.setattr(korean_spacing, "_model", lambda: None)


def test_clear_gaps_decide_without_the_language_model(no_kiwi):
    words, lefts, rights = _line("보험료는매월", [0.1, 0.1, 0.1, 0.6, 0.1])
    assert _join_words(words, lefts, rights, 20) == "보험료는 매월"


def test_without_kiwi_the_band_falls_back_to_one_threshold(no_kiwi):
    # 0.3 is under the old threshold (joined), 0.4 over it (spaced).
    words, lefts, rights = _line("보험료는매월", [0.1, 0.1, 0.1, 0.3, 0.1])
    assert _join_words(words, lefts, rights, 20) == "보험료는매월"
    words, lefts, rights = _line("보험료는매월", [0.1, 0.1, 0.1, 0.4, 0.1])
    assert _join_words(words, lefts, rights, 20) == "보험료는 매월"


def test_latin_words_keep_tesseracts_spacing(no_kiwi):
    assert _join_words(["net", "sales"], [0, 40], [36, 90], 20) == "net sales"


def test_a_model_that_rewrites_the_line_is_not_trusted(monkeypatch):
    class Rewriter:
        def space(self, text, reset_whitespace=False):
            return text.replace("료", "로 ")

    monkeypatch.setattr(korean_spacing, "_model", lambda: Rewriter())
    assert korean_spacing.decide_spaces("보험료는매월", [4]) is None
    words, lefts, rights = _line("보험료는매월", [0.1, 0.1, 0.1, 0.4, 0.1])
    assert _join_words(words, lefts, rights, 20) == "보험료는 매월"  # the threshold decided


def test_only_candidate_positions_take_the_models_spaces(monkeypatch):
    class Spacer:
        def space(self, text, reset_whitespace=False):
            assert reset_whitespace is False
            return "보험 료는 매월"

    monkeypatch.setattr(korean_spacing, "_model", lambda: Spacer())
    # Kiwi puts spaces before 료 (index 2) and 매 (index 4); only 4 was a candidate.
    assert korean_spacing.decide_spaces("보험료는매월", [4]) == {4}
    assert korean_spacing.decide_spaces("보험료는매월", [3]) == set()


def test_kiwi_spaces_an_ambiguous_korean_line():
    if not korean_spacing.available():
        pytest.skip("kiwipiepy is not installed")
    # Every gap in the band: the pixel threshold alone would join the whole line (all 0.3 < 0.35).
    text = "보험료는매월납부하며보장내용을확인하시기바랍니다"
    words, lefts, rights = _line(text, [0.3] * (len(text) - 1))
    assert _join_words(words, lefts, rights, 20) == "보험료는 매월 납부하며 보장 내용을 확인하시기 바랍니다"
