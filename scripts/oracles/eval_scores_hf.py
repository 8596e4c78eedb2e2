#!/usr/bin/env python3
"""Per-item log-likelihoods of SmolLM2-135M-Instruct from lm-evaluation-harness 0.4.13's Hugging Face
backend (score-parity reference for megalodon-eval), and the same backend timed on full ARC-Easy (the
speed anchor in BENCHMARKS.md).

Pins (venv outside the repo, e.g. /work/venv-eval; CPU only):
    pip install lm-eval==0.4.13 transformers==4.57.1 torch==2.15.0 tokenizers==0.22.2 \
        datasets==4.4.1 gguf==0.19.0 accelerate==1.15.0 peft==0.21.2
Run from the package root, after `swift build -c release --product megalodon-convert`:
    PY=/work/venv-eval/bin/python
    $PY scripts/oracles/eval_scores_hf.py model   --out /work/models/smollm2-hf [--dtype f32|bf16]
    $PY scripts/oracles/eval_scores_hf.py fixture --model-dir /work/models/smollm2-hf --run-dir /work/evalhf-runs/fixture-run
    $PY scripts/oracles/eval_scores_hf.py bench   --model-dir /work/models/smollm2-hf [--limit N] [--batch-size B]
    $PY scripts/oracles/eval_scores_hf.py ours    --model-dir /work/models/smollm2-hf [--limit N]
    $PY scripts/oracles/eval_scores_hf.py compare OUR-RUN/samples.jsonl

`model`: the model exists only as the released GGUF (~/.cache/megalodon/models/SmolLM2-135M-Instruct.Q4_1.gguf),
so a Hugging Face Llama directory is built from it: config.json + safetensors from our own converter
(`megalodon-convert convert GGUF --output DIR --dtype ...`, i.e. the dequantized Q4_1 weights), plus a
tokenizer.json rebuilt from the GGUF's vocabulary and merges as scripts/oracles/smollm2_reference.py does
(Digits(individual_digits) + ByteLevel without prefix space, the 17 control tokens as special added tokens)
and the tokenizer_config.json of the real SmolLM2-135M-Instruct (GPT2Tokenizer, bos <|im_start|>,
eos = pad <|im_end|>, unk <|endoftext|>, no BOS added). lm-eval 0.4.13 leaves `add_bos_token` at None, so the
tokenizer's default applies and contexts get no BOS (evals-spec.md §0).

`fixture`: `lm-eval run --model hf --model_args pretrained=DIR,dtype=float32 --device cpu --limit 100 --log_samples`
(batch size 1, one thread) 0-shot on arc_easy, arc_challenge and boolq, reading the JSONL files of the shared data directory offline
through task YAMLs that `include` lm-eval's own (the mechanism of eval_lm_eval_requests.py), converted to
Tests/EvaluationTests/Fixtures/smollm2_scores_hf.json (per item: summed log-likelihood and is_greedy per
choice, acc, acc_norm).

`bench`: the same backend on arc_easy (all items unless --limit), one thread (OMP_NUM_THREADS=1,
MKL_NUM_THREADS=1 and torch.set_num_threads(1) in the lm-eval process), reporting wall time, items/s and the
process CPU time (≤ 1.0 × wall confirms one core; on a loaded machine CPU seconds per item is the robust
figure). `ours` times `megalodon-eval run --tasks arc_easy --threads 1` the same way; `compare` checks a
megalodon-eval samples.jsonl against the fixture (max |Δ log-likelihood|, argmax, is_greedy, acc/acc_norm).
`--batch-size auto` makes lm-eval probe from --max_batch_size (64) down with the longest request; on CPU
nothing runs out of memory, so it settles on 64.
"""
import argparse
import glob
import hashlib
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

import lm_eval

# The local-JSONL task YAMLs (parity_<task> including lm-eval's own YAML) are the request oracle's.
from eval_lm_eval_requests import TASKS, write_task_yaml

assert lm_eval.__version__ == "0.4.13", lm_eval.__version__

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/EvaluationTests/Fixtures/smollm2_scores_hf.json"
GGUF = pathlib.Path.home() / ".cache/megalodon/models/SmolLM2-135M-Instruct.Q4_1.gguf"
LIMIT = 100

