#!/usr/bin/env python3
"""llama.cpp's logits and greedy continuations of SmolLM2-135M-Instruct, the reference for
Tests/ModelsTests/LlamaParityTests.swift.

Pins: llama-cpp-python==0.3.36 (its vendored llama.cpp), numpy, safetensors==0.8.0. Setup:
    python3 -m venv /work/venv-llama
    /work/venv-llama/bin/pip install llama-cpp-python==0.3.36 numpy safetensors==0.8.0
(The package's own build takes ~5 min. Building the vendored llama.cpp tools instead with
BUILD_SHARED_LIBS=ON and installing the package with CMAKE_ARGS="-DLLAMA_BUILD=OFF", then pointing
LLAMA_CPP_LIB_PATH at the tools' bin/ folder, runs the same source.)

Which weights: our engine loads the Q4_1 GGUF and dequantizes it to f32 on load. llama.cpp on the
Q4_1 file instead quantizes each activation row to 8 bits (Q8_1) before its integer dot products,
which our f32 engine does not do, so the reference runs llama.cpp on the same dequantized weights:
    llama-quantize --allow-requantize SmolLM2-135M-Instruct.Q4_1.gguf smollm2-f32.gguf F32
(llama-quantize dequantizes every block with ggml's own routines.) The KV cache is f32 (type_k/
type_v = GGML_TYPE_F32; the default f16 cache alone moves logits ~0.03), flash attention off.

Run from the package root:
    LLAMA_CPP_LIB_PATH=... /work/venv-llama/bin/python scripts/oracles/llama_logits.py smollm2-f32.gguf [Q4_1.gguf]
Writes Tests/ModelsTests/Fixtures/llama/smollm2_logits.safetensors with, per prompt i:
  p{i}.tokens [n] I64 (llama.cpp's tokenization, no BOS: SmolLM2 does not add one),
  p{i}.top_ids [n, K] I64 / p{i}.top_logits [n, K] F32 (the K largest logits per position),
  p{i}.logsumexp [n] F32 (over the whole vocabulary, in float64), p{i}.argmax [n] I64,
  p{i}.last [vocab] F32 (every logit of the last prompt position),
  p{i}.greedy [32] I64 (argmax decoding after the prompt, one token per llama_decode call).
With the optional Q4_1 file it also prints how far llama.cpp's native Q4_1 path is from the f32 one.
"""
import hashlib
import sys
from pathlib import Path

import numpy as np
from llama_cpp import Llama
from safetensors.numpy import save_file

K = 16
GREEDY = 32
GGML_TYPE_F32 = 0
PROMPTS = [
    "The history of the printing press begins in the fifteenth century, when Johannes Gutenberg, a goldsmith "
    "from Mainz, combined several existing technologies into a system for mass-producing books. Movable metal "
    "type, oil-based inks and a wooden screw press allowed a single workshop to print hundreds of copies of a "
    "text in the time a scribe needed for one, and within fifty years presses were running in over two hundred "
    "European cities.",
    "def fibonacci(n: int) -> list[int]:\n    \"\"\"Return the first n Fibonacci numbers.\"\"\"\n    values = [0, 1]\n"
    "    while len(values) < n:\n        values.append(values[-1] + values[-2])\n    return values[:n]\n\n\n"
    "if __name__ == \"__main__\":\n    for index, value in enumerate(fibonacci(12)):\n        print(f\"{index:>3}: {value}\")\n",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nExplain in a few sentences why the sky looks blue during the day but red and orange at "
    "sunset, and mention what Rayleigh scattering has to do with it. Keep the answer short and avoid equations, please.<|im_end|>\n<|im_start|>assistant\n",
]


def load(path):
    return Llama(model_path=str(path), n_ctx=1024, n_batch=1024, n_ubatch=1024, n_threads=2, logits_all=True,
                 type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32, flash_attn=False, verbose=False)


def prompt_logits(llm, tokens):
    llm.reset()
    llm.eval(tokens)
    return np.array(llm.scores[: len(tokens)], dtype=np.float32)


def greedy(llm, tokens, logits):
    out = []
    nxt = int(np.argmax(logits[-1]))
    for _ in range(GREEDY):
        out.append(nxt)
        llm.eval([nxt])
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
    return out


def main():
    model = Path(sys.argv[1])
    llm = load(model)
    tensors = {}
    all_logits = []
    for i, text in enumerate(PROMPTS):
        tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        assert len(tokens) >= 64, (i, len(tokens))
        logits = prompt_logits(llm, tokens)
        all_logits.append((tokens, logits))
        top = np.argsort(-logits, axis=1, kind="stable")[:, :K]
        wide = logits.astype(np.float64)
        peak = wide.max(axis=1, keepdims=True)
        tensors[f"p{i}.tokens"] = np.array(tokens, dtype=np.int64)
        tensors[f"p{i}.top_ids"] = top.astype(np.int64)
        tensors[f"p{i}.top_logits"] = np.take_along_axis(logits, top, axis=1).astype(np.float32)
        tensors[f"p{i}.logsumexp"] = (peak[:, 0] + np.log(np.exp(wide - peak).sum(axis=1))).astype(np.float32)
        tensors[f"p{i}.argmax"] = logits.argmax(axis=1).astype(np.int64)
        tensors[f"p{i}.last"] = logits[-1].copy()
        tensors[f"p{i}.greedy"] = np.array(greedy(llm, tokens, logits), dtype=np.int64)
        print(f"prompt {i}: {len(tokens)} tokens, greedy {tensors[f'p{i}.greedy'][:8].tolist()}...")
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    out = Path("Tests/ModelsTests/Fixtures/llama/smollm2_logits.safetensors")
    save_file(tensors, str(out), metadata={"model_sha256": digest, "llama_cpp_python": "0.3.36", "top_k": str(K)})
    print(f"wrote {out} ({out.stat().st_size} bytes)")
    if len(sys.argv) > 2:
        native = load(Path(sys.argv[2]))
        for i, (tokens, logits) in enumerate(all_logits):
            q = prompt_logits(native, tokens)
            print(f"prompt {i}: native Q4_1 vs dequantized f32: max |Δlogit| {np.abs(q - logits).max():.4f}, "
                  f"argmax agreement {(q.argmax(1) == logits.argmax(1)).mean():.3f}")


if __name__ == "__main__":
    main()
