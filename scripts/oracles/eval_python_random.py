#!/usr/bin/env python3
"""Records sequences from CPython 3.11's `random.Random` for the Swift PythonRandom tests.

Pins: CPython 3.11 (standard library only; the script refuses other versions because
`Random.sample`'s set-size rule and `_randbelow` have changed between releases).
Output: Tests/EvaluationTests/Fixtures/python_random.json (small).
Run: python3.11 scripts/oracles/eval_python_random.py
"""
import json
import pathlib
import random
import sys

assert sys.version_info[:2] == (3, 11), "record with CPython 3.11"

SEEDS = [1234, 0, 1, 42, 2**32 - 1, 2**32, 2**70, 12345678901234567890123, -7]
OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests/EvaluationTests/Fixtures/python_random.json"


def record(seed):
    entry = {"seed": str(seed)}
    r = random.Random(seed)
    entry["random"] = [repr(r.random()) for _ in range(8)]
    r = random.Random(seed)
    entry["getrandbits"] = [[k, str(r.getrandbits(k))] for k in (1, 5, 31, 32, 33, 64, 65, 100, 0)]
    r = random.Random(seed)
    entry["randbelow"] = [[n, r._randbelow(n)] for n in (1, 2, 3, 7, 100, 2**31, 2**32 + 5, 3270)]
    r = random.Random(seed)
    entry["randint"] = [[a, b, r.randint(a, b)] for a, b in ((0, 10), (-5, 5), (1, 1), (0, 2**40))]
    r = random.Random(seed)
    entry["choice"] = [r.choice(list(range(n))) for n in (1, 2, 9, 1000)]
    # sample: pool-based (n <= setsize) and set-based (n > setsize) paths, then shuffle,
    # all on one generator so the state hand-over between calls is checked too.
    r = random.Random(seed)
    samples = []
    for n, k in ((5, 5), (10, 3), (21, 21), (22, 2), (100, 6), (2251, 25), (9427, 6), (138384, 2), (30, 0), (85, 6), (86, 6)):
        samples.append({"n": n, "k": k, "result": r.sample(range(n), k)})
    entry["sample"] = samples
    shuffles = []
    for n in (0, 1, 2, 10, 57):
        xs = list(range(n))
        r.shuffle(xs)
        shuffles.append(xs)
    entry["shuffle"] = shuffles
    entry["after"] = repr(r.random())
    return entry


def main():
    data = {"python": sys.version.split()[0], "seeds": [record(s) for s in SEEDS]}
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