# Runs lm-eval's CLI in-process after pinning torch to one thread (env vars alone leave inter-op threads).
ONE_THREAD_LAUNCHER = (
    "import sys, torch; torch.set_num_threads(1); torch.set_num_interop_threads(1); "
    "from lm_eval.__main__ import cli_evaluate; sys.argv[0] = 'lm-eval'; sys.exit(cli_evaluate())"
)


def sha256_of(path):
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# ---------------------------------------------------------------- model directory

def build_model(args):
    out = pathlib.Path(args.out)
    converter = ROOT / ".build/release/megalodon-convert"
    subprocess.run([str(converter), "convert", str(args.gguf), "--output", str(out), "--dtype", args.dtype], check=True)
    write_tokenizer(args.gguf, out)
    print(f"wrote {out}")


def write_tokenizer(gguf_path, out):
    import gguf
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    fields = gguf.GGUFReader(gguf_path).fields
    tokens = fields["tokenizer.ggml.tokens"].contents()
    kinds = fields["tokenizer.ggml.token_type"].contents()
    merges = [tuple(m.split(" ", 1)) for m in fields["tokenizer.ggml.merges"].contents()]
    assert fields["tokenizer.ggml.add_bos_token"].contents() is False
    name_of = lambda key: tokens[int(fields[key].contents())]
    bos, eos, unk = name_of("tokenizer.ggml.bos_token_id"), name_of("tokenizer.ggml.eos_token_id"), name_of("tokenizer.ggml.unknown_token_id")
    pad = name_of("tokenizer.ggml.padding_token_id")

    tokenizer = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.decoder = decoders.ByteLevel()
    control = [tokens[i] for i, kind in enumerate(kinds) if kind == 3]
    assert len(control) == 17, len(control)
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in control])
    tokenizer.save(str(out / "tokenizer.json"))

    config = {
        "tokenizer_class": "GPT2Tokenizer",
        "add_prefix_space": False,
        "add_bos_token": False,
        "bos_token": bos, "eos_token": eos, "unk_token": unk, "pad_token": pad,
        "additional_special_tokens": [t for t in control if t not in (bos, eos, unk, pad)],
        "clean_up_tokenization_spaces": False,
        "model_max_length": 8192,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "special_tokens_map.json").write_text(json.dumps(
        {"bos_token": bos, "eos_token": eos, "unk_token": unk, "pad_token": pad}, indent=2) + "\n")

    # The rebuilt tokenizer must be the one transformers loads, adding no BOS.
    from transformers import AutoTokenizer
    loaded = AutoTokenizer.from_pretrained(str(out))
    sample = "Question: Which gas do plants absorb?\nAnswer: carbon dioxide"
    assert loaded(sample)["input_ids"] == tokenizer.encode(sample, add_special_tokens=False).ids
    assert loaded.bos_token == bos and loaded.eos_token == eos


# ---------------------------------------------------------------- lm-eval runs

def model_args(model_dir):
    return f"pretrained={model_dir},dtype=float32"


def run_lm_eval(model_dir, data_dir, out, tasks, limit, batch_size):
    """Runs lm-eval's HF backend on one thread; returns (wall seconds, CPU seconds of the lm-eval process).
    One thread also for the fixture: deterministic, and on this shared 2-core machine two OpenMP threads
    spin against other processes and run several times slower."""
    include = out / "tasks"
    include.mkdir(parents=True, exist_ok=True)
    for name in TASKS:
        write_task_yaml(include, name, data_dir)
    arguments = [
        "run", "--model", "hf", "--model_args", model_args(model_dir),
        "--tasks", ",".join(f"parity_{t}" for t in tasks), "--include_path", str(include),
        "--device", "cpu", "--num_fewshot", "0", "--log_samples", "--output_path", str(out / "results"),
    ]
    if limit is not None:
        arguments += ["--limit", str(limit)]
    if batch_size is not None:
        arguments += ["--batch_size", str(batch_size)]
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    command = [sys.executable, "-c", ONE_THREAD_LAUNCHER] + arguments
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def samples_of(out, name):
    files = glob.glob(str(out / "results" / "**" / f"samples_parity_{name}_*.jsonl"), recursive=True)
    assert len(files) == 1, files
    samples = [json.loads(line) for line in open(files[0], encoding="utf-8")]
    return sorted(samples, key=lambda s: s["doc_id"])


