"""A full and an incremental `annotate pull` of a large project (1% of its tasks changed).

    python benchmarks/bench_pull.py [--n 50000] [--changed 0.01]

Starts a throwaway Label Studio (temp data dir, free port), imports N tasks (the seed sentences
repeated, each with one annotation) in raw batches, pulls them all, changes a share of them
(a label edited, as an annotator would), and pulls again into the same folder: only the changed
tasks are exported. A full pull of the changed project runs last, in the same process, as the
baseline; the two results are compared file by file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()

    from bench_studio import make_dataset  # type: ignore[import-not-found]

    from annotate import client, interface, studio
    from annotate.pull import pull
    from annotate.push import load_sentences, make_task
    from claimkit.labels import LABELS

    work = Path(tempfile.mkdtemp(prefix="bench-pull-"))
    with studio.serving(work / "studio") as state:
        dataset, _ = make_dataset(args.n, work)
        rows = load_sentences(dataset)
        admin = client.connect(data_dir=state.data_dir)
        project, _ = admin.ensure_project("bench pull")
        t = time.perf_counter()
        for start in range(0, len(rows), 2000):
            batch = [
                make_task(r, label=LABELS[i % 4], annotator="admin@claimkit.local")
                for i, r in enumerate(rows[start : start + 2000], start)
            ]
            admin.ls.projects.import_tasks(id=project.id, request=batch)
        imported = time.perf_counter() - t

        out = work / "labelled"
        t = time.perf_counter()
        pull(out, "bench pull", data_dir=state.data_dir, progress=False)
        first = time.perf_counter() - t

        tasks = sorted(
            admin.iter_tasks(project.id, include="id,annotations_ids"), key=lambda x: x.id
        )
        step = max(1, round(1 / args.changed))
        chosen = [int(str(x.annotations_ids).split(",")[0]) for x in tasks[::step]]

        def relabel(annotation_id: int) -> None:
            admin.ls.annotations.update(id=annotation_id, result=interface.choice_result("opinion"))

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(relabel, chosen))

        t = time.perf_counter()
        again = pull(out, "bench pull", data_dir=state.data_dir, progress=False)
        incremental = time.perf_counter() - t
        full = work / "full"
        t = time.perf_counter()
        pull(full, "bench pull", data_dir=state.data_dir, progress=False, full=True)
        baseline = time.perf_counter() - t
        same = all(
            (out / f).read_bytes() == (full / f).read_bytes()
            for f in ("sentences.jsonl", "annotations.jsonl", "review.jsonl", "agreement.json")
        )

    print(
        f"\n{args.n:,} tasks (imported in {imported:.0f} s); {len(chosen):,} labels edited; {again.notes[0]}"
    )
    print()
    print("| pull | seconds | vs full |")
    print("|---|---:|---:|")
    print(f"| first pull (full export) | {first:.1f} | – |")
    print(f"| full pull after the edits (baseline) | {baseline:.1f} | 1.00 |")
    print(
        f"| incremental pull after the edits | {incremental:.1f} | {incremental / baseline:.2f} |"
    )
    print(f"\nincremental result equals the full one: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
