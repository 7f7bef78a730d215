"""`docrag chat` driven as a person would, in a pseudo-terminal (pexpect): the installed `docrag` script on a real
store, answering extractively and through the fake OpenAI server (streaming, Ctrl-C, failures, attached images).
"""
import os
import signal
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

DOCRAG = Path(sys.executable).with_name("docrag")
PROMPT = "\r\n> "
# rich styles the output on a terminal; patterns below skip its escape codes where they may fall
ANSI = r"(?:\x1b\[[0-9;]*m)*"


def spawn(store, *options, env=None):
    if not DOCRAG.is_file():
        pytest.skip(f"{DOCRAG} is not installed (pip install -e .)")
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "DOCRAG_LLM": "", "TERM": "xterm", **(env or {})}
    # A test run started in the background inherits SIGINT ignored, and a child keeps an ignored signal ignored
    # (as `nohup` relies on): the person at this terminal has Ctrl-C, so the child starts with the default.
    child = pexpect.spawn(str(DOCRAG), ["chat", "--store", str(store), "--no-images", *options], env=environment,
                          encoding="utf-8", timeout=120, dimensions=(50, 140),
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    child.expect("docrag chat: 1 documents")
    child.expect_exact(PROMPT)
    return child


def ask(child, line, *patterns):
    """Type `line`, wait for each pattern in turn, then for the next prompt; returns what was shown."""
    child.sendline(line)
    for pattern in patterns:
        child.expect(pattern)
    child.expect_exact(PROMPT)
    return child.before


def quit_cleanly(child):
    child.sendline("/quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_extractive_session(store_copy, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    child = spawn(store_copy, "--llm", "extractive")
    ask(child, "What was revenue in the North region in 2023?", "1,350")
    ask(child, "and in the South?", "1,105")  # the follow-up was searched with the first question's words
    ask(child, "/sources", r"S#.*file.*page.*kind", rf"S\d+{ANSI} \S+ {ANSI}report\.pdf.*2.*table")
    ask(child, f"/image {notes}", r"error: (?:\x1b\[[0-9;]*m)*image refused: notes\.txt: not an image")
    ask(child, "/docs", "report.pdf")
    ask(child, "/clear", r"\(conversation cleared\)")
    ask(child, "/sources", r"\(no sources yet\)")
    ask(child, "/help", r"/image PATH")
    quit_cleanly(child)
    transcript = (store_copy / "chat" / "transcript.jsonl").read_text().splitlines()
    assert len(transcript) == 2


def test_streamed_llm_session_survives_ctrl_c_and_server_failures(store_copy, fake_openai, tmp_path):
    from tests.chat.evidence_fixtures import write_png

    fake_openai.reply = "Revenue was 4,812 million dollars [S1]."
    child = spawn(store_copy, "--llm", "openai:test-model", "--base-url", fake_openai.url,
                  env={"DOCRAG_LLM_TIMEOUT": "2", "NO_PROXY": "127.0.0.1,localhost"})
    ask(child, "What was the quarterly revenue of Zentrix Corp?", r"4,812 million dollars", r"S#", r"report\.pdf")
    assert fake_openai.requests[-1]["stream"] is True

    # Ctrl-C while the answer streams stops the answer, not the session
    fake_openai.mode, fake_openai.piece_delay = "slow", 1.0
    fake_openai.reply = "The revenue figure is long in coming and should never finish here at all."
    child.sendline("What was the quarterly revenue?")
    child.expect("The revenue")
    child.sendintr()
    child.expect(r"\(answer stopped\)")
    child.expect_exact(PROMPT)
    assert "never finish" not in child.before

    fake_openai.mode = "truncated"
    ask(child, "What was the quarterly revenue?", r"error: .*broke off.*incomplete")
    fake_openai.mode = "error"
    ask(child, "What was the quarterly revenue?", r"4,812", r"500.*answered extractively instead")
    fake_openai.mode = "hang"
    ask(child, "What was the quarterly revenue?", r"timed out.*answered extractively instead")

    fake_openai.mode = "ok"
    fake_openai.reply = "That is the plant [S1]."
    photo = write_png(tmp_path / "plant.png", size=(80, 60))
    ask(child, f"/image {photo}", r"attached to the next question")
    ask(child, "Which plant is this?", r"That is the plant")
    parts = fake_openai.requests[-1]["messages"][-1]["content"]
    assert any("plant.png" in p.get("text", "") for p in parts)
    assert sum(p["type"] == "image_url" for p in parts) >= 1
    quit_cleanly(child)
