#!/usr/bin/env python3
"""Reference fixtures for the Swift Q8_0 / Q4_0 / Q4_1 quantizers and dequantizers.

gguf-py's numpy quantizers are written to reproduce ggml's reference `quantize_row_*_ref`
(ggml-quants.c) bit for bit (its Q4_0 note: the C reference's rounding depends on whether the
compiler fuses `x*id + 8.5f` into an FMA; gguf-py does not fuse). Our Swift code must give the
same bytes, and dequantize those bytes to the same floats.

gguf-py only quantizes rows whose length is a multiple of the block size (32 for all three types:
`quant_shape_to_byte_shape` raises otherwise), so every case here has such rows; sizes that are not a
multiple of 32 are covered by the project's own grouped schemes, which have no external reference.

Cross-check against llama.cpp's C reference (done once by hand, nothing of it committed): ggml's
`quantize_row_q8_0_ref`, `quantize_row_q4_0_ref` and `quantize_row_q4_1_ref` (ggml@9a4acb3,
src/ggml-quants.c), compiled with gcc 12, give the same bytes as gguf-py on every case here except:
  * `fma` Q4_0 (8 bytes) when built with `-O2 -march=native`: gcc contracts `x*id + 8.5f` into an FMA;
    with `-ffp-contract=off` or without FMA in the target it agrees;
  * `zeros` Q4_0 (2 bytes, any flags): a block of negative zeros gets d = -0 in C (its running max
    starts at +0) and +0 in gguf-py (numpy's argmax picks the -0 itself).
Our quantizer follows gguf-py in both.

Pins (install into a venv outside the repo):
    python3 -m venv /work/venv-quant && /work/venv-quant/bin/pip install gguf==0.19.0 numpy==2.4.6
Run from the repository root:
    /work/venv-quant/bin/python scripts/oracles/quant_fixtures.py

Writes Tests/QuantizationTests/Fixtures/ggml/:
    manifest.json               one entry per (case, type): shape and file names
    <case>.input.f32            the float32 input matrix, row-major, little-endian
    <case>.<TYPE>.blocks        gguf.quants.quantize output (the GGUF tensor bytes)
    <case>.<TYPE>.dequant.f32   gguf.quants.dequantize of those bytes, float32 little-endian
"""

import json
import pathlib

import numpy as np
from gguf import GGMLQuantizationType, quants

TYPES = [GGMLQuantizationType.Q8_0, GGMLQuantizationType.Q4_0, GGMLQuantizationType.Q4_1]


def ties_matrix() -> np.ndarray:
    """Rows whose scaled values land exactly on .5, where rounding rules disagree.

    Row 0: Q8_0 with amax 127 gives d = 1 and id = 1, so every k + 0.5 is a tie for roundf.
    Row 1: Q4_0 with max -8 gives d = 1; x*id + 8.5 is then an integer for half-integer x.
    Row 2: Q4_1 with min 0, max 15 gives d = 1; (x - min)*id + 0.5 is integral for half-integers.
    Row 3: negative ties, symmetric around zero.
    """
    halves = np.arange(-15.5, 16.5, 1.0, dtype=np.float32)  # 32 half-integers
    row0 = halves.copy()
    row0[0] = 127.0
    row1 = np.clip(halves, -7.5, 7.5)
    row1[3] = -8.0
    row2 = np.clip(halves, 0.5, 14.5)
    row2[0], row2[1] = 0.0, 15.0
    row3 = -np.abs(halves)
    row3[5] = -127.0
    return np.stack([row0, row1, row2, row3]).astype(np.float32)


