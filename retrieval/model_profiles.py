"""What docrag knows about a text model from its name: the scripts it reads and the prefixes it was trained with.

- scripts: a dense route votes on a query only when its model reads the query's script (retrieval.query_language).
  English-only models (all-MiniLM-L6-v2 and its kin) read Latin letters; multilingual ones read every script.
- query_prefix / document_prefix: E5 models were trained with "query: " and "passage: " in front of the text and
  retrieve worse without them; sentence-transformers applies them only where the model's own configuration defines
  prompts, which intfloat's E5 folders do not. A model that defines its own prompts keeps them (they win).

A name matches a profile by its last path part (a hub id "intfloat/multilingual-e5-small" and a local folder
"/models/multilingual-e5-small" alike). A model matching no profile is assumed to read every script and to need no
prefix: docrag never silences a model it does not know.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from retrieval.query_language import LATIN


@dataclass(frozen=True)
class TextModelProfile:
    """scripts: the scripts the model reads (None: every script). query_prefix / document_prefix: put in front of
    queries and stored texts when the model's own configuration defines no prompts."""

    scripts: frozenset[str] | None = None
    query_prefix: str = ""
    document_prefix: str = ""

    @property
    def multilingual(self) -> bool:
        return self.scripts is None


LATIN_ONLY = frozenset({LATIN})
_E5_PREFIXES = {"query_prefix": "query: ", "document_prefix": "passage: "}

# (pattern on the lower-cased last path part, profile), first match wins: multilingual patterns come first so that
# "paraphrase-multilingual-minilm-l12-v2" is not taken for an English MiniLM.
PROFILES: tuple[tuple[re.Pattern[str], TextModelProfile], ...] = (
    (re.compile(r"multilingual-e5-(small|base|large)(-v2)?$"), TextModelProfile(None, **_E5_PREFIXES)),
    (re.compile(r"multilingual|labse|bge-m3|xlm|(^|[-_])m(e5|bert)|kor|(^|[-_])ko([-_]|$)"), TextModelProfile(None)),
    (re.compile(r"^e5-(small|base|large)(-v2)?$"), TextModelProfile(LATIN_ONLY, **_E5_PREFIXES)),
    (re.compile(r"^(all|multi-qa|msmarco|paraphrase)-(minilm|mpnet|distilroberta|albert)"), TextModelProfile(LATIN_ONLY)),
    (re.compile(r"^(bge|gte|nomic-embed-text|snowflake-arctic-embed)-.*en|-en(-v\d(\.\d)?)?$"),
     TextModelProfile(LATIN_ONLY)),
)


def text_model_profile(name: str) -> TextModelProfile:
    """The profile of the text model called `name` (hub id, local folder or docrag name); see the module docstring."""
    last = PurePath(name.rstrip("/\\")).name.lower() or name.lower()
    for pattern, profile in PROFILES:
        if pattern.search(last):
            return profile
    return TextModelProfile()


def profile_prefix(name: str, kind: str) -> str:
    """The prefix the model called `name` expects before a "query" or a "document" (see TextModelProfile)."""
    profile = text_model_profile(name)
    return profile.query_prefix if kind == "query" else profile.document_prefix


def embedder_scripts(embedder: object) -> frozenset[str] | None:
    """The scripts an embedder's model reads (None: every script): its own `scripts` attribute where it has one
    (packaged models), else the profile of its name."""
    if hasattr(embedder, "scripts"):
        return getattr(embedder, "scripts")
    return text_model_profile(str(getattr(embedder, "name", ""))).scripts


# OpenCLIP text towers trained on more than English captions (xlm-roberta-*-ViT-*, nllb-clip-*, mt5 variants).
_MULTILINGUAL_CLIP = re.compile(r"xlm|roberta-.*multilingual|nllb|mt5|multilingual", re.IGNORECASE)


def clip_model_scripts(name: str) -> frozenset[str] | None:
    """The scripts a CLIP model's text tower reads: OpenCLIP's usual towers (ViT-B-32 with laion2b weights, ...)
    learned from English captions; the multilingual ones read every script."""
    return None if _MULTILINGUAL_CLIP.search(name) else LATIN_ONLY


def route_reading(text_embedder: object, image_embedder: object | None = None) -> dict[str, frozenset[str] | None]:
    """The scripts each embedding route's model reads (None: every script), by route name: "dense" for the text
    embedder, "image" for CLIP's text tower when image search is on."""
    scripts = {"dense": embedder_scripts(text_embedder)}
    if image_embedder is not None:
        scripts["image"] = clip_model_scripts(str(getattr(image_embedder, "name", "")))
    return scripts
