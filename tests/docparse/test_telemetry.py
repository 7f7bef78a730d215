"""Importing docrag turns its dependencies' usage reporting off before they load (docparse.telemetry)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_importing_docrag_first_keeps_onnxruntime_from_writing_to_home(tmp_path):
    pytest.importorskip("onnxruntime")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_", "ANONYMIZED_", "DO_NOT_TRACK",
                                                                     "SCARF_", "HF_HUB_DISABLE"))}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    code = ("import os, chat.library, onnxruntime; "
            "print(os.environ['ANONYMIZED_TELEMETRY'], os.environ['HF_HUB_DISABLE_TELEMETRY'])")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "1"]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # no .cache/Microsoft/.../onnxruntime.db


def test_a_users_own_choice_is_kept(monkeypatch):
    from docparse.telemetry import telemetry_off

    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "True")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    telemetry_off()
    assert os.environ["ANONYMIZED_TELEMETRY"] == "True" and os.environ["DO_NOT_TRACK"] == "1"
