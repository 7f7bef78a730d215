"""Which Chroma server a library keeps its vectors on: `<root>/chroma-server.json`, {"collection", "url"}.

On a server many libraries share one namespace, so each library gets its own collection name: the one given
(`--collection NAME`), else one derived from the library folder's path. The name and the server's address are
recorded the first time, so later runs find the same collection without repeating them, a different name for the
same library is refused (its catalog would then point at vectors that are not there), and a run without
`--chroma-url` uses the recorded server instead of silently writing to an embedded store under the folder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

from retrieval.errors import StoreError, StoreServerError

log = logging.getLogger(__name__)

SERVER_BINDING = "chroma-server.json"
EMBEDDED_FOLDER = "chroma"
_NAME_RULE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")  # Chroma's rule, kept short


def derived_collection_name(root: Path) -> str:
    """A server collection name for a library folder: its base name (sanitised) and a hash of its full path,
    so two libraries both called `.docrag` in different folders still get different names."""
    path = str(Path(root).expanduser().resolve())
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(path).name).strip("-_")[:30] or "library"
    return f"docrag-{stem}-{hashlib.sha1(path.encode()).hexdigest()[:12]}"


def check_collection_name(name: str) -> str:
    """`name` if Chroma accepts it as a collection name (with our suffixes), else ValueError saying the rule."""
    if not _NAME_RULE.match(name) or ".." in name:
        raise ValueError(f"collection name {name!r} is not valid: use 3-63 letters, digits, '.', '_' or '-', "
                         "starting and ending with a letter or digit")
    return name


def read_binding(root: Path) -> dict | None:
    """The recorded {"collection": NAME, "url": URL (absent in older stores)}, or None for an embedded library.
    An unreadable record raises StoreError saying what to write into it."""
    binding = Path(root) / SERVER_BINDING
    if not binding.is_file():
        return None
    try:
        data = json.loads(binding.read_text(encoding="utf-8"))
        return {"collection": str(data["collection"]), **({"url": str(data["url"])} if data.get("url") else {})}
    except OSError as err:
        from retrieval.store_guard import classify
        known = classify(err, Path(root), binding)  # permissions, not damage, most often
        if known is not None:
            raise known from err
        raise StoreError(f"{binding} cannot be read ({err})") from err
    except (ValueError, KeyError, TypeError) as err:
        raise StoreError(f"{binding} is unreadable ({err}); it records which Chroma server collection holds the "
                         f"vectors of {binding.parent}: write {{\"collection\": \"NAME\", \"url\": "
                         "\"http://HOST:PORT\"}} into it with that collection's name and server") from err


def _write_binding(root: Path, data: dict) -> None:
    binding = Path(root) / SERVER_BINDING
    try:
        binding.parent.mkdir(parents=True, exist_ok=True)
        tmp = binding.with_name(f"{SERVER_BINDING}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
        os.replace(tmp, binding)
    except OSError as err:
        log.warning("could not record the Chroma server binding in %s (%s)", binding, err)


def server_collection_base(root: Path, requested: str | None = None, url: str | None = None) -> str:
    """The library's collection name on a Chroma server: recorded in `<root>/chroma-server.json`, else
    `requested`, else derived from the folder; recorded (with the server's `url`) on first use. A `requested`
    name that differs from the recorded one raises StoreError naming both."""
    recorded = read_binding(root)
    if recorded is not None:
        name = recorded["collection"]
        if requested and requested != name:
            raise StoreError(f"library {root} uses collection {name!r} on the Chroma server, not "
                             f"{requested!r}; leave out --collection, or use another --store for {requested!r}")
        if url and recorded.get("url") != url:  # the server moved, or an older record without its address
            _write_binding(root, {"collection": name, "url": url})
        return name
    name = check_collection_name(requested) if requested else derived_collection_name(root)
    _write_binding(root, {"collection": name, **({"url": url} if url else {})})
    return name


def resolve_chroma_url(root: Path, url: str | None) -> str | None:
    """The Chroma server a library's vectors are on: `url` when given, else the recorded one, else None (the
    embedded store). A server-backed library whose address was not recorded raises StoreServerError naming
    the option to pass; an embedded library opened with a url raises too (the server holds none of its
    vectors)."""
    recorded = read_binding(root)
    if url:
        embedded = Path(root) / EMBEDDED_FOLDER / "chroma.sqlite3"
        if recorded is None and embedded.is_file():
            raise StoreServerError(f"library {root} keeps its vectors in its embedded store {embedded.parent}, "
                                   f"not on the Chroma server {url}; leave out --chroma-url")
        return url
    if recorded is None:
        return None
    if recorded.get("url"):
        log.info("library %s keeps its vectors on the Chroma server %s (recorded in %s)", root, recorded["url"],
                 Path(root) / SERVER_BINDING)
        return recorded["url"]
    raise StoreServerError(f"library {root} keeps its vectors on a Chroma server (collection "
                           f"{recorded['collection']!r}, recorded in {Path(root) / SERVER_BINDING}), whose address "
                           "was not recorded; pass --chroma-url http://HOST:PORT of that server")
