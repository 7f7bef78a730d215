"""The shared start of the tiny random-weight BERT fixtures (a cross-encoder, a sentence embedder): a word-level
vocabulary written to `folder`, its tokenizer, and a 2-layer, 32-wide config, with torch seeded."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def tiny_bert_parts(folder: Path, words: Sequence[str], seed: int, fast: bool = False,
                    **config: Any) -> tuple[Any, Any]:
    """(tokenizer, BertConfig) over `words` plus the digits; `config` adds or overrides config fields."""
    import torch
    from transformers import BertConfig, BertTokenizer, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join([*SPECIAL_TOKENS, *words, *"0123456789"]) + "\n")
    tokenizer = (BertTokenizerFast if fast else BertTokenizer)(str(vocab), do_lower_case=True)
    torch.manual_seed(seed)
    settings = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64,
                "max_position_embeddings": 128, **config}
    return tokenizer, BertConfig(vocab_size=len(tokenizer), **settings)
