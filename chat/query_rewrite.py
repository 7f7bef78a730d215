"""Follow-up questions rewritten into standalone search queries ("and in 2021?" -> "total net sales and in 2021?").

Retrieval sees one query at a time, so a follow-up that leans on the conversation ("what about services?",
"the year before?", "그럼 2022년은?") finds nothing useful on its own. With a generator backend the model rewrites
it; without one (or when the model fails) a rule carries the previous question's content words over.
"""
from __future__ import annotations

import logging
import re
from typing import Protocol, Sequence, runtime_checkable

from chat.citations import parse_citations
from chat.answer_terms import terms

log = logging.getLogger(__name__)

REWRITE_SYSTEM_PROMPT = """\
You turn the user's latest question into a standalone search query for a document search engine.
Use the conversation only to resolve what the question refers to (pronouns, omitted subjects, years, names).
Reply with the query only, on one line, in the language of the question, without quotes or explanations.
If the question already stands on its own, repeat it unchanged."""

# Turns of history shown to the model / walked back by the rule; older turns rarely matter for a follow-up.
MAX_TURNS = 3
_MAX_ANSWER_CHARS = 300
_MAX_QUERY_CHARS = 300

# A question opening with one of these continues the previous one ("and in 2021?", "what about services?").
_EN_OPENERS = ("and", "or", "but", "also", "then", "so", "what about", "how about", "what of", "same for",
               "and what", "and how", "versus", "vs")
_KO_OPENERS = ("그럼", "그러면", "그리고", "그런데", "근데", "그래서", "또", "그건", "그거", "그것", "이건", "저건",
               "그때", "거기", "그 ")
# Words that point back into the conversation wherever they appear ("how did it change?", "the year before?").
_BACK_REFERENCES = frozenset("""
it its they them their theirs that this those these there same previous prior before after next earlier
later instead else again other
""".split()) | frozenset({"그것", "이것", "저것", "그거", "해당", "전년", "작년", "이전", "다음", "같은", "그때"})
# "the year before", "prior year", "전년": the previous question's years move by one; its day numbers are dropped
# (June 25, 2022 is June 26, 2021 in the next column).
_YEAR_SHIFTS = (
    (-1, re.compile(r"\b(?:the\s+)?(?:fiscal\s+)?year\s+(?:before|earlier)\b|\b(?:previous|prior|preceding|last)\s+"
                    r"(?:fiscal\s+)?year\b|\ba\s+year\s+(?:earlier|ago|before)\b|전년|작년|지난\s*해", re.I)),
    (1, re.compile(r"\b(?:the\s+)?(?:fiscal\s+)?year\s+after\b|\b(?:next|following|subsequent)\s+(?:fiscal\s+)?"
                   r"year\b|\ba\s+year\s+later\b|다음\s*해|이듬해|내년", re.I)),
)
_YEAR = re.compile(r"((?:19|20)\d{2})(년도?|年度?)?")
_DAY = re.compile(r"(?:[1-9]|[12]\d|3[01])")
_WORD = re.compile(r"[^\W_][\w,.'\-]*")
_DIGIT = re.compile(r"\d")
_MIN_WORDS = 3  # "2021?", "and services?": too short to stand alone


@runtime_checkable
class TextCompleter(Protocol):
    """A backend that can answer a plain prompt without evidence (generator backends: openai:, ollama:, hf:)."""

    def complete(self, system: str, prompt: str) -> str:
        """The model's reply to `prompt` under the `system` instructions; BackendError on failure."""
        ...


def _words(text: str) -> list[str]:
    return [w.rstrip(",.'-") for w in _WORD.findall(text)]


def is_follow_up(question: str) -> bool:
    """Whether `question` probably leans on the conversation: it opens with a connective ("and", "what about",
    "그럼"), refers back ("it", "the year before", "해당"), or is too short to stand alone."""
    text = question.strip().lower()
    words = _words(text)
    if len(words) < _MIN_WORDS:
        return True
    if any(text == o or text.startswith(o + " ") or text.startswith(o + ",") for o in _EN_OPENERS):
        return True
    if text.startswith(_KO_OPENERS):
        return True
    return any(w in _BACK_REFERENCES for w in words)


def _content_words(text: str, drop_numbers: bool) -> list[str]:
    """The words of `text` that carry content (the extractive scorer's notion: no stop-words), in order."""
    out: list[str] = []
    for word in _words(text):
        if drop_numbers and _DIGIT.search(word):
            continue
        if terms(word) and word.lower() not in _BACK_REFERENCES and word not in out:
            out.append(word)
    return out


