"""Does sentence splitting stay linear in line length? Time per MB from 1 KB to 10 MB lines.

Run: python benchmarks/bench_split_growth.py [--max-mb 10]

Each line is bundled article text with its line breaks removed (as scraped pages often are),
cut to the size. The baseline is the same splitting over the bundled articles as they are
(short lines), run in the same process; the ratio column is (time per MB) / (baseline time per
MB): flat means linear. Debris rules and splitting are timed together, as `ingest` runs them.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from claimkit.clean import content_regions, debris_spans
from claimkit.segment import split_spans

ROOT = Path(__file__).resolve().parents[1]


def _seconds(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        split_spans(text, content_regions(text, debris_spans(text)))
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-mb", type=float, default=10.0, help="largest line (default: 10)")
    args = parser.parse_args()
    articles = [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "articles").rglob("*.txt"))
    ]
    joined = " ".join(" ".join(line.split()) for text in articles for line in text.splitlines())
    baseline_text = "\n\n".join(articles)
    base = _seconds(baseline_text, 3) / (len(baseline_text.encode()) / 1e6)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"baseline: bundled articles as they are, {base:.3f} s/MB\n")
    print("| one line of | seconds | s/MB | ratio to baseline |")
    print("|---:|---:|---:|---:|")
    size = 1_000
    while size <= args.max_mb * 1_000_000:
        line = (joined * (size // len(joined) + 1))[:size]
        seconds = _seconds(line, 3 if size <= 1_000_000 else 1)
        per_mb = seconds / (size / 1e6)
        label = f"{size / 1e6:g} MB" if size >= 1_000_000 else f"{size / 1e3:g} KB"
        print(f"| {label} | {seconds:.3f} | {per_mb:.3f} | {per_mb / base:.2f} |")
        size *= 10


if __name__ == "__main__":
    main()
