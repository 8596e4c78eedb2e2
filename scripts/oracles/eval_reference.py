#!/usr/bin/env python3
"""Records what lm-evaluation-harness 0.4.13 builds and scores, for the Swift Evaluation tests.

Pins (install into a venv outside the repo, e.g. /work/venv-eval):
    pip install lm-eval==0.4.13 rouge_score==0.1.2 nltk "transformers==4.57.1" "datasets==4.4.1"
(transformers 4.x only because lm-eval's SCROLLS module imports transformers.data.metrics.squad_metrics,
which 5.x removed; no torch needed.)
Run: /work/venv-eval/bin/python scripts/oracles/eval_reference.py [--data-dir /work/shared/data]
Outputs (small JSON) go to Tests/EvaluationTests/Fixtures/.

What it does
* Prompts: builds lm-eval's own ConfigurableTask from the task's YAML, pointed at the local
  Hugging-Face-schema JSONL (dataset_path "json"). The real train splits are not available offline,
  so the few-shot pool is the eval file itself, loaded as the "train" split as well; sampling is
  lm-eval's real ContextSampler seeded with set_fewshot_seed(1234), consumed in doc order over the
  first LIMIT docs (ARC draws n, BoolQ/TriviaQA draw n+1 and drop the eval doc, exactly as lm-eval
  does with its real pool).
* SCROLLS: lm-eval's own task classes with download() replaced by a local JSONL read (the same
  _drop_duplicates_in_input) and the HF metric download stubbed out; first 8 merged docs per task,
  whether 1-shot can be built at all (it cannot in 0.4.13: TypeError), and NarrativeQA/ContractNLI
  processing on synthetic rows (no data for them ships).
* Encoding: lm-eval's TemplateLM._encode_pair / loglikelihood tokenisation with a toy tokenizer
  (pieces r" ?[^\\s]+|\\s", BOS id 1) so the Swift side can replay the same split.
* Rolling windows: lm_eval.utils.get_rolling_token_windows + make_disjoint_window; stop sequences
  (handle_stop_sequences, postprocess_generated_text) and the HF backend's truncation slices.
* Metrics: lm-eval's exact_match_hf_evaluate, mean/mean_stderr and perplexity aggregations; the
  SCROLLS metric logic (tau/scrolls metrics/scrolls.py: max over references, mean, x100,
  geometric mean, round 4) over rouge_score 0.1.2 (use_stemmer=False, as scrolls.py passes) and
  SQuAD normalize_answer F1/EM as in scrolls' f1.py/exact_match.py (transformers' squad_metrics
  normalize_answer is the same function).
"""
import argparse
import json
import math
import pathlib
import re
import string
import sys
from collections import Counter

import datasets
import lm_eval
import numpy as np
from lm_eval.api import metrics as lm_metrics
from lm_eval.api.model import TemplateLM
from lm_eval.api.task import ConfigurableTask
from lm_eval import utils as lm_utils
from lm_eval.tasks._yaml_loader import load_yaml

assert lm_eval.__version__ == "0.4.13", lm_eval.__version__

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/EvaluationTests/Fixtures"
TASKS_DIR = pathlib.Path(lm_eval.__file__).parent / "tasks"
LIMIT = 20

YAMLS = {
    "arc_easy": ("arc/arc_easy.yaml", "arc_easy/test.jsonl", ["train", "validation", "test"], [0, 25]),
    "arc_challenge": ("arc/arc_challenge.yaml", "arc_challenge/test.jsonl", ["train", "validation", "test"], [0, 25]),
    "boolq": ("super_glue/boolq/default.yaml", "boolq/validation.jsonl", ["train", "validation"], [0, 2]),
    "triviaqa": ("triviaqa/default.yaml", "triviaqa/validation.jsonl", ["train", "validation"], [0, 1, 5]),
}


