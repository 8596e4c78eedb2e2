#!/usr/bin/env python3
"""Reference for the tokenizer.json loader: tiny byte-level BPE tokenizers trained with Hugging
Face `tokenizers`, one per supported pre-tokenizer family, and the ids `tokenizers` gives for
test strings.

Pins: tokenizers==0.23.3. Setup:
    python3 -m venv /work/venv-tok && /work/venv-tok/bin/pip install tokenizers==0.23.3 sentencepiece==0.2.3
Run from the package root (reads the test strings from the shared tokenizer fixtures):
    /work/venv-tok/bin/python scripts/oracles/hf_tokenizer_fixtures.py [shared-dir]
Writes Tests/TokenizersTests/Fixtures/hf/<family>/tokenizer.json and expected.json ({"strings",
"ids"}: encode(s, add_special_tokens=False).ids). The llama3 family is also written with its
merges as "a b" strings (llama3-string-merges/) to cover both merge spellings.
"""
import json
import sys
from pathlib import Path

from tokenizers import AddedToken, Regex, Tokenizer, models, pre_tokenizers, trainers

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"

EXTRA = [
    "hello<|endoftext|>world",
    "<|im_start|>user\nHi there<|im_end|>",
    "a <custom>  b <custom>c",
    "I'M here, we'RE 12345 and 3.14159!",
    "  leading and trailing  \n\n\t ",
]


def pre_tokenizer(family):
    byte_level_regex = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    byte_level_plain = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    if family == "gpt2":
        return byte_level_regex
    if family in ("llama3", "qwen2"):
        pattern = LLAMA3 if family == "llama3" else QWEN2
        return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), behavior="isolated", invert=False), byte_level_plain])
    if family == "smollm":
        return pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level_regex])
    raise ValueError(family)


def corpus(strings):
    text = [
        "The quick brown fox jumps over the lazy dog. Hello world! How are you doing today?",
        "Tokenizers split text into words, then merge bytes into tokens by learned ranks.",
        "Numbers like 2024, 3.14 and 1000000 appear; so do contractions: I'm, you're, they've, it's.",
        "Привет мир. 你好，世界。 こんにちは。 Ünïcödé façade café naïve.",
    ]
    return (strings + text) * 20


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared")
    raw = (shared / "fixtures/tokenizers/ggml-vocab-gpt-2.gguf.inp").read_bytes().decode("utf-8")
    strings = raw.split("\n__ggml_vocab_test__\n")[:-1] + EXTRA
    out = Path("Tests/TokenizersTests/Fixtures/hf")
    for family in ["gpt2", "llama3", "qwen2", "smollm"]:
        tokenizer = Tokenizer(models.BPE(ignore_merges=(family == "llama3")))
        tokenizer.pre_tokenizer = pre_tokenizer(family)
        trainer = trainers.BpeTrainer(vocab_size=420, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      special_tokens=["<|endoftext|>"], show_progress=False)
        tokenizer.train_from_iterator(corpus(strings), trainer)
        tokenizer.add_special_tokens(["<|im_start|>", "<|im_end|>"])
        tokenizer.add_tokens([AddedToken("<custom>", lstrip=True, rstrip=False, special=False)])
        ids = [tokenizer.encode(s, add_special_tokens=False).ids for s in strings]
        folder = out / family
        folder.mkdir(parents=True, exist_ok=True)
        tokenizer.save(str(folder / "tokenizer.json"))
        (folder / "expected.json").write_text(json.dumps({"strings": strings, "ids": ids}, ensure_ascii=False) + "\n")
        if family == "llama3":
            data = json.loads((folder / "tokenizer.json").read_text())
            data["model"]["merges"] = [f"{a} {b}" for a, b in data["model"]["merges"]]
            variant = out / "llama3-string-merges"
            variant.mkdir(parents=True, exist_ok=True)
            (variant / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False))
            reloaded = Tokenizer.from_file(str(variant / "tokenizer.json"))
            assert [reloaded.encode(s, add_special_tokens=False).ids for s in strings] == ids
            (variant / "expected.json").write_text(json.dumps({"strings": strings, "ids": ids}, ensure_ascii=False) + "\n")
        print(family, "tokens", tokenizer.get_vocab_size(), "bytes", (folder / "tokenizer.json").stat().st_size)


if __name__ == "__main__":
    main()
