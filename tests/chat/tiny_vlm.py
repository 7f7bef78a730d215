"""A tiny random-weight LLaVA (CLIP vision tower + Llama text model) built offline, for the hf: backend tests.

Everything is made here: a word-level tokenizer (the `tokenizers` library) with an `<image>` token, a CLIP image
processor at 28x28 pixels (4 image tokens), a chat template that takes a system role, and the model from a config.
`save_tiny_vlm(folder)` writes it with save_pretrained so the backend loads it through its real loading code.
"""
from __future__ import annotations

from pathlib import Path

SPECIAL = ["<unk>", "<pad>", "<s>", "</s>", "<image>"]
# No brackets: random output must not form "[S1]" markers, so streamed text equals the final answer text.
WORDS = "revenue was in the and of a 4,812 2023 2022 figure table page answer evidence question not found".split()
# `{{ '\n' }}` because transformers renders templates with trim_blocks, which eats a newline after a tag.
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}:"
    "{% if m['content'] is string %} {{ m['content'] }}{% else %}{% for c in m['content'] %}"
    "{% if c['type'] == 'image' %} <image>{% elif c['type'] == 'text' %} {{ c['text'] }}{% endif %}"
    "{% endfor %}{% endif %}{{ '\n' }}{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}")


def save_tiny_vlm(folder: Path, seed: int = 0) -> Path:
    """Build the tiny model, processor and tokenizer and save them into `folder` (created); returns `folder`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import (CLIPImageProcessor, CLIPVisionConfig, LlamaConfig, LlavaConfig,
                              LlavaForConditionalGeneration, LlavaProcessor, PreTrainedTokenizerFast)

    vocab = {word: i for i, word in enumerate(SPECIAL + WORDS)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.decoder = decoders.WordPiece(prefix="##")  # joins the words with blanks
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", pad_token="<pad>",
                                        bos_token="<s>", eos_token="</s>",
                                        extra_special_tokens={"image_token": "<image>"})
    image_processor = CLIPImageProcessor(size={"shortest_edge": 28}, crop_size={"height": 28, "width": 28})
    # 28 / 14 = 2x2 patches plus CLIP's class token, which the "default" strategy drops: 4 image tokens.
    processor = LlavaProcessor(image_processor=image_processor, tokenizer=tokenizer, patch_size=14,
                               vision_feature_select_strategy="default", num_additional_image_tokens=1,
                               chat_template=CHAT_TEMPLATE)
    torch.manual_seed(seed)
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, image_size=28, patch_size=14, projection_dim=16),
        text_config=LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                                num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=4096,
                                bos_token_id=vocab["<s>"], eos_token_id=vocab["</s>"],
                                pad_token_id=vocab["<pad>"]),
        image_token_index=vocab["<image>"], image_seq_length=4, vision_feature_layer=-1)
    model = LlavaForConditionalGeneration(config)
    # Random weights could pick the end token first; without one, every answer has exactly max_new_tokens tokens.
    model.generation_config.eos_token_id = None
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