def make_task(name, data_dir, shots):
    yaml_path, data_file, splits, _ = YAMLS[name]
    config = load_yaml(TASKS_DIR / yaml_path)
    config = {k: v for k, v in config.items() if k not in ("include",)}
    path = str(data_dir / data_file)
    config.update(
        dataset_path="json",
        dataset_name=None,
        dataset_kwargs={"data_files": {split: path for split in splits}},
        num_fewshot=shots,
    )
    task = ConfigurableTask(config=config)
    task.set_fewshot_seed(seed=1234)
    return task


def record_requests(task):
    task.build_all_requests(limit=LIMIT, rank=0, world_size=1)
    by_doc = {}
    for inst in task.instances:
        doc_id = inst.doc_id
        entry = by_doc.setdefault(doc_id, {"doc_id": doc_id, "request_type": inst.request_type, "arguments": []})
        args = inst.args
        if inst.request_type == "generate_until":
            ctx, kwargs = args
            entry["context"] = ctx
            entry["until"] = kwargs["until"]
            entry["generation_kwargs"] = {k: v for k, v in kwargs.items() if k != "until"}
        else:
            entry["arguments"].append(list(args))
        entry["target"] = task.doc_to_target(inst.doc)
    docs = [by_doc[k] for k in sorted(by_doc)]
    for entry in docs:
        if entry["arguments"]:
            contexts = {a[0] for a in entry["arguments"]}
            assert len(contexts) == 1
            entry["context"] = entry["arguments"][0][0]
            entry["continuations"] = [a[1] for a in entry["arguments"]]
        del entry["arguments"]
    return docs


def prompts(data_dir):
    result = {}
    for name, (_, _, _, shot_list) in YAMLS.items():
        result[name] = {}
        for shots in shot_list:
            task = make_task(name, data_dir, shots)
            result[name][str(shots)] = record_requests(task)
    return result


# ---------------------------------------------------------------- SCROLLS
def scrolls_prompts(data_dir):
    from lm_eval.tasks.scrolls import task as scrolls

    scrolls.load = lambda *a, **k: None
    scrolls._download_metric = lambda: None

    def local_download(self, *args, **kwargs):
        path = str(data_dir / "scrolls" / self.DATASET_NAME / "validation.jsonl")
        self.dataset = datasets.load_dataset("json", data_files={"train": path, "validation": path})
        for split in self.dataset:
            self.dataset[split] = scrolls._drop_duplicates_in_input(self.dataset[split])

    scrolls._SCROLLSTask.download = local_download
    classes = {
        "quality": scrolls.QuALITY,
        "qasper": scrolls.Qasper,
        "qmsum": scrolls.QMSum,
        "gov_report": scrolls.GovReport,
        "summ_screen_fd": scrolls.SummScreenFD,
    }
    result = {}
    for name, cls in classes.items():
        task = cls()
        task.set_config(key="num_fewshot", value=0)
        task.set_fewshot_seed(seed=1234)
        task.build_all_requests(limit=8, rank=0, world_size=1)
        docs = {}
        for inst in task.instances:
            entry = docs.setdefault(inst.doc_id, {"doc_id": inst.doc_id, "id": inst.doc["id"], "requests": []})
            entry["outputs"] = inst.doc["outputs"]
            if inst.request_type == "generate_until":
                ctx, kwargs = inst.args
                entry["requests"].append({"type": "generate_until", "context": ctx, "until": kwargs["until"]})
            else:
                entry["requests"].append({"type": "loglikelihood", "context": inst.args[0], "continuation": inst.args[1]})
            for key in ("choices", "gold", "is_yes_no"):
                if key in inst.doc:
                    entry[key] = inst.doc[key]
        # Few-shot on SCROLLS: record whether lm-eval 0.4.13 can build it at all.
        try:
            task.set_config(key="num_fewshot", value=1)
            task.build_all_requests(limit=1, rank=0, world_size=1)
            fewshot = "ok"
        except Exception as error:  # noqa: BLE001 - the failure itself is the observation
            fewshot = f"{type(error).__name__}: {error}"
        result[name] = {"docs": [docs[k] for k in sorted(docs)], "fewshot_status": fewshot}
        # Contexts are long (whole documents): keep lengths, prefixes and suffixes plus a hash.
        for entry in result[name]["docs"]:
            for req in entry["requests"]:
                ctx = req.pop("context")
                req["context_length"] = len(ctx)
                req["context_prefix"] = ctx[:300]
                req["context_suffix"] = ctx[-600:]
                import hashlib

                req["context_sha256"] = hashlib.sha256(ctx.encode("utf-8")).hexdigest()
    # No NarrativeQA / ContractNLI data ships; run lm-eval's own _process_doc and doc_to_text on
    # synthetic rows in their schema (both methods read only the doc).
    synthetic = {
        "narrative_qa": (scrolls.NarrativeQA, [
            {"id": "n1", "pid": "n1-0", "input": "Who wrote it?\n\nOnce upon a time.\n\nThe end.", "output": "The narrator"},
            {"id": "n2", "pid": "n2-0", "input": "No blank line here", "output": "x"},
        ]),
        "contract_nli": (scrolls.ContractNLI, [
            {"id": "c1", "pid": "c1-0", "input": "Party may share data.\n\nCONTRACT TEXT\n\nclause 2", "output": "Entailment"},
            {"id": "c2", "pid": "c2-0", "input": "Hypothesis two\n\nBody", "output": "Not mentioned"},
        ]),
    }
    for name, (cls, rows) in synthetic.items():
        docs = []
        for row in rows:
            doc = cls._process_doc(None, {**row, "outputs": [row["output"]]})[0]
            docs.append({"row": row, "question": doc["question"], "text": doc["text"], "context": cls.doc_to_text(None, doc),
                         "choices": doc.get("choices"), "gold": doc.get("gold")})
        result[name] = {"synthetic": docs}
    return result


