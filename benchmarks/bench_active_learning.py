"""One active-learning round on the bundled labelled data: 100 uncertain vs 100 random sentences.

    python benchmarks/bench_active_learning.py                   # 5 seeds, 100 sentences
    python benchmarks/bench_active_learning.py --seeds 10 --add 50

For each seed the 63 articles are shuffled and split (whole articles) into a seed-training part
(30%), a pool (40%) and a test part (30%). A model (``models.features.build_pipeline`` with the
default parameters) is trained on the seed part; from the pool it picks the ``--add`` sentences it
is least sure of, with exactly what ``claimkit annotate push --select uncertain`` uses
(``annotate.push.select_rows`` over the top class probability, lowest first), or ``--add`` random
pool sentences (``select_rows(..., "random")``); their gold labels are added and the model is
retrained. Every model is scored by macro-F1 on the test articles. "+ whole pool" (all pool
sentences added) shows how far labelling everything would get.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotate.push import select_rows  # noqa: E402
from models.features import DEFAULT_PARAMS, build_pipeline  # noqa: E402
from train.data import LabelledData, load_labelled  # noqa: E402
from train.search import macro_f1  # noqa: E402

CONDITIONS = ("seed only", "+ uncertain", "+ random", "+ whole pool")


def split_articles(
    data: LabelledData, fractions: Sequence[float], seed: int
) -> tuple[list[int], list[int], list[int]]:
    """Row indices of the seed, pool and test parts; each article falls in exactly one part."""
    articles = sorted(set(data.groups))
    random.Random(seed).shuffle(articles)
    n_seed = round(fractions[0] * len(articles))
    n_pool = round(fractions[1] * len(articles))
    part = {a: 0 for a in articles[:n_seed]}
    part.update({a: 1 for a in articles[n_seed : n_seed + n_pool]})
    part.update({a: 2 for a in articles[n_seed + n_pool :]})
    out: tuple[list[int], list[int], list[int]] = ([], [], [])
    for i, group in enumerate(data.groups):
        out[part[group]].append(i)
    return out


def fit_score(data: LabelledData, train: Sequence[int], test: Sequence[int], seed: int) -> float:
    model = build_pipeline(**{**DEFAULT_PARAMS, "seed": seed})
    model.fit([data.texts[i] for i in train], [data.labels[i] for i in train])
    return macro_f1([data.labels[i] for i in test], model.predict([data.texts[i] for i in test]))


def one_round(data: LabelledData, seed: int, add: int, fractions: Sequence[float]) -> dict:
    seed_part, pool, test = split_articles(data, fractions, seed)
    model = build_pipeline(**{**DEFAULT_PARAMS, "seed": seed})
    model.fit([data.texts[i] for i in seed_part], [data.labels[i] for i in seed_part])
    scores: dict[str, float] = {
        "seed only": macro_f1(
            [data.labels[i] for i in test], model.predict([data.texts[i] for i in test])
        )
    }
    # exactly push's uncertainty: the top class probability, least confident first
    sure = [float(p.max()) for p in model.predict_proba([data.texts[i] for i in pool])]
    rows = [{"sentence_id": data.ids[i]} for i in pool]
    picked = {
        "+ uncertain": [pool[j] for j in select_rows(rows, "uncertain", add, scores=sure)],
        "+ random": [pool[j] for j in select_rows(rows, "random", add, seed=seed)],
        "+ whole pool": list(pool),
    }
    for name, extra in picked.items():
        scores[name] = fit_score(data, seed_part + extra, test, seed)
    return {
        "seed": seed,
        "sizes": (len(seed_part), len(pool), len(test)),
        "articles": (
            len({data.groups[i] for i in seed_part}),
            len({data.groups[i] for i in pool}),
            len({data.groups[i] for i in test}),
        ),
        "scores": scores,
        "picked_labels": {
            name: Counter(data.labels[i] for i in picked[name])
            for name in ("+ uncertain", "+ random")
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    from threadpoolctl import threadpool_limits

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "labelled"))
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds (0..N-1)")
    parser.add_argument("--add", type=int, default=100, help="sentences added per round")
    parser.add_argument(
        "--fractions",
        type=float,
        nargs=2,
        default=(0.3, 0.4),
        metavar=("SEED", "POOL"),
        help="article fractions of the seed and pool parts (the rest is test)",
    )
    args = parser.parse_args(argv)
    data = load_labelled(args.data)
    start = time.perf_counter()
    with threadpool_limits(1):
        rounds = [one_round(data, seed, args.add, args.fractions) for seed in range(args.seeds)]
    seconds = time.perf_counter() - start

    print(
        f"{len(data)} sentences, {data.n_groups} articles; split by article "
        f"{args.fractions[0]:.0%} seed / {args.fractions[1]:.0%} pool / "
        f"{1 - sum(args.fractions):.0%} test; +{args.add} sentences; {args.seeds} seeds; "
        f"{seconds:.1f} s"
    )
    params = ", ".join(f"{k}={v}" for k, v in DEFAULT_PARAMS.items() if k != "seed")
    print(f"model: build_pipeline() defaults ({params})")
    print()
    print("| seed | seed/pool/test sentences | " + " | ".join(CONDITIONS) + " |")
    print("|---:|---|" + "---:|" * len(CONDITIONS))
    for r in rounds:
        sizes = "/".join(str(n) for n in r["sizes"])
        cells = " | ".join(f"{r['scores'][c]:.3f}" for c in CONDITIONS)
        print(f"| {r['seed']} | {sizes} | {cells} |")
    print()
    print("| macro-F1 on the test articles | mean ± sd |")
    print("|---|---:|")
    means = {}
    for c in CONDITIONS:
        values = [r["scores"][c] for r in rounds]
        means[c] = statistics.fmean(values)
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        print(f"| {c} | {means[c]:.3f} ± {sd:.3f} |")
    print()
    ratio = means["+ uncertain"] / means["+ random"]
    gain_u = means["+ uncertain"] - means["seed only"]
    gain_r = means["+ random"] - means["seed only"]
    wins = sum(r["scores"]["+ uncertain"] > r["scores"]["+ random"] for r in rounds)
    print(f"uncertain / random macro-F1: {ratio:.3f}")
    print(
        f"gain over seed only: uncertain {gain_u:+.3f}, random {gain_r:+.3f}"
        + (f" (ratio {gain_u / gain_r:.2f})" if gain_r > 0 else "")
    )
    diffs = [r["scores"]["+ uncertain"] - r["scores"]["+ random"] for r in rounds]
    sd_diff = statistics.stdev(diffs) if len(diffs) > 1 else 0.0
    print(
        f"uncertain - random, paired by seed: {statistics.fmean(diffs):+.3f} ± {sd_diff:.3f}; "
        f"uncertain better in {wins} of {len(rounds)} seeds"
    )
    for name in ("+ uncertain", "+ random"):
        total: Counter[str] = Counter()
        for r in rounds:
            total.update(r["picked_labels"][name])
        share = ", ".join(
            f"{label} {n / sum(total.values()):.0%}" for label, n in sorted(total.items())
        )
        print(f"labels picked {name[2:]}: {share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
