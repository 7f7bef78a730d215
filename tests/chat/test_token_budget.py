import pytest

from chat.backends import make_backend
from chat.context import select_evidence
from chat.untrusted_text import Fence
from chat.token_budget import (EstimateCounter, FixedImageCost, approx_tokens, configured_counter, fitted_size,
                               load_tokenizer, openai_image_tokens, tiktoken_counter)
from tests.chat.evidence_fixtures import element, hits, write_png

# Long words: a word-level tokenizer counts each as one token where the 4-characters estimate counts ~6.
LONG_WORDS = ["consolidated", "subsidiaries", "depreciation", "amortization", "expenditure", "receivables"]


@pytest.fixture
def word_tokenizer(tmp_path):
    """A WordLevel tokenizer trained on a few words, saved as tmp/word-tok/tokenizer.json; returns the folder."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer.train_from_iterator([" ".join(LONG_WORDS)] * 3, trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    folder = tmp_path / "word-tok"
    folder.mkdir()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def test_tokenizer_loads_from_a_file_or_a_folder(word_tokenizer):
    text = " ".join(LONG_WORDS * 2)
    for spec in (str(word_tokenizer), str(word_tokenizer / "tokenizer.json")):
        counter = load_tokenizer(spec)
        assert counter.count(text) == 12  # one token per word, known or not
        assert "tokenizer.json" in counter.name
    assert approx_tokens(text) > 12 * 2


def test_unusable_tokenizer_specs_name_the_accepted_forms(tmp_path):
    with pytest.raises(ValueError, match="tokenizer.json file, a local Hugging Face tokenizer folder"):
        load_tokenizer(str(tmp_path / "nowhere"))
    broken = tmp_path / "tokenizer.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match="cannot be loaded"):
        load_tokenizer(str(broken))


def test_the_budget_is_counted_by_the_given_tokenizer(word_tokenizer):
    passages = [element("text", " ".join(LONG_WORDS * 4), page=p) for p in range(1, 5)]
    words = load_tokenizer(str(word_tokenizer))
    fence = Fence("0123456789ab")
    by_tokenizer = select_evidence(hits(*passages), token_budget=150, count_tokens=words.count, fence=fence)
    by_estimate = select_evidence(hits(*passages), token_budget=150, fence=fence)
    block = ("[S1] page 1, text\n<<<DATA 0123456789ab\nfile: report.pdf\ntext:\n" + passages[0].text
             + "\nEND DATA 0123456789ab>>>")
    # ~31 word tokens per block: all four fit 150; by the estimate (86 per block) only one does
    assert len(by_tokenizer) == 4 and all(i.text is None for i in by_tokenizer)
    assert by_tokenizer[0].text_tokens == words.count(block)
    assert len(by_estimate) == 1 and by_estimate[0].text_tokens == approx_tokens(block)


def test_http_backend_counts_with_the_configured_tokenizer(fake_openai, word_tokenizer, monkeypatch, tmp_path):
    evidence = hits(*(element("text", " ".join(LONG_WORDS * 4), page=p) for p in range(1, 5)))
    b = make_backend("openai:test-model", base_url=fake_openai.url, timeout=5, max_retries=0,
                     token_budget=150, tokenizer=str(word_tokenizer))
    answer = b.answer("depreciation?", evidence)
    assert answer.context.counted_by.endswith("tokenizer.json") and answer.context.items == 4
    user_text = fake_openai.requests[-1]["messages"][-1]["content"][0]["text"]
    system_text = fake_openai.requests[-1]["messages"][0]["content"]
    assert answer.context.text_tokens == load_tokenizer(str(word_tokenizer)).count(system_text + "\n" + user_text)

    # The tokenizer setting (chat.settings, e.g. $DOCRAG_TOKENIZER) reaches the backend as a constructor option.
    from chat.backends import backend_options
    from chat.settings import resolve_settings

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    settings = resolve_settings(tmp_path / "store", {}, {"DOCRAG_TOKENIZER": str(word_tokenizer / "tokenizer.json")})
    from_env = make_backend("openai:gpt-4o-mini", base_url=fake_openai.url, max_retries=0, token_budget=150,
                            **backend_options("openai:gpt-4o-mini", timeout=5, tokenizer=settings.tokenizer))
    assert from_env.answer("depreciation?", evidence).context.items == 4
    estimate = make_backend("openai:gpt-4o-mini", base_url=fake_openai.url, timeout=5, max_retries=0,
                            token_budget=150)
    assert estimate.answer("depreciation?", evidence).context.items == 1
    assert estimate.token_counter().name == EstimateCounter.name


def test_tiktoken_is_used_only_when_its_file_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert tiktoken_counter("gpt-4o-mini") is None  # nothing cached: no download attempted
    assert tiktoken_counter("no-such-model") is None
    assert isinstance(configured_counter(None, "gpt-4o-mini"), EstimateCounter)
    with pytest.raises(ValueError, match="cached BPE file is missing"):
        load_tokenizer("tiktoken:o200k_base")


def test_image_costs():
    # OpenAI's published examples: 1024x1024 -> 768x768, 4 tiles; 2048x4096 -> 768x1536, 6 tiles
    assert openai_image_tokens(512, 512) == 85 + 170
    assert openai_image_tokens(1024, 1024) == 765
    assert openai_image_tokens(2048, 4096) == 1105
    assert FixedImageCost(576)(4000, 10) == 576
    assert fitted_size(3000, 1500, 1024) == (1024, 512) and fitted_size(40, 30, 1024) == (40, 30)


def test_crops_are_budgeted_at_their_resized_size(fake_openai, tmp_path):
    crop = write_png(tmp_path / "chart.png", size=(4000, 2000))
    evidence = hits(element("figure", "Figure 1: Revenue", image=crop), element("text", "Revenue was 4,812."))
    b = make_backend("openai:test-model", base_url=fake_openai.url, timeout=5, max_retries=0, max_side=512)
    answer = b.answer("revenue?", evidence)
    assert answer.context.images == 1 and answer.context.image_tokens == openai_image_tokens(512, 256) == 255
    tight = make_backend("openai:test-model", base_url=fake_openai.url, timeout=5, max_retries=0, max_side=512,
                         token_budget=150)
    answer = tight.answer("revenue?", evidence)
    assert answer.context.images == 0 and answer.context.items == 2  # the crop did not fit; the texts did
