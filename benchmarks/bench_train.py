"""Time `claimkit train`'s work on 1k, 4k and 16k sentences resampled from the bundled labelled set.

    python benchmarks/bench_train.py                      # data/labelled, sizes 1000 4000 16000
    python benchmarks/bench_train.py --sizes 1000 4000 --what fit

For each size it measures, in this one process:
- ``search``: the default grid's grouped 5-fold CV search plus the refit (what `claimkit train` runs);
- ``fit``: one fit of the default pipeline on all rows (what the refit alone costs).
It prints wall time, peak memory (peak RSS of the process during that step, via
/proc/self/clear_refs + VmHWM on Linux; tracemalloc's peak elsewhere) and the ratio to the first
size, so the growth curve can be read: linear growth doubles the time when the data doubles.

Resampling draws whole articles with replacement; every copy keeps its article's group id, so the
grouped CV never puts two copies of one article on both sides of a split. Vocabulary does not
grow as it would with new articles, so real data of the same size costs somewhat more.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from train.data import LabelledData, load_labelled  # noqa: E402
from train.grids import DEFAULT_GRID  # noqa: E402
from train.search import grid_search  # noqa: E402


def resample(data: LabelledData, n: int, seed: int = 0) -> LabelledData:
    """About ``n`` sentences: whole articles drawn with replacement, then cut to exactly ``n``."""
    rng = random.Random(seed)
    by_group: dict[str, list[int]] = {}
    for i, group in enumerate(data.groups):
        by_group.setdefault(group, []).append(i)
    groups = sorted(by_group)
    texts: list[str] = []
    labels: list[str] = []
    out_groups: list[str] = []
    ids: list[str] = []
    copy = 0
    while len(texts) < n:
        group = rng.choice(groups)
        for i in by_group[group]:
            texts.append(data.texts[i])
            labels.append(data.labels[i])
            out_groups.append(group)
            ids.append(f"{data.ids[i]}#{copy}")
        copy += 1
    return LabelledData(
        source=f"{data.source} resampled to {n}",
        texts=texts[:n],
        labels=labels[:n],
        groups=out_groups[:n],
        ids=ids[:n],
        columns=dict(data.columns),
    )


def _descendants(pid: int) -> list[int]:
    """Live descendant processes (the search's joblib workers), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _status(pid: int | str, field: str) -> int:
    """A memory field of /proc/<pid>/status in bytes (VmHWM: peak RSS, VmRSS: current RSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class PeakMemory:
    """Peak resident memory over a block (bytes): this process, and the sum of its workers' peaks."""

    def __init__(self) -> None:
        self.linux = Path("/proc/self/clear_refs").exists()
        self.start = 0
        self.peak = 0
        self.workers = 0
        self.seconds = 0.0

    def __enter__(self) -> PeakMemory:
        gc.collect()
        if self.linux:
            try:
                # "5" resets the peak RSS (VmHWM) to the current RSS.
                for pid in ["self", *map(str, _descendants(os.getpid()))]:
                    Path(f"/proc/{pid}/clear_refs").write_text("5")
                self.start = _status("self", "VmRSS")
            except OSError:
                self.linux = False
        if not self.linux:
            tracemalloc.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.linux:
            self.peak = _status("self", "VmHWM")
            self.workers = sum(_status(pid, "VmHWM") for pid in _descendants(os.getpid()))
        else:
            self.peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


def measure(step: Callable[[], object]) -> PeakMemory:
    with PeakMemory() as memory:
        start = time.perf_counter()
        step()
        memory.seconds = time.perf_counter() - start
    return memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "labelled"), help="labelled dataset")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument("--what", choices=["both", "search", "fit"], default="both")
    parser.add_argument(
        "--n-jobs", type=int, default=2, help="CV workers for the search (default: 2)"
    )
    args = parser.parse_args(argv)

    data = load_labelled(args.data)
    print(
        f"bundled: {len(data)} sentences, {data.n_groups} articles; cores: {os.cpu_count()}; "
        f"search: default grid ({len(list(_expand()))} candidates + 2 ablation, x 5 folds, then "
        f"refit), n_jobs={args.n_jobs}"
    )
    print(
        f"{'step':<7} {'sentences':>9} {'seconds':>8} {'x 1st':>6} {'peak MB':>8} "
        f"{'step MB':>8} {'x 1st':>6} {'workers MB':>10}"
    )
    steps = ["search", "fit"] if args.what == "both" else [args.what]
    first: dict[str, PeakMemory] = {}
    _fit(resample(data, 200))  # warm-up: lazy imports and first-call costs are not training time
    for size in args.sizes:
        sample = resample(data, size)
        for step in steps:
            work: Callable[[], object]
            if step == "search":
                work = partial(
                    grid_search, sample, DEFAULT_GRID, n_folds=5, n_jobs=args.n_jobs, progress=False
                )
            else:
                work = partial(_fit, sample)
            m = measure(work)
            base = first.setdefault(step, m)
            grown, base_grown = max(m.peak - m.start, 0), max(base.peak - base.start, 0)
            # a ratio against a step that grew memory by less than 1 MB would be noise
            growth = f"{grown / base_grown:>6.2f}" if base_grown >= 2**20 else f"{'-':>6}"
            workers = f"{m.workers / 2**20:>10.0f}" if step == "search" else f"{'-':>10}"
            print(
                f"{step:<7} {size:>9} {m.seconds:>8.2f} {m.seconds / base.seconds:>6.2f} "
                f"{m.peak / 2**20:>8.0f} {grown / 2**20:>8.0f} {growth} {workers}",
                flush=True,
            )
    print(
        "peak MB: this process's peak RSS during the step (imports included); step MB: peak minus "
        "the RSS when the step started; workers MB: sum of the search's worker processes' peaks."
    )
    return 0


def _fit(sample: LabelledData) -> None:
    """One fit of the default pipeline, one BLAS/OpenMP thread, as `train`'s refit runs it."""
    from threadpoolctl import threadpool_limits

    from models.features import build_pipeline

    with threadpool_limits(1):
        build_pipeline().fit(sample.texts, sample.labels)


def _expand() -> list[dict[str, Any]]:
    from train.search import expand

    return expand(DEFAULT_GRID)


if __name__ == "__main__":
    raise SystemExit(main())