def fma_sensitive_matrix() -> np.ndarray:
    """Q4_0 blocks where fusing `x*id + 8.5f` into one FMA changes a code (gguf-py's FMA remark).

    For a block maximum mx (d = mx / -8, id = 1/d), x = d·(m + 0.5) sits on a rounding boundary;
    searching a grid of d finds values whose code differs between the unfused float32 arithmetic
    (what gguf-py does, and what we must match) and a fused multiply-add. Each row is one block: the
    maximum, then up to 31 such values, then zeros.
    """
    rows: dict[float, list[float]] = {}
    for scale in np.arange(0.01, 5, 0.0007, dtype=np.float32):
        mx = np.float32(-8) * np.float32(scale)
        d = mx / np.float32(-8)
        inv = np.float32(1) / d
        for m in range(-8, 8):
            x = np.float32(d * np.float32(m + 0.5))
            for candidate in (np.nextafter(x, np.float32(-np.inf)), x, np.nextafter(x, np.float32(np.inf))):
                if abs(candidate) > abs(mx):
                    continue
                unfused = np.trunc(np.float32(candidate * inv) + np.float32(8.5))
                fused = np.trunc(np.float32(np.float64(candidate) * np.float64(inv) + 8.5))
                if unfused != fused:
                    rows.setdefault(float(mx), []).append(float(candidate))
        if len(rows) >= 4:
            break
    matrix = np.zeros((4, 32), dtype=np.float32)
    for i, (mx, xs) in enumerate(list(rows.items())[:4]):
        matrix[i, 0] = mx
        matrix[i, 1:1 + len(xs[:31])] = xs[:31]
    return matrix


def cases(rng: np.random.Generator) -> dict[str, np.ndarray]:
    normal = rng.standard_normal((8, 96), dtype=np.float32)

    zeros = rng.standard_normal((5, 64), dtype=np.float32)
    zeros[1, :] = 0.0          # a whole zero row
    zeros[3, 32:] = 0.0        # a zero block inside a row
    zeros[4, :] = -0.0         # negative zeros

    outliers = rng.standard_normal((6, 128), dtype=np.float32) * 0.02
    outliers[0, 7] = 3.0e4     # one huge value dominates its block
    outliers[1, 40] = -2.5e4
    outliers[2, 100] = 1.0e3
    outliers[3, :] *= 1.0e-4   # tiny scales: f16 subnormal d
    outliers[4, 0:32] = 5.0    # constant block (Q4_1: max == min, d == 0)
    outliers[5, 64:96] = -5.0

    # Values on the half-precision grid and simple fractions so that x * (1/d) hits boundaries.
    grid = (rng.integers(-60, 61, size=(4, 160)).astype(np.float32) / 8.0)

    wide = rng.standard_normal((3, 32 * 40), dtype=np.float32) * np.float32(0.7) + np.float32(0.1)

    return {
        "normal": normal,
        "zeros": zeros,
        "outliers": outliers,
        "ties": ties_matrix(),
        "grid": grid,
        "wide": wide,
        "fma": fma_sensitive_matrix(),
    }


def main() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    out = root / "Tests" / "QuantizationTests" / "Fixtures" / "ggml"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261129)
    manifest = []
    for name, matrix in cases(rng).items():
        matrix = np.ascontiguousarray(matrix, dtype="<f4")
        (out / f"{name}.input.f32").write_bytes(matrix.tobytes())
        for qtype in TYPES:
            blocks = quants.quantize(matrix, qtype)
            deq = quants.dequantize(blocks, qtype).astype("<f4")
            assert deq.shape == matrix.shape
            (out / f"{name}.{qtype.name}.blocks").write_bytes(np.ascontiguousarray(blocks).tobytes())
            (out / f"{name}.{qtype.name}.dequant.f32").write_bytes(np.ascontiguousarray(deq).tobytes())
            manifest.append({
                "case": name,
                "type": qtype.name,
                "rows": int(matrix.shape[0]),
                "columns": int(matrix.shape[1]),
                "input": f"{name}.input.f32",
                "blocks": f"{name}.{qtype.name}.blocks",
                "dequantized": f"{name}.{qtype.name}.dequant.f32",
            })
    (out / "manifest.json").write_text(json.dumps({"generator": "gguf==0.19.0 gguf.quants", "entries": manifest}, indent=1) + "\n")


if __name__ == "__main__":
    main()
