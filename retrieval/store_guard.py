"""Turning failures to read or write a library folder into errors that say what happened and what to do.

Four causes look alike from the outside (a SQLite or Chroma call fails) and need opposite advice: file
permissions (ask for access), a read-only store (reads work, only writes fail), a full disk (free space; the
failed write was rolled back) and real damage (rebuild). Only damage may suggest a rebuild, and the rebuild keeps
the catalog: `docrag ingest --rebuild --store DIR`. Nothing here ever advises deleting a folder.
"""
from __future__ import annotations

import atexit
import errno
import logging
import os
import shlex
import shutil
import sqlite3
import tempfile
import threading
from pathlib import Path

from retrieval.errors import (NoLibraryError, StoreDamagedError, StoreError, StoreFullError,
                              StoreReadOnlyError, StoreUnreadableError)

log = logging.getLogger(__name__)

STORE_MARKER = "docrag-store.json"  # format, text model and dimension of the store's vectors
CATALOG_FILE = "catalog.sqlite"  # retrieval.catalog.CATALOG_FILE (not imported: the catalog is not opened here)
# What only a stored document leaves in a library folder besides the catalog, and what each is. With the catalog
# they tell a library apart from a folder holding only crops from `docrag parse`, or only a docrag.toml.
STORED_PARTS = {STORE_MARKER: "a store marker", "chroma/chroma.sqlite3": "vectors",
                "chroma-server.json": "a Chroma server binding", "lexical/CURRENT": "a lexical index"}

_FULL_WORDS = ("disk is full", "no space left", "disk full", "quota exceeded")
_READ_ONLY_WORDS = ("readonly database", "read-only file system", "read only file system")
_DENIED_WORDS = ("permission denied", "access denied", "operation not permitted")


def rebuild_command(root: Path, with_documents: bool = False) -> str:
    """The command that rebuilds the store at `root` from its catalog (and, with_documents, re-ingests files)."""
    where = shlex.quote(str(root))
    return f"docrag ingest --rebuild {'YOUR_DOCUMENTS ' if with_documents else ''}--store {where}"


def rebuild_hint(root: Path, with_documents: bool = False) -> str:
    """One clause advising a rebuild of the store at `root`, ending in the command to run. with_documents: the
    catalog itself is unusable, so the documents have to be given again (the damaged catalog is set aside)."""
    if with_documents:
        return (f"rebuild the store from your documents with `{rebuild_command(root, True)}` (the damaged "
                "catalog is kept beside the new one, renamed)")
    return (f"rebuild it from the catalog and the files still present with `{rebuild_command(root)}` "
            "(no document is dropped)")


def library_exists(root: Path) -> bool:
    """Whether the folder `root` holds a library (looks only; creates nothing)."""
    root = Path(root).expanduser()
    try:
        return root.is_dir() and any((root / name).exists() for name in (CATALOG_FILE, *STORED_PARTS))
    except PermissionError:  # a folder this user may not read: opening it says so (StoreUnreadableError)
        return True


def require_library(root: Path) -> None:
    """Raise NoLibraryError, saying how to create one, when `root` holds no library (for commands that read)."""
    if not library_exists(root):
        where = shlex.quote(str(root))
        raise NoLibraryError(f"no library at {root} (create one with docrag ingest PATH --store {where})")


