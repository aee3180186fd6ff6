"""Re-make label-studio-export.json against the installed Label Studio (a throwaway server).

    python tests/data/make_label_studio_export.py

Six sentences of one seed article; annotator A (user 2) and B (user 3) label them through
`annotate push --with-labels` (A skips the fifth, they disagree on the second), and an
adjudicator (user 4) gives the second its ground truth.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import datasets  # noqa: E402

from annotate import client, studio  # noqa: E402
from annotate.push import push  # noqa: E402
from claimkit.ingest import ingest  # noqa: E402

# relative to ROOT, so the tasks' "source" names no path of this machine
ARTICLE = Path("data/articles/seeds/metro-putin-north-korean-troops.txt")
A = ("attributed", "speculative", "confirmed", "opinion", "skip")
B = ("attributed", "confirmed", "confirmed", "opinion")


def main() -> None:
    os.chdir(ROOT)
    work = Path(tempfile.mkdtemp(prefix="ls-export-"))
    ingest([ARTICLE], work / "sentences", progress=False)
    rows = list(datasets.load_from_disk(str(work / "sentences")))[:6]
    datasets.Dataset.from_list(rows).save_to_disk(str(work / "six"))
    ids = [r["sentence_id"] for r in rows]
    passes = (
        ("ann.a@example.org", dict(zip(ids, A, strict=False)), False),
        ("ann.b@example.org", dict(zip(ids, B, strict=False)), False),
        ("adjudicator@example.org", {ids[1]: "speculative"}, True),
    )
    data_dir = work / "studio"
    with studio.serving(data_dir):
        push(work / "six", "export fixture", data_dir=data_dir, progress=False)
        for n, (who, labels, ground_truth) in enumerate(passes):
            path = work / f"pass-{n}.jsonl"
            path.write_text(
                "".join(
                    json.dumps({"sentence_id": k, "label": v}) + "\n" for k, v in labels.items()
                )
            )
            push(
                work / "six",
                "export fixture",
                with_labels=path,
                annotator=who,
                ground_truth=ground_truth,
                data_dir=data_dir,
                progress=False,
            )
        ls = client.connect(data_dir=data_dir)
        project = ls.get_project("export fixture")
        raw = b"".join(
            ls.ls.projects.exports.download_sync(
                project.id, export_type="JSON", download_all_tasks=True
            )
        )
    out = Path(__file__).with_name("label-studio-export.json")
    out.write_text(json.dumps(json.loads(raw), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
