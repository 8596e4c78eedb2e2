"""External readers accept megalodon-convert's output.

Given a model directory we wrote (safetensors, single or sharded) and a GGUF file we wrote from
it, checks that:
* Python `safetensors` (safetensors==0.8.0, its Rust `deserialize`) reads every shard and the index
  lists every tensor;
* gguf-py (gguf==0.19.0, GGUFReader) reads the GGUF: required llama.* keys present, every tensor's
  type F32/F16/BF16, and each tensor's values equal the safetensors tensor after llama.cpp's own
  HF→GGUF q/k permutation (convert_hf_to_gguf.py LlamaModel.permute) and dtype cast.
Prints a JSON summary; the summary of a run is committed as
Tests/CheckpointsTests/Fixtures/convert/external_readers.json.

Pins: Python 3.11, numpy==2.2.6, safetensors==0.8.0, gguf==0.19.0 (venv outside the repo:
  python3 -m venv /work/venv-convert && /work/venv-convert/bin/pip install numpy==2.2.6 safetensors==0.8.0 gguf==0.19.0).
Run: /work/venv-convert/bin/python scripts/oracles/convert_check_external.py MODEL_DIR MODEL.gguf [label]
"""
import json
import sys
from pathlib import Path

import numpy as np
from gguf import GGUFReader
from safetensors import deserialize

HF_TO_GGUF = {
    "model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight", "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight", "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
}


def permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def read_directory(directory):
    index = directory / "model.safetensors.index.json"
    files = sorted(set(json.loads(index.read_text())["weight_map"].values())) if index.exists() else ["model.safetensors"]
    tensors = {}
    for name in files:
        # safetensors' own (Rust) deserializer: validates the file and returns raw bytes per tensor
        # (numpy has no bfloat16, so bf16 is widened here by shifting the bits).
        for key, view in deserialize((directory / name).read_bytes()):
            raw = np.frombuffer(view["data"], dtype=np.uint8)
            if view["dtype"] == "BF16":
                array = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                array = raw.view({"F32": "<f4", "F16": "<f2"}[view["dtype"]])
            tensors[key] = array.reshape(view["shape"])
    if index.exists():
        assert set(json.loads(index.read_text())["weight_map"]) == set(tensors), "index and shards disagree"
    return tensors


def field_value(reader, key):
    field = reader.fields[key]
    return field.contents() if hasattr(field, "contents") else field.parts[field.data[0]].tolist()


def main():
    directory, gguf_path = Path(sys.argv[1]), Path(sys.argv[2])
    label = sys.argv[3] if len(sys.argv) > 3 else directory.name
    config = json.loads((directory / "config.json").read_text())
    tensors = read_directory(directory)
    reader = GGUFReader(str(gguf_path))
    required = ["general.architecture", "llama.context_length", "llama.embedding_length", "llama.block_count",
                "llama.feed_forward_length", "llama.rope.dimension_count", "llama.attention.head_count",
                "llama.attention.layer_norm_rms_epsilon"]
    missing = [key for key in required if key not in reader.fields]
    heads, kv_heads = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])
    mismatches, types = [], {}
    gguf_tensors = {t.name: t for t in reader.tensors}
    for name, value in tensors.items():
        if name.startswith("model.layers."):
            _, _, index, rest = name.split(".", 3)
            target = f"blk.{index}.{HF_TO_GGUF[rest]}"
        else:
            target = HF_TO_GGUF[name]
        tensor = gguf_tensors[target]
        types[tensor.tensor_type.name] = types.get(tensor.tensor_type.name, 0) + 1
        expected = value.astype(np.float32)
        if name.endswith("q_proj.weight"):
            expected = permute(expected, heads)
        elif name.endswith("k_proj.weight"):
            expected = permute(expected, kv_heads)
        data = np.array(tensor.data)
        if tensor.tensor_type.name == "BF16":
            data = (data.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
        got = data.astype(np.float32).reshape(expected.shape)
        if expected.ndim > 1 and tensor.tensor_type.name == "F16":
            expected = expected.astype(np.float16).astype(np.float32)
        if tensor.tensor_type.name == "BF16":
            # Round to nearest even, as gguf-py's quants.py does for BF16 (no NaNs in weights).
            bits = expected.view(np.uint32).astype(np.uint64)
            expected = (((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16).astype(np.uint32).view(np.float32)
        if not np.array_equal(got, expected):
            mismatches.append(target)
    summary = {"label": label, "safetensors_tensors_read": len(tensors), "gguf_tensors_read": len(reader.tensors),
               "gguf_architecture": str(field_value(reader, "general.architecture")), "missing_llama_keys": missing,
               "gguf_tensor_types": types, "tensors_differing": mismatches,
               "readers": {"safetensors": "0.8.0", "gguf": "0.19.0"},
               "ok": not missing and not mismatches and len(tensors) == len(reader.tensors)}
    print(json.dumps(summary))
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
