#!/usr/bin/env python3
"""Reference logits from megalodon-jax for small MEGALODON configurations the official goldens do
not cover: one and four heads, SwiGLU off, rescale_nffn / scale_emb / share_emb on, norm_affine off,
lengths that are not a multiple of the chunk size, and every parameter perturbed away from its
initial value (so the "+1"-offset weights, biases and Q/K affine are all exercised).

Pins (install into a venv outside the repo, e.g. /work/venv-megalodon):
    pip install "jax[cpu]" megalodon-jax==0.2.2 numpy safetensors==0.8.0
(resolved here to jax/jaxlib 0.10.2, equinox 0.13.8, numpy 2.4.6.)

Run from the repository root:
    /work/venv-megalodon/bin/python scripts/oracles/megalodon_jax_fixtures.py

Writes Tests/ModelsTests/Fixtures/megalodon_jax_<name>.safetensors, each holding
  weights.<megalodon-jax native name>   the perturbed parameters, f32
  tokens            i64 [L]             one sequence (batch 1)
  logits_full       f32 [L, V]          one call, no cache
  logits_stream     f32 [L, V]          the same tokens fed in the segments `plan`, cache carried over
  plan              i64 [segments]      the segment lengths (sum L)
and in __metadata__: "config" (official ModelConf field names, JSON) and "source".
"""
import json
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
from safetensors.numpy import save_file

import megalodon_jax
from megalodon_jax import MegalodonConfig, MegalodonForCausalLM
from megalodon_jax.checkpoint import apply_model_state_dict, model_state_dict

jax.config.update("jax_default_matmul_precision", "highest")

BASE = dict(model_dim=32, z_dim=16, value_dim=32, ffn_hidden_dim=48, cema_ndim=3, norm_num_groups=4,
            num_layers=2, vocab_size=53)
CASES = {
    # mega7.1B flags: one head, plain SiLU FFN; length 30 with chunk 8 (3 full chunks + 6)
    "heads1_noswiglu": dict(BASE, num_heads=1, swiglu=False, chunk_size=8, length=30, plan=[5, 1, 1, 9, 1, 13]),
    # four heads, every optional flag on, another rope base; length 41 with chunk 12
    "heads4_allflags": dict(BASE, num_heads=4, z_dim=32, value_dim=64, swiglu=False, rescale_nffn=True,
                            scale_emb=True, share_emb=True, rope_base=50000.0, chunk_size=12, length=41,
                            plan=[1] * 13 + [20, 8]),
    # two heads, SwiGLU, no affine on RMSNorm/LayerNorm; length 37 with chunk 16, one long call then steps
    "heads2_noaffine": dict(BASE, num_heads=2, swiglu=True, norm_affine=False, chunk_size=16, length=37,
                            plan=[33, 1, 1, 1, 1]),
}
CONFIG_FIELDS = ["num_layers", "model_dim", "z_dim", "value_dim", "num_heads", "ffn_hidden_dim", "cema_ndim",
                 "chunk_size", "norm_num_groups", "norm_affine", "norm_eps", "rope_base", "swiglu",
                 "rescale_nffn", "scale_emb", "share_emb", "vocab_size", "output_size"]


def make_case(name, spec, seed):
    spec = dict(spec)
    length, plan = spec.pop("length"), spec.pop("plan")
    assert sum(plan) == length
    config = MegalodonConfig(**spec)
    model = MegalodonForCausalLM(config, key=jax.random.PRNGKey(seed))
    rng = np.random.default_rng(seed)
    native = {k: np.asarray(v, dtype=np.float32) for k, v in model_state_dict(model).items()}
    perturbed = {k: (v + rng.normal(0, 0.1, v.shape)).astype(np.float32) for k, v in native.items()}
    model = apply_model_state_dict(model, {k: jnp.asarray(v) for k, v in perturbed.items()})[0]

    tokens = rng.integers(0, config.vocab_size, size=(1, length))
    full, _ = model(jnp.asarray(tokens))
    cache, pieces, start = None, [], 0
    for size in plan:
        logits, cache = model(jnp.asarray(tokens[:, start:start + size]), cache=cache, return_cache=True)
        pieces.append(np.asarray(logits[0]))
        start += size
    stream = np.concatenate(pieces, axis=0)
    print(f"{name}: |full - stream| = {np.abs(np.asarray(full[0]) - stream).max():.2e}, "
          f"|logits| max {np.abs(stream).max():.2f}")

    tensors = {"weights." + k: v for k, v in perturbed.items()}
    tensors["tokens"] = tokens[0].astype(np.int64)
    tensors["logits_full"] = np.asarray(full[0], dtype=np.float32)
    tensors["logits_stream"] = stream.astype(np.float32)
    tensors["plan"] = np.asarray(plan, dtype=np.int64)
    official = {f: getattr(config, f) for f in CONFIG_FIELDS}
    official["architecture"] = "megalodon"
    metadata = {"config": json.dumps(official), "source": f"megalodon-jax {megalodon_jax.__version__ if hasattr(megalodon_jax, '__version__') else '0.2.2'}, jax {jax.__version__}, CPU fp32"}
    out = pathlib.Path("Tests/ModelsTests/Fixtures") / f"megalodon_jax_{name}.safetensors"
    save_file(tensors, str(out), metadata=metadata)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    for index, (name, spec) in enumerate(CASES.items()):
        make_case(name, spec, seed=100 + index)
