"""Where a library's TOML settings file is, and reading it.

Looked up in order: `$DOCRAG_CONFIG`; `docrag.toml` inside the store folder (settings of one library); the user's
`$XDG_CONFIG_HOME/docrag/config.toml` (default `~/.config/docrag/config.toml`). The first file found is used.
Keys are top-level and named like the fields of `chat.settings.Settings`, e.g.::

    llm = "openai:qwen2.5-vl"
    base_url = "http://gpu-box:8000/v1"
    rerank_model = "/models/ms-marco-MiniLM-L-6-v2"
    ocr = "off"
    send_images = false   # a text-only answer model: no table/figure crops

An option given explicitly wins over its environment variable, which wins over the file (chat.settings, which
also checks each value's type).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

CONFIG_ENV = "DOCRAG_CONFIG"
STORE_FILE = "docrag.toml"


class ConfigFileError(ValueError):
    """A config file that cannot be read, is not TOML, or holds an unknown key."""


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


def read_config(path: Path, keys: frozenset[str]) -> dict[str, Any]:
    """The settings in `path` (values as TOML typed them; chat.settings checks them); ConfigFileError names a key
    that is not in `keys`."""
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
    for key in data:
        if key not in keys:
            raise ConfigFileError(f"{path}: unknown setting {key!r}; valid settings: {', '.join(sorted(keys))}")
    return data
