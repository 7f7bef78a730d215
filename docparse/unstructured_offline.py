"""Load unstructured so that it never reaches the network and never needs a spaCy model.

Found by reading unstructured 0.27 and running it with no network:
- `unstructured.nlp.tokenize` imports spaCy at module level (which imports thinc, which imports torch: about 12 s
  per process) and, on the first `pos_tag` / `sent_tokenize` / `word_tokenize` call, `spacy.load("en_core_web_sm")`;
  when that model is absent it downloads the wheel from GitHub and installs it into site-packages at run time.
  Offline the download fails and partitioning raises RuntimeError (older releases did the same with NLTK's punkt /
  averaged_perceptron_tagger and came back with zero elements instead). Those calls are reached from
  `partition.text_type` (`is_possible_narrative_text`, `is_possible_title`, `exceeds_cap_ratio`,
  `sentence_count`, `contains_verb`), which DOCX (un-styled paragraphs), PPTX (every text-frame paragraph), XLSX
  (sub-table headers), HTML (text outside headings and lists) and e-mail (its body, as text or HTML) all call.
- `import unstructured` sends a telemetry ping (and runs nvidia-smi) unless DO_NOT_TRACK / SCARF_NO_ANALYTICS is
  set; the first partition logs a sales notice unless UNSTRUCTURED_DISABLE_NOTICE=1.

So, before unstructured is imported, `unstructured.nlp.tokenize` is replaced by a rule-based module with the same
three functions. The heuristics then only choose between NarrativeText, Text and (in PPTX/XLSX/plain text) a
guessed Title, and `docparse.unstructured_elements` trusts only structural titles (heading styles, <h1>-<h6>,
slide title placeholders), so what the missing part-of-speech tagger would have decided does not change our output.
"""
from __future__ import annotations

import os
import re
import sys
import types
from functools import lru_cache

_SHIM_NAME = "unstructured.nlp.tokenize"
_PRIVACY_ENV = ("DO_NOT_TRACK", "SCARF_NO_ANALYTICS", "UNSTRUCTURED_DISABLE_NOTICE")
# A sentence ends at . ! ? (or their CJK forms) followed by white space.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")
# Words (letters, digits, joined by apostrophes or inner dots/commas in numbers) or single punctuation marks.
_TOKEN = re.compile(r"\w+(?:[’'.,]\w+)*|[^\w\s]")


@lru_cache(maxsize=256)
def _sentences(text: str) -> tuple[str, ...]:
    return tuple(s for s in _SENTENCE_END.split(str(text).strip()) if s)


def sent_tokenize(text: str) -> list[str]:
    """Sentences of `text`, split after sentence-final punctuation."""
    return list(_sentences(text))


@lru_cache(maxsize=256)
def word_tokenize(text: str) -> list[str]:
    """Word and punctuation tokens of `text`."""
    return _TOKEN.findall(str(text))


@lru_cache(maxsize=256)
def pos_tag(text: str) -> list[tuple[str, str]]:
    """Tokens with an empty tag: there is no tagger offline, so no token counts as a verb."""
    return [(token, "") for token in word_tokenize(text)]


def _shim_module() -> types.ModuleType:
    module = types.ModuleType(_SHIM_NAME, "docrag's offline stand-in for unstructured's spaCy tokenizer.")
    module.sent_tokenize = sent_tokenize
    module.word_tokenize = word_tokenize
    module.pos_tag = pos_tag
    return module


def prepare_unstructured() -> None:
    """Make later imports of unstructured offline-safe: no telemetry, no notice, no spaCy model download.

    Idempotent. If unstructured's own tokenizer module was already imported (by the caller's code), the text-type
    classifier is re-pointed at the rule-based functions instead.
    """
    for key in _PRIVACY_ENV:
        if not os.environ.get(key, "").strip():
            os.environ[key] = "1"
    existing = sys.modules.get(_SHIM_NAME)
    if existing is None:
        sys.modules[_SHIM_NAME] = _shim_module()
    elif existing.__dict__.get("pos_tag") is not pos_tag:
        text_type = sys.modules.get("unstructured.partition.text_type")
        for target in (existing, text_type):
            if target is not None:
                target.sent_tokenize, target.word_tokenize, target.pos_tag = sent_tokenize, word_tokenize, pos_tag