def recorded_text_model(root: Path) -> str | None:
    """The text model the store at `root` records in its marker, or None (no marker, or one that cannot be read:
    opening the index then reports it)."""
    import json
    try:
        model = json.loads((Path(root).expanduser() / STORE_MARKER).read_text(encoding="utf-8"))["text_model"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return model if isinstance(model, str) and model else None


def is_disk_full(err: BaseException) -> bool:
    """Whether `err` (OSError, SQLite or Chroma error) says the disk or a quota is full."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(err, sqlite3.Error) and getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    return any(word in str(err).lower() for word in _FULL_WORDS)


def is_read_only(err: BaseException) -> bool:
    """Whether `err` says a write was refused because the file or file system is read-only."""
    if isinstance(err, OSError) and err.errno == errno.EROFS:
        return True
    if isinstance(err, sqlite3.Error) and getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY:
        return True
    return any(word in str(err).lower() for word in _READ_ONLY_WORDS)


def is_denied(err: BaseException) -> bool:
    """Whether `err` says file permissions refused the operation."""
    if isinstance(err, OSError) and err.errno in (errno.EACCES, errno.EPERM):
        return True
    return any(word in str(err).lower() for word in _DENIED_WORDS)


def may_write(path: Path) -> bool:
    """Whether this user may write `path` (a file: itself and its folder; a folder: itself)."""
    path = Path(path)
    if path.is_dir():
        return os.access(path, os.W_OK | os.X_OK)
    folder_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def may_read(path: Path) -> bool:
    """Whether this user may read `path` (a folder: list and enter it)."""
    path = Path(path)
    return os.access(path, os.R_OK | os.X_OK) if path.is_dir() else os.access(path, os.R_OK)


def read_only_error(root: Path, path: Path, reason: object) -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"store {root} is read-only for this user (cannot write {path}: {reason}); search, ask, docs and chat "
        f"work on it, but ingest and remove need write access to {root}")


def unreadable_error(root: Path, path: Path, reason: object) -> StoreUnreadableError:
    return StoreUnreadableError(
        f"store {root} cannot be read by this user ({path}: {reason}); nothing in it is damaged: ask its owner "
        f"for read access to {root}")


def disk_full_error(root: Path, path: Path, reason: object) -> StoreFullError:
    return StoreFullError(
        f"the disk holding store {root} is full (writing {path}: {reason}); the write was rolled back and "
        "nothing stored was lost: free some space and run the command again")


def check_readable(root: Path, path: Path) -> None:
    """Raise StoreUnreadableError when `path` (or the store folder) exists but this user may not read it."""
    for target in (Path(root), Path(path)):
        if target.exists() and not may_read(target):
            raise unreadable_error(root, target, "permission denied")


def check_writable(root: Path, path: Path) -> None:
    """Raise StoreReadOnlyError when this user may not write `path` in the store `root`."""
    if not may_write(path):
        raise read_only_error(root, path, "permission denied")


def classify(err: BaseException, root: Path, path: Path, damage: str | None = None,
             with_documents: bool = False) -> StoreError | None:
    """The StoreError that `err`, raised while using `path` in store `root`, stands for: disk full, read-only,
    permission denied, or (when `damage` describes the part, e.g. "catalog X") damaged with the rebuild hint.
    None when `err` is none of these (a bug, or an error the caller knows better)."""
    if isinstance(err, StoreError):
        return err
    reason = err.strerror if isinstance(err, OSError) and err.strerror else \
        (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
    if is_disk_full(err):
        return disk_full_error(root, path, reason)
    if (is_read_only(err) or is_denied(err)) and Path(path).exists() and not may_write(path):
        return read_only_error(root, path, reason)
    if is_denied(err):
        return unreadable_error(root, path, reason)
    if damage is not None:
        return StoreDamagedError(f"{damage} is damaged ({reason}); {rebuild_hint(root, with_documents)}")
    return None


# -- read-only vector stores ----------------------------------------------------------------------------------
_copies: dict[Path, Path] = {}
_copies_lock = threading.Lock()


def searchable_copy(folder: Path) -> Path:
    """A private, writable copy of a read-only embedded Chroma folder (Chroma cannot open one it may not write),
    made once per process and deleted when the process exits. The original is never written."""
    folder = Path(folder).resolve()
    with _copies_lock:
        copy = _copies.get(folder)
        if copy is None:
            size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
            log.info("vector store %s is read-only for this user; searching a private copy (%.1f MB)", folder,
                     size / 1e6)
            base = Path(tempfile.mkdtemp(prefix="docrag-readonly-"))
            atexit.register(shutil.rmtree, base, True)
            copy = base / folder.name
            try:
                shutil.copytree(folder, copy)
            except OSError as err:
                raise classify(err, folder.parent, folder) or err from err
            for path in (copy, *copy.rglob("*")):  # copies keep the read-only modes; Chroma must write them
                path.chmod(path.stat().st_mode | 0o200)
            _copies[folder] = copy
        return copy
