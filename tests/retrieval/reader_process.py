"""Run `docrag` in a subprocess that file permissions apply to, as a user who may read a store but not write it.

Tests run as root in CI, and root ignores file modes. A root subprocess is made ordinary by dropping the
capabilities that override file permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER) from its bounding
set before it starts: it keeps uid 0 (so it can still run the interpreter under /root), but a file's mode bits
then bind it like any owner. A non-root test run needs nothing. The subprocess uses the hashing embedder of
tests/retrieval/test_index.py, so no model is loaded.
"""
from __future__ import annotations

import ctypes
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.retrieval.cli_helpers import REPO, cli_env

_PR_CAPBSET_DROP = 24
_FILE_OVERRIDES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
_BOOT = ("import sys; import retrieval.text_embedder as t; from tests.retrieval.test_index import HashingEmbedder; "
         "t.make_text_embedder = lambda *a, **k: HashingEmbedder(); from chat.cli import main; "
         "sys.exit(main(sys.argv[1:]))")


def _drop_file_overrides() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _FILE_OVERRIDES:
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _preexec():
    return _drop_file_overrides if os.geteuid() == 0 else None


def run_reader(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`docrag ARGS` run by a user whom file permissions bind (see the module docstring)."""
    return subprocess.run([sys.executable, "-c", _BOOT, *args], cwd=REPO, env=cli_env(), capture_output=True,
                          text=True, timeout=timeout, preexec_fn=_preexec())


def require_permissions_apply(tmp_path: Path) -> None:
    """Skip the test, with the reason, when a reader subprocess would still write a read-only file."""
    probe = tmp_path / "permission-probe"
    probe.write_text("x")
    probe.chmod(0o444)
    try:
        done = subprocess.run([sys.executable, "-c", f"open({str(probe)!r}, 'a')"], capture_output=True,
                              preexec_fn=_preexec(), timeout=60)
    except (OSError, subprocess.SubprocessError) as err:
        pytest.skip(f"cannot start a process that file permissions apply to: {err}")
    finally:
        probe.chmod(0o644)
    if done.returncode == 0:
        pytest.skip("file permissions do not bind the test process (root, and its file capabilities could not be "
                    "dropped)")


def make_read_only(root: Path) -> None:
    """Take write permission away from the store folder and everything in it."""
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR | stat.S_IRUSR | (stat.S_IXUSR if path.is_dir() else 0))
