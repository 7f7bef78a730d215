"""A table's scale printed as a line beside it ("(In millions, ...)") reaches the answer as the table's caption."""
from chat.extractive import ExtractiveBackend
from chat.table_scale_line import scale_line, with_scale_lines
from docparse.element import Element, ElementKind, Provenance
from retrieval.hit import Hit

STATEMENT = ("|  | June 25, 2022 | June 26, 2021 |\n|---|---|---|\n| Total net sales | $ 82,959 | $ 81,434 |\n"
             "| Diluted earnings per share | $ 1.20 | $ 1.30 |")
CELLS = (("", "June 25, 2022", "June 26, 2021"), ("Total net sales", "$ 82,959", "$ 81,434"),
         ("Diluted earnings per share", "$ 1.20", "$ 1.30"))


class FakeCatalog:
    """Elements in document order, as retrieval.catalog.Catalog gives them."""

    def __init__(self, elements):
        self.elements = list(elements)

    def element_position(self, element_id):
        return next((("d", i) for i, e in enumerate(self.elements) if e.id == element_id), None)

    def elements_between(self, doc_id, first, last):
        return self.elements[max(first, 0):last + 1]


def _element(id_, kind, text, page=4, cells=None):
    return Element(id=id_, kind=kind, text=text, cells=cells,
                   provenance=Provenance(doc_id="d", source="10q.pdf", page=page))


def test_scale_lines_are_whole_parenthesised_labels_or_close_an_introducing_sentence():
    assert scale_line("(In millions, except per share amounts)\n\nSee accompanying Notes") == \
        "(In millions, except per share amounts)"
    assert scale_line("The following table shows net sales by category (dollars in millions):\n\n(1) ...") == \
        "(dollars in millions)"
    assert scale_line("Revenue grew by $3 million (in millions) in 2021.") == ""
    assert scale_line("(See Note 4)") == ""


def test_a_table_takes_the_nearest_scale_line_on_its_page_and_the_answer_states_it():
    table = _element("t", ElementKind.TABLE, STATEMENT, cells=CELLS)
    elements = [_element("h", ElementKind.TITLE, "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS"), table,
                _element("u", ElementKind.TEXT, "(In millions, except per share amounts)\n\nSee accompanying Notes"),
                _element("o", ElementKind.TEXT, "(In thousands)", page=5)]
    hits = with_scale_lines([Hit(element=table, score=1.0, rank=1)], FakeCatalog(elements))
    assert hits[0].element.caption == "(In millions, except per share amounts)"
    answer = ExtractiveBackend().answer("What were total net sales for the period ended June 25, 2022?", hits)
    assert answer.text.startswith("$82,959 million \u2014 Total net sales")
    eps = ExtractiveBackend().answer("What were diluted earnings per share for June 25, 2022?", hits)
    assert "1.20 million" not in eps.text


def test_a_table_that_states_its_scale_or_has_no_line_on_its_page_is_left_alone():
    stated = _element("t", ElementKind.TABLE, "| (in thousands) | 2022 |\n|---|---|\n| Sales | 5 |")
    alone = _element("a", ElementKind.TABLE, STATEMENT, page=6)
    elements = [stated, alone, _element("u", ElementKind.TEXT, "(In millions)", page=4)]
    hits = with_scale_lines([Hit(element=stated, score=1.0, rank=1), Hit(element=alone, score=0.9, rank=2)],
                            FakeCatalog(elements))
    assert [h.element.caption for h in hits] == [None, None]


def test_award_prices_in_a_table_in_millions_keep_no_scale():
    cells = (("", "Number of Units", "Weighted Average Grant-Date Fair Value"),
             ("Outstanding as of December 31, 2017", "20.1", "$ 725"))
    text = ("| | Number of Units | Weighted Average Grant-Date Fair Value |\n|---|---|---|\n"
            "| Outstanding as of December 31, 2017 | 20.1 | $ 725 |")
    table = Element(id="t", kind=ElementKind.TABLE, text=text, cells=cells, caption="(in millions)",
                    provenance=Provenance(doc_id="d", source="10k.pdf", page=3))
    answer = ExtractiveBackend().answer("What was the weighted average grant-date fair value outstanding as of "
                                        "December 31, 2017?", [Hit(element=table, score=1.0, rank=1)])
    assert "$725" in answer.text and "$725 million" not in answer.text
