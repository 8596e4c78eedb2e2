#!/usr/bin/env python3
"""llama.cpp's logits of SmolLM2-135M-Instruct with an f16 KV cache (type_k = type_v = GGML_TYPE_F16,
llama.cpp's default), the reference for an f16 key/value cache in our engine.

Pins: llama-cpp-python==0.3.36 (its vendored llama.cpp), numpy, safetensors==0.8.0 (setup as in
llama_logits.py). Weights: smollm2-f32.gguf, the Q4_1 GGUF dequantized to F32 by llama-quantize (the
same file llama_logits.py uses). n_ctx 1024, n_batch = n_ubatch = 512, flash attention off, one
llama_eval of the whole prompt. The prompt is llama_native_logits.py's PROMPT repeated 4 times,
joined by single spaces (344 tokens, no BOS, special=False), so that the later positions read many
cached keys/values.

Run from the package root:
    LLAMA_CPP_LIB_PATH=... /work/venv-llama/bin/python scripts/oracles/llama_f16_cache_logits.py smollm2-f32.gguf
Writes Tests/ModelsTests/Fixtures/llama/smollm2_f16_cache_logits.safetensors (all positions):
  tokens [n] I64 (llama.cpp's tokenization), top_ids [n, K] I64 and top_logits [n, K] F32 (the K = 16
  largest logits per position, stable argsort), last [vocab] F32 (every logit of the last position).
It also runs the same tokens with an f32 cache and prints how far the f16 cache moves llama.cpp's
logits. Measured (model sha256 691b16e3...d5ac, GGML_NATIVE CPU build, 2 threads): max |Δlogit| f16 vs
f32 cache at the fixture's top-16 ids 0.0230 over 344 positions (0.0357 over the whole vocabulary,
0.0126 at the last position; max |logit| 37.2), argmax agreement 344/344.
"""
import hashlib
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from llama_native_logits import GGML_TYPE_F32, K, PROMPT, logits_of

GGML_TYPE_F16 = 1
TEXT = " ".join([PROMPT] * 4)


def f16_and_f32_logits(model):
    tokens, logits = logits_of(model, text=TEXT, n_ctx=1024, cache_type=GGML_TYPE_F16)
    _, reference = logits_of(model, tokens, n_ctx=1024, cache_type=GGML_TYPE_F32)
    return tokens, logits, reference


def main():
    model = Path(sys.argv[1])
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    print(f"model {model} sha256 {digest}")
    tokens, logits, reference = f16_and_f32_logits(model)
    top = np.argsort(-logits, axis=1, kind="stable")[:, :K]
    top_logits = np.take_along_axis(logits, top, axis=1).astype(np.float32)
    tensors = {
        "tokens": np.array(tokens, dtype=np.int64),
        "top_ids": top.astype(np.int64),
        "top_logits": top_logits,
        "last": logits[-1].copy(),
    }
    out = Path("Tests/ModelsTests/Fixtures/llama/smollm2_f16_cache_logits.safetensors")
    save_file(tensors, str(out), metadata={"model_sha256": digest, "llama_cpp_python": "0.3.36", "top_k": str(K),
                                           "kv_cache": "f16"})
    print(f"{len(tokens)} tokens; wrote {out} ({out.stat().st_size} bytes)")

    at_top = np.abs(top_logits - np.take_along_axis(reference, top, axis=1))
    print(f"f16 vs f32 KV cache: max |Δlogit| at the top-{K} ids {at_top.max():.4f} "
          f"(position {int(at_top.max(axis=1).argmax())}), over the whole vocabulary "
          f"{np.abs(logits - reference).max():.4f}, last position {np.abs(logits[-1] - reference[-1]).max():.4f}, "
          f"max |logit| {np.abs(reference).max():.2f}, argmax agreement "
          f"{(logits.argmax(1) == reference.argmax(1)).sum()}/{len(tokens)}")


if __name__ == "__main__":
    main()
