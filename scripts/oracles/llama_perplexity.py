#!/usr/bin/env python3
"""llama.cpp's perplexity of SmolLM2-135M-Instruct on public-domain text, the reference for
Tests/ModelsTests/LlamaPerplexityTests.swift.

Pins: llama-cpp-python==0.3.36 (its vendored llama.cpp: `llama-perplexity` built from the sdist's
vendor/llama.cpp with cmake, and the Python package for tokenization; see llama_logits.py for the
setup and for the F32 GGUF of the dequantized Q4_1 weights this runs on).

Text: the book of Genesis from the King James Bible of Debian's `bible-kjv` package, verse labels
stripped:
    bible -f 'gen1:1-gen50:26' | sed -E 's/^[0-9]?[A-Za-z]+[0-9]+:[0-9]+ //' > genesis.txt
Run from the package root:
    LLAMA_CPP_LIB_PATH=BIN /work/venv-llama/bin/python scripts/oracles/llama_perplexity.py BIN/llama-perplexity smollm2-f32.gguf genesis.txt
It runs `llama-perplexity -c 512 -b 512 --chunks 20 -ctk f32 -ctv f32 -fa off` (each 512-token
chunk from a fresh context, the second half of each chunk scored) and writes
Tests/ModelsTests/Fixtures/llama/smollm2_perplexity.json: the text's sha256, llama.cpp's final
perplexity, and the first 20 × 512 token ids as llama.cpp tokenized the text (so the test can
check our tokenizer and score exactly the same tokens).
"""
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from llama_cpp import Llama

CONTEXT, CHUNKS = 512, 20


def main():
    binary, model, text_path = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    raw = text_path.read_bytes()
    run = subprocess.run([binary, "-m", model, "-f", str(text_path), "-c", str(CONTEXT), "-b", str(CONTEXT),
                          "--chunks", str(CHUNKS), "-t", "2", "-ctk", "f32", "-ctv", "f32", "-fa", "off"],
                         capture_output=True, text=True, check=True)
    match = re.search(r"Final estimate: PPL = ([0-9.]+)", run.stdout + run.stderr)
    assert match, "no final estimate in llama-perplexity's output"
    llm = Llama(model_path=model, n_ctx=CONTEXT, vocab_only=True, verbose=False)
    # llama-perplexity tokenizes with add_special = true (BOS only if the vocabulary asks) and no special parsing.
    tokens = llm.tokenize(raw, add_bos=True, special=False)
    out = Path("Tests/ModelsTests/Fixtures/llama/smollm2_perplexity.json")
    out.write_text(json.dumps({
        "text": "KJV Genesis from Debian bible-kjv: bible -f 'gen1:1-gen50:26', verse labels stripped",
        "text_sha256": hashlib.sha256(raw).hexdigest(), "text_tokens": len(tokens),
        "context": CONTEXT, "chunks": CHUNKS, "adds_bos": llm._model.add_bos_token() if hasattr(llm._model, "add_bos_token") else None,
        "llama_perplexity": float(match.group(1)), "tokens": tokens[: CONTEXT * CHUNKS],
    }))
    print(f"PPL {match.group(1)}, {len(tokens)} tokens, wrote {out}")


if __name__ == "__main__":
    main()
