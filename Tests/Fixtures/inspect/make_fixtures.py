#!/usr/bin/env python3
"""Writes the Inspect AI log fixtures beside this script (run it to regenerate them).

The logs follow Inspect's schema (inspect_ai/log/_log.py: EvalLog, EvalSpec, EvalPlan,
EvalResults, EvalSample) and the .eval layout of its recorder (inspect_ai/log/_recorders/eval.py):
`_journal/start.json` when the eval starts, `samples/<id>_epoch_<n>.json` plus
`_journal/summaries/<k>.json` at each flush, and `summaries.json`, `reductions.json` and
`header.json` when it finishes; members are JSON written with indent 2 and compressed with
Python's zipfile, ZIP_DEFLATED at level 5 (Inspect's default before its Zstandard option).

- gsm8k.eval   a finished log (deflate)
- gsm8k.json   the same log in the single-file JSON form, to compare the two
- running.eval an eval still running: only the journal start and one sample (members stored)
- failed.eval  an eval that stopped with status "error"
"""
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

EVAL = {
    "eval_id": "kW3yBq8JcPz2nR5sT7vUxA", "run_id": "Fh2LmN9pQr4StUv6WxYz1B",
    "created": "2026-11-03T08:00:00+00:00", "task": "gsm8k", "task_id": "Ab3Cd5Ef7Gh9Ij1Kl3Mn5P",
    "task_version": 0, "task_file": "gsm8k.py", "task_registry_name": "gsm8k",
    "task_attribs": {}, "task_args": {"fewshot": 0},
    "dataset": {"name": "gsm8k", "location": "openai/gsm8k", "samples": 3, "sample_ids": [1, 2, 3], "shuffled": False},
    "model": "openai/gpt-4o-mini", "model_generate_config": {},
    "model_args": {},
    "config": {"epochs": 1, "epochs_reducer": ["mean"], "fail_on_error": True, "sandbox_cleanup": True,
               "log_samples": True, "log_images": True, "score_display": True},
    "revision": {"type": "git", "origin": "https://github.com/example/evals.git", "commit": "1a2b3c4"},
    "packages": {"inspect_ai": "0.3.285"},
    "scorers": [{"name": "match", "options": {}, "metrics": [{"name": "inspect_ai/accuracy", "options": {}},
                                                               {"name": "inspect_ai/stderr", "options": {}}]}],
}
PLAN = {"name": "plan", "steps": [{"solver": "generate", "params": {}}], "config": {"max_tokens": 512, "temperature": 0.0}}


def sample(i, question, target, answer, stop, grade):
    return {
        "id": i, "epoch": 1, "input": question, "target": target,
        "messages": [{"role": "user", "content": question, "source": "input"},
                     {"role": "assistant", "content": answer, "source": "generate", "model": "gpt-4o-mini"}],
        "output": {"model": "gpt-4o-mini",
                   "choices": [{"message": {"role": "assistant", "content": answer, "source": "generate"},
                                "stop_reason": stop}],
                   "completion": answer,
                   "usage": {"input_tokens": 40, "output_tokens": 12, "total_tokens": 52}},
        "scores": {"match": {"value": grade, "answer": answer.split()[-1] if grade == "C" else "",
                             "explanation": answer}},
        "metadata": {}, "store": {}, "events": [], "model_usage": {},
        "total_time": 1.2, "working_time": 1.1, "uuid": f"uuid-{i}", "attachments": {},
    }


SAMPLES = [
    sample(1, "What is 2+2?", "4", "The answer is 4", "stop", "C"),
    sample(2, "What is 3+3?", "6", "Let me think about", "max_tokens", "I"),
    sample(3, "What is 5+5?", "10", "The answer is 10", "stop", "C"),
]
RESULTS = {"total_samples": 3, "completed_samples": 3, "scores": [
    {"name": "match", "scorer": "match", "scored_samples": 3, "unscored_samples": 0, "params": {},
     "metrics": {"accuracy": {"name": "accuracy", "value": 0.6666666666666666, "params": {}},
                 "stderr": {"name": "stderr", "value": 0.3333333333333333, "params": {}}}}]}
STATS = {"started_at": "2026-11-03T08:00:00+00:00", "completed_at": "2026-11-03T08:00:09+00:00",
         "model_usage": {"openai/gpt-4o-mini": {"input_tokens": 120, "output_tokens": 36, "total_tokens": 156}}}
REDUCTIONS = [{"scorer": "match", "samples": [
    {"value": 1.0 if s["scores"]["match"]["value"] == "C" else 0.0, "answer": s["scores"]["match"]["answer"],
     "sample_id": s["id"]} for s in SAMPLES]}]


def summary(s):
    return {"id": s["id"], "epoch": s["epoch"], "input": s["input"], "target": s["target"],
            "scores": s["scores"], "model_usage": {}, "total_time": 1.2, "working_time": 1.1,
            "uuid": s["uuid"], "completed": True, "message_count": 2}


def dump(data):
    return json.dumps(data, indent=2)


def write_zip(name, members, compression):
    path = os.path.join(HERE, name)
    with zipfile.ZipFile(path, "w", compression=compression, compresslevel=5) as z:
        for member, data in members:
            # A fixed date keeps the fixture byte-for-byte reproducible.
            info = zipfile.ZipInfo(member, date_time=(2026, 11, 3, 8, 0, 0))
            info.compress_type = compression
            z.writestr(info, dump(data), compresslevel=5)


def main():
    start = {"version": 2, "eval": EVAL, "plan": PLAN}
    header = {"version": 2, "status": "success", "eval": EVAL, "plan": PLAN, "results": RESULTS, "stats": STATS}
    members = [("_journal/start.json", start)]
    members += [(f"samples/{s['id']}_epoch_{s['epoch']}.json", s) for s in SAMPLES]
    members += [("_journal/summaries/1.json", [summary(s) for s in SAMPLES]),
                ("summaries.json", [summary(s) for s in SAMPLES]),
                ("reductions.json", REDUCTIONS),
                ("header.json", header)]
    write_zip("gsm8k.eval", members, zipfile.ZIP_DEFLATED)

    log = dict(header, samples=SAMPLES, reductions=REDUCTIONS)
    with open(os.path.join(HERE, "gsm8k.json"), "w") as f:
        f.write(dump(log))

    write_zip("running.eval", [("_journal/start.json", start),
                               ("samples/1_epoch_1.json", SAMPLES[0]),
                               ("_journal/summaries/1.json", [summary(SAMPLES[0])])], zipfile.ZIP_STORED)

    failed = {"version": 2, "status": "error", "eval": EVAL, "plan": PLAN, "stats": STATS,
              "error": {"message": "RuntimeError('model API unavailable')",
                        "traceback": "Traceback (most recent call last):\n  ...\nRuntimeError: model API unavailable\n",
                        "traceback_ansi": ""}}
    write_zip("failed.eval", [("_journal/start.json", start),
                              ("samples/1_epoch_1.json", SAMPLES[0]),
                              ("_journal/summaries/1.json", [summary(SAMPLES[0])]),
                              ("summaries.json", [summary(SAMPLES[0])]),
                              ("header.json", failed)], zipfile.ZIP_DEFLATED)


if __name__ == "__main__":
    main()
