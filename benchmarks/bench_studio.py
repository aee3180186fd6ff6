"""Push and pull 10,000 sentences against a local Label Studio; print tasks/s.

    python benchmarks/bench_studio.py [--n 10000] [--data-dir DIR]

Starts a throwaway server (temp data dir, free port) unless --data-dir names a running one.
The seed sentences are repeated with distinct sentence_ids; every task also carries one
annotation (via --with-labels) so that pull has something to resolve. Baselines in the same run:
one raw `import_tasks` call of the same tasks, and one raw JSON export download.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_dataset(n: int, folder: Path) -> tuple[Path, Path]:
    import datasets

    from claimkit.ingest import ingest

    seeds = folder / "seeds"
    ingest([ROOT / "data" / "articles" / "seeds"], seeds, progress=False)
    base = list(datasets.load_from_disk(str(seeds)))
    rows = []
    for i in range(n):
        row = dict(base[i % len(base)])
        row["sentence_id"] = f"bench-{i:06d}"
        rows.append(row)
    out = folder / "sentences"
    datasets.Dataset.from_list(rows).save_to_disk(str(out))
    labels = folder / "labels.jsonl"
    from claimkit.labels import LABELS

    with labels.open("w") as handle:
        for i, row in enumerate(rows):
            handle.write(
                json.dumps({"sentence_id": row["sentence_id"], "label": LABELS[i % 4]}) + "\n"
            )
    return out, labels


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--data-dir", help="use the server running in this data dir")
    parser.add_argument(
        "--n-existing", type=int, default=1000, help="labels added onto existing tasks"
    )
    args = parser.parse_args()

    from annotate import client, studio
    from annotate.pull import pull
    from annotate.push import load_sentences, make_task, push

    work = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    data_dir = args.data_dir or str(work / "studio")
    t0 = time.perf_counter()
    with studio.serving(data_dir, keep=bool(args.data_dir)) as state:
        started = time.perf_counter() - t0
        dataset, labels = make_dataset(args.n, work)
        rows = load_sentences(dataset)
        annotator = "bench@claimkit.local"
        admin = client.connect(data_dir=data_dir)
        admin.ensure_user(annotator)
        stamp = time.strftime("%H%M%S")

        # baseline: the same tasks (with their annotation) in one raw import_tasks call
        project, _ = admin.ensure_project(f"bench raw {stamp}")
        from claimkit.labels import LABELS

        tasks = [make_task(r, label=LABELS[i % 4], annotator=annotator) for i, r in enumerate(rows)]
        t = time.perf_counter()
        admin.ls.projects.import_tasks(id=project.id, request=tasks)
        raw_push = time.perf_counter() - t
        t = time.perf_counter()
        b"".join(
            admin.ls.projects.exports.download_sync(
                project.id, export_type="JSON", download_all_tasks=True
            )
        )
        raw_pull = time.perf_counter() - t

        title = f"bench claimkit {stamp}"
        t = time.perf_counter()
        pushed = push(
            dataset,
            title,
            with_labels=labels,
            annotator=annotator,
            data_dir=data_dir,
            progress=False,
        )
        our_push = time.perf_counter() - t
        t = time.perf_counter()
        again = push(dataset, title, data_dir=data_dir, progress=False)
        our_repush = time.perf_counter() - t
        t = time.perf_counter()
        pulled = pull(work / "labelled", title, data_dir=data_dir)
        our_pull = time.perf_counter() - t
        assert pushed.n_imported == args.n and again.n_imported == 0
        assert pulled.counts["gold"] == args.n

        # labels onto tasks that already exist: one call per annotation (no bulk route in
        # Label Studio Community), sequential against several in flight
        existing_rates = []
        (work / "existing").mkdir()
        small, small_labels = make_dataset(args.n_existing, work / "existing")
        for workers in (1, 4):
            title = f"bench existing {workers} {stamp}"
            push(small, title, data_dir=data_dir, progress=False)
            t = time.perf_counter()
            added = push(
                small,
                title,
                with_labels=small_labels,
                annotator=annotator,
                data_dir=data_dir,
                progress=False,
                annotation_workers=workers,
            )
            existing_rates.append((workers, time.perf_counter() - t, added))

        n = args.n
        print(f"\nLabel Studio at {state.url}; server start {started:.1f} s; {n} tasks\n")
        print(f"| {'step':<46} | {'seconds':>8} | {'tasks/s':>8} | {'vs raw':>7} |")
        print(f"|{'-' * 48}|{'-' * 10}|{'-' * 10}|{'-' * 9}|")
        for name, secs, base in (
            ("raw import_tasks, one call (baseline)", raw_push, raw_push),
            ("claimkit annotate push (batches of 500)", our_push, raw_push),
            ("claimkit annotate push again (no-op)", our_repush, raw_push),
            ("raw JSON export download (baseline)", raw_pull, raw_pull),
            ("claimkit annotate pull (export+resolve+write)", our_pull, raw_pull),
        ):
            print(f"| {name:<46} | {secs:>8.2f} | {n / secs:>8.0f} | {secs / base:>6.2f}x |")
        print(f"\nlabels onto {args.n_existing} existing tasks (one call per annotation):\n")
        print(
            f"| {'calls in flight':<16} | {'seconds':>8} | {'annotations/s':>13} | {'speed-up':>8} |"
        )
        print(f"|{'-' * 18}|{'-' * 10}|{'-' * 15}|{'-' * 10}|")
        base_secs = existing_rates[0][1]
        for workers, secs, added in existing_rates:
            assert added.n_annotations_added == args.n_existing, added.summary()
            print(
                f"| {workers:<16} | {secs:>8.2f} | {args.n_existing / secs:>13.1f} |"
                f" {base_secs / secs:>7.2f}x |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
