import io
from dataclasses import dataclass
from pathlib import Path

from chat.answer import Answer, Citation
from chat.chat_log import ChatLog
from chat.chat_loop import run_chat
from docparse.element import Element, ElementKind, Provenance


@dataclass
class _Config:
    root: Path
    llm_spec: str = "extractive"


@dataclass
class _Record:
    source: str
    pages: int


class FakeLibrary:
    """Stands in for Library: records questions and history, streams a fixed answer, fails on request."""

    def __init__(self, root):
        self.config = _Config(root)
        self.calls = []
        self.images = []

    def documents(self):
        return [_Record("report.pdf", 3)]

    def ask(self, question, k=None, sources=None, history=None, images=None, on_token=None, previous=None):
        self.calls.append((question, list(history or ())))
        self.images.append(list(images or ()))
        if question == "boom":
            raise RuntimeError("backend exploded")
        if question == "stop":
            if on_token:
                on_token("Half an ans")
            raise KeyboardInterrupt
        element = Element(id="e1", kind=ElementKind.TEXT, text="Revenue was 4,812.",
                          provenance=Provenance("d", "report.pdf", 2, (1.0, 2.0, 3.0, 4.0)))
        text = f"Answer to {question} [S1]"
        if on_token:
            on_token(text)
        return Answer(question=question, text=text, citations=(Citation("S1", element),), hits=(),
                      model="fake", mode="llm")


def drive(lines, root):
    feed = iter(lines)

    def read_line(prompt):
        try:
            return next(feed)
        except StopIteration:
            raise EOFError

    out = io.StringIO()
    library = FakeLibrary(root)
    code = run_chat(library, read_line=read_line, out=out)
    return code, out.getvalue(), library


def test_questions_keep_history_and_commands_work(tmp_path):
    code, out, library = drive(["first?", "/sources", "second?", "/clear", "third?", "/docs", "/nope", "/quit"],
                               tmp_path)
    assert code == 0
    assert [q for q, _ in library.calls] == ["first?", "second?", "third?"]
    assert library.calls[1][1] == [("first?", "Answer to first? [S1]")]
    assert library.calls[2][1] == []  # /clear forgot the conversation
    assert "[S1] report.pdf, page 2" in out
    assert "report.pdf  3 pages" in out
    assert "unknown command /nope" in out


def test_a_failing_or_interrupted_answer_leaves_the_session_usable(tmp_path):
    code, out, library = drive(["boom", "stop", "after?"], tmp_path)
    assert code == 0
    assert "error: backend exploded" in out and "Half an ans\n\n(answer stopped)" in out
    assert "Answer to after? [S1]" in out
    assert library.calls[-1][1] == []  # failed turns are not part of the history


def test_turns_are_kept_on_disk_per_library(tmp_path):
    drive(["first?", "second?"], tmp_path)
    drive(["third?"], tmp_path)
    turns = ChatLog(tmp_path).turns()
    assert [t["question"] for t in turns] == ["first?", "second?", "third?"]
    assert turns[0]["citations"][0]["source"] == "report.pdf" and turns[0]["citations"][0]["page"] == 2


def test_library_searches_a_follow_up_as_a_standalone_query(tmp_path, monkeypatch):
    from chat.library import Library

    searched = []

    class Index:
        def element_count(self):
            return 1

        def settle_images(self):
            pass

    library = Library(Library.open(tmp_path).config, index=Index())
    monkeypatch.setattr(library, "search", lambda query, k=None, sources=None: searched.append(query) or [])
    history = [("What were total net sales in 2022?", "82,959 [S1]")]
    library.ask("and the year before?", history=history)
    assert searched == ["total net sales 2021"]  # the subject carried, its year moved back by one


def test_image_command_attaches_an_image_to_the_next_question_only(tmp_path):
    from tests.chat.evidence_fixtures import write_png

    photo = write_png(tmp_path / "my chart.png")
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    code, out, library = drive([f"/image {notes}", "/image", f"/image '{photo}'", "/image", "what is this?",
                                "and now?", "/quit"], tmp_path)
    assert code == 0
    assert "error: image refused: notes.txt: not an image PIL can read" in out
    assert "usage: /image PATH" in out and f"(attached: {photo})" in out
    assert library.images == [[photo], []]  # the image went with one question; the session went on


def test_help_lists_every_command(tmp_path):
    _, out, _ = drive(["/help"], tmp_path)
    for command in ("/image PATH", "/sources", "/docs", "/clear", "/help", "/quit"):
        assert command in out


def test_plain_output_without_a_terminal_and_rich_on_one(tmp_path):
    from chat.render import PlainView, RichView, make_view

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert type(make_view(io.StringIO())) is PlainView
    terminal = Terminal()
    view = make_view(terminal)
    assert isinstance(view, RichView)
    element = Element(id="e1", kind=ElementKind.TABLE, text="t",
                      provenance=Provenance("d", "report.pdf", 7, (1.0, 2.0, 3.0, 4.0)))
    view.answer(Answer(question="q", text="It was 4,812 [S1]", citations=(Citation("S1", element),), hits=(),
                       model="m", mode="llm"), streamed=False)
    view.error("backend failed:\n  connection refused")
    shown = terminal.getvalue()
    header = next(line for line in shown.splitlines() if "S#" in line)
    assert all(column in header for column in ("S#", "file", "page", "kind"))
    row = next(line for line in shown.splitlines() if "report.pdf" in line)
    assert "S1" in row and " 7 " in row and "table" in row
    assert "backend failed: connection refused" in shown  # one line