def rule_rewrite(question: str, history: Sequence[tuple[str, str]]) -> str:
    """The rule: a follow-up gets the previous question's content words (itself rewritten first, so chains of
    follow-ups keep their subject) put in front. Numbers are not carried when the follow-up names its own
    ("and in 2021?" replaces the year rather than adding to it). Standalone questions come back unchanged."""
    question = question.strip()
    recent = list(history)[-MAX_TURNS:]
    if not recent or not is_follow_up(question):
        return question
    previous = rule_rewrite(recent[-1][0], recent[:-1])
    asked = {w.lower() for w in _words(question)}
    carried = [w for w in _content_words(previous, drop_numbers=bool(_DIGIT.search(question)))
               if w.lower() not in asked]
    shifted = _shift_years(question, carried)
    if shifted is not None:
        carried, question = shifted
    return " ".join(carried + [question]).strip() if carried else question


def _shift_years(question: str, carried: list[str]) -> tuple[list[str], str] | None:
    """(carried words with their years moved, the question without its relative phrase) when the follow-up
    names a relative year ("the year before") and the carried subject holds a year; else None."""
    if _DIGIT.search(question):
        return None
    for shift, phrase in _YEAR_SHIFTS:
        match = phrase.search(question)
        if match is None or not any(_YEAR.fullmatch(w) for w in carried):
            continue
        moved = [_YEAR.sub(lambda m: f"{int(m.group(1)) + shift}{m.group(2) or ''}", w) for w in carried
                 if not _DAY.fullmatch(w)]
        rest = (question[:match.start()] + question[match.end():]).strip()
        for opener in sorted(_EN_OPENERS + _KO_OPENERS, key=len, reverse=True):
            if rest.lower().startswith(opener):
                rest = rest[len(opener):].strip(" ,")
                break
        return moved, rest if len(_content_words(rest, drop_numbers=False)) and len(rest) > 3 else ""
    return None


def _rewrite_prompt(question: str, history: Sequence[tuple[str, str]]) -> str:
    lines = ["Conversation:"]
    for past_question, past_answer in list(history)[-MAX_TURNS:]:
        answer = " ".join(parse_citations(past_answer, ())[0].split())  # keys of old evidence mean nothing here
        if len(answer) > _MAX_ANSWER_CHARS:
            answer = answer[:_MAX_ANSWER_CHARS - 1] + "\u2026"
        lines += [f"User: {' '.join(past_question.split())}", f"Assistant: {answer}"]
    lines += ["", f"Latest question: {' '.join(question.split())}", "", "Standalone search query:"]
    return "\n".join(lines)


def _clean(reply: str) -> str:
    """The query line of a model reply: first non-empty line, without a "Query:" label, quotes or markers."""
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(r"^(standalone\s+)?(search\s+)?query\s*:\s*", "", line, flags=re.IGNORECASE)
    line = parse_citations(line, ())[0].strip()
    return line.strip("\"'`\u201c\u201d").strip()


def rewrite_query(question: str, history: Sequence[tuple[str, str]], backend: object | None = None) -> str:
    """A standalone search query for `question` given earlier (question, answer) turns, oldest first.

    Without history the question comes back unchanged. With a backend that can `complete` (see TextCompleter)
    the model rewrites it; any failure or an unusable reply (empty, too long) falls back to `rule_rewrite`.
    """
    question = question.strip()
    if not history:
        return question
    if isinstance(backend, TextCompleter) and getattr(backend, "mode", "llm") == "llm":
        try:
            query = _clean(backend.complete(REWRITE_SYSTEM_PROMPT, _rewrite_prompt(question, history)))
        except Exception as exc:  # a rewrite is a nicety: never let it cost the answer
            log.warning("query rewrite by %s failed (%s); using the rule", getattr(backend, "name", backend),
                        " ".join(str(exc).split())[:200])
        else:
            if query and len(query) <= _MAX_QUERY_CHARS:
                log.debug("rewrote %r -> %r", question, query)
                return query
            log.debug("query rewrite gave an unusable reply (%d chars); using the rule", len(query))
    return rule_rewrite(question, history)


def carry_evidence(question: str, history: Sequence[tuple[str, str]], previous: object | None,
                   hits: Sequence[object]) -> list:
    """`hits` with the evidence the previous answer cited put first when `question` follows up on it: "and the
    year before?" is answered from the same table even when the rewritten search ranks another one higher.
    previous: the earlier `chat.answer.Answer` (or None); hits: `retrieval.hit.Hit`s."""
    cited = [c.element for c in getattr(previous, "citations", ()) or ()]
    if not history or not cited or not is_follow_up(question):
        return list(hits)
    from retrieval.hit import Hit

    carried = [Hit(element=e, score=0.0, rank=i + 1, routes=("conversation",)) for i, e in enumerate(cited)]
    ids = {e.id for e in cited}
    rest = [h for h in hits if h.element.id not in ids]  # type: ignore[attr-defined]
    return carried + rest
