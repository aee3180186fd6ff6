"""Prediction speed against the limit a linear model over sparse features can reach.

    python benchmarks/bench_predict.py [--model DIR] [--min-sentences 50000] [--repeat 3]
                                       [--memory-sentences 1000000]

On the bundled articles repeated to >= --min-sentences sentences, one process, best of
--repeat rounds (each round runs every variant, so a busy spell slows all of them alike):

- limit: a plain word TF-IDF + LogisticRegression pipeline trained on the same labels
  (data/labelled, training split), its ``predict_proba`` on pre-split sentences;
- (a) the model's own ``pipeline.predict_proba``; (b) ``tagger.predict`` with cues, (b') without;
- segmentation alone (debris rules + sentence splitting, what ``tag`` does before the model);
- (c) ``tagger.tag`` article by article; (d) ``tag_many`` on one worker; (e) on two (the
  worker pool started before the rounds; its start-up is printed apart).

Then, in a fresh process, (b) and (d) over the distinct bundled text, twice: the repeated
corpus above answers every word- or sentence-keyed cache after its first copy, the first pass
here none. Every row's speed is printed as a ratio to the limit; ``tag_many`` also against segmentation
alone and two workers against one. With --memory-sentences N, ``claimkit predict --format
jsonl`` runs over N and N/10 sentences (the articles repeated, one JSONL file) in a child
process and its peak RSS is printed for both: flat means the output streams.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def limit_pipeline(data: Path) -> object:
    """Plain word TF-IDF + LogisticRegression on the training split of ``data``."""
    import datasets
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    rows = datasets.load_from_disk(str(data / "dataset"))
    train = [r for r in rows if r.get("split", "train") != "test"]
    pipeline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    return pipeline.fit([r["text"] for r in train], [r["label"] for r in train])


def peak_rss_mb(articles: list[object], n_sentences: int, per_copy: int, work: Path) -> float:
    """Peak RSS of `claimkit predict --format jsonl` over ~n_sentences in a child process."""
    copies = -(-n_sentences // per_copy)
    source = work / f"articles-{n_sentences}.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for c in range(copies):
            for a in articles:
                row = {"id": f"{a.article_id}-{c}", "title": a.title, "text": a.text}  # type: ignore[attr-defined]
                handle.write(json.dumps(row) + "\n")
    # VmHWM, not ru_maxrss: a forked child's ru_maxrss starts at its parent's peak
    script = (
        "import sys; from claimkit.cli import main; code = main(sys.argv[1:]); "
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
        "print(int(hwm.split()[1]), file=sys.stderr); sys.exit(code)"
    )
    out = work / "predictions.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "predict",
            str(source),
            "--format",
            "jsonl",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    source.unlink()
    out.unlink()
    return int(done.stderr.strip().splitlines()[-1]) / 1024


_FRESH = """
import json, sys, time
from claimkit.clean import content_regions
from claimkit.readers import Article, read_articles
from claimkit.segment import split_spans
from models import load
model, folder = sys.argv[1] or None, sys.argv[2]
tagger = load(model)
tagger.predict(["Warm up."])  # builds the counters; caches almost nothing
articles = [a.text for a in read_articles([folder]) if isinstance(a, Article)]
sentences = [t[s:e] for t in articles for s, e in split_spans(t, content_regions(t))]
out = {}
for run in ("first", "second"):
    t0 = time.perf_counter(); tagger.predict(sentences)
    out[f"(b) tagger.predict, {run} pass"] = (time.perf_counter() - t0, len(sentences))
    t0 = time.perf_counter(); list(tagger.tag_many(articles))
    out[f"(d) tag_many, one worker, {run} pass"] = (time.perf_counter() - t0, len(sentences))
