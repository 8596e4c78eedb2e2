#!/usr/bin/env python3
"""llama.cpp's logits of SmolLM2-135M-Instruct run natively on its Q4_1/Q8_0 blocks (activations
quantized to Q8_1/Q8_0 by ggml, as our integer kernels do), the reference for the integer path in
Tests/ModelsTests/QuantizedEngineParityTests.swift.

Pins: llama-cpp-python==0.3.36 (its vendored llama.cpp), numpy, safetensors==0.8.0 (setup as in
llama_logits.py). KV cache f32, flash attention off, one llama_eval of the whole prompt.

Run from the package root:
    LLAMA_CPP_LIB_PATH=... /work/venv-llama/bin/python scripts/oracles/llama_native_logits.py \
        SmolLM2-135M-Instruct.Q4_1.gguf [smollm2-f32.gguf]
Writes Tests/ModelsTests/Fixtures/llama/smollm2_native_logits.safetensors:
  tokens [n] I64 (llama.cpp's tokenization of PROMPT, no BOS), top_ids [n, K] I64 and
  top_logits [n, K] F32 (the K largest native logits per position), logsumexp [n] F32 (float64 sum),
  last [vocab] F32 (every native logit of the last position).
With the optional F32 GGUF (llama-quantize --allow-requantize ... F32) it prints how far llama.cpp's
native path is from its own f32 run on the dequantized weights.
"""
import hashlib
import sys
from pathlib import Path

import numpy as np
from llama_cpp import Llama
from safetensors.numpy import save_file

K = 16
GGML_TYPE_F32 = 0
# The same text as QuantizedEngineParityTests.prompt.
PROMPT = (
    "The old lighthouse keeper climbed the spiral stairs every evening at dusk, carrying a lantern and a small notebook "
    "in which he recorded the weather, the ships that passed, and the birds that rested on the railing. Over forty years "
    "he had filled nearly two hundred notebooks, and the town's library kept them in a glass case near the entrance. "
    "Children who visited often asked him what the sea had taught him, and he always answered that"
)


def logits_of(path, tokens=None, text=PROMPT, n_ctx=512, cache_type=GGML_TYPE_F32):
    """Every position's logits of `text` (or of `tokens`), one llama_eval, flash attention off; the KV
    cache in `cache_type` (llama_f16_cache_logits.py uses this with f16)."""
    llm = Llama(model_path=str(path), n_ctx=n_ctx, n_batch=512, n_ubatch=512, n_threads=2, logits_all=True,
                type_k=cache_type, type_v=cache_type, flash_attn=False, verbose=False)
    if tokens is None:
        tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    llm.reset()
    llm.eval(tokens)
    return tokens, np.array(llm.scores[: len(tokens)], dtype=np.float32)


def main():
    model = Path(sys.argv[1])
    tokens, logits = logits_of(model)
    top = np.argsort(-logits, axis=1, kind="stable")[:, :K]
    wide = logits.astype(np.float64)
    peak = wide.max(axis=1, keepdims=True)
    tensors = {
        "tokens": np.array(tokens, dtype=np.int64),
        "top_ids": top.astype(np.int64),
        "top_logits": np.take_along_axis(logits, top, axis=1).astype(np.float32),
        "logsumexp": (peak[:, 0] + np.log(np.exp(wide - peak).sum(axis=1))).astype(np.float32),
        "last": logits[-1].copy(),
    }
    out = Path("Tests/ModelsTests/Fixtures/llama/smollm2_native_logits.safetensors")
    save_file(tensors, str(out), metadata={"model_sha256": hashlib.sha256(model.read_bytes()).hexdigest(),
                                           "llama_cpp_python": "0.3.36", "top_k": str(K)})
    print(f"{len(tokens)} tokens; wrote {out} ({out.stat().st_size} bytes)")
    if len(sys.argv) > 2:
        _, reference = logits_of(Path(sys.argv[2]), tokens)
        print(f"llama.cpp native vs its f32 run: max |Δlogit| {np.abs(logits - reference).max():.4f} "
              f"(max |logit| {np.abs(reference).max():.2f}), argmax agreement "
              f"{(logits.argmax(1) == reference.argmax(1)).sum()}/{len(tokens)}")


if __name__ == "__main__":
    main()
