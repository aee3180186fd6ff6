"""Quality targets: labels on the held-out test split and on modern news, and cues against cue
spans people marked, for a model and a baseline model in the same run.

Run: python benchmarks/bench_quality.py [--model models/default] [--baseline OLD_MODEL_DIR]

- Labels: the test split of data/labelled (each sentence knows the one before it, as `tag` gives
  it) and the modern-news development set (sentences stand alone). Per label precision/recall/F1
  and macro-F1.
- Cues: the test-split sentences of data/cues (hedged sentences whose cue spans were marked in
  Label Studio, annotate/cue-guideline.md). The model predicts each sentence and shows its cues
  as a reader sees them (at most 3, none on a sentence it calls confirmed). Precision: shown cues
  that overlap a marked span; recall: marked spans a shown cue overlaps; F1.
- Targets (issue 11) are printed beside the numbers. Nothing here chooses anything: the model's
  parameters were chosen by grouped cross-validation on the training split.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from sklearn.metrics import precision_recall_fscore_support

import models
from annotate.agreement import span_overlap
from claimkit.context import InContext
from train.data import load_labelled

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "test macro-F1": 0.68,
    "test speculative F1": 0.50,
    "test attributed recall": 0.70,
    "modern macro-F1": 0.60,
    "cue precision": 0.70,
    "cue recall": 0.80,
}


def label_scores(tagger: Any, texts: list[str], gold: list[str]) -> dict[str, Any]:
    predicted = [p.label for p in tagger.predict(texts, cues=False)]
    labels = sorted(set(gold))
    p, r, f, n = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    per = {
        label: {"precision": p[i], "recall": r[i], "f1": f[i], "n": int(n[i])}
        for i, label in enumerate(labels)
    }
    return {"macro_f1": sum(f) / len(f), "per_label": per}


def cue_scores(tagger: Any, records: list[dict[str, Any]]) -> dict[str, Any]:
    texts = [
        InContext(r["text"], r.get("context_before") or "", r.get("context_after")) for r in records
    ]
    shown = [
        [(c.start, c.end, c.kind) for c in pred.cues] for pred in tagger.predict(texts, cues=True)
    ]
    marked = [[(c["start"], c["end"], c["kind"]) for c in r["cues"]] for r in records]
    out = {
        "all": span_overlap(shown, marked),
        "same kind": span_overlap(shown, marked, same_kind=True),
    }
    for kind in ("hedge", "attribution", "evaluation", "obligation", "question"):
        out[kind] = span_overlap(
            [[s for s in spans if s[2] == kind] for spans in shown],
            [[s for s in spans if s[2] == kind] for spans in marked],
        )
    return out


def evaluate(model_dir: Path) -> dict[str, Any]:
    tagger = models.load(model_dir)
    test = load_labelled(ROOT / "data" / "labelled", split="test")
    modern = load_labelled(ROOT / "data" / "modern-news" / "labelled")
    test_ids = set(test.ids)
    cue_records = [
        json.loads(line) for line in (ROOT / "data" / "cues" / "cues.jsonl").open(encoding="utf-8")
    ]
    cue_records = [r for r in cue_records if r["sentence_id"] in test_ids]
    return {
        "test": label_scores(tagger, test.texts, test.labels),
        "modern": label_scores(tagger, modern.texts, modern.labels),
        "cues": cue_scores(tagger, cue_records),
        "n_cue_sentences": len(cue_records),
        "n_test": len(test),
        "n_modern": len(modern),
    }


def headline(result: dict[str, Any]) -> dict[str, float]:
    test, modern, cues = result["test"], result["modern"], result["cues"]["all"]
    return {
        "test macro-F1": test["macro_f1"],
        "test speculative F1": test["per_label"]["speculative"]["f1"],
        "test attributed recall": test["per_label"]["attributed"]["recall"],
        "modern macro-F1": modern["macro_f1"],
        "cue precision": cues["precision"],
        "cue recall": cues["recall"],
        "cue F1": cues["f1"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--baseline", type=Path, help="a model folder to compare with")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    runs = {"model": evaluate(args.model)}
    if args.baseline is not None:
        runs["baseline"] = evaluate(args.baseline)
    first = runs["model"]
    print(
        f"test split {first['n_test']} sentences, modern news {first['n_modern']}, "
        f"cue-marked test sentences {first['n_cue_sentences']}\n"
    )
    names = list(runs)
    print(
        "| measure | target | "
        + " | ".join(names)
        + (" | model - baseline |" if len(names) > 1 else " |")
    )
    print("|---|---|" + "---|" * len(names) + ("---|" if len(names) > 1 else ""))
    heads = {name: headline(r) for name, r in runs.items()}
    for key in heads["model"]:
        target = TARGETS.get(key)
        cells = [f"{heads[n][key]:.3f}" for n in names]
        diff = f" | {heads['model'][key] - heads['baseline'][key]:+.3f}" if len(names) > 1 else ""
        mark = (
            "" if target is None else (" (met)" if heads["model"][key] >= target else " (missed)")
        )
        print(
            f"| {key} | {'' if target is None else f'>= {target:.2f}'}{mark} | "
            + " | ".join(cells)
            + diff
            + " |"
        )
    for split in ("test", "modern"):
        print(f"\n{split}: per label (precision / recall / F1)\n")
        print("| label | n | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for label, row in first[split]["per_label"].items():
            cells = [
                "{precision:.3f} / {recall:.3f} / {f1:.3f}".format(
                    **runs[n][split]["per_label"][label]
                )
                for n in names
            ]
            print(f"| {label} | {row['n']} | " + " | ".join(cells) + " |")
    print("\ncues by kind (precision / recall / F1; shown vs marked spans of that kind)\n")
    print("| kind | marked | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for kind, row in first["cues"].items():
        cells = [
            "{precision:.3f} / {recall:.3f} / {f1:.3f}".format(**runs[n]["cues"][kind])
            for n in names
        ]
        print(f"| {kind} | {row['n_reference']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
