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