def results_of(out):
    files = glob.glob(str(out / "results" / "**" / "results_*.json"), recursive=True)
    assert len(files) == 1, files
    return json.load(open(files[0], encoding="utf-8"))


def logged_bool(value):
    # lm-eval logs responses as strings ("False"), where bool("False") would be True.
    if isinstance(value, bool):
        return value
    assert value in ("True", "False"), value
    return value == "True"


def item_record(sample, with_norm):
    # filtered_resps: one [loglikelihood, is_greedy] pair per choice, in choice order, logged as strings.
    pairs = sample["filtered_resps"]
    record = {
        "doc_id": sample["doc_id"],
        "loglikelihoods": [float(ll) for ll, _ in pairs],
        "is_greedy": [logged_bool(greedy) for _, greedy in pairs],
        "acc": int(sample["acc"]),
    }
    if with_norm:
        record["acc_norm"] = int(sample["acc_norm"])
    return record


def build_fixture(args):
    model_dir = pathlib.Path(args.model_dir).resolve()
    data_dir = pathlib.Path(args.data_dir).resolve()
    import torch
    import transformers
    import tokenizers
    # lm-eval's own output stays in --run-dir, so the fixture can be re-derived without the 15-minute run.
    out = pathlib.Path(args.run_dir)
    if not (out / "results").exists():
        run_lm_eval(model_dir, data_dir, out, list(TASKS), LIMIT, None)
    tasks = {}
    for name in TASKS:
        items = [item_record(s, with_norm=name != "boolq") for s in samples_of(out, name)]
        assert len(items) == LIMIT, (name, len(items))
        tasks[name] = {"num_fewshot": 0, "items": items}
    fixture = {
        "reference": (
            f"lm-evaluation-harness {lm_eval.__version__} Hugging Face backend (transformers {transformers.__version__}, "
            f"torch {torch.__version__}, tokenizers {tokenizers.__version__}), model_args {model_args('DIR').replace('DIR', '<dir>')}, "
            f"batch_size 1, one thread, 0-shot, --limit {LIMIT}; <dir> = megalodon-convert --dtype f32 of the GGUF (dequantized weights) "
            f"+ tokenizer.json rebuilt from its vocabulary (no BOS added); data: shared data JSONL files"
        ),
        "model": {"file": args.gguf.name, "sha256": sha256_of(args.gguf)},
        "tasks": tasks,
    }
    OUT.write_text(json.dumps(fixture, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


def bench(args):
    model_dir = pathlib.Path(args.model_dir).resolve()
    data_dir = pathlib.Path(args.data_dir).resolve()
    with tempfile.TemporaryDirectory() as temporary:
        out = pathlib.Path(temporary)
        wall, cpu = run_lm_eval(model_dir, data_dir, out, ["arc_easy"], args.limit, args.batch_size)
        items = len(samples_of(out, "arc_easy"))
        metrics = results_of(out)["results"]["parity_arc_easy"]
        if args.keep_samples:
            src = glob.glob(str(out / "results" / "**" / "samples_parity_arc_easy_*.jsonl"), recursive=True)[0]
            pathlib.Path(args.keep_samples).write_bytes(pathlib.Path(src).read_bytes())
    report = {
        "items": items, "batch_size": args.batch_size or 1, "wall_s": round(wall, 2),
        "items_per_s": round(items / wall, 3), "cpu_s": round(cpu, 2), "cpu_s_per_item": round(cpu / items, 4),
        "cpu_over_wall": round(cpu / wall, 3),
        "acc": metrics["acc,none"], "acc_norm": metrics["acc_norm,none"],
    }
    print(json.dumps(report))


def run_ours(args):
    """megalodon-eval on arc_easy, --threads 1, timed the way `bench` times lm-eval (same rusage accounting)."""
    binary = ROOT / ".build/release/megalodon-eval"
    with tempfile.TemporaryDirectory() as temporary:
        out = pathlib.Path(temporary) / "run"
        command = [str(binary), "run", "--model", str(pathlib.Path(args.model_dir).resolve()), "--tasks", "arc_easy",
                   "--data-dir", str(pathlib.Path(args.data_dir).resolve()), "--evals-dir", str(ROOT / "evals"),
                   "--output", str(out), "--threads", "1"]
        if args.limit is not None:
            command += ["--limit", str(args.limit)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        samples = [json.loads(line) for line in open(out / "samples.jsonl", encoding="utf-8")]
        results = json.load(open(out / "results.json", encoding="utf-8"))
        if args.keep_samples:
            pathlib.Path(args.keep_samples).write_bytes((out / "samples.jsonl").read_bytes())
    print(json.dumps({"items": len(samples), "wall_s": round(wall, 2), "items_per_s": round(len(samples) / wall, 3),
                      "cpu_s": round(cpu, 2), "cpu_s_per_item": round(cpu / len(samples), 4), "cpu_over_wall": round(cpu / wall, 3),
                      **{name: metric["value"] for name, metric in results["tasks"]["arc_easy"]["metrics"].items()}}))


def compare(args):
    """Our samples.jsonl against the fixture: max |Δ log-likelihood|, prediction and metric agreement per task."""
    fixture = json.load(open(OUT, encoding="utf-8"))
    ours = {}
    for line in open(args.samples, encoding="utf-8"):
        sample = json.loads(line)
        ours[(sample["task"], sample["doc_index"])] = sample
    for task, entry in fixture["tasks"].items():
        deltas, same_prediction, same_greedy, same_metrics, compared = [], 0, 0, 0, 0
        for item in entry["items"]:
            mine = ours.get((task, item["doc_id"]))
            if mine is None:
                continue
            compared += 1
            lls = [r["loglikelihood"] for r in mine["requests"]]
            deltas += [abs(a - b) for a, b in zip(lls, item["loglikelihoods"])]
            argmax = lambda values: max(range(len(values)), key=lambda i: (values[i], -i))
            same_prediction += argmax(lls) == argmax(item["loglikelihoods"])
            same_greedy += [r["is_greedy"] for r in mine["requests"]] == item["is_greedy"]
            same_metrics += all(mine["metrics"].get(k) == item[k] for k in ("acc", "acc_norm") if k in item)
        if compared:
            print(f"{task}: {compared} items, max |Δll| {max(deltas):.3g}, same argmax {same_prediction}/{compared}, same is_greedy {same_greedy}/{compared}, same acc/acc_norm {same_metrics}/{compared}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    model = commands.add_parser("model", help="build the HF model directory from the GGUF")
    model.add_argument("--out", required=True)
    model.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    fixture = commands.add_parser("fixture", help="write the per-item score fixture")
    fixture.add_argument("--run-dir", required=True, help="lm-eval's output folder; an existing run there is reused")
    runs = commands.add_parser("bench", help="time lm-eval's HF backend on arc_easy, one thread")
    runs.add_argument("--limit", type=int)
    runs.add_argument("--batch-size")
    runs.add_argument("--keep-samples", help="copy lm-eval's samples jsonl here")
    ours = commands.add_parser("ours", help="time megalodon-eval on arc_easy, one thread")
    ours.add_argument("--limit", type=int)
    ours.add_argument("--keep-samples", help="copy our samples.jsonl here")
    check = commands.add_parser("compare", help="compare a megalodon-eval samples.jsonl (--limit 100 or more) with the fixture")
    check.add_argument("samples")
    for command in (model, fixture, runs):
        command.add_argument("--gguf", type=pathlib.Path, default=GGUF)
    for command in (fixture, runs, ours):
        command.add_argument("--model-dir", required=True)
        command.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    {"model": build_model, "fixture": build_fixture, "bench": bench, "ours": run_ours, "compare": compare}[args.command](args)


if __name__ == "__main__":
    main()
