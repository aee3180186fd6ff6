"""Take docs/screenshots/cue-labelling.png: the cue-marking interface with a sentence's spans.

    python docs/screenshots/take_cue_screenshot.py [--data-dir DIR] [--out PNG]

Starts (or reuses) a local Label Studio, pushes a few bundled cue-marked sentences with
`annotate push --task cues --with-labels`, and captures one task with its marked spans in
headless Chromium (the same way as take_labelling_screenshot.py). Needs `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from take_labelling_screenshot import shoot  # noqa: E402

SENTENCES = ROOT / "tests" / "data" / "cue-sentences.jsonl"
LABELS = ROOT / "tests" / "data" / "cue-labels.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="Label Studio data dir (default: a temp one)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("cue-labelling.png")))
    parser.add_argument("--wait", type=float, default=12.0, help="seconds for the UI to render")
    args = parser.parse_args()

    from annotate import client, cuetask, studio
    from annotate.push import push

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium not found: apt-get install -y chromium")
    work = Path(tempfile.mkdtemp(prefix="shot-"))
    data_dir = args.data_dir or str(work / "studio")
    with studio.serving(data_dir, keep=bool(args.data_dir)) as state:
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
        url = f"{state.url}/projects/{project.id}/data?tab=1&task={task.id}"
        shoot(chromium, state, [(url, Path(args.out))], args.wait)
    return 0


if __name__ == "__main__":
    sys.exit(main())
