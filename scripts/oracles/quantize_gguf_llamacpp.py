#!/usr/bin/env python3
"""Checks megalodon-quantize's GGUF output against llama.cpp itself, the reference for
Tests/QuantizationTests/QuantizeModelTests.swift (smolLM2MatchesLlamaQuantize).

Pins: llama-cpp-python==0.3.36 (its vendored llama.cpp, whose tools are built beside it: llama-quantize),
gguf==0.19.0, numpy. Two venvs (the packages pin different numpy ranges):
    python3 -m venv /work/venv-llama && /work/venv-llama/bin/pip install llama-cpp-python==0.3.36 numpy
    python3 -m venv /work/venv-gguf  && /work/venv-gguf/bin/pip install gguf==0.19.0 numpy
Run from the package root with the gguf venv (the llama venv is started as a subprocess):
    LLAMA_BIN=.../vendor/llama.cpp/build/bin /work/venv-gguf/bin/python scripts/oracles/quantize_gguf_llamacpp.py \
        smollm2-f32.gguf ours-q8_0.gguf ours-q4_0.gguf ours-q4_1.gguf
where smollm2-f32.gguf is the F32 GGUF of SmolLM2-135M-Instruct and ours-TYPE.gguf come from
    megalodon-quantize smollm2-f32.gguf -o ours-TYPE.gguf --scheme TYPE --embeddings TYPE

For each type it runs `llama-quantize --pure smollm2-f32.gguf ref.gguf TYPE` (every 2-D tensor in TYPE,
1-D tensors F32: the same decisions as ours with --embeddings TYPE), then with gguf-py:
  * reads every tensor of both files and compares names, ggml types, shapes and bytes;
  * records the SHA-256 of llama.cpp's tensor data (name, type, shape, bytes, in name order), which the
    Swift test recomputes on a fresh export;
  * checks gguf-py dequantizes our blocks (gguf.quants.dequantize) to the same values as llama.cpp's.
With llama-cpp-python (LLAMA_CPP_LIB_PATH=LLAMA_BIN) it loads our file, llama.cpp's and the F32 input
(f32 KV cache, flash attention off) and records a summary of the last-position logits of a prompt:
argmax, top-5, mean, max |ours − llama.cpp|, and how far ours is from the F32 model.
Writes Tests/QuantizationTests/Fixtures/gguf_export/llamacpp_export_check.json (a few KB).
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType
from gguf.quants import dequantize

PROMPT = "The quick brown fox jumps over the lazy dog. In the beginning God created"
OUT = Path("Tests/QuantizationTests/Fixtures/gguf_export/llamacpp_export_check.json")

LOGITS_SCRIPT = r'''
import json, sys
import numpy as np
from llama_cpp import Llama
result = {}
for label, path in (("ours", sys.argv[1]), ("llama_cpp", sys.argv[2]), ("f32", sys.argv[4])):
    llm = Llama(model_path=path, n_ctx=128, n_threads=1, logits_all=True, verbose=False, type_k=0, type_v=0, flash_attn=False)
    tokens = llm.tokenize(sys.argv[3].encode(), add_bos=False)
    llm.eval(tokens)
    logits = np.array(llm.scores[len(tokens) - 1], dtype=np.float64)
    result[label] = {"tokens": len(tokens), "logits": logits.tolist()}
print(json.dumps(result))
'''


def tensors(path):
    reader = GGUFReader(path)
    return {t.name: t for t in reader.tensors}, reader


def digest(table):
    h = hashlib.sha256()
    for name in sorted(table):
        t = table[name]
        h.update(name.encode())
        h.update(int(t.tensor_type).to_bytes(4, "little"))
        h.update(np.array([int(d) for d in t.shape], dtype=np.uint64).tobytes())
        h.update(np.asarray(t.data).tobytes())
    return h.hexdigest()


def main():
    f32_path, *ours_paths = sys.argv[1:]
    bin_dir = Path(os.environ["LLAMA_BIN"])
    work = Path(ours_paths[0]).resolve().parent
    report = {"input": Path(f32_path).name, "input_sha256": hashlib.sha256(Path(f32_path).read_bytes()).hexdigest(),
              "llama_quantize": "llama-quantize --pure (llama-cpp-python 0.3.36 vendored llama.cpp)", "gguf_py": "0.19.0",
              "prompt": PROMPT, "types": {}}
    for ours_path in ours_paths:
        ours, ours_reader = tensors(ours_path)
        main_type = GGMLQuantizationType(max(int(t.tensor_type) for t in ours.values() if int(t.tensor_type) != 0))
        ref_path = work / f"llamacpp-pure-{main_type.name}.gguf"
        if not ref_path.exists():
            subprocess.run([str(bin_dir / "llama-quantize"), "--pure", f32_path, str(ref_path), main_type.name],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ref, ref_reader = tensors(str(ref_path))
        mismatches = []
        dequantized_max_diff = 0.0
        for name in sorted(set(ours) | set(ref)):
            if name not in ours or name not in ref:
                mismatches.append({"tensor": name, "problem": "missing in " + ("ours" if name not in ours else "llama.cpp")})
                continue
            a, b = ours[name], ref[name]
            if int(a.tensor_type) != int(b.tensor_type) or list(a.shape) != list(b.shape):
                mismatches.append({"tensor": name, "problem": f"type/shape {a.tensor_type.name}{list(a.shape)} vs {b.tensor_type.name}{list(b.shape)}"})
                continue
            da, db = np.asarray(a.data).tobytes(), np.asarray(b.data).tobytes()
            if da != db:
                blocks = len(da) // max(1, {2: 18, 3: 20, 8: 34}.get(int(a.tensor_type), 4))
                size = len(da) // blocks
                differing = sum(da[i * size:(i + 1) * size] != db[i * size:(i + 1) * size] for i in range(blocks))
                mismatches.append({"tensor": name, "problem": f"{differing} of {blocks} blocks differ"})
            va = dequantize(np.asarray(a.data), a.tensor_type)
            vb = dequantize(np.asarray(b.data), b.tensor_type)
            dequantized_max_diff = max(dequantized_max_diff, float(np.max(np.abs(va.astype(np.float64) - vb.astype(np.float64)))))
        file_type = lambda r: int(r.fields["general.file_type"].parts[-1][0])
        logits = json.loads(subprocess.run([os.environ.get("LLAMA_PYTHON", "/work/venv-llama/bin/python"), "-c", LOGITS_SCRIPT,
                                            ours_path, str(ref_path), PROMPT, f32_path], check=True, capture_output=True, text=True,
                                           env={**os.environ, "LLAMA_CPP_LIB_PATH": str(bin_dir)}).stdout)
        lo, lr, lf = (np.array(logits[k]["logits"]) for k in ("ours", "llama_cpp", "f32"))
        assert np.abs(lo).max() > 0, "llama.cpp returned no logits"
        report["types"][main_type.name] = {
            "tensors": len(ref), "quantized_tensors": sum(int(t.tensor_type) == int(main_type) for t in ref.values()),
            "llama_cpp_sha256": digest(ref), "ours_sha256": digest(ours), "mismatches": mismatches,
            "file_type_ours": file_type(ours_reader), "file_type_llama_cpp": file_type(ref_reader),
            "gguf_py_dequantized_max_abs_diff": dequantized_max_diff,
            "llama_cpp_loads_ours": True, "prompt_tokens": logits["ours"]["tokens"],
            "logits": {"argmax_ours": int(lo.argmax()), "argmax_llama_cpp": int(lr.argmax()),
                       "top5_ours": [int(i) for i in np.argsort(-lo)[:5]], "top5_llama_cpp": [int(i) for i in np.argsort(-lr)[:5]],
                       "mean_ours": float(lo.mean()), "max_abs_diff": float(np.max(np.abs(lo - lr))),
                       "argmax_f32": int(lf.argmax()), "max_abs_diff_vs_f32": float(np.max(np.abs(lo - lf))),
                       "rms_diff_vs_f32": float(np.sqrt(np.mean((lo - lf) ** 2)))},
        }
        print(main_type.name, json.dumps({k: v for k, v in report["types"][main_type.name].items() if k != "mismatches"}),
              f"{len(mismatches)} mismatching tensors", file=sys.stderr)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
