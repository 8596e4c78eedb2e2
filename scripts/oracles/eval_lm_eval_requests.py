#!/usr/bin/env python3
"""Records the exact requests lm-evaluation-harness 0.4.13 sends through its real CLI, for the
Swift runner's request-parity test.

Pins (venv outside the repo, e.g. /work/venv-eval; no torch needed, the `dummy` model has no weights):
    pip install lm-eval==0.4.13 "datasets==4.4.1"
Run: /work/venv-eval/bin/python scripts/oracles/eval_lm_eval_requests.py [--data-dir /work/shared/data]
Output: Tests/EvaluationTests/Fixtures/lm_eval_cli_requests.json

How: for each multiple-choice task (arc_easy, arc_challenge, boolq) a task YAML that `include`s
lm-eval's own YAML and only points the dataset at the local JSONL (dataset_path "json",
data_files; the eval file doubles as the train split because the real train split is not
available offline, exactly as the Swift runner does without a train.jsonl) is written to a
temporary --include_path. Then `lm-eval run --model dummy --log_samples --limit LIMIT
--num_fewshot N` runs for 0-shot and a few-shot setting, and every logged request's
(context, continuation) pair is recorded per document, in lm-eval's request order.
0-shot contexts are stored verbatim; few-shot contexts (up to tens of kB each) as sha256 and
length to keep the fixture small.

The "<task>_fewshot_split_test" entries run ARC 25-shot with `fewshot_split: test` added: lm-eval's
own rule when the few-shot split is the test split (draw n+1, drop the eval doc), which is what the
Swift runner does when it has no train.jsonl. The plain ARC entries hand lm-eval the same file as a
separate train split, so lm-eval draws n and may show a document its own question; the runner does
that only when given a separate train.jsonl.
"""
import argparse
import glob
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import lm_eval

assert lm_eval.__version__ == "0.4.13", lm_eval.__version__

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/EvaluationTests/Fixtures/lm_eval_cli_requests.json"
TASKS_DIR = pathlib.Path(lm_eval.__file__).parent / "tasks"
LIMIT = 100

TASKS = {
    # name: (upstream yaml, data file, splits the file stands in for, shot settings[, extra yaml])
    "arc_easy": ("arc/arc_easy.yaml", "arc_easy/test.jsonl", ["train", "validation", "test"], [0, 25]),
    "arc_challenge": ("arc/arc_challenge.yaml", "arc_challenge/test.jsonl", ["train", "validation", "test"], [0, 25]),
    "boolq": ("super_glue/boolq/default.yaml", "boolq/validation.jsonl", ["train", "validation"], [0, 3]),
    "arc_easy_fewshot_split_test": ("arc/arc_easy.yaml", "arc_easy/test.jsonl", ["train", "validation", "test"], [25], "fewshot_split: test\n"),
    "arc_challenge_fewshot_split_test": ("arc/arc_challenge.yaml", "arc_challenge/test.jsonl", ["train", "validation", "test"], [25], "fewshot_split: test\n"),
}


def write_task_yaml(folder, name, data_dir):
    yaml_path, data_file, splits = TASKS[name][:3]
    extra = TASKS[name][4] if len(TASKS[name]) > 4 else ""
    path = str(data_dir / data_file)
    files = ", ".join(f'"{split}": "{path}"' for split in splits)
    text = (
        f'include: "{TASKS_DIR / yaml_path}"\n'
        f"task: parity_{name}\n"
        f"tag: []\n"
        f"dataset_path: json\n"
        f"dataset_name: null\n"
        f"dataset_kwargs:\n  data_files: {{{files}}}\n"
        f"{extra}"
    )
    (folder / f"parity_{name}.yaml").write_text(text)


def run_cli(include, out, tasks, shots):
    command = [
        str(pathlib.Path(sys.executable).parent / "lm-eval"), "run", "--model", "dummy",
        "--tasks", ",".join(f"parity_{t}" for t in tasks), "--include_path", str(include),
        "--limit", str(LIMIT), "--num_fewshot", str(shots), "--log_samples", "--output_path", str(out),
    ]
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def requests_of(sample):
    """(context, continuation) pairs of one logged sample, in request order."""
    arguments = sample["arguments"]
    if isinstance(arguments, dict):
        arguments = [arguments[key] for key in sorted(arguments, key=lambda k: int(k.rsplit("_", 1)[-1]))]
        return [(a["arg_0"], a["arg_1"]) for a in arguments]
    return [(a[0], a[1]) for a in arguments]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    data_dir = pathlib.Path(args.data_dir).resolve()
    result = {"lm_eval_version": lm_eval.__version__, "limit": LIMIT, "model": "dummy", "tasks": {}}
    with tempfile.TemporaryDirectory() as temporary:
        include = pathlib.Path(temporary) / "tasks"
        include.mkdir()
        for name in TASKS:
            write_task_yaml(include, name, data_dir)
        shot_settings = sorted({s for spec in TASKS.values() for s in spec[3]})
        for shots in shot_settings:
            names = [n for n, spec in TASKS.items() if shots in spec[3]]
            out = pathlib.Path(temporary) / f"out{shots}"
            run_cli(include, out, names, shots)
            for name in names:
                # The timestamp follows the task name (arc_easy must not match arc_easy_fewshot_split_test).
                files = [f for f in glob.glob(str(out / "**" / f"samples_parity_{name}_*.jsonl"), recursive=True)
                         if pathlib.Path(f).name[len(f"samples_parity_{name}_"):][:1].isdigit()]
                assert len(files) == 1, files
                samples = [json.loads(line) for line in open(files[0], encoding="utf-8")]
                samples.sort(key=lambda s: s["doc_id"])
                records = []
                for sample in samples:
                    pairs = requests_of(sample)
                    contexts = {c for c, _ in pairs}
                    assert len(contexts) == 1, "one context per multiple-choice doc"
                    context = pairs[0][0]
                    record = {"doc_id": sample["doc_id"], "continuations": [c for _, c in pairs]}
                    if shots == 0:
                        record["context"] = context
                    else:
                        record["context_sha256"] = hashlib.sha256(context.encode("utf-8")).hexdigest()
                        record["context_length"] = len(context)
                    records.append(record)
                result["tasks"].setdefault(name, {})[str(shots)] = records
    OUT.write_text(json.dumps(result, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
