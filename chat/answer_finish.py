"""The last step of every answer: extractive answers get the boxes of the cells, rows and sentences they cite
(chat.span_boxes); a model's answer is marked unanswerable when it says the documents do not answer
(chat.abstention)."""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

from chat.answer import Answer


def finish_answer(answer: Answer, document_path: Callable[[str], str | None]) -> Answer:
    """`answer` with span boxes (extractive) or its answerable flag (llm); document_path maps a doc_id to the
    stored file's path."""
    if answer.mode != "extractive":
        from chat.abstention import model_abstained

        return replace(answer, answerable=not model_abstained(answer.text, len(answer.citations)))
    from chat.span_boxes import locate_spans

    return locate_spans(answer, document_path)
