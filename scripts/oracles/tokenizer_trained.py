#!/usr/bin/env python3
"""Tokenizers trained here on varied text, and the ids the official libraries give for 2,000+
strings: the reference for Tests/TokenizersTests/TrainedTokenizerTests.swift.

Pins: sentencepiece==0.2.3, tokenizers==0.23.3. Setup:
    python3 -m venv /work/venv-tok && /work/venv-tok/bin/pip install sentencepiece==0.2.3 tokenizers==0.23.3
Run from the package root:
    /work/venv-tok/bin/python scripts/oracles/tokenizer_trained.py
Text: seeded random mixtures of English words, accented/Greek/Cyrillic/CJK words, emoji (with ZWJ
sequences and skin tones), digit runs, runs of spaces, tabs and newlines, and code lines. Models
(Tests/TokenizersTests/Fixtures/trained/):
  spm-keep-spaces.model   SentencePiece BPE, byte fallback, identity normalization, dummy prefix, extra whitespace kept
  spm-collapse.model      SentencePiece BPE, byte fallback, identity normalization, no dummy prefix, extra whitespace removed
  bpe-small.json          tokenizers byte-level BPE (GPT-2 pre-tokenizer), 500 merges' worth of vocabulary
  bpe-special.json        tokenizers byte-level BPE, larger vocabulary, special tokens <|start|> and <|end|>
and <name>.expected.json: {"strings", "ids", "round_trips"}: encode(s) without BOS/special tokens,
and whether the library's own decode(encode(s)) gives s back.
"""
import io
import json
import random
from pathlib import Path

import sentencepiece as spm
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

WORDS = ("the of and to in is was for on that with as by at from it this be are an or have not which one had but "
         "were all there when we can out so if about up what time more no only into its has two over new first "
         "function return value index while print class self import numpy").split()
FOREIGN = ("café naïve façade Ünïcödé Straße déjà vu ελληνικά γλώσσα русский язык привет мир 日本語 中文 我想在 工作 "
           "한국어 안녕하세요 العربية שלום हिन्दी ไทย Cửa Việt").split()
EMOJI = ["🦙", "🚀", "😁", "✅", "😶‍🌫️", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🎉"]
CODE = ["def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }", "if x != None and y >= 3:",
        "let tokens = text.split(separator: \" \")", "<div class=\"main\">Hello</div>", "SELECT * FROM t WHERE id = 42;"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\n\n", " \n ", "\t\t", "    ", "\r\n"]


def random_text(rng, pieces):
    out = []
    for _ in range(pieces):
        kind = rng.random()
        if kind < 0.45:
            word = rng.choice(WORDS)
            out.append(word.capitalize() if rng.random() < 0.2 else word)
        elif kind < 0.6:
            out.append(rng.choice(FOREIGN))
        elif kind < 0.68:
            out.append(rng.choice(EMOJI))
        elif kind < 0.78:
            out.append(str(rng.randrange(0, 10 ** rng.randrange(1, 9))))
        elif kind < 0.85:
            out.append(rng.choice(CODE))
        else:
            out.append(rng.choice(".,;:!?'\"()-"))
        out.append(rng.choice(SPACES) if rng.random() < 0.3 else " ")
    return "".join(out).strip(" ") if rng.random() < 0.5 else "".join(out)


def main():
    rng = random.Random(20261129)
    corpus = [random_text(rng, rng.randrange(5, 40)) for _ in range(3000)]
    out = Path("Tests/TokenizersTests/Fixtures/trained")
    out.mkdir(parents=True, exist_ok=True)
    total = 0

    def record(name, strings, encode, decode):
        nonlocal total
        ids = [encode(s) for s in strings]
        round_trips = [decode(i) == s for s, i in zip(strings, ids)]
        (out / f"{name}.expected.json").write_text(json.dumps({"strings": strings, "ids": ids, "round_trips": round_trips},
                                                              ensure_ascii=False))
        total += len(strings)
        print(f"{name}: {len(strings)} strings, {sum(round_trips)} round-trip")

    for name, keep in [("spm-keep-spaces", True), ("spm-collapse", False)]:
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus), model_writer=model, vocab_size=800, model_type="bpe", byte_fallback=True,
            character_coverage=0.9995, normalization_rule_name="identity", remove_extra_whitespaces=not keep,
            add_dummy_prefix=keep, allow_whitespace_only_pieces=True, split_by_whitespace=True)
        (out / f"{name}.model").write_bytes(model.getvalue())
        sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
        strings = [random_text(rng, rng.randrange(1, 25)) for _ in range(520)]
        record(name, strings, lambda s: sp.encode(s), lambda i: sp.decode(i))

    for name, vocab, special in [("bpe-small", 512, []), ("bpe-special", 1500, ["<|start|>", "<|end|>"])]:
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=special,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        tokenizer.train_from_iterator(corpus, trainer=trainer)
        tokenizer.save(str(out / f"{name}.json"))
        strings = [random_text(rng, rng.randrange(1, 25)) for _ in range(520)]
        record(name, strings, lambda s: tokenizer.encode(s, add_special_tokens=False).ids,
               lambda i: tokenizer.decode(i, skip_special_tokens=False))
    print(f"{total} strings in all")


if __name__ == "__main__":
    main()
