"""Fixtures for the converter (Tests/CheckpointsTests/Fixtures/convert/).

* hf_bin_sharded/: the HF Llama tensors below as Hugging Face's sharded PyTorch layout
  (pytorch_model-0000N-of-00002.bin + pytorch_model.bin.index.json + config.json).
* megalodon_mp4/: the official golden weights of A_swiglu split over 4 model-parallel ranks with the
  official sharding axes (megalodon-spec.md §3, the same rules as pytorch_fixtures.py's mp=2 set), as
  torch.save zip archives written without torch (pytorch_fixtures.py's emulation).
* llama_hf_expected.safetensors: the Meta Llama fixture (pytorch/llama_merged_expected.pth's state)
  under Hugging Face names with q/k rows permuted by transformers' own formula
  (convert_llama_weights_to_hf.py `permute`: view(n_heads, dim1 // n_heads // 2, 2, dim2)
  .transpose(1, 2).reshape(dim1, dim2)), and llama_gguf_expected.safetensors: the same model under
  GGUF names with llama.cpp's HF→GGUF permutation (convert_hf_to_gguf.py `LlamaModel.permute`:
  reshape(n_head, 2, rows // n_head // 2, cols).swapaxes(1, 2)) applied to the HF tensors.

Pins: Python 3.11, numpy==2.2.6, safetensors==0.8.0 (venv outside the repo:
  python3 -m venv /work/venv-pytorch && /work/venv-pytorch/bin/pip install numpy==2.2.6 safetensors==0.8.0).
Run: /work/venv-pytorch/bin/python scripts/oracles/convert_fixtures.py
"""
import collections
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pytorch_fixtures as pt  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/CheckpointsTests/Fixtures/convert"


def hf_permute(w, n_heads):
    dim1, dim2 = w.shape
    return w.reshape(n_heads, dim1 // n_heads // 2, 2, dim2).transpose(0, 2, 1, 3).reshape(dim1, dim2)


def gguf_permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


META_TO_HF = {
    "tok_embeddings.weight": "model.embed_tokens.weight", "norm.weight": "model.norm.weight", "output.weight": "lm_head.weight",
    "attention.wq.weight": "self_attn.q_proj.weight", "attention.wk.weight": "self_attn.k_proj.weight",
    "attention.wv.weight": "self_attn.v_proj.weight", "attention.wo.weight": "self_attn.o_proj.weight",
    "feed_forward.w1.weight": "mlp.gate_proj.weight", "feed_forward.w2.weight": "mlp.down_proj.weight",
    "feed_forward.w3.weight": "mlp.up_proj.weight", "attention_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
}
HF_TO_GGUF = {
    "model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight", "lm_head.weight": "output.weight",
    "self_attn.q_proj.weight": "attn_q.weight", "self_attn.k_proj.weight": "attn_k.weight", "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight", "input_layernorm.weight": "attn_norm.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    golden = pt.read_safetensors(pt.SHARED / "fixtures/megalodon/A_swiglu.safetensors")
    state = collections.OrderedDict((k[len("weights."):], v) for k, v in golden.items() if k.startswith("weights."))
    mp_dir = OUT / "megalodon_mp4"
    mp_dir.mkdir(exist_ok=True)
    for rank, shard in enumerate(pt.shard_state(state, 4, lambda k, a: pt.megalodon_axis(k))):
        pt.write_checkpoint(mp_dir / f"consolidated.{rank:02d}.pth", shard)
    # The merge must give back the original state exactly.
    shards = pt.shard_state(state, 4, lambda k, a: pt.megalodon_axis(k))
    for key, value in state.items():
        axis = pt.megalodon_axis(key)
        merged = shards[0][key] if axis is None else np.concatenate([s[key] for s in shards], axis=axis)
        assert np.array_equal(merged, value), key
    config = json.loads((pt.SHARED / "fixtures/megalodon/A_swiglu.json").read_text())["config"]
    (mp_dir / "config.json").write_text(json.dumps({"model": config, "tokenizer": {"path": "tokenizer.model",
                                                                                    "additional_vocab_size": 0}}, indent=1))
    (mp_dir / "consolidate_config.json").write_text(json.dumps({"model_parallel_size": 4, "dtype": "fp32"}))

    # Llama: rebuild pytorch_fixtures' Meta state (same seed and order), then the HF and GGUF forms.
    rng = np.random.default_rng(7)
    meta = collections.OrderedDict()
    meta["tok_embeddings.weight"] = rng.standard_normal((10, 8)).astype("<f4")
    meta["norm.weight"] = rng.standard_normal(8).astype("<f4")
    meta["output.weight"] = rng.standard_normal((10, 8)).astype("<f4")
    for name, shape in [("attention.wq.weight", (8, 8)), ("attention.wk.weight", (8, 8)), ("attention.wv.weight", (8, 8)),
                        ("attention.wo.weight", (8, 8)), ("feed_forward.w1.weight", (12, 8)),
                        ("feed_forward.w2.weight", (8, 12)), ("feed_forward.w3.weight", (12, 8)),
                        ("attention_norm.weight", (8,)), ("ffn_norm.weight", (8,))]:
        meta[f"layers.0.{name}"] = rng.standard_normal(shape).astype("<f4")
    n_heads = json.loads((pt.OUT / "llama_mp2/params.json").read_text())["n_heads"]
    hf = {}
    for key, value in meta.items():
        if key.startswith("layers."):
            _, index, rest = key.split(".", 2)
            name = f"model.layers.{index}.{META_TO_HF[rest]}"
        else:
            name = META_TO_HF[key]
        if key.endswith(("attention.wq.weight", "attention.wk.weight")):
            value = hf_permute(value, n_heads)
        hf[name] = np.ascontiguousarray(value)
    save_file(hf, str(OUT / "llama_hf_expected.safetensors"))
    bin_dir = OUT / "hf_bin_sharded"
    bin_dir.mkdir(exist_ok=True)
    names = list(hf)
    halves = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map = {}
    for index, half in enumerate(halves):
        shard = f"pytorch_model-{index + 1:05d}-of-00002.bin"
        pt.write_checkpoint(bin_dir / shard, collections.OrderedDict((name, hf[name]) for name in half))
        weight_map.update({name: shard for name in half})
    total = sum(value.nbytes for value in hf.values())
    (bin_dir / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    (bin_dir / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8,
                                                     "intermediate_size": 12, "num_hidden_layers": 1, "num_attention_heads": n_heads,
                                                     "num_key_value_heads": n_heads, "rms_norm_eps": 1e-05, "vocab_size": 10,
                                                     "tie_word_embeddings": False}, indent=2))
    gguf = {}
    for key, value in hf.items():
        if key.startswith("model.layers."):
            _, _, index, rest = key.split(".", 3)
            name = f"blk.{index}.{HF_TO_GGUF[rest]}"
        else:
            name = HF_TO_GGUF[key]
        if key.endswith(("q_proj.weight", "k_proj.weight")):
            value = gguf_permute(value, n_heads)
        gguf[name] = np.ascontiguousarray(value)
    save_file(gguf, str(OUT / "llama_gguf_expected.safetensors"))
    # Meta layout and GGUF layout agree (llama.cpp needs no permutation from Meta originals).
    assert np.array_equal(gguf["blk.0.attn_q.weight"], meta["layers.0.attention.wq.weight"])


if __name__ == "__main__":
    main()
