#!/usr/bin/env python3
"""Per-item multiple-choice scores of SmolLM2-135M from llama.cpp, the reference for
Tests/EvaluationTests/ScoreParityTests.swift (our evaluation path must agree per item).

Pins: llama-cpp-python==0.3.36 (its vendored llama.cpp), gguf==0.19.0, numpy. Setup as in
scripts/oracles/llama_logits.py (venv /work/venv-llama; LLAMA_CPP_LIB_PATH may point at a
build of the vendored llama.cpp with shared libraries).

Weights: llama.cpp on the released Q4_1 file quantizes activations to Q8_1 before its integer dot
products; our engine dequantizes the weights to f32 once. The reference therefore runs llama.cpp on
the same dequantized values:
    llama-quantize --allow-requantize SmolLM2-135M-Instruct.Q4_1.gguf smollm2-f32.gguf F32
`--source Q4_1.gguf --check-source` verifies that claim tensor by tensor: every tensor of the F32 file equals
gguf 0.19.0's dequantization of the same tensor in the Q4_1 file, bit for bit.

Requests: lm-eval 0.4.13's own, read from Tests/EvaluationTests/Fixtures/lm_eval_cli_requests.json
(logged by its CLI). 0-shot contexts are stored there verbatim. Few-shot contexts are stored only as
sha256 + length, so for a few-shot setting the contexts come from a `megalodon-eval run` samples.jsonl
(`--fewshot-samples TASK:SHOTS:FILE`) and each is accepted only if its sha256 equals lm-eval's.

Scoring, as lm-eval's HF backend (`TemplateLM._encode_pair`, `HFLM._loglikelihood_tokens`):
trailing context whitespace moves to the continuation; continuation tokens = tokens(ctx+cont) minus
tokens(ctx); no BOS (SmolLM2's GGUF says tokenizer.ggml.add_bos_token = false and its Hugging Face
tokenizer adds none, which lm-eval >= 0.4.9.2 follows); input = (ctx+cont)[:-1] in one llama_decode
pass (logits_all, f32 KV cache, flash attention off; a document's shared context is decoded once
and each continuation continues from its KV cache, as one pass would compute it); log_softmax in float64 over the float32
logits, summed over the continuation; is_greedy = every argmax equals the continuation token.
acc = argmax ll == gold; acc_norm = argmax ll / len(choice) (Python code points), ties to the lowest
index (np.argmax); boolq reports acc only.

Run from the package root:
    LLAMA_CPP_LIB_PATH=... /work/venv-llama/bin/python scripts/oracles/eval_scores_llamacpp.py \
        /tmp/llama-build/smollm2-f32.gguf --check-source --source ~/.cache/megalodon/models/SmolLM2-135M-Instruct.Q4_1.gguf \
        [--fewshot-samples boolq:3:runs/x/samples.jsonl --fewshot-limit 25 [--add]]
Writes Tests/EvaluationTests/Fixtures/smollm2_scores_llamacpp.json.
"""
import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from llama_cpp import Llama, __version__ as llama_cpp_version

sys.path.insert(0, str(Path(__file__).parent))
from convert_gguf_llamacpp import sha256 as sha256_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = ROOT / "Tests/EvaluationTests/Fixtures/lm_eval_cli_requests.json"
OUT = ROOT / "Tests/EvaluationTests/Fixtures/smollm2_scores_llamacpp.json"
DATA = Path("/work/shared/data")
TASKS = {"arc_easy": "arc_easy/test.jsonl", "arc_challenge": "arc_challenge/test.jsonl", "boolq": "boolq/validation.jsonl"}
GGML_TYPE_F32 = 0
N_CTX = 2048


def check_source(f32_path, source_path):
    """Every tensor of the F32 file equals gguf's dequantization of the source file's tensor."""
    from gguf import GGUFReader
    from gguf.quants import dequantize

    f32 = {t.name: t for t in GGUFReader(f32_path).tensors}
    source = GGUFReader(source_path).tensors
    assert len(f32) == len(source), (len(f32), len(source))
    for tensor in source:
        values = dequantize(tensor.data, tensor.tensor_type).astype(np.float32).reshape(-1)
        reference = np.asarray(f32[tensor.name].data, dtype=np.float32).reshape(-1)
        assert values.shape == reference.shape and np.array_equal(values, reference), tensor.name
    print(f"{len(source)} tensors of {Path(f32_path).name} equal the dequantized {Path(source_path).name} bit for bit")


def gold_and_choices(task, document):
    if task == "boolq":
        return document["label"], ["no", "yes"]
    choices = document["choices"]
    return choices["label"].index(document["answerKey"]), choices["text"]


def encode_pair(llm, context, continuation):
    trailing = len(context) - len(context.rstrip())
    if trailing:
        continuation = context[-trailing:] + continuation
        context = context[:-trailing]
    encode = lambda text: llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    whole, context_tokens = encode(context + continuation), encode(context)
    continuation_tokens = whole[len(context_tokens):]
    assert continuation_tokens, "empty continuation (lm-eval asserts here too)"
    return context_tokens, continuation_tokens


