#!/usr/bin/env python3
"""Dequantization reference: a small GGUF with one random tensor per supported ggml type, and
gguf-py's dequantized float32 values for each.

Pins: gguf==0.19.0, numpy (the version pip resolves with it). Setup:
    python3 -m venv /work/venv-gguf && /work/venv-gguf/bin/pip install gguf==0.19.0 numpy
Run from the package root:
    /work/venv-gguf/bin/python scripts/oracles/gguf_fixtures.py
Writes Tests/CheckpointsTests/Fixtures/gguf/dequant.gguf and dequant-expected.f32 (every
tensor's values from gguf.quants.dequantize, float32 little-endian, concatenated in tensor order,
row-major). F32/F16/BF16/Q8_0/Q4_0/Q4_1/Q5_0/Q5_1 are quantized from random normals with
gguf.quants.quantize; gguf-py cannot quantize Q4_K/Q5_K/Q6_K/Q2_K/Q3_K/IQ4_NL, so their blocks
are random bytes with the f16 scale fields replaced by finite values of realistic size (the types
after Q6_K were appended later, so the earlier tensors keep their random draws).
"""
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.quants import quantize, dequantize

OUT = Path("Tests/CheckpointsTests/Fixtures/gguf")
SEED = 20240229
QUANTIZABLE = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1]
RANDOM_BLOCKS = [T.Q4_K, T.Q5_K, T.Q6_K, T.Q2_K, T.Q3_K, T.IQ4_NL]
# Byte offsets of f16 scale fields inside each K-quant block (see formats/gguf.md).
SCALE_FIELDS = {T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208], T.Q2_K: [80, 82], T.Q3_K: [108], T.IQ4_NL: [0]}


def special_values(rng, shape):
    """Random normals with a few edge values (zeros, subnormal-range, large) mixed in."""
    values = rng.standard_normal(shape).astype(np.float32)
    flat = values.reshape(-1)
    flat[:8] = [0.0, -0.0, 1e-7, -3e-6, 65504.0, -1000.0, 1e-30, 3.0e4]
    return values


def main():
    rng = np.random.default_rng(SEED)
    writer = gguf.GGUFWriter(OUT / "dequant.gguf", arch="dequant-test")
    writer.add_string("test.description", "random tensors, one per ggml type; see scripts/oracles/gguf_fixtures.py")
    expected = []
    for qtype in QUANTIZABLE:
        block = gguf.GGML_QUANT_SIZES[qtype][0]
        shape = (3, 2, 64) if qtype == T.F32 else (16, max(64, block * 2))
        values = special_values(rng, shape)
        if qtype != T.F32:
            values.reshape(-1)[4] = 1.5  # keep 65504 out of the quantized blocks' scale range
        data = quantize(values, qtype)
        writer.add_tensor(f"t.{qtype.name.lower()}", data, raw_dtype=qtype)
        expected.append(dequantize(data, qtype).astype(np.float32).reshape(-1))
    for qtype in RANDOM_BLOCKS:
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        rows, cols = 8, block * 2
        n_blocks = rows * cols // block
        raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
        for offset in SCALE_FIELDS[qtype]:
            scales = (rng.uniform(1e-4, 2e-2, size=n_blocks) * rng.choice([-1, 1], size=n_blocks)).astype(np.float16)
            raw[:, offset:offset + 2] = scales.view(np.uint8).reshape(n_blocks, 2)
        data = raw.reshape(rows, cols // block * size)
        writer.add_tensor(f"t.{qtype.name.lower()}", data, raw_dtype=qtype)
        expected.append(dequantize(data, qtype).astype(np.float32).reshape(-1))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    np.concatenate(expected).astype("<f4").tofile(OUT / "dequant-expected.f32")
    for name in ["dequant.gguf", "dequant-expected.f32"]:
        print(name, (OUT / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
