"""Which files an ingest reads: the files and folders given, walked without following links out of them.

Every entry met on the way is either returned for parsing or reported as skipped with a reason, so nothing is
left out silently: unsupported types, hidden (dot) files and folders, FIFOs, sockets and devices (opening a FIFO
would block the ingest), broken links, link loops, and links that leave the folder being ingested (unless
`follow_links`: a folder may hold a link to a private key or to another user's files, and the library would then
serve their text). Files are known by their own path inside the folder (docparse.base.stored_path), so a link is
stored under its own name, not its target's.
"""
from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from retrieval.ingest_report import FileFailure
from docparse.base import stored_path
from docparse.registry import supported_extensions

_SPECIAL_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"))


def is_hidden(name: str) -> bool:
    """A dot file or folder (".git", ".DS_Store", a store folder ".docrag"). A name that merely starts with two
    dots ("..%2F..%2Fevil.pdf", "...notes.txt") is an odd name, not a hidden one."""
    return name.startswith(".") and not name.startswith("..")


def _special_kind(mode: int) -> str | None:
    """What a non-regular, non-folder entry is ("a FIFO", ...), or None for files and folders."""
    return next((label for test, label in _SPECIAL_KINDS if test(mode)), None)


@dataclass
class _Walk:
    """One walk over the paths given to an ingest: what it found and what it skipped, in order."""

    follow_links: bool
    supported: frozenset[str]
    files: list[Path] = field(default_factory=list)
    skipped: list[FileFailure] = field(default_factory=list)

    def skip(self, shown: str, reason: str) -> None:
        self.skipped.append(FileFailure(os.path.basename(shown) or shown, f"{shown}: {reason}"))

    def entry(self, path: str, shown: str, mode: int, named: bool) -> None:
        """A file (or a special entry) reached at `path`; `named`: given on the command line."""
        special = _special_kind(mode)
        if special is not None:
            self.skip(shown, f"not a regular file ({special})")
        elif os.path.splitext(path)[1].lower() in self.supported:
            self.files.append(Path(stored_path(path)))
        else:
            ext = os.path.splitext(path)[1].lower() or "(none)"
            more = f"; supported: {', '.join(sorted(self.supported))}" if named else ""
            self.skip(shown, f"unsupported file type {ext!r}{more}")

    def folder(self, path: str, shown: str, top: str, enclosing: tuple[str, ...]) -> None:
        """Walk the folder at `path` (its real path is the last of `enclosing`); `top`: the real path of the
        folder given to the ingest, which links may not leave unless `follow_links`."""
        try:
            with os.scandir(path) as listing:
                names = sorted(entry.name for entry in listing)
        except OSError as err:
            self.skip(shown, f"cannot list folder: {err.strerror or err}")
            return
        for name in names:
            child, child_shown = os.path.join(path, name), os.path.join(shown, name)
            if is_hidden(name):
                self.skip(child_shown, "hidden (name starts with a dot); give its path to ingest it")
                continue
            if os.path.islink(child):
                target = self._link_target(child, child_shown, top, enclosing)
                if target is None:
                    continue
            try:
                info = os.stat(child)
            except OSError as err:
                self.skip(child_shown, f"cannot read: {err.strerror or err}")
                continue
            if stat.S_ISDIR(info.st_mode):
                real = os.path.realpath(child)
                if real in enclosing:  # a bind mount or link back up the tree: walking on would never end
                    self.skip(child_shown, "link loop (leads back to a folder that holds it)")
                else:
                    self.folder(child, child_shown, top, (*enclosing, real))
            else:
                self.entry(child, child_shown, info.st_mode, named=False)

    def _link_target(self, link: str, shown: str, top: str, enclosing: tuple[str, ...]) -> str | None:
        """The real path a link leads to when it may be followed; else None, with the reason in `skipped`."""
        try:
            os.stat(link)
        except OSError as err:
            if err.errno == errno.ELOOP:
                self.skip(shown, "link loop (the link leads back to itself)")
            else:
                self.skip(shown, f"broken link (its target {os.readlink(link)!r} does not exist)")
            return None
        target = os.path.realpath(link)
        if target in enclosing:
            self.skip(shown, "link loop (leads back to a folder that holds it)")
            return None
        if not self.follow_links and os.path.commonpath([top, target]) != top:
            self.skip(shown, f"links outside {top} (to {target}); pass --follow-links to ingest it")
            return None
        return target


def expand_paths(paths: Iterable[str | Path], follow_links: bool = False) -> tuple[list[Path], list[FileFailure]]:
    """Files to ingest from files and folders (folders recursively, supported types only, in name order), plus
    every entry skipped, with its reason (see the module docstring). A file or folder named on the command line
    is read even when it is a link; links met inside a folder are followed only while they stay in it, unless
    `follow_links`."""
    walk = _Walk(follow_links, frozenset(supported_extensions()))
    for raw in paths:
        path = os.fspath(raw)
        try:
            info = os.stat(path)
        except OSError as err:
            if not os.path.lexists(path):
                walk.skip(path, "no such file or folder")
            elif err.errno == errno.ELOOP:
                walk.skip(path, "link loop (the link leads back to itself)")
            else:
                walk.skip(path, f"cannot read: {err.strerror or err}")
            continue
        if stat.S_ISDIR(info.st_mode):
            real = os.path.realpath(path)
            # Files are known by paths under the folder's real path, as a library stored them before links
            # inside folders were kept by name.
            walk.folder(real, path.rstrip(os.sep) or path, real, (real,))
        else:
            walk.entry(path, path, info.st_mode, named=True)
    # The same file named twice (a folder and a file inside it) is ingested once.
    return list(dict.fromkeys(walk.files)), walk.skipped
