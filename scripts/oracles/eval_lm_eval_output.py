#!/usr/bin/env python3
"""Checks `megalodon-eval run --output-format lm-eval` files with lm-evaluation-harness 0.4.13's own
reader code, and against the files lm-eval's own CLI writes for the same documents.

Pins (venv outside the repo, e.g. /work/venv-lmeval; no torch needed, the `dummy` model has no weights):
    pip install lm-eval==0.4.13
Run (after building the tools):
    .build/release/megalodon-eval run --model ~/.cache/megalodon/models/SmolLM2-135M-Instruct.Q4_1.gguf \
        --tasks arc_easy,boolq --data-dir evals/demo --output-format lm-eval --output /tmp/lmeval-out --threads 1
    /work/venv-lmeval/bin/python scripts/oracles/eval_lm_eval_output.py /tmp/lmeval-out
Output: Tests/EvaluationTests/Fixtures/lm-eval-output/ holding the checked files (our results.json and
samples.jsonl, the lm-eval results_*.json and samples_*_*.jsonl) and check.json, the verdict of every
check. The committed manifests name no machine: `neutralized` records the model by file name (its
sha256 stays), data files relative to --data-dir, and "unknown" for a commit of a dirty tree (the
value the tools record when no commit names the code); scores are untouched. The Swift test regenerates the lm-eval files from our files and expects these bytes.

Reader code used (lm-eval's, imported, not copied): lm_eval.utils.get_results_filenames,
get_sample_results_filenames, get_latest_filename, get_file_task_name, get_file_datetime, make_table;
datasets.load_dataset("json", ...) as EvaluationTracker.recreate_metadata_card loads results and
samples; lm_eval.api.metrics.mean / mean_stderr to re-aggregate the per-sample values;
lm_eval.utils.hash_string for the three hashes; lm_eval.result_schema for the documented keys.
"""
import argparse
import glob
import json
import os
import pathlib
import shutil
import sys
import tempfile

import lm_eval
from lm_eval import utils
from lm_eval.api import metrics as lm_metrics
from lm_eval import result_schema

assert lm_eval.__version__ == "0.4.13", lm_eval.__version__
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import eval_lm_eval_requests as cli  # noqa: E402  (our own oracle: task YAMLs over local JSONL, lm-eval's CLI)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/EvaluationTests/Fixtures/lm-eval-output"


def load_json_dataset(path):
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    import datasets
    return datasets.load_dataset("json", data_files=str(path), split="train", cache_dir=tempfile.mkdtemp())