# ---------------------------------------------------------------- encoding
class ToyLM(TemplateLM):
    """Only the tokenisation side of lm-eval's TemplateLM; nothing is scored."""

    PIECES = re.compile(r" ?[^\s]+|\s")

    @property
    def eot_token_id(self):
        return 2

    @property
    def prefix_token_id(self):
        return 1

    def tok_encode(self, string, add_special_tokens=True, **kwargs):
        ids = [sum((i + 1) * ord(c) for i, c in enumerate(p)) % 1000003 + 3 for p in self.PIECES.findall(string)]
        return ([1] if add_special_tokens else []) + ids

    def _loglikelihood_tokens(self, requests, **kwargs):
        return [(0.0, False) for _ in requests]

    def loglikelihood_rolling(self, requests, disable_tqdm=False):
        raise NotImplementedError

    def generate_until(self, requests, disable_tqdm=False):
        raise NotImplementedError


def encodings(prompt_records):
    lm = ToyLM()
    captured = []
    lm._loglikelihood_tokens = lambda reqs, **kw: captured.extend(reqs) or [(0.0, False)] * len(reqs)
    pairs = [
        ("Question: What is 2+2?\nAnswer:", " 4"),
        ("Answer: ", "yes"),
        ("Answer:  \n", " no"),
        ("Question: x\nAnswer:", "  two spaces"),
        ("", " yes"),
        ("", "yes"),
        ("Tab\t", "tail"),
        ("Ünïcödé\u00a0", "ß"),
    ]
    for name in ("arc_easy", "boolq"):
        for entry in prompt_records[name]["0"][:3]:
            for cont in entry["continuations"]:
                pairs.append((entry["context"], cont))

    class Req:
        def __init__(self, args):
            self.args = args

    lm.loglikelihood([Req(p) for p in pairs], disable_tqdm=True)
    return [
        {"context": c, "continuation": k, "context_enc": ce, "continuation_enc": ke}
        for ((c, k), ce, ke) in captured
    ]


