"""Query scripts and route votes (retrieval.query_language, retrieval.model_profiles): an embedding route whose model
cannot read the query's script gets no vote in fusion, so its near-random list cannot outvote the lexical route."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

from retrieval import LibraryIndex
from retrieval.model_profiles import (LATIN_ONLY, clip_model_scripts, embedder_scripts, route_reading,
                                      text_model_profile)
from retrieval.query_language import HAN, HANGUL, LATIN, dominant_script, reads_query, script_counts, voting_routes
from retrieval.search_settings import SearchSettings
from tests.retrieval.test_index import make_doc


def test_scripts_are_counted_per_letter() -> None:
    assert script_counts("2023년 GDP 성장률은?") == {HANGUL: 5, LATIN: 3}
    assert dominant_script("지방은행의 전환 심사") == HANGUL
    assert dominant_script("What were total net sales?") == LATIN
    assert dominant_script("中国经济") == HAN
    assert dominant_script("2023 / 12.5%") is None


@pytest.mark.parametrize(("query", "read"), [
    ("지방은행에서 시중은행으로의 전환 시 심사 절차", False),
    ("2023년 GDP 성장률은?", False),          # mostly Hangul
    ("What does 매출액 mean in this report?", True),  # mostly Latin
    ("Quel est le chiffre d'affaires ?", True),     # Latin letters: an English model keeps its vote
    ("2023 12.5%", True),                           # no letters: nothing to judge, the route keeps its vote
    ("Что такое выручка", False),
])
def test_a_latin_only_model_reads_latin_queries(query: str, read: bool) -> None:
    assert reads_query(LATIN_ONLY, query) is read
    assert reads_query(None, query) is True  # a multilingual model reads everything


def test_voting_routes_drops_only_routes_that_cannot_read() -> None:
    ranked = {"dense": ["a"], "lexical": ["b"], "image": ["c"]}
    scripts = {"dense": LATIN_ONLY, "image": None}
    assert voting_routes(ranked, "매출액 증가", scripts) == {"lexical": ["b"], "image": ["c"]}
    assert voting_routes(ranked, "net sales", scripts) == ranked


@pytest.mark.parametrize(("name", "multilingual", "query_prefix"), [
    ("all-MiniLM-L6-v2", False, ""),
    ("sentence-transformers/all-mpnet-base-v2", False, ""),
    ("BAAI/bge-small-en-v1.5", False, ""),
    ("intfloat/e5-small-v2", False, "query: "),
    ("intfloat/multilingual-e5-small", True, "query: "),
    ("/models/multilingual-e5-base/", True, "query: "),
    ("BAAI/bge-m3", True, ""),
    ("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", True, ""),
    ("jhgan/ko-sroberta-multitask", True, ""),
    ("some-org/unknown-model", True, ""),  # unknown: never silenced
])
def test_profiles_by_model_name(name: str, multilingual: bool, query_prefix: str) -> None:
    profile = text_model_profile(name)
    assert profile.multilingual is multilingual
    assert profile.query_prefix == query_prefix
    assert profile.document_prefix == ("passage: " if query_prefix else "")


def test_route_reading_names_dense_and_image_models() -> None:
    class Named:
        def __init__(self, name: str) -> None:
            self.name = name

    class Packaged(Named):
        scripts = None

    assert embedder_scripts(Named("all-MiniLM-L6-v2")) == LATIN_ONLY
    assert embedder_scripts(Packaged("all-MiniLM-L6-v2")) is None  # its own attribute wins over the name
    assert route_reading(Named("BAAI/bge-m3")) == {"dense": None}
    assert route_reading(Named("BAAI/bge-m3"), Named("ViT-B-32/laion2b_s34b_b79k")) == \
        {"dense": None, "image": LATIN_ONLY}
    assert clip_model_scripts("xlm-roberta-base-ViT-B-32/laion5b_s13b_b90k") is None


class FixedOrderEmbedder:
    """Every query lands nearest the stored text listed first in `order`, then the second, ...: a model that
    cannot read the query and returns the same pages whatever it asks."""

    tokenizer_path = None
    dimension = 8

    def __init__(self, name: str, order: Sequence[str]) -> None:
        self.name = name
        self.order = list(order)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            place = self.order.index(text) if text in self.order else len(self.order)
            out[row, 0] = 1.0 - 0.1 * place  # nearer the query's direction the earlier it is listed
            out[row, 1 + min(place, 6)] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        out[:, 0] = 1.0
        return out


RIGHT = "올해 매출액이 전년 대비 크게 증가했다"
DECOY = "매출액 현황 요약 및 전망"
FILLER = "weather in april was rainy"
FUSED = SearchSettings(routes=(("dense", 1.0), ("lexical", 1.0)), per_page=0)


def _korean_library(tmp_path: Path, model_name: str) -> LibraryIndex:
    # Dense ranks DECOY 1st, FILLER 2nd, RIGHT 3rd for every query; lexically RIGHT matches best, DECOY second.
    index = LibraryIndex(tmp_path / "store", FixedOrderEmbedder(model_name, [DECOY, FILLER, RIGHT]))
    info, elements = make_doc(tmp_path, "report.txt", [RIGHT, DECOY, FILLER])
    index.add(info, elements)
    return index


def test_an_english_model_gets_no_vote_on_a_korean_query(tmp_path: Path) -> None:
    index = _korean_library(tmp_path, "all-MiniLM-L6-v2")
    hits = index.search("매출액이 증가한 해", k=3, settings=FUSED)
    assert hits[0].element.text == RIGHT
    assert all("dense" not in hit.routes for hit in hits)
    # The same fusion with the check off: the unreadable route's pages outvote the lexical route's right one.
    unchecked = index.search("매출액이 증가한 해", k=3, settings=replace(FUSED, script_check=False))
    assert unchecked[0].element.text == DECOY


def test_a_multilingual_model_keeps_its_vote(tmp_path: Path) -> None:
    index = _korean_library(tmp_path, "intfloat/multilingual-e5-small")
    hits = index.search("매출액이 증가한 해", k=3, settings=FUSED)
    assert hits[0].element.text == DECOY  # the fixed dense order still counts: the route voted
    assert "dense" in hits[0].routes


def test_english_queries_keep_the_dense_route(tmp_path: Path) -> None:
    index = _korean_library(tmp_path, "all-MiniLM-L6-v2")
    hits = index.search("weather in april", k=3, settings=FUSED)
    assert hits[0].element.text == FILLER and "dense" in hits[0].routes


def test_script_check_is_on_by_default() -> None:
    assert SearchSettings().script_check is True
