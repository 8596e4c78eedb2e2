#!/usr/bin/env python3
"""Reference for the SentencePiece `.model` reader: tiny BPE models trained with the official
`sentencepiece` package, and the ids it gives for test strings.

Pins: sentencepiece==0.2.3. Setup:
    python3 -m venv /work/venv-tok && /work/venv-tok/bin/pip install sentencepiece==0.2.3 tokenizers==0.23.3
Run from the package root:
    /work/venv-tok/bin/python scripts/oracles/sentencepiece_fixtures.py [shared-dir]
Writes Tests/TokenizersTests/Fixtures/spm/<name>.model and <name>.expected.json ({"strings",
"ids"}: SentencePieceProcessor.encode(s)). Both models are Llama-style BPE with byte fallback,
identity normalization and a user-defined "<custom>" piece; "llama-style" keeps extra whitespace
(as Llama's tokenizer.model does), "collapse-spaces" turns remove_extra_whitespaces on.
"""
import io
import json
import sys
from pathlib import Path

import sentencepiece as spm

EXTRA = ["a <custom> b<custom>c", "  many   spaces  here  ", "Ünïcödé façade café naïve 你好"]


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared")
    raw = (shared / "fixtures/tokenizers/ggml-vocab-llama-spm.gguf.inp").read_bytes().decode("utf-8")
    strings = raw.split("\n__ggml_vocab_test__\n")[:-1] + EXTRA
    corpus = [
        "The quick brown fox jumps over the lazy dog. Hello world! How are you doing today?",
        "SentencePiece merges characters into pieces by score; unknown characters fall back to bytes.",
        "Numbers like 2024, 3.14 and 1000000 appear; so do contractions: I'm, you're, they've, it's.",
        "Привет мир. Ünïcödé façade café naïve.",
    ] * 50 + [line for s in strings for line in s.split("\n") if line.strip()] * 5
    out = Path("Tests/TokenizersTests/Fixtures/spm")
    for name, collapse in [("llama-style", False), ("collapse-spaces", True)]:
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus), model_writer=model, vocab_size=700, model_type="bpe",
            byte_fallback=True, character_coverage=0.995, normalization_rule_name="identity",
            remove_extra_whitespaces=collapse, add_dummy_prefix=True, user_defined_symbols=["<custom>"],
            split_digits=True, minloglevel=2)
        (out / f"{name}.model").write_bytes(model.getvalue())
        processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
        ids = [processor.encode(s) for s in strings]
        (out / f"{name}.expected.json").write_text(json.dumps({"strings": strings, "ids": ids}, ensure_ascii=False) + "\n")
        print(name, processor.get_piece_size(), "pieces", len(model.getvalue()), "bytes")


if __name__ == "__main__":
    main()
