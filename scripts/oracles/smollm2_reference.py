#!/usr/bin/env python3
"""Reference for the released SmolLM2-135M-Instruct Q4_1 GGUF (fetched by scripts/fetch-models):
gguf-py's view of its tensors and Hugging Face `tokenizers` ids for test strings.

Pins: gguf==0.19.0, numpy, tokenizers==0.23.3. Setup:
    python3 -m venv /work/venv-tok && /work/venv-tok/bin/pip install tokenizers==0.23.3 gguf==0.19.0 numpy
Run from the package root:
    /work/venv-tok/bin/python scripts/oracles/smollm2_reference.py MODEL.gguf [shared-dir]
Writes Tests/TokenizersTests/Fixtures/smollm2-reference.json:
- "tensors": per tensor its ggml type, row-major shape, the float64 sum of gguf.quants.dequantize's
  values, and the bit patterns of the first 16 values;
- "strings"/"ids": the tokenizer rebuilt from the file's own vocabulary and merges with SmolLM2's
  published pre-tokenizer (Digits(individual_digits) + ByteLevel, no prefix space) and its 17
  control tokens as special added tokens, encode(s, add_special_tokens=False).ids. The test
  strings are llama.cpp's tokenizer vectors plus a chat-formatted prompt.
When this fixture was made, llama.cpp's own `llama-tokenize` (the tree vendored in
llama-cpp-python 0.3.36, run on the same GGUF with parse_special on and no BOS) gave these exact
ids for all 48 strings, so Hugging Face and llama.cpp agree on this vocabulary.
"""
import json
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf.quants import dequantize
from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers

EXTRA = [
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n",
    "def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)\n",
]


def main():
    model = Path(sys.argv[1])
    shared = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parents[3] / "shared")
    reader = gguf.GGUFReader(model)
    tensors = []
    for t in reader.tensors:
        values = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        tensors.append({
            "name": t.name,
            "type": t.tensor_type.name,
            "shape": [int(d) for d in reversed(t.shape)],
            "sum": float(values.astype(np.float64).sum()),
            "first_bits": [int(b) for b in values[:16].view(np.uint32)],
        })

    fields = reader.fields
    tokens = fields["tokenizer.ggml.tokens"].contents()
    kinds = fields["tokenizer.ggml.token_type"].contents()
    merges = [tuple(m.split(" ", 1)) for m in fields["tokenizer.ggml.merges"].contents()]
    vocab = {tok: i for i, tok in enumerate(tokens)}
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tokenizer.add_special_tokens([AddedToken(tokens[i], special=True) for i, k in enumerate(kinds) if k == 3])
    raw = (shared / "fixtures/tokenizers/ggml-vocab-gpt-2.gguf.inp").read_bytes().decode("utf-8")
    strings = raw.split("\n__ggml_vocab_test__\n")[:-1] + EXTRA
    ids = [tokenizer.encode(s, add_special_tokens=False).ids for s in strings]

    out = Path("Tests/TokenizersTests/Fixtures/smollm2-reference.json")
    out.write_text(json.dumps({"model": model.name, "tensors": tensors, "strings": strings, "ids": ids}, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({out.stat().st_size} bytes, {len(tensors)} tensors, {len(strings)} strings)")


if __name__ == "__main__":
    main()
