"""Re-ranking with a sentence-transformers CrossEncoder: a tiny random-weight BERT cross-encoder, built and saved
in the fixture, loaded back through retrieval.rerank's real code path (CrossEncoder(folder))."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from retrieval import LibraryIndex, SearchSettings
from retrieval.rerank import CrossEncoderReranker, passage_of, rerank_hits, reranker_from_config
from tests.retrieval.test_index import HashingEmbedder, make_doc
from tests.retrieval.tiny_bert import tiny_bert_parts

os.environ.setdefault("HF_HUB_OFFLINE", "1")

WORDS = ("net sales revenue growth profit margin table figure chart quarter year total billion dollars the of "
         "in was rainy weather april engineers company employs").split()
TEXTS = ["net sales revenue grew in the quarter", "total net sales were 394 billion dollars",
         "the company employs many engineers", "weather was rainy in april",
         "profit margin table for the year", "net sales chart by quarter"]


def build_tiny_cross_encoder(folder: Path, seed: int = 3) -> Path:
    """A 1-label BertForSequenceClassification with a 2-layer, 32-wide config and a word-level BertTokenizer
    over WORDS, saved as a Hugging Face folder (what CrossEncoder loads)."""
    from transformers import BertForSequenceClassification

    tokenizer, config = tiny_bert_parts(folder, WORDS, seed, num_labels=1)
    model = BertForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def reference_scores(folder: Path, query: str, passages: list[str]) -> np.ndarray:
    """The model's logits computed with plain transformers (independent of the code under test)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    batch = tokenizer([query] * len(passages), passages, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        return model(**batch).logits[:, 0].numpy()


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-cross-encoder"))


def _index(tmp_path: Path, reranker=None) -> LibraryIndex:
    index = LibraryIndex(tmp_path / "store", HashingEmbedder(), lock_timeout=0.5, reranker=reranker)
    info, elements = make_doc(tmp_path / "docs", "report.txt", TEXTS)
    index.add(info, elements)
    return index


def test_search_order_follows_the_cross_encoder(tmp_path: Path, tiny_cross_encoder: Path) -> None:
    query = "net sales by quarter"
    fused = _index(tmp_path / "plain").search(query, k=6)
    reranker = CrossEncoderReranker(str(tiny_cross_encoder), device="cpu")
    index = _index(tmp_path / "reranked", reranker)
    hits = index.search(query, k=6, settings=SearchSettings(rerank_depth=6))
    assert len(hits) == len(fused) == 6
    expected = reference_scores(tiny_cross_encoder, query, [passage_of(h) for h in fused])
    want = [fused[i].element.text for i in np.argsort(-expected, kind="stable")]
    assert [h.element.text for h in hits] == want
    assert want != [h.element.text for h in fused], "the tiny model should disagree with the fused order"
    assert [h.rank for h in hits] == list(range(1, 7))
    routes = {h.element.id: h.routes for h in fused}
    assert all(h.routes == routes[h.element.id] for h in hits)  # routes kept
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_rerank_depth_looks_beyond_k(tmp_path: Path, tiny_cross_encoder: Path) -> None:
    query = "net sales by quarter"
    fused = _index(tmp_path / "plain").search(query, k=6)
    index = _index(tmp_path / "reranked", CrossEncoderReranker(str(tiny_cross_encoder), device="cpu"))
    top2 = index.search(query, k=2, settings=SearchSettings(rerank_depth=6))
    expected = reference_scores(tiny_cross_encoder, query, [passage_of(h) for h in fused])
    assert [h.element.text for h in top2] == [fused[i].element.text for i in np.argsort(-expected)[:2]]


def test_unloadable_model_warns_once_and_keeps_fused_order(tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    fused = _index(tmp_path / "plain").search("net sales", k=4)
    reranker = CrossEncoderReranker(str(tmp_path / "no-such-model"), device="cpu")
    index = _index(tmp_path / "reranked", reranker)
    with caplog.at_level(logging.WARNING, logger="retrieval.rerank"):
        first = index.search("net sales", k=4)
        second = index.search("net sales", k=4)
    assert [h.element.id for h in first] == [h.element.id for h in fused] == [h.element.id for h in second]
    warnings = [r for r in caplog.records if "re-ranking is off" in r.getMessage()]
    assert len(warnings) == 1 and "no-such-model" in warnings[0].getMessage()
    assert not reranker.available


def test_rerank_hits_with_a_scripted_reranker(tmp_path: Path) -> None:
    hits = _index(tmp_path).search("net sales", k=4)

    class ByLength:
        name = "by-length"
        available = True

        def score(self, query, passages):
            return np.array([-len(p) for p in passages], dtype=np.float32)

    out = rerank_hits("net sales", hits, ByLength(), k=3)
    assert [h.element.text for h in out] == sorted((h.element.text for h in hits), key=len)[:3]
    assert [h.rank for h in out] == [1, 2, 3]


def test_reranker_from_config() -> None:
    assert reranker_from_config(None) is None and reranker_from_config(" ") is None
    assert reranker_from_config("some/model").name == "some/model"


def test_library_and_cli_accept_rerank(tmp_path: Path, tiny_cross_encoder: Path, monkeypatch) -> None:
    from chat.cli import build_parser
    from chat.library import Library

    args = build_parser().parse_args(["search", "--rerank", str(tiny_cross_encoder), "q"])
    assert args.rerank_model == str(tiny_cross_encoder)
    args = build_parser().parse_args(["ask", "--rerank", "m", "q"])
    assert args.rerank_model == "m"
    monkeypatch.delenv("DOCRAG_RERANK", raising=False)
    assert Library.open(tmp_path / "a").index.reranker is None  # off by default
    monkeypatch.setenv("DOCRAG_RERANK", str(tiny_cross_encoder))
    assert Library.open(tmp_path / "b").index.reranker.name == str(tiny_cross_encoder)
    assert Library.open(tmp_path / "c", rerank_model="m").index.reranker.name == "m"
