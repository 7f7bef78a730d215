"""Which of PyMuPDF's bundled layout models runs on the pages routed to layout analysis.

PyMuPDF activates its layout model at import time with the "imf+rf" feature set: box features plus image features
from an extra ONNX network run on a render of the page. The "rf" model of the same release reads box features
only and costs well under half the CPU per page (0.36 s against 0.82 s measured here on ICDAR pages), but finds
tables less reliably: on the ICDAR 2013 dev split, detection F1 0.966 and structure F1 0.969 against 1.000 and
0.986 for "imf+rf" (same code, `DOCRAG_LAYOUT_FEATURES=rf bench/run_dev.sh tables`: the CLI reads the
setting, chat.settings). So "imf+rf" is the default
and "rf" an option for speed over table recall.

The models' ONNX Runtime sessions are rebuilt here with idle threads that sleep rather than spin, one thread per
session in parse workers that share the cores (`set_session_threads`), and a memory arena emptied after each run
(`_shrinking_session_class`). PyMuPDF's sessions spin by default; two workers' spinning threads took the cores
from each other: the speed set parsed in 44 s with `--workers 2` as PyMuPDF sets them up, 29 s with sleeping
threads (one or two per session: 28.6 / 29.8 s), 24.5 s with the arena as well.
"""
from __future__ import annotations

import logging
from functools import lru_cache

from docparse.memory import release_free_memory

logger = logging.getLogger(__name__)

FEATURE_SETS = ("imf+rf", "rf")  # first = default
DEFAULT_FEATURES = FEATURE_SETS[0]  # the layout_features setting (chat.settings) chooses per library
_active: str | None = None
_session_threads: int | None = None  # None: ONNX Runtime's default, one thread per core


def set_session_threads(threads: int | None) -> None:
    """Threads per layout-model session in this process; call before the first page is parsed. Parse workers
    that share the machine's cores take cores // workers each; None keeps ONNX Runtime's default."""
    global _session_threads
    _session_threads = None if threads is None else max(1, int(threads))


def use_layout_features(name: str) -> None:
    """Make PyMuPDF's layout analysis use the model with feature set `name` (the model is built once per process
    and feature set, with this module's session options)."""
    global _active
    if name == _active:
        return
    if name not in FEATURE_SETS:
        raise ValueError(f"unknown layout feature set {name!r}; choose one of {', '.join(FEATURE_SETS)}")
    import pymupdf
    from pymupdf.layout import DocumentLayoutAnalyzer

    _set_session_factory(tuned=True)
    try:
        model = DocumentLayoutAnalyzer.get_model(feature_set_name=name)
    except Exception as err:  # a PyMuPDF release our session options do not fit: its own sessions still work
        logger.warning("layout model %s did not build with docrag's session options (%s: %s); using PyMuPDF's",
                       name, type(err).__name__, err)
        _set_session_factory(tuned=False)
        model = DocumentLayoutAnalyzer.get_model(feature_set_name=name)
    pymupdf._get_layout = lambda *args, **kwargs: model.predict(*args, **kwargs)
    release_free_memory()  # the import-time model's freed weights (~60 MB a process otherwise)
    logger.debug("layout analysis uses the %s model (session threads: %s)", name, _session_threads or "default")
    _active = name


@lru_cache(maxsize=1)
def _shrinking_session_class():
    """An InferenceSession whose runs give the memory arena's free chunks back when they end.

    PyMuPDF turns the arena off so that a long-lived process does not keep its largest page's peak forever; but
    then every run maps and unmaps its big buffers, and the speed set's parse spent 11.4 s in the kernel (3.9 s
    with the arena; 29 s -> 24.5 s wall with two workers). Shrinking after each run keeps the arena within a run
    and drops it between runs: with `release_free_memory` after each job, the 1,000-page PDF parsed with a peak
    of 1.34 GB for all processes (arena off: 1.42 GB; arena kept whole: 1.65 GB)."""
    import onnxruntime as ort

    class ShrinkingSession(ort.InferenceSession):
        def run(self, output_names, input_feed, run_options=None):
            if run_options is None:
                run_options = ort.RunOptions()
                run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
            return super().run(output_names, input_feed, run_options)

    return ShrinkingSession


def _set_session_factory(tuned: bool) -> None:
    """Point PyMuPDF's session factory (`make_session`, imported by name into each model module) at ours
    (`tuned`) or back at PyMuPDF's own. If a PyMuPDF release moves it, its own sessions are used unchanged, and
    a call with arguments ours does not know goes to PyMuPDF's."""
    import sys

    try:
        from pymupdf.layout.onnx import common_util
    except ImportError:
        logger.debug("pymupdf.layout.onnx.common_util not found; layout sessions keep PyMuPDF's options")
        return
    original = getattr(common_util, "_pymupdf_make_session", None) or getattr(common_util, "make_session", None)
    if not callable(original):
        logger.debug("pymupdf.layout has no make_session; layout sessions keep PyMuPDF's options")
        return
    common_util._pymupdf_make_session = original

    def make_session(model_path, providers=None, *args, **kwargs):
        if args or kwargs:
            return original(model_path, providers, *args, **kwargs)
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if _session_threads is not None:
            options.intra_op_num_threads = _session_threads
        return _shrinking_session_class()(model_path, sess_options=options, providers=providers)

    factory = make_session if tuned else original
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("pymupdf.layout") and callable(getattr(module, "make_session", None)):
            module.make_session = factory
