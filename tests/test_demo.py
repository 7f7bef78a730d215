"""The README's demo question on the real Apple 10-Q sample: the answer carries 82,959 and cites page 4."""
from pathlib import Path

import pytest

from chat.library import Library

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "apple-10q-2022q3.pdf"
QUESTION = "What were Apple's total net sales for the three months ended June 25, 2022?"


@pytest.mark.slow
def test_demo_question_is_answered_from_the_income_statement(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCRAG_LLM", raising=False)
    library = Library.open(tmp_path / "store")
    report = library.add([SAMPLE])
    assert report.added == ("apple-10q-2022q3.pdf",) and not report.failed
    answer = library.ask(QUESTION)
    assert answer.mode == "extractive"
    assert "82,959" in answer.text
    cited_pages = {c.element.page for c in answer.citations}
    assert 4 in cited_pages
    table = next(c.element for c in answer.citations if c.element.page == 4)
    assert table.kind.value == "table"
    assert any("82,959" in cell for row in table.cells for cell in row)
    # The statement prints its scale as a line of its own; the evidence carries it to the answer.
    assert answer.text.startswith("$82,959 million"), answer.text
    income_statement = next(h.element for h in library.evidence(QUESTION) if h.element.id == table.id)
    assert "(In millions" in (income_statement.caption or "")
