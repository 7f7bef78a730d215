"""Session-wide test settings: exported ONNX models go to a temporary folder, never to the user's cache."""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE = tempfile.mkdtemp(prefix="docrag-test-cache-")
# Set at import, before any test (or any CLI subprocess a test starts) reads it; shared by the whole session so
# the real MiniLM is exported once.
os.environ["DOCRAG_CACHE_DIR"] = _CACHE


def _test_cache_root():
    """Embedders built directly by tests (not through Library.open, which reads the variable above) get no
    cache_dir; their exports go to the test cache too."""
    import retrieval.onnx_embedder as onnx_embedder

    real = onnx_embedder.cache_root
    onnx_embedder.cache_root = lambda explicit=None: real(explicit or _CACHE)


_test_cache_root()


@pytest.fixture(scope="session", autouse=True)
def _remove_test_cache():
    yield
    shutil.rmtree(_CACHE, ignore_errors=True)
