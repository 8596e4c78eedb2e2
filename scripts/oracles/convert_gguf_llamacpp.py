#!/usr/bin/env python3
"""Does llama.cpp read the GGUF that megalodon-convert writes, and compute the same logits on it?

Compares llama.cpp's logits on two GGUF files holding the same SmolLM2-135M weights in F32:
  reference: llama.cpp's own `llama-quantize --allow-requantize SmolLM2-135M-Instruct.Q4_1.gguf ref.gguf F32`
             (the file behind Tests/ModelsTests/Fixtures/llama/smollm2_logits.safetensors, which our Llama
             engine matches within 4e-5),
  ours:      megalodon-convert convert SmolLM2-135M-Instruct.Q4_1.gguf -o dir --dtype f32 --verify
             megalodon-convert convert dir -o ours.gguf --verify
on the three prompts of llama_logits.py, with the same settings (f32 KV cache, all logits). Equal logits
mean llama.cpp loads our GGUF (metadata, tokenizer keys, Q/K layout, tensor data) exactly as its own.

Pins: llama-cpp-python==0.3.36, numpy (venv as in llama_logits.py). Run from the package root:
    /work/venv-llama/bin/python scripts/oracles/convert_gguf_llamacpp.py ref.gguf ours.gguf
Writes Tests/CheckpointsTests/Fixtures/convert/llamacpp_reads_our_gguf.json.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from llama_logits import PROMPTS, load, prompt_logits  # noqa: E402


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    reference, ours = Path(sys.argv[1]), Path(sys.argv[2])
    runs = []
    for path in (reference, ours):
        llm = load(path)
        results = []
        for text in PROMPTS:
            tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            results.append((tokens, prompt_logits(llm, tokens)))
        runs.append(results)
        del llm
    record = {"llama_cpp_python": "0.3.36", "reference_gguf_sha256": sha256(reference),
              "our_gguf_sha256": sha256(ours), "prompts": []}
    for (ref_tokens, ref_logits), (our_tokens, our_logits) in zip(*runs):
        record["prompts"].append({
            "tokens": len(ref_tokens),
            "same_tokenization": ref_tokens == our_tokens,
            "max_abs_logit_difference": float(np.abs(ref_logits - our_logits).max()),
            "same_argmax_everywhere": bool((ref_logits.argmax(1) == our_logits.argmax(1)).all()),
        })
    out = Path("Tests/CheckpointsTests/Fixtures/convert/llamacpp_reads_our_gguf.json")
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