print(json.dumps(out))
"""


def fresh_passes(model: str | None, articles: str) -> dict[str, tuple[float, int]]:
    """(seconds, sentences) of (b) and (d) over the distinct articles in a new process, twice."""
    done = subprocess.run(
        [sys.executable, "-c", _FRESH, model or "", articles],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return {k: (v[0], v[1]) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: the shipped default model)")
    parser.add_argument("--articles", default=str(ROOT / "data" / "articles"))
    parser.add_argument("--labels", default=str(ROOT / "data" / "labelled"))
    parser.add_argument("--min-sentences", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-sentences", type=int, default=0)
    args = parser.parse_args(argv)

    import joblib
    import sklearn

    from claimkit.clean import content_regions
    from claimkit.readers import Article, read_articles
    from claimkit.segment import split_spans
    from models import load

    tagger = load(args.model)
    limit = limit_pipeline(Path(args.labels))
    base = [a for a in read_articles([args.articles]) if isinstance(a, Article)]
    per_copy = [
        [a.text[s:e] for s, e in split_spans(a.text, content_regions(a.text))] for a in base
    ]
    n_copy = sum(map(len, per_copy))
    copies = -(-args.min_sentences // n_copy)
    texts = [a.text for a in base] * copies
    sentences = [s for group in per_copy for s in group] * copies
    n = len(sentences)

    pipeline = tagger.pipeline
    # warm up caches (feature names, lexicon, n-gram index) so no variant pays a one-off cost
    for warm in (limit.predict_proba, pipeline.predict_proba, tagger.predict):  # type: ignore[attr-defined]
        warm(sentences[:200])
    # the worker pool is started (and each worker loads the model) once per process; a run
    # over a corpus pays it once, so it is timed apart from (e)
    t0 = time.perf_counter()
    list(tagger.tag_many(texts[:8], n_jobs=2, chunk_size=1))
    startup = time.perf_counter() - t0

    def segment() -> None:
        for t in texts:
            split_spans(t, content_regions(t))

    variants: dict[str, tuple[str, Callable[[], object]]] = {
        "limit": (
            "limit: plain word TF-IDF + LR, predict_proba",
            lambda: limit.predict_proba(sentences),
        ),  # type: ignore[attr-defined]
        "a": ("(a) pipeline.predict_proba, pre-split", lambda: pipeline.predict_proba(sentences)),
        "b": ("(b) tagger.predict, pre-split, with cues", lambda: tagger.predict(sentences)),
        "b2": ("(b') tagger.predict(cues=False)", lambda: tagger.predict(sentences, cues=False)),
        "seg": ("segmentation alone (debris + splitting)", segment),
        "c": ("(c) tagger.tag, article by article", lambda: [tagger.tag(t) for t in texts]),
        "d": ("(d) tagger.tag_many, one worker", lambda: list(tagger.tag_many(texts))),
        "e": ("(e) tagger.tag_many, n_jobs=2", lambda: list(tagger.tag_many(texts, n_jobs=2))),
    }
    best = dict.fromkeys(variants, float("inf"))
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for key, (_, fn) in variants.items():
            t0 = time.perf_counter()
            fn()
            best[key] = min(best[key], time.perf_counter() - t0)
    load_after = os.getloadavg()

    print(
        f"model {tagger.model_version}; {len(texts)} articles ({len(base)} bundled x {copies}), "
        f"{n} sentences; best of {args.repeat}"
    )
    print(
        f"python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
        f"joblib {joblib.__version__}, {os.cpu_count()} CPUs; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print()
    print("| variant | seconds | sentences/s | vs limit |")
    print("|---|---:|---:|---:|")
    for key, (name, _) in variants.items():
        t = best[key]
        print(f"| {name} | {t:.2f} | {n / t:,.0f} | {best['limit'] / t:.2f} |")
    print()
    print(f"(a)/limit = {best['limit'] / best['a']:.2f} (target >= 0.6)")
    print(f"(b)/limit = {best['limit'] / best['b']:.2f} (target >= 0.45)")
    print(f"(d)/segmentation = {best['seg'] / best['d']:.2f} (target >= 0.6)")
    print(f"(e)/(d) = {best['d'] / best['e']:.2f} (target >= 1.6)")
    print(
        f"two workers' start-up (once per process, before the rounds): {startup:.2f} s; "
        f"(e) with it: {n / (best['e'] + startup):,.0f} sentences/s, "
        f"{best['d'] / (best['e'] + startup):.2f}x (d)"
    )

    # The corpus repeats itself, so after its first copy any cache keyed by a word or a
    # sentence answers everything. A fresh process on the distinct bundled text shows the cost
    # when nothing was seen before, and then the same text again.
    passes = fresh_passes(args.model, args.articles)
    print()
    print("| fresh process, the distinct bundled text | seconds | sentences/s |")
    print("|---|---:|---:|")
    for name, (seconds, count) in passes.items():
        print(f"| {name} | {seconds:.2f} | {count / seconds:,.0f} |")

    if args.memory_sentences:
        print()
        print("| claimkit predict --format jsonl | peak RSS MB |")
        print("|---|---:|")
        with tempfile.TemporaryDirectory() as tmp:
            for size in (args.memory_sentences // 10, args.memory_sentences):
                mb = peak_rss_mb(base, size, n_copy, Path(tmp))
                print(f"| ~{size:,} sentences | {mb:,.0f} |")
    print(
        f"\n(this process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
