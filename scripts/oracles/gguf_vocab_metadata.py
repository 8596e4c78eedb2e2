#!/usr/bin/env python3
"""Reference metadata of the shared tokenizer GGUF files, read by gguf-py.

Pins: gguf==0.19.0, numpy (any version gguf accepts). Setup:
    python3 -m venv /work/venv-gguf && /work/venv-gguf/bin/pip install gguf==0.19.0 numpy
Run from the package root:
    /work/venv-gguf/bin/python scripts/oracles/gguf_vocab_metadata.py [shared-dir]
Writes Tests/CheckpointsTests/Fixtures/gguf/vocab-metadata.json: for each vocabulary, the GGUF
version, tensor count and every key with its value type, array element type and length, and a
value summary (scalars in full, arrays by first and last element), which the Swift reader must
reproduce.
"""
import json
import sys
from pathlib import Path

import gguf

NAMES = ["llama-spm", "phi-3", "gpt-2", "llama-bpe", "qwen2"]


def scalar(value):
    if isinstance(value, float):
        return repr(float(value))
    return value


def main():
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[3] / "shared")
    out = {}
    for name in NAMES:
        path = shared / "fixtures" / "tokenizers" / f"ggml-vocab-{name}.gguf"
        reader = gguf.GGUFReader(path)
        keys = []
        for field in reader.fields.values():
            if field.name.startswith("GGUF."):
                continue  # gguf-py's pseudo-fields for the header
            entry = {"key": field.name, "type": int(field.types[0])}
            contents = field.contents()
            if field.types[0] == gguf.GGUFValueType.ARRAY:
                entry["element_type"] = int(field.types[-1])
                entry["count"] = len(field.data)
                if contents:
                    entry["first"] = scalar(contents[0])
                    entry["last"] = scalar(contents[-1])
            else:
                entry["value"] = scalar(contents)
            keys.append(entry)
        version = int(reader.fields["GGUF.version"].contents())
        out[name] = {"version": version, "tensor_count": len(reader.tensors), "keys": keys}
    target = Path("Tests/CheckpointsTests/Fixtures/gguf/vocab-metadata.json")
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
