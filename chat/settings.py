"""Every setting of a library in one frozen dataclass, resolved once when the library opens.

Each setting is found in this order: the option given (a CLI flag, a `Library.open` argument), then its
environment variable, then the TOML file (chat.config_file: `$DOCRAG_CONFIG`, `<store>/docrag.toml`, or
`~/.config/docrag/config.toml`), then its default. The TOML key is the field's name; the environment variable,
the meaning and the valid choices are the field's metadata, and the type checks follow the field's type, so a
setting is declared once, here. Nothing below chat reads the environment for a setting: the values travel down
as constructor and function arguments.

`python -m chat.settings --markdown` prints the table of settings that README.md carries.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from chat.config_file import ConfigFileError, config_path, read_config

STORE_ENV = "DOCRAG_STORE"  # where the library is: located before any file is read, so it has no TOML key
DEFAULT_STORE = ".docrag"


def _setting(default: Any, env: str, meaning: str, choices: tuple[str, ...] = (), option: str = "") -> Any:
    """A setting: its default, environment variable, meaning, valid choices (empty: any value of its type) and
    the CLI option that gives it (empty: none)."""
    return field(default=default, metadata={"env": env, "meaning": meaning, "choices": choices, "option": option})


@dataclass(frozen=True)
class Settings:
    """The settings of one library (see the module docstring for where each comes from). `root` is the library
    folder; every other field is a setting with a TOML key of its own name."""

    root: Path
    # -- text model and store -------------------------------------------------------------------------------
    text_model: str = _setting(
        "all-MiniLM-L6-v2", "DOCRAG_TEXT_MODEL",
        "text embedding model: a sentence-transformers id or folder (given nowhere: the one the store was "
        "built with)", option="--text-model")
    text_backend: str = _setting(
        "onnx-int8", "DOCRAG_TEXT_BACKEND", "what runs the text model",
        ("onnx-int8", "onnx", "sentence-transformers"))
    chroma_url: str | None = _setting(
        None, "DOCRAG_CHROMA_URL", "a Chroma server (http://host:port) instead of the embedded store",
        option="--chroma-url")
    chroma_collection: str | None = _setting(
        None, "DOCRAG_CHROMA_COLLECTION",
        "the library's collection on a Chroma server (unset: from the store path)",
        option="--collection")
    cache_dir: str | None = _setting(None, "DOCRAG_CACHE_DIR",
                                     "where exported ONNX models are kept (unset: ~/.cache/docrag)")
    # -- parsing ----------------------------------------------------------------------------------------------
    ocr: str = _setting("auto", "DOCRAG_OCR", "OCR of image-only pages, figures without text, and images",
                        ("auto", "off", "tesseract", "rapidocr"), option="--ocr")
    ocr_languages: str = _setting("eng+kor", "DOCRAG_OCR_LANGUAGES", "Tesseract language codes")
    layout_features: str = _setting(
        "imf+rf", "DOCRAG_LAYOUT_FEATURES",
        "PyMuPDF layout model: `rf` is faster, finds tables less reliably",
        ("imf+rf", "rf"))
    # -- search -----------------------------------------------------------------------------------------------
    search_k: int = _setting(10, "DOCRAG_SEARCH_K", "hits a search returns", option="docrag search --k")
    # Answering looks wider than a search list: the answerer re-scores its evidence (the extractive one row by
    # row), and an LLM backend still packs only what fits its budget, best ranks first.
    answer_k: int = _setting(20, "DOCRAG_ANSWER_K", "evidence items retrieved for an answer",
                             option="docrag ask --k")
    image_search: bool = _setting(True, "DOCRAG_IMAGE_SEARCH", "load CLIP for the image route (false: text only)",
                                  option="--no-images")
    clip_model: str | None = _setting(None, "DOCRAG_CLIP_MODEL",
                                      "OpenCLIP model name or config JSON (unset: ViT-B-32)", option="--clip-model")
    clip_pretrained: str | None = _setting(
        None, "DOCRAG_CLIP_PRETRAINED", "OpenCLIP weights: a tag or a checkpoint file (unset: laion2b_s34b_b79k)",
        option="--clip-pretrained")
    rerank_model: str | None = _setting(
        None, "DOCRAG_RERANK", "CrossEncoder (hub id or folder) re-ordering the top hits (unset: off)",
        option="--rerank")
    korean_analyzer: str = _setting("kiwi", "DOCRAG_KOREAN_ANALYZER",
                                    "how lexical search splits Korean: morphemes or character bigrams",
                                    ("kiwi", "bigram"))
    search_routes: str | None = _setting(
        None, "DOCRAG_SEARCH_ROUTES",
        "routes and weights fused, e.g. `dense:1,lexical:0.5` (unset: all at 1)")
    search_rrf_k: float = _setting(60.0, "DOCRAG_SEARCH_RRF_K", "the rank-fusion constant")
    search_visual_every: int = _setting(0, "DOCRAG_SEARCH_VISUAL_EVERY",
                                        "one table/figure slot per this many positions (0: off)")
    search_per_page: int = _setting(1, "DOCRAG_SEARCH_PER_PAGE",
                                    "hits of one page ahead of every other page's best (0: off)")
    search_script_check: bool = _setting(True, "DOCRAG_SEARCH_SCRIPT_CHECK",
                                         "embedding routes vote only on scripts their model reads")
    # -- answers ----------------------------------------------------------------------------------------------
    llm: str = _setting("extractive", "DOCRAG_LLM",
                        "answer model: `openai:<model>`, `ollama:<model>`, `hf:<model or folder>` or `extractive`",
                        option="--llm")
    # Unset, each backend falls back on its client's own variable (openai: $OPENAI_BASE_URL / $OPENAI_API_KEY,
    # ollama: $OLLAMA_HOST), so one exported for other tools never points another backend at the wrong server.
    base_url: str | None = _setting(
        None, "DOCRAG_BASE_URL",
        "model server URL (unset: $OPENAI_BASE_URL, $OLLAMA_HOST)",
        option="--base-url")
    api_key: str | None = _setting(None, "DOCRAG_API_KEY",
                                   "API key for openai: servers (unset: $OPENAI_API_KEY)")
    llm_timeout: float | None = _setting(None, "DOCRAG_LLM_TIMEOUT",
                                         "seconds to wait for the model server (unset: 120, Ollama 300)")
    tokenizer: str | None = _setting(
        None, "DOCRAG_TOKENIZER",
        "counts the evidence budget: a tokenizer.json, a folder or `tiktoken:<encoding>` (unset: "
        "tiktoken when cached, else an estimate)")
    send_images: bool = _setting(True, "DOCRAG_SEND_IMAGES",
                                 "send table/figure crops and attached images to the answer model",
                                 option="--no-send-images")
    # -- serving ----------------------------------------------------------------------------------------------
    serve_token: str | None = _setting(None, "DOCRAG_TOKEN",
                                       "bearer token `docrag serve` requires (unset: none, loopback "
                                       "only)", option="--token")

    @property
    def llm_spec(self) -> str:
        """The answer-model spec (the `llm` setting)."""
        return self.llm

    def search_settings(self):
        """How searches fuse their routes (retrieval.search_settings.SearchSettings), from the search_* settings.
        ValueError naming the setting when a route or weight is not valid."""
        from retrieval.search_settings import SearchSettings, parse_routes

        values: dict[str, Any] = {"rrf_k": self.search_rrf_k, "visual_every": self.search_visual_every,
                                  "per_page": self.search_per_page, "script_check": self.search_script_check}
        try:
            if self.search_routes:
                values["routes"] = parse_routes(self.search_routes)
            return SearchSettings(**values)
        except ValueError as err:
            raise ValueError(f"search settings: {err}") from None


LibraryConfig = Settings  # the name the Library API has used


class SettingError(ConfigFileError):
    """A setting with a value of the wrong type or outside its choices; the message names where it came from."""


def setting_fields() -> tuple[dataclasses.Field, ...]:
    """The fields that are settings (all but `root`), in declaration order."""
    return tuple(f for f in dataclasses.fields(Settings) if f.name != "root")


_HINTS = typing.get_type_hints(Settings)


def value_type(name: str) -> type:
    """The type a setting holds (Optional unwrapped): str, int, float or bool."""
    hint = _HINTS[name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return hint


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _checked(f: dataclasses.Field, value: Any, where: str) -> Any:
    """`value` (from TOML, or an option) checked against the field's type and choices."""
    wanted = value_type(f.name)
    if wanted is str and isinstance(value, os.PathLike):  # a folder given as a Path through the Python API
        value = os.fspath(value)
    ok = isinstance(value, wanted) and not (wanted in (int, float) and isinstance(value, bool))
    if wanted is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise SettingError(f"{where}: {f.name} must be {_TYPE_NAMES[wanted]}, got {value!r}")
    choices = f.metadata["choices"]
    if choices and value not in choices:
        raise SettingError(f"{where}: {f.name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _from_env(f: dataclasses.Field, raw: str) -> Any:
    """The environment variable's text as the field's type."""
    env, wanted = f.metadata["env"], value_type(f.name)
    where = f"environment variable {env}"
    raw = raw.strip()
    if wanted is bool:
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SettingError(f"{where}={raw!r}: {f.name} must be true or false (1, 0, true, false, yes, no, on, off)")
    if wanted in (int, float):
        try:
            value = wanted(raw)
        except ValueError:
            raise SettingError(f"{where}={raw!r}: {f.name} must be {_TYPE_NAMES[wanted]}") from None
        return _checked(f, value, where)
    return _checked(f, raw, where)


def _check_ranges(settings: Settings) -> None:
    if settings.search_k < 1 or settings.answer_k < 1:
        raise SettingError(f"search_k and answer_k must be at least 1, got {settings.search_k} and "
                           f"{settings.answer_k}")
    if settings.llm_timeout is not None and settings.llm_timeout <= 0:
        raise SettingError(f"llm_timeout must be more than 0 seconds, got {settings.llm_timeout}")
    if settings.search_visual_every < 0 or settings.search_per_page < 0 or settings.search_rrf_k < 0:
        raise SettingError("search_visual_every, search_per_page and search_rrf_k must be 0 or more")


def default_store(environ: Mapping[str, str] = os.environ) -> Path:
    """The library folder when none is given: $DOCRAG_STORE, else ./.docrag."""
    return Path(environ.get(STORE_ENV) or DEFAULT_STORE)


def resolve_settings(root: Path, options: Mapping[str, Any], environ: Mapping[str, str] = os.environ,
                     recorded_text_model: str | None = None) -> Settings:
    """The library's settings: each from `options` (None = not given), else its environment variable (empty =
    unset), else the config file, else (text_model only) `recorded_text_model`, else its default.
    SettingError (or chat.config_file.ConfigFileError) names the key, where it came from and what is valid."""
    fields = {f.name: f for f in setting_fields()}
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise TypeError(f"unknown settings {unknown}; valid settings: {', '.join(sorted(fields))}")
    path = config_path(root, environ)
    from_file = read_config(path, frozenset(fields)) if path is not None else {}
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if options.get(name) is not None:
            values[name] = _checked(f, options[name], "option")
        elif (environ.get(f.metadata["env"]) or "").strip():
            values[name] = _from_env(f, environ[f.metadata["env"]])
        elif name in from_file:
            values[name] = _checked(f, from_file[name], str(path))
        elif name == "text_model" and recorded_text_model:
            values[name] = recorded_text_model
    settings = Settings(root=Path(root), **values)
    _check_ranges(settings)
    try:
        settings.search_settings()  # a bad route or weight is reported now, not at the first search
    except ValueError as err:
        raise SettingError(str(err)) from None
    return settings


def _cell(value: Any) -> str:
    if value is None:
        return "unset"
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def markdown_table() -> str:
    """The README's table of settings (what `python -m chat.settings --markdown` prints)."""
    lines = [f"The library folder is `--store`, else `${STORE_ENV}`, else `./{DEFAULT_STORE}`. Every other setting: "
             "option, then environment variable, then TOML key, then default.", "",
             "| TOML key | environment variable | option | default | meaning |", "|---|---|---|---|---|"]
    for f in setting_fields():
        meaning = f.metadata["meaning"]
        if f.metadata["choices"]:
            meaning += "; one of " + ", ".join(f"`{c}`" for c in f.metadata["choices"])
        option = f"`{f.metadata['option']}`" if f.metadata["option"] else "-"
        lines.append(f"| `{f.name}` | `{f.metadata['env']}` | {option} | {_cell(f.default)} | {meaning} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chat.settings", description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table of settings as Markdown")
    args = parser.parse_args(argv)
    if not args.markdown:
        parser.print_help()
        return 0
    print(markdown_table(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
