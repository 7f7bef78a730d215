"""The layout models' ONNX Runtime sessions get our thread options (sleeping idle threads, a per-worker count)."""
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from docparse import layout_model, memory
from docparse.memory import release_free_memory


def _identity_model(path) -> str:
    tensor = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [tensor], [out])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


@pytest.fixture
def restore_layout_state():
    before = (layout_model._active, layout_model._session_threads)
    yield
    layout_model.set_session_threads(before[1])
    layout_model._active = None
    layout_model.use_layout_features(before[0] or layout_model.DEFAULT_FEATURES)


def test_layout_sessions_sleep_and_take_the_worker_thread_count(tmp_path, restore_layout_state):
    layout_model.set_session_threads(1)
    layout_model._active = None
    layout_model.use_layout_features("imf+rf")
    factories = {name: module.make_session for name, module in sys.modules.items()
                 if name.startswith("pymupdf.layout") and callable(getattr(module, "make_session", None))}
    assert "pymupdf.layout.onnx.BoxRFDGNN" in factories
    assert len(set(factories.values())) == 1  # every model module builds its sessions through ours

    session = next(iter(factories.values()))(_identity_model(tmp_path / "identity.onnx"), ["CPUExecutionProvider"])
    options = session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert isinstance(session, ort.InferenceSession)
    # Runs empty the arena afterwards (their own run options still win) and give the model's answer.
    assert session.run(None, {"x": np.array([2.5], dtype=np.float32)})[0].tolist() == [2.5]
    assert session.run(None, {"x": np.array([1.0], dtype=np.float32)}, ort.RunOptions())[0].tolist() == [1.0]


def test_release_free_memory_runs_where_glibc_is():
    assert release_free_memory() is (sys.platform.startswith("linux") and memory._malloc_trim() is not None)


def test_session_threads_default_to_onnx_runtime_and_never_drop_below_one():
    before = layout_model._session_threads
    try:
        layout_model.set_session_threads(0)
        assert layout_model._session_threads == 1
        layout_model.set_session_threads(None)
        assert layout_model._session_threads is None
    finally:
        layout_model.set_session_threads(before)


def test_a_pymupdf_release_our_options_do_not_fit_falls_back_to_its_sessions(monkeypatch, restore_layout_state):
    from pymupdf.layout import DocumentLayoutAnalyzer

    real_get_model = DocumentLayoutAnalyzer.get_model
    calls = []

    def fussy_get_model(*args, **kwargs):  # fails while our factory is in place, as a changed release might
        from pymupdf.layout.onnx import BoxRFDGNN, common_util
        tuned = BoxRFDGNN.make_session is not common_util._pymupdf_make_session
        calls.append(tuned)
        if tuned:
            raise TypeError("make_session() got an unexpected keyword argument 'session_options'")
        return real_get_model(*args, **kwargs)

    monkeypatch.setattr(DocumentLayoutAnalyzer, "get_model", fussy_get_model)
    layout_model._active = None
    layout_model.use_layout_features("imf+rf")
    assert calls == [True, False]
    assert layout_model._active == "imf+rf"


def test_calls_with_arguments_we_do_not_know_go_to_pymupdfs_factory(tmp_path, restore_layout_state):
    from pymupdf.layout.onnx import BoxRFDGNN, common_util

    layout_model._active = None
    layout_model.use_layout_features("imf+rf")
    seen = []
    original = common_util._pymupdf_make_session
    common_util._pymupdf_make_session = lambda *args, **kwargs: seen.append((args, kwargs)) or "theirs"
    try:
        layout_model._set_session_factory(tuned=True)
        assert BoxRFDGNN.make_session("m.onnx", None, "extra") == "theirs"
        assert seen == [(("m.onnx", None, "extra"), {})]
    finally:
        common_util._pymupdf_make_session = original
        layout_model._set_session_factory(tuned=True)