def neutralized(text, manifest, data_dir):
    """`text` (our results.json or lm-eval's results_*.json) with the machine-specific manifest values
    replaced, the same way in both files, so the Swift writer regenerates the one from the other."""
    model = manifest["model"]["path"]
    replacements = {model: os.path.basename(model),
                    utils.sanitize_model_name(model): utils.sanitize_model_name(os.path.basename(model))}
    tokenizer = manifest["settings"].get("tokenizer", "")
    if tokenizer.startswith("/"):
        replacements[tokenizer] = os.path.basename(tokenizer)
    for path in manifest["data_files"]:
        if path.startswith("/"):
            replacements[path] = os.path.relpath(path, data_dir)
    if manifest["git_commit"].endswith("-dirty"):
        replacements[manifest["git_commit"]] = "unknown"
    for old in sorted(replacements, key=len, reverse=True):
        text = text.replace(old, replacements[old])
    return text


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_folder")
    parser.add_argument("--data-dir", default=str(ROOT / "evals" / "demo"))
    args = parser.parse_args()
    folder = pathlib.Path(args.run_folder).resolve()
    checks = []

    def check(name, ok, detail=""):
        checks.append({"check": name, "passed": bool(ok), "detail": detail})
        print(("PASS " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))

    files = [str(p) for p in folder.iterdir()]
    results_files = utils.get_results_filenames(files)
    sample_files = utils.get_sample_results_filenames(files)
    check("get_results_filenames finds one results file", len(results_files) == 1, str([os.path.basename(f) for f in results_files]))
    latest = utils.get_latest_filename(results_files)
    stamp = utils.get_file_datetime(os.path.basename(latest))
    tasks_in_names = sorted(utils.get_file_task_name(os.path.basename(f)) for f in sample_files)
    check("get_file_task_name reads the task of each samples file", tasks_in_names == ["arc_easy", "boolq"], str(tasks_in_names))
    # get_file_datetime strips ".jsonl" only, so a results name keeps ".json" (lm-eval's own behaviour).
    check("results and samples share get_file_datetime",
          all(utils.get_file_datetime(os.path.basename(f)) + ".json" == stamp for f in sample_files), stamp)

    results = json.load(open(latest, encoding="utf-8"))
    row = load_json_dataset(latest)
    check("datasets.load_dataset('json') reads the results file (as recreate_metadata_card does)",
          row.num_rows == 1 and set(row[0]["results"].keys()) == set(results["results"].keys()))
    table = utils.make_table(results)
    print(table)
    check("make_table renders every task and metric", all(t in table for t in ["arc_easy", "boolq", "acc_norm"]))

    fixed = [k for k in result_schema.SampleResult.__annotations__]
    per_task_samples = {}
    for path in sample_files:
        task = utils.get_file_task_name(os.path.basename(path))
        dataset = load_json_dataset(path)
        lines = [json.loads(line) for line in open(path, encoding="utf-8")]
        per_task_samples[task] = lines
        check(f"{task}: datasets reads every sample line", dataset.num_rows == len(lines), f"{dataset.num_rows} rows")
        check(f"{task}: every sample has SampleResult's fixed keys", all(set(fixed) <= set(s) for s in lines))
        for metric in results["configs"][task]["metric_list"]:
            name = metric["metric"]
            values = [s[name] for s in lines]
            value, stderr = results["results"][task][f"{name},none"], results["results"][task][f"{name}_stderr,none"]
            check(f"{task}: {name},none equals lm-eval's mean of the samples", abs(lm_metrics.mean(values) - value) < 1e-12,
                  f"{value} vs {lm_metrics.mean(values)}")
            check(f"{task}: {name}_stderr,none equals lm-eval's mean_stderr", abs(lm_metrics.mean_stderr(values) - stderr) < 1e-12,
                  f"{stderr} vs {lm_metrics.mean_stderr(values)}")
        check(f"{task}: n-samples effective = lines", results["n-samples"][task]["effective"] == len(lines))

    # lm-eval's own CLI on the same documents (dummy model: random scores, real prompts and hashes).
    with tempfile.TemporaryDirectory() as temporary:
        include = pathlib.Path(temporary) / "tasks"
        include.mkdir()
        data_dir = pathlib.Path(args.data_dir).resolve()
        for name in ["arc_easy", "boolq"]:
            cli.write_task_yaml(include, name, data_dir)
        out = pathlib.Path(temporary) / "out"
        cli.run_cli(include, out, ["arc_easy", "boolq"], 0)
        theirs_results = json.load(open(glob.glob(str(out / "**" / "results_*.json"), recursive=True)[0], encoding="utf-8"))
        documented = set(result_schema.EvalResults.__annotations__) | set(theirs_results)
        check("every top-level key is one lm-eval documents (result_schema.EvalResults) or writes itself", set(results) <= documented,
              str(sorted(set(results) - documented)))
        missing = sorted(set(theirs_results) - set(results) - {"tokenizer_pad_token", "tokenizer_eos_token", "tokenizer_bos_token", "eot_token_id"})
        check("our results file has lm-eval's top-level keys (tokenizer fields aside)", not missing, str(missing))
        for name in ["arc_easy", "boolq"]:
            theirs_keys = set(theirs_results["results"][f"parity_{name}"]) - {"alias", "name"}
            ours_keys = set(results["results"][name]) - {"alias", "name"}
            check(f"{name}: same metric keys as lm-eval's results", theirs_keys == ours_keys, f"{sorted(ours_keys)} vs {sorted(theirs_keys)}")
            theirs = [json.loads(l) for l in open(glob.glob(str(out / "**" / f"samples_parity_{name}_*.jsonl"), recursive=True)[0], encoding="utf-8")]
            theirs.sort(key=lambda s: s["doc_id"])
            ours = sorted(per_task_samples[name], key=lambda s: s["doc_id"])
            check(f"{name}: same documents", [s["doc_id"] for s in ours] == [s["doc_id"] for s in theirs])
            for field in ["doc", "target", "arguments", "doc_hash", "prompt_hash", "target_hash", "filter", "metrics"]:
                same = all(a[field] == b[field] for a, b in zip(ours, theirs))
                check(f"{name}: '{field}' equals lm-eval's for every sample", same)
            check(f"{name}: sample keys equal lm-eval's", all(set(a) == set(b) for a, b in zip(ours, theirs)))
            check(f"{name}: prompt_hash is hash_string(arguments.gen_args_0.arg_0)",
                  all(s["prompt_hash"] == utils.hash_string(s["arguments"]["gen_args_0"]["arg_0"]) for s in ours))

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    manifest = json.load(open(folder / "results.json", encoding="utf-8"))["manifest"]
    for path in [folder / "results.json", pathlib.Path(latest)]:
        text = neutralized(path.read_text(encoding="utf-8"), manifest, pathlib.Path(args.data_dir).resolve())
        (OUT / path.name).write_text(text, encoding="utf-8")
    for path in [folder / "samples.jsonl", *map(pathlib.Path, sample_files)]:
        shutil.copy(path, OUT / path.name)
    verdict = {"lm_eval_version": lm_eval.__version__, "all_passed": all(c["passed"] for c in checks), "checks": checks,
               "make_table": table}
    (OUT / "check.json").write_text(json.dumps(verdict, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{sum(c['passed'] for c in checks)}/{len(checks)} checks passed; wrote {OUT}")
    sys.exit(0 if verdict["all_passed"] else 1)


if __name__ == "__main__":
    main()
