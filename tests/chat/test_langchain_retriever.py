from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from chat.langchain_retriever import DocragRetriever
from docparse.element import Element, ElementKind, Provenance
from retrieval.hit import Hit


class FakeLibrary:
    def __init__(self):
        self.calls = []

    def search(self, query, k=10, sources=None):
        self.calls.append((query, k, sources))
        table = Element(id="t1", kind=ElementKind.TABLE, text="| Region | 2023 |\n| Total | 2,455 |",
                        provenance=Provenance("d1", "report.pdf", 2, (10.0, 20.0, 300.0, 200.0)),
                        image="/store/assets/d1/p2-table-1.png", cells=(("Region", "2023"), ("Total", "2,455")),
                        caption="Table 1: Revenue by region")
        text = Element(id="x1", kind=ElementKind.TEXT, text="Revenue grew in the north.",
                       provenance=Provenance("d1", "report.pdf", 1, (0.0, 0.0, 10.0, 10.0)))
        return [Hit(table, 0.9, 1, ("dense", "lexical")), Hit(text, 0.5, 2, ("dense",))][:k]


def test_documents_carry_provenance_metadata():
    library = FakeLibrary()
    docs = DocragRetriever(library=library, k=2, sources=["report.pdf"]).invoke("total revenue")
    assert library.calls == [("total revenue", 2, ["report.pdf"])]
    assert [d.metadata["kind"] for d in docs] == ["table", "text"]
    table = docs[0]
    assert table.metadata["source"] == "report.pdf" and table.metadata["page"] == 2
    assert table.metadata["bbox"] == [10.0, 20.0, 300.0, 200.0]
    assert table.metadata["image"].endswith("p2-table-1.png")
    assert table.metadata["routes"] == ["dense", "lexical"]
    assert "2,455" in table.page_content


def test_retriever_inside_a_chain():
    retriever = DocragRetriever(library=FakeLibrary(), k=1)
    prompt = ChatPromptTemplate.from_messages([("system", "Context:\n{context}"), ("human", "{question}")])
    seen = []

    def record(messages):
        seen.append(messages)
        return messages

    model = FakeListChatModel(responses=["2,455 [S1]"])
    chain = ({"context": retriever | RunnableLambda(lambda docs: "\n".join(d.page_content for d in docs)),
              "question": RunnablePassthrough()} | prompt | RunnableLambda(record) | model | StrOutputParser())
    assert chain.invoke("What was the total in 2023?") == "2,455 [S1]"
    assert "2,455" in seen[0].to_messages()[0].content


def test_kind_and_page_filters_reach_the_library(tmp_path, monkeypatch):
    """Against a real Library (hashing embedder instead of MiniLM): the filters are applied by every route."""
    import retrieval.text_embedder as text_embedder
    from chat.library import Library
    from retrieval import LibraryIndex
    from tests.retrieval.test_index import HashingEmbedder, make_doc

    monkeypatch.setattr(text_embedder, "make_text_embedder", lambda *a, **k: HashingEmbedder())
    kinds = [ElementKind.TEXT, ElementKind.TABLE, ElementKind.FIGURE, ElementKind.TABLE]
    info, elements = make_doc(tmp_path / "docs", "r.txt", [f"revenue row {i}" for i in range(4)], kinds)
    LibraryIndex(tmp_path / "lib", HashingEmbedder()).add(info, elements)
    library = Library.open(tmp_path / "lib", image_search=False)
    docs = DocragRetriever(library=library, k=10, kinds=["table"], pages=(3, 4)).invoke("revenue")
    assert [(d.metadata["kind"], d.metadata["page"]) for d in docs] == [("table", 4)]
    assert len(DocragRetriever(library=library, k=10).invoke("revenue")) == 4