def generation_handling():
    """lm-eval's own stop-sequence handling, plus its two truncation slices.

    The slices are re-stated from lm_eval/models/huggingface.py (loglikelihood input
    `(context_enc + continuation_enc)[-(max_length + 1):][:-1]`, generation context
    `context_enc[-(max_length - max_gen_toks):]`) because HFLM itself needs torch.
    """
    from lm_eval.models.utils import handle_stop_sequences, postprocess_generated_text

    stops = []
    for until, eos in ((["\n", ".", ","], "</s>"), (["\n"], "\n"), (None, "</s>"), ("\n", None), ([], None)):
        stops.append({"until": until, "eos": eos, "result": handle_stop_sequences(list(until) if isinstance(until, list) else until, eos)})
    cuts = []
    for text in (" Paris, France.\nNext", "no stop here", "</s>Paris", " a.b,c\n", "", "ends with eos</s>more"):
        stop = ["\n", ".", ",", "</s>", ""]
        cuts.append({"generation": text, "stops": stop, "result": postprocess_generated_text(text, stop, None)})
    truncation = []
    for ctx_len, cont_len, max_length, max_gen in ((3, 2, 8, 4), (10, 3, 8, 4), (1, 1, 1, 0), (6, 9, 8, 7), (20, 1, 16, 15)):
        ctx, cont = list(range(100, 100 + ctx_len)), list(range(500, 500 + cont_len))
        truncation.append({
            "context": ctx, "continuation": cont, "max_length": max_length, "max_gen_toks": max_gen,
            "loglikelihood_input": (ctx + cont)[-(max_length + 1):][:-1],
            "generation_context": ctx[-(max_length - max_gen):] if max_length - max_gen > 0 else None,
        })
    return {"stop_sequences": stops, "cuts": cuts, "truncation": truncation}


def rolling_windows():
    cases = []
    for length, max_len in ((0, 4), (1, 4), (3, 4), (4, 4), (5, 4), (9, 4), (12, 4), (13, 5), (10, 1), (7, 2), (100, 16)):
        tokens = list(range(10, 10 + length))
        windows = [
            list(map(list, lm_utils.make_disjoint_window(w)))
            for w in lm_utils.get_rolling_token_windows(token_list=tokens, prefix_token=1, max_seq_len=max_len, context_len=1)
        ]
        cases.append({"length": length, "max_seq_len": max_len, "windows": windows})
    return cases


# ---------------------------------------------------------------- metrics
EM_PAIRS = [
    ("Paris", "paris"), ("Paris.", "Paris"), ("The Beatles", "Beatles"), ("the beatles", "The Beatles"),
    ("U.S.A.", "USA"), ("  Paris", "Paris"), ("Paris ", "Paris"), ("rock 'n' roll", "rock n roll"),
    ("Ça va", "ça va"), ("İSTANBUL", "i̇stanbul"), ("ΟΔΟΣ", "οδος"), ("ΟΔΟΣ", "οδοσ"), ("Straße", "STRASSE"),
    ("a—b", "ab"), ("a-b", "ab"), ("“quoted”", "quoted"), ("x\u00a0y", "x y"), ("", ""), ("ǅ", "ǆ"),
]
ANY_ALIAS_CASES = [
    ("i\u0307", ["İ"]), ("i\u0307", ["İ", "a much longer alias"]), ("İSTANBUL", ["i\u0307stanbul", "x"]),
    ("Onion", ["Onion skins", "Allium angolense", "Onion"]), ("the onion", ["Onion"]), ("ONION!", ["onion"]),
    ("ΣΑΣ", ["σας"]), ("ΣΑΣ", ["σας", "longer"]), ("Masachusetts", ["Massachusetts"]), ("", ["", "x"]),
]
STRIP_CASES = [" a ", "\ta\n", "\u00a0a\u3000", "\x1ca\x1f", "\u200ba", "a\u2028", "\x85a\x0b", "\u180ea"]

