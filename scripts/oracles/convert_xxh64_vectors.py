"""XXH64 test vectors for the zstd container's per-tensor checksums (formats/zstd-container.md).

Inputs are deterministic byte strings (lengths chosen to cross every code path of XXH64: < 4,
< 8, < 32, exact 32-byte stripes and tails), hashed with the reference xxHash library through the
Python binding, with seed 0 and with a non-zero seed.

Pins: Python 3.11, xxhash==3.5.0 (the binding bundles the reference C xxHash; install into a venv
outside the repo: python3 -m venv /work/venv-convert && /work/venv-convert/bin/pip install xxhash==3.5.0).
Run: /work/venv-convert/bin/python scripts/oracles/convert_xxh64_vectors.py
"""
import json
from pathlib import Path

import xxhash

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/CheckpointsTests/Fixtures/convert/xxh64_vectors.json"


def data(length):
    # A simple LCG, reproducible in any language: x = (x * 1103515245 + 12345) mod 2^31, byte = x >> 16.
    x, out = length, bytearray()
    for _ in range(length):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append((x >> 16) & 0xFF)
    return bytes(out)


def main():
    lengths = list(range(0, 70)) + [95, 96, 97, 127, 128, 129, 255, 1000, 4096, 65537]
    vectors = []
    for length in lengths:
        payload = data(length)
        vectors.append({"length": length, "seed": 0, "xxh64": xxhash.xxh64_hexdigest(payload, seed=0)})
        vectors.append({"length": length, "seed": 2654435761, "xxh64": xxhash.xxh64_hexdigest(payload, seed=2654435761)})
    text = [{"text": t, "xxh64": xxhash.xxh64_hexdigest(t.encode(), seed=0)} for t in ["", "a", "abc", "Nobody inspects the spammish repetition"]]
    OUT.write_text(json.dumps({"generator": "data(length): x = length; x = (x*1103515245+12345) mod 2^31; byte = (x>>16)&255",
                               "xxhash": xxhash.VERSION, "binary": vectors, "text": text}, indent=1))


if __name__ == "__main__":
    main()
