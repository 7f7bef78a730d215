"""The ONNX Runtime text embedder (retrieval.onnx_embedder) on tiny random-weight sentence-transformers models built
here: exported through the real code path, checked against the same model run by sentence-transformers on torch."""
from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval import onnx_embedder
from retrieval.onnx_embedder import OnnxTextEmbedder, UnsupportedModel, model_layout
from retrieval.text_embedder import SentenceTransformerEmbedder
from tests.retrieval.tiny_bert import tiny_bert_parts

os.environ.setdefault("HF_HUB_OFFLINE", "1")

WORDS = ("net sales revenue growth profit margin table figure chart quarter year total billion dollars the of "
         "in was rainy weather april engineers company employs query document").split()
TEXTS = ["net sales revenue grew in the quarter", "total net sales were 394 billion dollars",
         "the company employs many engineers", "weather", " ".join(WORDS * 6)]  # the last passes the window


def build_tiny_sentence_model(folder: Path, pooling: str = "mean", prompts: dict | None = None,
                              seed: int = 5) -> Path:
    """A 2-layer, 32-wide random BERT with a word-level fast tokenizer, wrapped as a sentence-transformers folder
    (Transformer + Pooling) with a 24-token window."""
    from sentence_transformers import SentenceTransformer, models
    from transformers import BertModel

    hf = folder.with_name(folder.name + "-hf")
    tokenizer, config = tiny_bert_parts(hf, WORDS, seed, fast=True, max_position_embeddings=64)
    BertModel(config).eval().save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    transformer = models.Transformer(str(hf), max_seq_length=24)
    model = SentenceTransformer(modules=[transformer, models.Pooling(32, pooling_mode=pooling)], device="cpu",
                                prompts=prompts or {})
    model.save(str(folder))
    return folder


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("onnxruntime")
    return build_tiny_sentence_model(tmp_path_factory.mktemp("tiny") / "mean")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own for embedders made without a cache_dir."""
    from retrieval import onnx_embedder

    monkeypatch.setattr(onnx_embedder, "cache_root", lambda explicit=None: Path(explicit or tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("pooling", ["mean", "cls", "max"])
def test_vectors_match_sentence_transformers(tmp_path: Path, cache: Path, pooling: str) -> None:
    folder = build_tiny_sentence_model(tmp_path / pooling, pooling=pooling)
    embedder = OnnxTextEmbedder(str(folder), batch_size=2)  # batches of 2: padding differs batch to batch
    vectors = embedder.embed_documents(TEXTS)
    assert embedder.backend == "onnx" and embedder.dimension == 32
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 32)
    expected = SentenceTransformerEmbedder(str(folder)).embed_documents(TEXTS)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert embedder.embed_queries([]).shape == (0, 32)
    assert embedder.onnx_path().is_file() and cache in embedder.onnx_path().parents


def test_prompts_are_applied_per_kind(tmp_path: Path, cache: Path) -> None:
    folder = build_tiny_sentence_model(tmp_path / "prompted", prompts={"query": "query ", "document": "document "})
    embedder = OnnxTextEmbedder(str(folder))
    reference = SentenceTransformerEmbedder(str(folder))
    np.testing.assert_allclose(embedder.embed_queries(TEXTS[:2]), reference.embed_queries(TEXTS[:2]), atol=1e-5)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS[:2]), reference.embed_documents(TEXTS[:2]),
                               atol=1e-5)
    assert not np.allclose(embedder.embed_queries(TEXTS[:1]), embedder.embed_documents(TEXTS[:1]), atol=1e-3)


def test_export_happens_once_and_is_reused(tiny_model: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = OnnxTextEmbedder(str(tiny_model))
    expected = first.embed_documents(TEXTS)

    def no_export(*args: object) -> None:
        raise AssertionError("exported again although the cache holds the model")

    monkeypatch.setattr(onnx_embedder, "export_onnx", no_export)
    second = OnnxTextEmbedder(str(tiny_model))
    np.testing.assert_allclose(second.embed_documents(TEXTS), expected, atol=1e-6)
    assert second.backend == "onnx"
    assert not list(second.onnx_path().parent.glob("*.partial"))


def test_damaged_cache_entry_is_exported_again(tiny_model: Path, cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    expected = OnnxTextEmbedder(str(tiny_model)).embed_documents(TEXTS)
    path = OnnxTextEmbedder(str(tiny_model)).onnx_path()
    path.write_bytes(b"not an onnx model")
    with caplog.at_level(logging.WARNING, logger="retrieval.onnx_embedder"):
        embedder = OnnxTextEmbedder(str(tiny_model))
        np.testing.assert_allclose(embedder.embed_documents(TEXTS), expected, atol=1e-6)
    assert embedder.backend == "onnx" and path.stat().st_size > 1000
    assert "did not load" in caplog.text


def test_changed_weights_get_a_new_export(tiny_model: Path, tmp_path: Path, cache: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    before = OnnxTextEmbedder(str(copy)).onnx_path()
    config = json.loads((copy / "config.json").read_text())
    config["layer_norm_eps"] = 1e-5
    (copy / "config.json").write_text(json.dumps(config))
    assert OnnxTextEmbedder(str(copy)).onnx_path() != before


def test_models_outside_the_onnx_path_fall_back_to_torch(tiny_model: Path, tmp_path: Path, cache: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    no_fast_tokenizer = tmp_path / "slow-tokenizer"
    shutil.copytree(tiny_model, no_fast_tokenizer)
    (no_fast_tokenizer / "tokenizer.json").unlink()
    with caplog.at_level(logging.INFO, logger="retrieval.onnx_embedder"):
        embedder = OnnxTextEmbedder(str(no_fast_tokenizer))
        vectors = embedder.embed_documents(TEXTS)
    assert embedder.backend == "sentence-transformers"
    assert "no tokenizer.json" in caplog.text
    np.testing.assert_allclose(vectors, SentenceTransformerEmbedder(str(no_fast_tokenizer)).embed_documents(TEXTS),
                               atol=1e-6)


def _op_types(path: Path) -> set[str]:
    import onnx

    return {node.op_type for node in onnx.load(str(path)).graph.node}


def test_int8_graph_is_quantised_once_and_stays_close_to_float32(tiny_model: Path, cache: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    float32 = OnnxTextEmbedder(str(tiny_model)).embed_documents(TEXTS)
    embedder = OnnxTextEmbedder(str(tiny_model), int8=True)
    vectors = embedder.embed_documents(TEXTS)
    assert embedder.backend == "onnx-int8" and embedder.int8_path().parent == embedder.onnx_path().parent
    assert "DynamicQuantizeLinear" in _op_types(embedder.int8_path())  # MatMuls run on int8 weights
    assert "DynamicQuantizeLinear" not in _op_types(embedder.onnx_path())
    cosines = (vectors * float32).sum(axis=1)
    assert vectors.shape == float32.shape and cosines.min() > 0.95 and not np.allclose(vectors, float32, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    def no_quantising(*args: object) -> None:
        raise AssertionError("quantised again although the cache holds the int8 graph")

    monkeypatch.setattr(onnx_embedder, "quantize_onnx", no_quantising)
    np.testing.assert_allclose(OnnxTextEmbedder(str(tiny_model), int8=True).embed_documents(TEXTS), vectors,
                               atol=1e-6)


def test_int8_failures_fall_back_to_float32_with_a_warning(tiny_model: Path, cache: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    float32 = OnnxTextEmbedder(str(tiny_model)).embed_documents(TEXTS)
    damaged = OnnxTextEmbedder(str(tiny_model), int8=True).int8_path()
    damaged.write_bytes(b"cut short by a crash")
    with caplog.at_level(logging.WARNING, logger="retrieval.onnx_embedder"):
        embedder = OnnxTextEmbedder(str(tiny_model), int8=True)
        np.testing.assert_allclose(embedder.embed_documents(TEXTS), float32, atol=1e-6)
    assert embedder.backend == "onnx" and "runs at float32" in caplog.text and str(damaged) in caplog.text
    assert not damaged.exists()  # made again on the next start
    caplog.clear()

    def broken(source: Path, target: Path) -> None:
        raise RuntimeError("quantiser broke")

    monkeypatch.setattr(onnx_embedder, "quantize_onnx", broken)
    with caplog.at_level(logging.WARNING, logger="retrieval.onnx_embedder"):
        embedder = OnnxTextEmbedder(str(tiny_model), int8=True)
        np.testing.assert_allclose(embedder.embed_documents(TEXTS), float32, atol=1e-6)
    assert embedder.backend == "onnx" and "quantiser broke" in caplog.text
    monkeypatch.undo()
    again = OnnxTextEmbedder(str(tiny_model), int8=True)
    again.embed_documents(TEXTS[:1])
    assert again.backend == "onnx-int8" and not list(again.int8_path().parent.glob("*.partial"))


def test_many_texts_run_in_lanes_with_the_same_vectors(tiny_model: Path, cache: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from docparse import cpu

    texts = [" ".join(WORDS[i:i + 3 + i % 7]) for i in range(len(WORDS) - 3)] * 2  # 50 texts of mixed length
    monkeypatch.setattr(cpu, "usable_cores", lambda: 1)
    embedder = OnnxTextEmbedder(str(tiny_model))
    sequential = embedder.embed_documents(texts)
    assert embedder._single_thread_session is None  # one core: the session that spreads calls ran them
    monkeypatch.setattr(cpu, "usable_cores", lambda: 4)
    assert embedder._lanes(len(texts)) == 4 and embedder._lanes(3) == 1  # a query or two: one call
    np.testing.assert_allclose(embedder.embed_documents(texts), sequential, atol=1e-6)
    assert embedder._single_thread_session is not None
    embedder.limit_threads(1)
    assert embedder._lanes(len(texts)) == 1
    np.testing.assert_allclose(embedder.embed_documents(texts), sequential, atol=1e-6)
    embedder.limit_threads(None)
    assert embedder._lanes(len(texts)) == 4
    with pytest.raises(ValueError, match="at least 1"):
        embedder.limit_threads(0)


def test_layout_names_what_it_does_not_cover(tiny_model: Path, tmp_path: Path) -> None:
    assert model_layout(tiny_model)["pooling"] == "mean" and model_layout(tiny_model)["window"] == 24
    with pytest.raises(UnsupportedModel, match="not a local model folder"):
        model_layout(Path("BAAI/bge-small-en-v1.5"))
    dense = tmp_path / "dense"
    shutil.copytree(tiny_model, dense)
    modules = json.loads((dense / "modules.json").read_text())
    modules.append({"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (dense / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(UnsupportedModel, match="models.Dense"):
        model_layout(dense)


def test_unwritable_cache_falls_back_to_torch_with_a_warning(tiny_model: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="retrieval.onnx_embedder"):
        embedder = OnnxTextEmbedder(str(tiny_model), cache_dir=blocker)  # the cache_dir setting
        vectors = embedder.embed_documents(TEXTS)
    assert embedder.backend == "sentence-transformers"
    assert "runs on sentence-transformers, not ONNX Runtime" in caplog.text and "not-a-folder" in caplog.text
    np.testing.assert_allclose(vectors, SentenceTransformerEmbedder(str(tiny_model)).embed_documents(TEXTS),
                               atol=1e-6)
    assert blocker.read_text().startswith("a file")
