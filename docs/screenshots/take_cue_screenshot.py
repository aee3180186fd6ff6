"""Take docs/screenshots/cue-labelling.png: the cue-marking interface with a sentence's spans.

    python docs/screenshots/take_cue_screenshot.py [--data-dir DIR] [--out PNG]

Starts (or reuses) a local Label Studio, pushes a few bundled cue-marked sentences with
`annotate push --task cues --with-labels`, and captures one task with its marked spans in
headless Chromium (the same way as take_labelling_screenshot.py). Needs `chromium` on PATH.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from take_labelling_screenshot import capture  # noqa: E402

SENTENCES = ROOT / "tests" / "data" / "cue-sentences.jsonl"
LABELS = ROOT / "tests" / "data" / "cue-labels.jsonl"


def _cue_task(data_dir: str, work: Path) -> tuple[int, int]:
    from annotate import client, cuetask
    from annotate.push import push

    push(
        SENTENCES,
        task="cues",
        with_labels=LABELS,
        annotator="maintainers@claimkit.local",
        data_dir=data_dir,
        progress=False,
    )
    admin = client.connect(data_dir=data_dir)
    project = admin.get_project(cuetask.CUE_PROJECT, cuetask.check_cue_project)
    tasks = sorted(admin.iter_tasks(project.id), key=lambda t: t.id)
    # the opinion sentence with an obligation span reads best
    task = next(t for t in tasks if "called for" in t.data["text"])
    return project.id, task.id


def main() -> int:
    return capture(
        __doc__.splitlines()[0], Path(__file__).with_name("cue-labelling.png"), _cue_task
    )


if __name__ == "__main__":
    sys.exit(main())