F1_PAIRS = [
    ("the cat sat", "a cat sat down"), ("Cat, sat!", "cat sat"), ("The", "the"), ("", ""), ("yes", "Yes."),
    ("An apple a day", "apple day"), ("théâtre the", "THÉÂTRE"), ("İstanbul", "i̇stanbul"), ("naïve café", "naive cafe"),
    ("x_the_y", "x the y"), ("another", "an other"), ("ΟΔΟΣ Σ", "οδος σ"), ("a\u00a0b", "a b"), ("e.g. the thing", "eg thing"),
    ("cat cat cat", "cat"), ("thé the", "the thé"), ("Ünicode an ü", "ünicode"), ("1,000", "1000"), ("under_score", "under score"),
]
ROUGE_PAIRS = [
    ("the cat sat on the mat", ["the cat is on the mat"]),
    ("exact match example", ["exact match example"]),
    ("hello there", ["hello", "hi there"]),
    ("general kenobi", ["commander kenobi"]),
    ("Running runners ran quickly.", ["The runner runs quick", "runs"]),
    ("Naïve café über-cool", ["naive cafe uber cool"]),
    ("", ["something"]),
    ("something", [""]),
    ("A B C D E F", ["F E D C B A"]),
    ("The 3 quick brown foxes jumped over 12 lazy dogs!", ["Three quick brown fox jump over the lazy dog", "12 lazy dogs"]),
    ("It's a dog's life. Isn't it?\nYes.", ["it s a dog s life isn t it yes"]),
    ("repeated repeated repeated words words", ["repeated words repeated"]),
]


def exact(value):
    """Floats compared bit for bit travel as repr strings (some JSON readers round the last digit)."""
    return repr(float(value))


def squad_normalize(s):
    # transformers.data.metrics.squad_metrics.normalize_answer, used by lm-eval's Qasper yes/no test
    from transformers.data.metrics import squad_metrics

    return squad_metrics.normalize_answer(s)


def scrolls_f1(prediction, ground_truth):
    p, g = squad_normalize(prediction).split(), squad_normalize(ground_truth).split()
    common = Counter(p) & Counter(g)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision, recall = num_same / len(p), num_same / len(g)
    return (2 * precision * recall) / (precision + recall)


