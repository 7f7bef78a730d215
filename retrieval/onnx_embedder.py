"""The text embedder run by ONNX Runtime: the same sentence-transformers model, exported once; at float32 about
twice torch's speed on the CPU, with int8 weights (the default) about four times (bench/embed_speed.py).

Why: embedding is most of `docrag ingest`'s time on a CPU. The exported float32 graph gives the same vectors as
torch (within 2e-5), so stores built either way are the same store.

Int8 (the "onnx-int8" backend, the default on CPUs): only the MatMul weights are quantised, per output channel
(ONNX Runtime's dynamic quantisation), which keeps vectors close to float32's (cosine >= 0.985 on the speed
set); quantising the embedding table too, or per tensor, moved them much further. The store records the model's
name, not the backend, so a store may be built and searched with either precision.

How: the first use exports the transformer with `torch.onnx.export` into a cache folder keyed by the model's
files (the cache_dir setting, else ~/.cache/docrag); later runs load only ONNX Runtime and `tokenizers`.
Tokenisation, prompts, pooling (mean, CLS or max) and L2 normalisation follow the model's sentence-transformers
configuration. Models this path does not cover (a hub id that is not a local folder, extra modules such as Dense
layers, no tokenizer.json, another pooling mode), a failed export, or a CUDA machine use the sentence-transformers
embedder instead, and say once why.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from retrieval.model_profiles import profile_prefix
from retrieval.sentence_embedder import (DEFAULT_TEXT_MODEL, SentenceTransformerEmbedder, canonical_text_model,
                                         own_prompt, quiet_progress_bars, resolve_text_model,
                                         tokenizer_folder)

log = logging.getLogger(__name__)

# Bump when the exported graph changes (inputs, opset, wrapper): old cache entries are then ignored.
EXPORT_VERSION = "2"  # 2: eager attention (see export_onnx); bumping it re-exports every cached model
QUANTIZED_NAME = "model-int8-matmul-per-channel.onnx"  # the recipe is in the name: a new recipe, a new file
OPSET = 17
# Module classes by name: sentence-transformers 2-5 write "sentence_transformers.models.Pooling", 6 writes
# "sentence_transformers.sentence_transformer.modules.pooling.Pooling".
_SUPPORTED_MODULES = {"Transformer", "Pooling", "Normalize"}
_POOLING_MODES = ("mean", "cls", "max")
_MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Texts per ONNX Runtime call. One text per call, no padding, was the fastest and leanest on the 2-core machine
# (the speed set's 1,682 views: 20-26 s at 1, 27 s at 4 and 8, 31 s at 32; peak memory 0.21 GB at 1 against
# 1.08 GB at 32, where ONNX Runtime's memory arena grows to the largest padded batch).
ONNX_BATCH = 1
LANE_MIN_TEXTS = 8  # fewer texts than this per lane run as one call spread over the cores (queries)


class UnsupportedModel(Exception):
    """The model cannot run through this ONNX path; the message says why."""


def cache_root(explicit: str | Path | None = None) -> Path:
    """Where exported models are kept: `explicit` (the cache_dir setting, chat.settings), else
    $XDG_CACHE_HOME/docrag, else ~/.cache/docrag."""
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "docrag"


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def model_layout(folder: Path, name: str | None = None) -> dict:
    """What the ONNX path needs to know about a sentence-transformers folder: pooling mode, window, prompts.
    name: the model's name (default: the folder's), for the prefixes of its family where the folder defines no
    prompts (retrieval.model_profiles). Raises UnsupportedModel naming what is missing or not covered."""
    if not folder.is_dir():
        raise UnsupportedModel(f"{folder} is not a local model folder")
    if not (folder / "tokenizer.json").is_file():
        raise UnsupportedModel(f"{folder} has no tokenizer.json")
    modules = json.loads((folder / "modules.json").read_text()) if (folder / "modules.json").is_file() else None
    if not modules:
        raise UnsupportedModel(f"{folder} has no modules.json (not a sentence-transformers folder)")
    extra = [m.get("type") for m in modules if _class_name(m) not in _SUPPORTED_MODULES]
    if extra:
        raise UnsupportedModel(f"{folder} has modules this path does not run: {', '.join(map(str, extra))}")
    if modules[0].get("path", "") != "" or _class_name(modules[0]) != "Transformer":
        raise UnsupportedModel(f"{folder}: the transformer is not the first module at the folder's top level")
    pooling_entry = next((m for m in modules if _class_name(m) == "Pooling"), None)
    if pooling_entry is None:
        raise UnsupportedModel(f"{folder} has no pooling module")
    mode = _pooling_mode(_read_json(folder / pooling_entry["path"] / "config.json"))
    if mode not in _POOLING_MODES:
        raise UnsupportedModel(f"{folder}: pooling {mode!r} is not one of {', '.join(_POOLING_MODES)}")
    config = _read_json(folder / "config_sentence_transformers.json")
    # encode_query / encode_document use the prompt of that name, else the default prompt, else the prefix of the
    # model's family (E5's "query: "), else none.
    prompts = config.get("prompts") or {}
    tokenizer_config = _read_json(folder / "tokenizer_config.json")
    return {"pooling": mode, "window": _window(folder, tokenizer_config),
            "prompts": {kind: own_prompt(prompts, config.get("default_prompt_name"), kind)
                        or profile_prefix(name or folder.name, kind) for kind in ("query", "document")},
            "pad_token": tokenizer_config.get("pad_token")
            or _read_json(folder / "special_tokens_map.json").get("pad_token", "[PAD]")}


def _class_name(module: dict) -> str:
    return str(module.get("type", "")).rsplit(".", 1)[-1]


def _pooling_mode(config: dict) -> str:
    """"mean", "cls", "max" or another mode's name, from either pooling config format: 6.x writes
    {"pooling_mode": "mean", "include_prompt": true}, earlier versions one boolean per mode."""
    if "pooling_mode" in config:
        # Pooling that leaves the prompt's tokens out would need their count here; not covered.
        return str(config["pooling_mode"]) if config.get("include_prompt", True) else "mean without prompt"
    modes = [key for key, on in config.items() if key.startswith("pooling_mode_") and on is True]
    names = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max"}
    return names.get(modes[0], modes[0]) if len(modes) == 1 else "+".join(sorted(modes)) or "none"


def _window(folder: Path, tokenizer_config: dict) -> int:
    """The model's token window as sentence-transformers applies it: max_seq_length from
    sentence_bert_config.json (2.x-5.x), else the tokenizer's model_max_length (6.x), never past the position
    embeddings."""
    positions = int(_read_json(folder / "config.json").get("max_position_embeddings") or 512)
    window = _read_json(folder / "sentence_bert_config.json").get("max_seq_length")
    if not window:
        window = tokenizer_config.get("model_max_length")
    return min(int(window), positions) if isinstance(window, (int, float)) and window > 0 else positions


def _fingerprint(folder: Path) -> str:
    """Changes whenever the model's configuration or weights change (file names, sizes, and the config texts)."""
    digest = hashlib.sha1(EXPORT_VERSION.encode())
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(f"{path.name}:{path.stat().st_size}".encode())
        if path.suffix == ".json" and path.stat().st_size < 1_000_000:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def quantize_onnx(source: Path, target: Path) -> None:
    """Write `source` with its MatMul weights quantised to int8 per output channel (see the module docstring) to
    `target`, through a temporary name, as export_onnx does."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        # DefaultTensorType: shape inference leaves some MatMul outputs of the traced graph untyped; they are float.
        quantize_dynamic(str(source), str(partial), op_types_to_quantize=["MatMul"], per_channel=True,
                         weight_type=QuantType.QInt8, extra_options={"DefaultTensorType": 1})
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def export_onnx(folder: Path, target: Path) -> None:
    """Export the transformer in `folder` to `target` (last hidden state for input_ids / attention_mask / and
    token_type_ids where the model takes them; batch and sequence axes dynamic). Written to a temporary name and
    renamed, so a crash never leaves a half-written model where a later run would load it."""
    import inspect

    import torch
    from transformers import AutoModel

    with quiet_progress_bars():
        # Eager attention traces to plain MatMul/Softmax, which ONNX Runtime runs ~10% faster on CPUs than the
        # graph traced from PyTorch's fused SDPA call (300 speed-set views: 3.5 s against 4.0 s; same vectors).
        try:
            model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()
        except (TypeError, ValueError):  # a transformers release or model class without the choice
            model = AutoModel.from_pretrained(str(folder)).eval()
    accepted = inspect.signature(model.forward).parameters
    names = [name for name in _MODEL_INPUTS if name in accepted]

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *inputs: Any) -> Any:
            return self.inner(**dict(zip(names, inputs))).last_hidden_state

    # Token type 0 only: models with a single token type (RoBERTa and kin) have no row for type 1.
    example = tuple((torch.zeros if name == "token_type_ids" else torch.ones)((2, 8), dtype=torch.long)
                    for name in names)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "last_hidden_state"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's tracer warnings concern shapes we keep dynamic
            torch.onnx.export(LastHiddenState(model), example, str(partial), input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET,
                              dynamo=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


class OnnxTextEmbedder:
    """A sentence-transformers model run by ONNX Runtime on the CPU (see the module docstring); falls back to
    SentenceTransformerEmbedder, saying once why, where this path does not apply. Loads on first use."""

    def __init__(self, model: str = DEFAULT_TEXT_MODEL, batch_size: int = ONNX_BATCH, int8: bool = False,
                 cache_dir: str | Path | None = None) -> None:
        self.cache_dir = cache_dir
        self.name = canonical_text_model(model)
        self.location = resolve_text_model(model)
        self.batch_size = batch_size
        self.int8 = int8
        self._session: Any = None
        self._tokenizer: Any = None
        self._layout: dict = {}
        self._fallback: SentenceTransformerEmbedder | None = None
        self._session_path = ""
        self._threads: int | None = None
        self._single_thread_session: Any = None
        self._lock = threading.Lock()

    @property
    def tokenizer_path(self) -> str | None:
        return tokenizer_folder(self.location)

    @property
    def backend(self) -> str:
        """"onnx", "onnx-int8" or "sentence-transformers": what actually runs (loads the model)."""
        self._load()
        if self._fallback is not None:
            return "sentence-transformers"
        return "onnx-int8" if Path(self._session_path).name == QUANTIZED_NAME else "onnx"

    @property
    def dimension(self) -> int:
        self._load()
        if self._fallback is not None:
            return self._fallback.dimension
        width = self._session.get_outputs()[0].shape[-1]
        return width if isinstance(width, int) else int(self._embed(["x"], "document").shape[1])

    def onnx_path(self) -> Path:
        """Where this model's exported float32 graph is cached."""
        folder = Path(self.location)
        return cache_root(self.cache_dir) / "onnx" / f"{folder.name}-{_fingerprint(folder)}" / "model.onnx"

    def int8_path(self) -> Path:
        """Where this model's int8 graph is cached (beside the float32 one it is made from)."""
        return self.onnx_path().with_name(QUANTIZED_NAME)

    def _load(self) -> None:
        if self._session is not None or self._fallback is not None:
            return
        with self._lock:
            if self._session is not None or self._fallback is not None:
                return
            try:
                self._start()
            except UnsupportedModel as reason:
                self._fall_back(str(reason), logging.INFO)
            except Exception as err:  # an exporter or runtime failure must not stop ingest: torch still works
                self._fall_back(f"{type(err).__name__}: {err}", logging.WARNING)

    def _fall_back(self, reason: str, level: int) -> None:
        log.log(level, "text embedder %s runs on sentence-transformers, not ONNX Runtime: %s", self.name, reason)
        self._fallback = SentenceTransformerEmbedder(self.location, batch_size=self.batch_size)
        self._fallback.name = self.name

    def _start(self) -> None:
        if _cuda_present():
            raise UnsupportedModel("a CUDA GPU is present; torch runs the model there")
        try:
            import onnxruntime  # noqa: F401
            import tokenizers  # noqa: F401
        except ImportError as err:
            raise UnsupportedModel(f"{err.name} is not installed") from None
        folder = Path(self.location)
        self._layout = model_layout(folder, self.name)
        loaded = self._int8_session(folder) if self.int8 else None
        session, path = loaded if loaded is not None else self._float_session(folder)
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=self._layout["window"])
        pad_token = self._layout["pad_token"]
        pad_token = pad_token.get("content", "[PAD]") if isinstance(pad_token, dict) else pad_token
        pad_id = tokenizer.token_to_id(pad_token)
        tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad_token)
        # Set last, together: a failure above leaves neither, and the embedder falls back whole.
        self._tokenizer, self._session, self._session_path = tokenizer, session, str(path)
        log.info("loaded text embedder %s on ONNX Runtime from %s", self.name, path)

    def _exported(self, folder: Path) -> Path:
        """The float32 graph's path, exported first where it is not cached yet."""
        path = self.onnx_path()
        if not path.is_file():
            log.info("exporting text embedder %s to ONNX at %s (once per model)", self.name, path)
            export_onnx(folder, path)
        return path

    def _float_session(self, folder: Path) -> tuple[Any, Path]:
        """The float32 graph's session, exporting the graph first where it is missing or damaged."""
        path = self._exported(folder)
        try:
            return _session(path), path
        except Exception as err:  # a damaged cache entry: export again, once
            log.warning("cached ONNX model %s did not load (%s); exporting it again", path, err)
            path.unlink(missing_ok=True)
            export_onnx(folder, path)
            return _session(path), path

    def _int8_session(self, folder: Path) -> tuple[Any, Path] | None:
        """The int8 graph's session, quantised once from the float32 graph; None, saying why, where quantising
        or loading fails (the float32 graph then runs: the same model, float32's vectors)."""
        path = self.int8_path()
        try:
            if not path.is_file():
                float_path = self._exported(folder)
                log.info("quantising text embedder %s to int8 at %s (once per model)", self.name, path)
                quantize_onnx(float_path, path)
            return _session(path), path
        except Exception as err:
            log.warning("text embedder %s runs at float32: its int8 graph %s could not be made or loaded (%s: %s)",
                        self.name, path, type(err).__name__, err)
            path.unlink(missing_ok=True)  # a damaged file is made again next time
            return None

    def limit_threads(self, threads: int | None) -> None:
        """Use at most `threads` cores from now on (None: every core this process may use). `docrag ingest` sets
        it to the cores its parse workers leave free and lifts it when they are done. May be called from any
        thread; takes effect at the next call."""
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1 (or None), got {threads}")
        self._threads = threads

    def _lanes(self, n_texts: int) -> int:
        """How many texts to embed at once, each on one thread (see _embed)."""
        from docparse.cpu import usable_cores

        cores = self._threads or usable_cores()
        return max(1, min(cores, n_texts // LANE_MIN_TEXTS))

    def _single_thread(self) -> Any:
        if self._single_thread_session is None:  # a second session of the same graph: ~its size in memory
            self._single_thread_session = _session(Path(self._session_path), threads=1)
        return self._single_thread_session

    def _embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        """Unit vectors for `texts`. Many texts run in lanes: one thread per core, each calling a one-thread
        session on its share of the texts (ONNX Runtime sessions take concurrent calls). For one text at a time
        that used the cores better than one session spreading each call over them: the speed set's 1,680 views
        on 2 cores took 9.0 s (17.9 CPU-s) against 12.1 s (20 CPU-s), and one lane beside two parse workers
        takes no core from them. A few texts (queries) go to the session that spreads each call over the cores."""
        lanes = self._lanes(len(texts))
        if lanes == 1:
            session = self._single_thread() if self._threads == 1 else self._session
            out = self._run(texts, kind, session)
        else:
            by_length = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            shares = [by_length[lane::lanes] for lane in range(lanes)]
            session = self._single_thread()
            with ThreadPoolExecutor(lanes, thread_name_prefix="docrag-embed") as pool:
                parts = list(pool.map(lambda share: self._run([texts[i] for i in share], kind, session), shares))
            out = np.zeros((len(texts), parts[0].shape[1]), dtype=np.float32)
            for share, vectors in zip(shares, parts):
                out[share] = vectors
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _run(self, texts: Sequence[str], kind: str, session: Any) -> np.ndarray:
        """Pooled, not yet normalised vectors for `texts` from `session`, self.batch_size texts per call."""
        prompt = self._layout["prompts"][kind]
        wanted = {item.name for item in session.get_inputs()}
        # Longest first, as sentence-transformers does, so each batch pads to texts of similar length.
        order = np.argsort([-len(text) for text in texts], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(texts), self.batch_size):
            chosen = order[start:start + self.batch_size]
            encodings = self._tokenizer.encode_batch([prompt + texts[i] for i in chosen])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask,
                     "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
            hidden = session.run(None, {k: v for k, v in feeds.items() if k in wanted})[0]
            vectors = _pool(hidden, mask, self._layout["pooling"])
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[chosen] = vectors
        assert out is not None
        return out

    def _encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        self._load()
        if self._fallback is not None:
            method = self._fallback.embed_queries if kind == "query" else self._fallback.embed_documents
            return method(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._embed(list(texts), kind)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), dimension), for texts to be stored."""
        return self._encode(texts, "document")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), dimension), for search queries."""
        return self._encode(texts, "query")


def _pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Token vectors (batch, sequence, dim) to one vector per text, ignoring padding."""
    if mode == "cls":
        return hidden[:, 0]
    weights = mask[..., None].astype(hidden.dtype)
    if mode == "max":
        return np.where(weights > 0, hidden, -1e9).max(axis=1)
    return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def _session(path: Path, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session for the graph at `path` on `threads` intra-op threads (None: one per core)."""
    import onnxruntime as ort

    ort.disable_telemetry_events()  # events off too, where ORT_DISABLE_TELEMETRY came late (docparse.telemetry)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or 0
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # its warnings about unused initialisers are not the user's concern
    # Idle threads sleep instead of spinning: during ingest the parse workers hold the cores, and spinning threads
    # took CPU from them (300 views beside two busy processes: 11.5 s spinning, 6.9 s not; the same 4.3 s alone).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _cuda_present() -> bool:
    """A CUDA GPU torch can use. Checked through the driver's device node first, so CPU-only machines never
    import torch for it."""
    if not (Path("/dev/nvidiactl").exists() or os.environ.get("CUDA_VISIBLE_DEVICES")):
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