def loglikelihoods(llm, context_tokens, continuations):
    """Every continuation of one context: the context goes through llama_decode once (KV cache kept),
    then each continuation's tokens but the last are decoded after it, the cache cut back to the
    context in between. The predictions are those of one pass over (context + continuation)[:-1]."""
    assert len(context_tokens) + max(map(len, continuations)) - 1 <= N_CTX
    llm.reset()
    llm.eval(context_tokens)
    base = llm.n_tokens
    last_context_row = np.array(llm.scores[base - 1], dtype=np.float64)
    results = []
    for continuation in continuations:
        llm.n_tokens = base
        if len(continuation) > 1:
            llm.eval(continuation[:-1])
        rows = np.array(llm.scores[base: base + len(continuation) - 1], dtype=np.float64).reshape(-1, last_context_row.size)
        results.append(summed(np.vstack([last_context_row[None, :], rows]), continuation))
    return results


def summed(logits, continuation_tokens):
    peak = logits.max(axis=1, keepdims=True)
    log_softmax = logits - (peak + np.log(np.exp(logits - peak).sum(axis=1, keepdims=True)))
    targets = np.array(continuation_tokens)
    total = float(log_softmax[np.arange(len(targets)), targets].sum())
    greedy = bool((logits.argmax(axis=1) == targets).all())
    return total, greedy


def score_item(llm, task, doc_id, context, continuations, document):
    gold, choices = gold_and_choices(task, document)
    assert continuations == [" " + c for c in choices], (task, doc_id)
    pairs = [encode_pair(llm, context, continuation) for continuation in continuations]
    assert all(p[0] == pairs[0][0] for p in pairs), "one document's requests share their context tokens"
    tokens = [p[1] for p in pairs]
    lls, greedy = map(list, zip(*loglikelihoods(llm, pairs[0][0], tokens)))
    item = {"doc_id": doc_id, "loglikelihoods": lls, "is_greedy": greedy, "continuation_tokens": tokens,
            "acc": int(int(np.argmax(lls)) == gold)}
    if task != "boolq":
        item["acc_norm"] = int(int(np.argmax([ll / len(c) for ll, c in zip(lls, choices)])) == gold)
    return item


def fewshot_contexts(path, task, records):
    """doc_id -> context from a megalodon-eval samples.jsonl, each checked against lm-eval's sha256."""
    expected = {r["doc_id"]: r["context_sha256"] for r in records}
    contexts = {}
    for line in open(path, encoding="utf-8"):
        sample = json.loads(line)
        if sample["task"] != task or sample["doc_index"] not in expected:
            continue
        context = sample["requests"][0]["context"]
        assert hashlib.sha256(context.encode("utf-8")).hexdigest() == expected[sample["doc_index"]], sample["doc_index"]
        contexts[sample["doc_index"]] = context
    return contexts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--source", help="the Q4_1 file the F32 one was made from (its sha256 is recorded)")
    parser.add_argument("--check-source", action="store_true", help="verify the F32 tensors against --source (slow)")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--tasks", default=",".join(TASKS), help="0-shot tasks to score (comma-separated)")
    parser.add_argument("--fewshot-samples", action="append", default=[], help="TASK:SHOTS:samples.jsonl")
    parser.add_argument("--fewshot-limit", type=int, default=20)
    parser.add_argument("--add", action="store_true",
                        help="keep the settings already in the fixture (same model file), replacing those scored now")
    args = parser.parse_args()
    if args.check_source:
        check_source(args.model, args.source)
    requests = json.load(open(REQUESTS, encoding="utf-8"))
    assert requests["lm_eval_version"] == "0.4.13"
    llm = Llama(model_path=args.model, n_ctx=N_CTX, n_batch=N_CTX, n_ubatch=N_CTX, n_threads=1, logits_all=True,
                type_k=GGML_TYPE_F32, type_v=GGML_TYPE_F32, flash_attn=False, verbose=False)
    model_sha256 = sha256_file(args.model)
    tasks = {}
    if args.add:
        existing = json.load(open(OUT, encoding="utf-8"))
        assert existing["model"]["sha256"] == model_sha256, "the fixture was made with another model file"
        tasks = existing["tasks"]
    settings = [(task, 0, args.limit, None) for task in args.tasks.split(",") if task]
    for spec in args.fewshot_samples:
        task, shots, path = spec.split(":", 2)
        settings.append((task, int(shots), args.fewshot_limit, path))
    for task, shots, limit, samples in settings:
        documents = [json.loads(line) for line in open(DATA / TASKS[task], encoding="utf-8")]
        records = sorted(requests["tasks"][task][str(shots)], key=lambda r: r["doc_id"])[:limit]
        contexts = fewshot_contexts(samples, task, records) if samples else {r["doc_id"]: r["context"] for r in records}
        items = [score_item(llm, task, r["doc_id"], contexts[r["doc_id"]], r["continuations"], documents[r["doc_id"]])
                 for r in records]
        key = task if shots == 0 else f"{task}_{shots}shot"
        tasks[key] = {"num_fewshot": shots, "items": items}
        write(args, model_sha256, tasks)
        print(f"{key}: {len(items)} items, acc {np.mean([i['acc'] for i in items]):.3f}", flush=True)



def write(args, model_sha256, tasks):
    result = {
        "reference": (f"llama-cpp-python {llama_cpp_version} (vendored llama.cpp), logits_all, f32 KV cache, flash attention off, "
                      "shared context decoded once per document, no BOS, float64 log_softmax; requests from lm-eval 0.4.13's CLI "
                      "(lm_eval_cli_requests.json); weights: llama-quantize --allow-requantize F32 of "
                      "SmolLM2-135M-Instruct.Q4_1.gguf (sha256 " + (sha256_file(args.source) if args.source else "not given") + ")"),
        "model": {"file": Path(args.model).name, "sha256": model_sha256},
        "tasks": tasks,
    }
    OUT.write_text(json.dumps(result, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
