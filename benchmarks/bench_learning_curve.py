"""Learning curve: how much do more labelled articles help, on the test split and on today's news?

Run: python benchmarks/bench_learning_curve.py [--draws 3]

Trains the default model's pipeline (the parameters that grouped cross-validation on the whole
training split chose, read from models/default/manifest.json) on 25/50/75/100% of the training
split's articles (several seeded draws of articles each), and scores every fit on the held-out
test split (data/labelled, split == "test") and on the modern-news development set
(data/modern-news/labelled). Nothing here chooses anything: the numbers are for reading only.
The baseline row, fitted in the same run, is the data the project started with: the articles of
the first labelled release (63, listed in data/labels/first-release-articles.txt) that fall in
the training split, with their current labels; "ratio" is macro-F1 over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
from pathlib import Path

from sklearn.metrics import f1_score

from models.features import build_pipeline
from train.data import LabelledData, load_labelled

ROOT = Path(__file__).resolve().parents[1]


def _first_articles() -> set[str]:
    """Articles of the first labelled release (listed in data/labels/first-release-articles.txt)."""
    lines = (ROOT / "data" / "labels" / "first-release-articles.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _scores(pipeline: object, data: LabelledData, labels: list[str]) -> tuple[float, list[float]]:
    predicted = list(pipeline.predict(data.texts))  # type: ignore[attr-defined]
    macro = f1_score(data.labels, predicted, labels=labels, average="macro", zero_division=0)
    per = f1_score(data.labels, predicted, labels=labels, average=None, zero_division=0)
    return float(macro), [float(x) for x in per]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=3, help="seeded draws per fraction")
    args = parser.parse_args()
    manifest = json.loads((ROOT / "models" / "default" / "manifest.json").read_text())
    params = manifest["params"]
    params["word_ngram_range"] = tuple(params["word_ngram_range"])
    params["char_ngram_range"] = tuple(params["char_ngram_range"])
    train = load_labelled(ROOT / "data" / "labelled", split="train")
    test = load_labelled(ROOT / "data" / "labelled", split="test")
    modern = load_labelled(ROOT / "data" / "modern-news" / "labelled", group_column="article_id")
    labels = sorted(set(train.labels))
    articles = sorted(set(train.groups))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"training split: {len(train)} sentences, {len(articles)} articles; test split: "
        f"{len(test)} sentences, {test.n_groups} articles; modern news: {len(modern)} sentences"
    )
    print(f"parameters (from the default model's grouped-CV search): {manifest['params']}\n")

    rows: list[tuple[str, int, int, list[tuple[float, list[float], float, list[float]]]]] = []
    bootstrap = _first_articles()
    base_rows = [i for i, g in enumerate(train.groups) if g in bootstrap]
    base_data = train.subset(base_rows)
    pipeline = build_pipeline(**params).fit(base_data.texts, base_data.labels)
    rows.append(
        (
            "baseline: bootstrap set",
            base_data.n_groups,
            len(base_data),
            [(*_scores(pipeline, test, labels), *_scores(pipeline, modern, labels))],
        )
    )
    for fraction in (0.25, 0.5, 0.75, 1.0):
        draws = []
        for draw in range(args.draws if fraction < 1 else 1):
            chosen = set(random.Random(draw).sample(articles, round(fraction * len(articles))))
            part = train.subset([i for i, g in enumerate(train.groups) if g in chosen])
            pipeline = build_pipeline(**params).fit(part.texts, part.labels)
            draws.append((*_scores(pipeline, test, labels), *_scores(pipeline, modern, labels)))
        rows.append((f"{fraction:.0%} of training articles", len(chosen), len(part), draws))

    base_test, base_modern = rows[0][3][0][0], rows[0][3][0][2]
    header = ["data", "articles", "sentences", "test macro-F1", *[f"test {lab}" for lab in labels]]
    header += ["modern macro-F1", *[f"modern {lab}" for lab in labels], "ratio test / modern"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, n_articles, n_sentences, draws in rows:

        def cell(values: list[float]) -> str:
            if len(values) == 1:
                return f"{values[0]:.3f}"
            return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"

        test_macro = [d[0] for d in draws]
        modern_macro = [d[2] for d in draws]
        cells = [name, str(n_articles), str(n_sentences), cell(test_macro)]
        cells += [cell([d[1][k] for d in draws]) for k in range(len(labels))]
        cells += [cell(modern_macro)]
        cells += [cell([d[3][k] for d in draws]) for k in range(len(labels))]
        cells += [
            f"{statistics.mean(test_macro) / base_test:.2f} / "
            f"{statistics.mean(modern_macro) / base_modern:.2f}"
        ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
