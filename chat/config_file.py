"""Library settings from a TOML file, below command-line options and environment variables.

Looked up in order: `$DOCRAG_CONFIG`; `docrag.toml` inside the store folder (settings of one library); the user's
`$XDG_CONFIG_HOME/docrag/config.toml` (default `~/.config/docrag/config.toml`). The first file found is used.
Keys are top-level and named like `LibraryConfig` fields, e.g.::

    llm = "openai:qwen2.5-vl"
    base_url = "http://gpu-box:8000/v1"
    rerank_model = "/models/ms-marco-MiniLM-L-6-v2"
    ocr = "off"
    send_images = false   # a text-only answer model: no table/figure crops

A setting given explicitly (a CLI option, a `Library.open` argument) wins; then its environment variable
(`DOCRAG_LLM`, `OPENAI_BASE_URL`, ...), read where the setting is used; then the file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

CONFIG_ENV = "DOCRAG_CONFIG"
STORE_FILE = "docrag.toml"
# Setting -> the environment variable that overrides the file (read downstream, where the setting is used).
ENV_OVERRIDES = {"llm": "DOCRAG_LLM", "base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY",
                 "clip_model": "DOCRAG_CLIP_MODEL", "clip_pretrained": "DOCRAG_CLIP_PRETRAINED",
                 "rerank_model": "DOCRAG_RERANK", "text_backend": "DOCRAG_TEXT_BACKEND",
                 "send_images": "DOCRAG_SEND_IMAGES"}
_TYPES: dict[str, type] = {"llm": str, "base_url": str, "api_key": str, "text_model": str, "text_backend": str,
                           "chroma_url": str,
                           "chroma_collection": str, "clip_model": str, "clip_pretrained": str,
                           "rerank_model": str, "ocr": str, "ocr_languages": str, "image_search": bool,
                           "search_k": int, "answer_k": int, "send_images": bool}
KEYS = tuple(sorted(_TYPES))
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}


class ConfigFileError(ValueError):
    """A config file that cannot be read, is not TOML, or holds an unknown key or a value of the wrong type."""


def config_path(store: Path, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The config file that applies to the library at `store`, or None."""
    if environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV]).expanduser()
        if not path.is_file():
            raise ConfigFileError(f"{path}: ${CONFIG_ENV} names a file that does not exist")
        return path
    home = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    for path in (Path(store) / STORE_FILE, home / "docrag" / "config.toml"):
        try:
            if path.is_file():
                return path
        except PermissionError as err:  # a folder this user may not enter: say so, naming it
            if path.parent == Path(store):
                from retrieval.store_guard import unreadable_error
                raise unreadable_error(Path(store), path.parent, err.strerror) from None
            raise ConfigFileError(f"{path}: cannot read ({err.strerror})") from None
    return None


def read_config(path: Path) -> dict[str, Any]:
    """The settings in `path`, checked against KEYS and their types."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as err:
        raise ConfigFileError(f"{path}: cannot read ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigFileError(f"{path}: not valid TOML ({err})") from None
    for key, value in data.items():
        if key not in _TYPES:
            raise ConfigFileError(f"{path}: unknown setting {key!r}; valid settings: {', '.join(KEYS)}")
        wanted = _TYPES[key]
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise ConfigFileError(f"{path}: {key} must be {_TYPE_NAMES[wanted]}, got {value!r}")
    return data


def merged_settings(store: Path, explicit: Mapping[str, Any],
                    environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """`explicit` (None values count as not given) completed from the config file, except where an environment
    variable overrides the file."""
    settings = {key: value for key, value in explicit.items() if value is not None}
    path = config_path(store, environ)
    if path is None:
        return settings
    for key, value in read_config(path).items():
        if key in settings or environ.get(ENV_OVERRIDES.get(key, "")):
            continue
        settings[key] = value
    return settings
