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


@pytest.fixture(scope="session", autouse=True)
def _remove_test_cache():
    yield
    shutil.rmtree(_CACHE, ignore_errors=True)