def metrics():
    em = []
    for pred, ref in EM_PAIRS:
        row = {"prediction": pred, "reference": ref}
        for ic in (False, True):
            for ip in (False, True):
                row[f"case{int(ic)}_punct{int(ip)}"] = float(
                    lm_metrics.exact_match_hf_evaluate(predictions=[pred], references=[ref], ignore_case=ic, ignore_punctuation=ip)["exact_match"]
                )
        em.append(row)
    # TriviaQA's any-alias path exactly as ConfigurableTask.process_results runs it (multiple_target):
    # references = all aliases in one numpy array, predictions = [result] * len(aliases), score > 0.
    any_alias = []
    for pred, aliases in ANY_ALIAS_CASES:
        score = lm_metrics.exact_match_hf_evaluate(
            predictions=[pred] * len(aliases), references=aliases, ignore_case=True, ignore_punctuation=True
        )["exact_match"]
        any_alias.append({"prediction": pred, "aliases": aliases, "score": 1.0 if score > 0.0 else 0.0})
    from lm_eval.filters.extraction import WhitespaceFilter

    strip = [{"input": s, "output": WhitespaceFilter().apply([[s]], None)[0][0]} for s in STRIP_CASES]
    squad = [{"input": s, "normalized": squad_normalize(s)} for s, _ in F1_PAIRS] + [
        {"input": s, "normalized": squad_normalize(s)} for _, s in F1_PAIRS
    ]
    f1 = [{"prediction": p, "reference": r, "f1": exact(scrolls_f1(p, r)), "em": int(squad_normalize(p) == squad_normalize(r))} for p, r in F1_PAIRS]

    from rouge_score import rouge_scorer, tokenize

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    rouge_pairs = []
    for pred, refs in ROUGE_PAIRS:
        per_ref = []
        for ref in refs:
            s = scorer.score(ref, pred)
            per_ref.append({k: [s[k].precision, s[k].recall, s[k].fmeasure] for k in ("rouge1", "rouge2", "rougeL")})
        rouge_pairs.append({"prediction": pred, "references": refs, "scores": per_ref, "prediction_tokens": tokenize.tokenize(pred, None)})

    # The SCROLLS aggregation (scrolls.py _compute_helper + Scrolls._compute) over the pairs above.
    def scrolls_rouge(preds, refs):
        agg = {k: [] for k in ("rouge1", "rouge2", "rougeL")}
        for p, rs in zip(preds, refs):
            for k in agg:
                agg[k].append(max(scorer.score(r, p)[k].fmeasure * 100 for r in rs))
        out = {k: sum(v) / len(v) for k, v in agg.items()}
        out["geometric_mean"] = (out["rouge1"] * out["rouge2"] * out["rougeL"]) ** (1.0 / 3.0)
        return {k: exact(round(v, 4)) for k, v in out.items()}

    def scrolls_f1_em(preds, refs):
        f = sum(max(scrolls_f1(p, r) for r in rs) for p, rs in zip(preds, refs)) / len(preds) * 100
        e = sum(max(int(squad_normalize(p) == squad_normalize(r)) for r in rs) for p, rs in zip(preds, refs)) / len(preds) * 100
        return {"f1": exact(round(f, 4)), "exact_match": exact(round(e, 4))}

    golden_preds = ["exact match example", "hello there", "general kenobi"]
    golden_refs = [["exact match example"], ["hello", "hi there"], ["commander kenobi"]]
    scrolls_agg = {
        "golden": {"rouge": scrolls_rouge(golden_preds, golden_refs), **scrolls_f1_em(golden_preds, golden_refs)},
        "pairs": {
            "rouge": scrolls_rouge([p for p, _ in ROUGE_PAIRS], [r for _, r in ROUGE_PAIRS]),
            **scrolls_f1_em([p for p, _ in F1_PAIRS], [[r] for _, r in F1_PAIRS]),
        },
    }

    values = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    lls = [-12.5, -3.25, -100.0, -0.5]
    docs = ["Hello world.\nSecond  line", "  leading and trailing  ", "ünïcödé text 日本語"]
    rolling = {
        "loglikelihoods": lls[:3],
        "docs": docs,
        "words": [len(re.split(r"\s+", d)) for d in docs],
        "bytes": [len(d.encode("utf-8")) for d in docs],
    }
    rolling["word_perplexity"] = exact(lm_metrics.weighted_perplexity(list(zip(lls[:3], rolling["words"]))))
    rolling["byte_perplexity"] = exact(lm_metrics.weighted_perplexity(list(zip(lls[:3], rolling["bytes"]))))
    rolling["bits_per_byte"] = exact(lm_metrics.bits_per_byte(list(zip(lls[:3], rolling["bytes"]))))
    return {
        "exact_match": em,
        "remove_whitespace": strip,
        "exact_match_any_alias": any_alias,
        "squad_normalize": squad,
        "f1": f1,
        "rouge": rouge_pairs,
        "scrolls": scrolls_agg,
        "mean": {"values": values, "mean": exact(lm_metrics.mean(values)), "stderr": exact(lm_metrics.mean_stderr(values))},
        "rolling": rolling,
        "numpy": np.__version__,
    }


def write(name, obj):
    path = OUT / name
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared/data"))
    parser.add_argument("--only", default="prompts,scrolls,encoding,rolling,metrics")
    args = parser.parse_args()
    data_dir = pathlib.Path(args.data_dir)
    only = set(args.only.split(","))
    versions = {"lm_eval": lm_eval.__version__, "python": sys.version.split()[0]}
    if "prompts" in only or "encoding" in only:
        records = prompts(data_dir)
        if "prompts" in only:
            write("lm_eval_prompts.json", {"versions": versions, "limit": LIMIT, "tasks": records})
        if "encoding" in only:
            write("lm_eval_encoding.json", {"versions": versions, "pairs": encodings(records)})
    if "scrolls" in only:
        write("lm_eval_scrolls.json", {"versions": versions, "tasks": scrolls_prompts(data_dir)})
    if "rolling" in only:
        write("lm_eval_rolling.json", {"versions": versions, "cases": rolling_windows(), "generation": generation_handling()})
    if "metrics" in only:
        write("eval_metrics.json", {"versions": versions, **metrics()})


if __name__ == "__main__":
    main()
