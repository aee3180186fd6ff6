"""Take docs/screenshots/backend.png and backend-sorted.png: a task with the model backend's
suggestion, and the Data Manager sorted by prediction score (least sure first).

    python docs/screenshots/take_backend_screenshot.py --data-dir DIR [--project TITLE]

Uses a running local Label Studio (`claimkit studio start --data-dir DIR`) whose project is
connected to a running `claimkit studio backend --connect TITLE`; asks the backend for every
task's suggestion (the Data Manager's "Retrieve predictions" action), then drives headless
Chromium as take_labelling_screenshot.py does. Needs `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from take_labelling_screenshot import shoot  # noqa: E402

# Data Manager columns left out of the sorted view: the sentence and its score stay.
HIDDEN = [
    f"tasks:{name}"
    for name in [
        "inner_id",
        "completed_at",
        "total_annotations",
        "cancelled_annotations",
        "total_predictions",
        "annotators",
        "annotations_results",
        "annotations_ids",
        "predictions_model_versions",
        "predictions_results",
        "file_upload",
        "storage_filename",
        "created_at",
        "updated_at",
        "updated_by",
        "avg_lead_time",
        "draft_exists",
        "data.context_before",
        "data.context_after",
        "data.sentence_id",
        "data.article_id",
        "data.index",
        "data.title",
        "data.source",
        "data.paragraph",
    ]
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the running Label Studio's data dir")
    parser.add_argument("--project", default="claimkit sentences")
    parser.add_argument("--out", default=str(Path(__file__).parent))
    parser.add_argument("--wait", type=float, default=12.0, help="seconds for the UI to render")
    args = parser.parse_args()

    from annotate import client, studio

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium not found: apt-get install -y chromium")
    state = studio.read_state(args.data_dir)
    if state is None:
        sys.exit(f"no Label Studio recorded in {args.data_dir}")
    admin = client.connect(data_dir=args.data_dir)
    project = admin.get_project(args.project)
    admin.ls.actions.create(
        id="retrieve_tasks_predictions",
        project=project.id,
        selected_items={"all": True, "excluded": []},
    )
    tasks = sorted(admin.iter_tasks(project.id), key=lambda t: t.id)
    task = next(t for t in tasks if t.data["context_before"] and t.data["context_after"])
    # a Data Manager tab ordered by the prediction score, least sure first
    view = admin.ls.views.create(
        project=project.id,
        data={
            "title": "least sure first",
            "ordering": ["tasks:predictions_score"],
            "hiddenColumns": {"explore": HIDDEN, "labeling": HIDDEN},
        },
    )
    out = Path(args.out)
    shoot(
        chromium,
        state,
        [
            (
                f"{state.url}/projects/{project.id}/data?tab={view.id}&task={task.id}",
                out / "backend.png",
            ),
            (f"{state.url}/projects/{project.id}/data?tab={view.id}", out / "backend-sorted.png"),
        ],
        args.wait,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
