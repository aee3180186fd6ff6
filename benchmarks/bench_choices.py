"""The model's choices outside the grid, measured on the training split only.

Run: python benchmarks/bench_choices.py [--sources DIR] [--only NAME ...]

Each row is the default model's parameters (models/default/manifest.json) with one thing
changed, scored by grouped 5-fold cross-validation on the training split of data/labelled
(macro-F1), plus out-of-fold cue precision/recall on the training split's cue-marked sentences
(data/cues): each fold's model shows cues for the marked sentences it did not see. The test split
is never read. The first row is the baseline the others are compared with (ratio = CV macro-F1
over the baseline's).

Lexicon rows rebuild the lexicon with other selection thresholds (data/lexicon/build_lexicon.py)
from the downloaded sources (``--sources``, see that script); without ``--sources`` they are
skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import models.lexicon as lexicon_module
from annotate.agreement import span_overlap
from models.features import build_pipeline
from models.tagger import Tagger
from train.data import LabelledData, load_labelled
from train.search import grouped_folds, macro_f1

ROOT = Path(__file__).resolve().parents[1]
# name -> (parameter changes, lexicon thresholds (vader valence, subjectivity, polarity,
# with the hedges list) or None for the shipped lexicon)
CHOICES: dict[str, tuple[dict[str, Any], tuple[float, float, float, bool] | str | None]] = {
    "shipped": ({}, None),
    "class_weight none": ({"class_weight": "none"}, None),
    "cue_weight 0.5": ({"cue_weight": 0.5}, None),
    "cue_weight 2.0": ({"cue_weight": 2.0}, None),
    "lexicon: wider evaluative (1.5, 0.5, 0.2)": ({}, (1.5, 0.5, 0.2, True)),
    "lexicon: widest evaluative (1.0, 0.4, 0.1)": ({}, (1.0, 0.4, 0.1, True)),
    "lexicon: without the hedges list": ({}, (2.0, 0.7, 0.4, False)),
    "lexicon: the first one (the project's own, partly from the seed articles)": ({}, "v1"),
    "lexicon: with 'if' among the hedges": ({}, "with if"),
}


def _lexicon(sources: Path, thresholds: tuple[float, float, float, bool]) -> dict[str, tuple]:
    sys.path.insert(0, str(ROOT / "data" / "lexicon"))
    import build_lexicon as builder

    valence, subjectivity, polarity, with_hedges = thresholds
    builder.VADER_MIN_VALENCE, builder.SUBJECTIVITY_MIN = valence, subjectivity
    builder.POLARITY_MIN = polarity
    read_list = builder._js_list
    if not with_hedges:
        builder._js_list = lambda archive: [] if "hedges" in str(archive) else read_list(archive)
    try:
        built = builder.build(sources)
    finally:
        builder._js_list = read_list
    phrases: dict[str, list[str]] = {c: [] for c in lexicon_module.CATEGORY_LABELS}
    for entry in built["entries"]:
        phrases[entry["category"]].append(entry["phrase"])
    return {c: tuple(p) for c, p in phrases.items()}


def score(data: LabelledData, params: dict[str, Any], cues: dict[str, Any]) -> dict[str, Any]:
    folds = grouped_folds(data.labels, data.groups, 5, 0)
    y = np.asarray(data.labels, dtype=object)
    fold_scores, shown, marked = [], [], []
    for train, test in folds:
        pipeline = build_pipeline(**params).fit([data.texts[i] for i in train], y[train])
        fold_scores.append(macro_f1(y[test], pipeline.predict([data.texts[i] for i in test])))
        marked_here = [i for i in test if data.ids[i] in cues]
        for i, pred in zip(
            marked_here, Tagger(pipeline).predict([data.texts[i] for i in marked_here]), strict=True
        ):
            shown.append([(c.start, c.end, c.kind) for c in pred.cues])
            marked.append([(c["start"], c["end"], c["kind"]) for c in cues[data.ids[i]]["cues"]])
    return {"cv": statistics.fmean(fold_scores), "cues": span_overlap(shown, marked)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, help="the lexicon sources (build_lexicon.py)")
    parser.add_argument("--only", nargs="*", help="run only these rows (and the baseline)")
    args = parser.parse_args()
    manifest = json.loads((ROOT / "models" / "default" / "manifest.json").read_text())
    params = dict(manifest["params"])
    data = load_labelled(ROOT / "data" / "labelled", split="train")
    cues = {}
    for line in (ROOT / "data" / "cues" / "cues.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        cues[record["sentence_id"]] = record
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"training split: {len(data)} sentences; cue-marked among them: "
        f"{sum(i in cues for i in data.ids)}\n"
    )
    print("| choice | CV macro-F1 | ratio | cue precision | cue recall | cue F1 | seconds |")
    print("|---|---|---|---|---|---|---|")
    shipped = lexicon_module.LEXICON
    baseline = None
    for name, (changes, thresholds) in CHOICES.items():
        if args.only and name != "shipped" and name not in args.only:
            continue
        if isinstance(thresholds, tuple) and args.sources is None:
            continue
        # the first lexicon told curly quotation marks apart (as its models still do)
        lexicon_module.CueLexicon._fold = (
            lexicon_module._APOSTROPHE if thresholds == "v1" else lexicon_module._STRAIGHT
        )
        if thresholds == "v1":
            lexicon_module.LEXICON = lexicon_module._load_lexicon(
                lexicon_module.LEGACY_LEXICON_FILE
            )
        elif thresholds == "with if":
            lexicon_module.LEXICON = {
                **shipped,
                "hedge": (*shipped["hedge"], "if"),
            }
        elif isinstance(thresholds, tuple):
            lexicon_module.LEXICON = _lexicon(args.sources, thresholds)
        else:
            lexicon_module.LEXICON = shipped
        started = time.perf_counter()
        result = score(data, {**params, **changes}, cues)
        baseline = baseline or result["cv"]
        c = result["cues"]
        print(
            f"| {name} | {result['cv']:.4f} | {result['cv'] / baseline:.3f} | "
            f"{c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} | "
            f"{time.perf_counter() - started:.0f} |",
            flush=True,
        )
    lexicon_module.LEXICON = shipped
    lexicon_module.CueLexicon._fold = lexicon_module._STRAIGHT


if __name__ == "__main__":
    main()
