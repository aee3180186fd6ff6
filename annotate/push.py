"""Push sentences to Label Studio as tasks: idempotent by sentence_id, in batches, optionally with
pre-annotations from a model, an active-learning selection, or labels that already exist elsewhere."""

from __future__ import annotations

import csv
import json
import os
import random
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claimkit.context import in_context
from claimkit.datafiles import atomic_file, check_output, load_table
from claimkit.errors import InputError, check_choice
from claimkit.labels import LABELS, SKIP
from claimkit.schema import SENTENCE_FIELDS

from . import cuetask, interface
from .client import connect

DEFAULT_PROJECT = "claimkit sentences"
BATCH_SIZE = 500
# Task data: everything `pull` needs to rebuild the sentence row without the original dataset.
TASK_FIELDS = SENTENCE_FIELDS
Select = Literal["uncertain", "random"]
# What the tasks ask: a label per sentence, or the spans that carry a sentence's label.
Task = Literal["sentences", "cues"]
CUE_TASK_FIELDS: dict[str, Any] = {**TASK_FIELDS, "label": ""}
# Annotation calls in flight at once. Four ran 1.49x faster (benchmarks/bench_studio.py), but
# Label Studio updates its project summary counters read-then-write, so parallel creates can lose
# counts in it: one at a time unless a caller chooses otherwise.
ANNOTATION_WORKERS = 1


@dataclass
class PushResult:
    """What a push did."""

    project: str
    project_id: int | None = None
    created: bool = False
    url: str = ""
    n_input: int = 0
    n_already: int = 0
    n_selected: int = 0
    n_imported: int = 0
    n_predictions: int = 0
    n_annotations: int = 0
    n_annotations_added: int = 0
    n_duplicates_removed: int = 0
    to_file: str | None = None
    model_version: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.to_file:
            head = f"wrote {self.n_selected} tasks to {self.to_file} (import them in the Label Studio UI)"
        else:
            state = "created" if self.created else "existing"
            head = (
                f"project {self.project!r} ({state}, id {self.project_id}): imported {self.n_imported} "
                f"new tasks, {self.n_already} of {self.n_input} sentences were already there"
            )
        parts = [head]
        if self.model_version:
            parts.append(f"pre-annotations: {self.n_predictions} from {self.model_version}")
        if self.n_annotations or self.n_annotations_added:
            parts.append(
                f"annotations: {self.n_annotations} with new tasks, "
                f"{self.n_annotations_added} added to existing tasks"
            )
        if self.n_duplicates_removed:
            parts.append(
                f"another push imported the same sentences at the same time: removed this push's "
                f"{self.n_duplicates_removed} duplicate tasks"
            )
        if self.url and self.project_id is not None:
            parts.append(f"open {self.url}/projects/{self.project_id}/data")
        return "\n".join(parts + self.notes)


def load_sentences(
    path: str | os.PathLike[str], fields: dict[str, Any] = TASK_FIELDS
) -> list[dict[str, Any]]:
    """Sentence rows from an `ingest` output (or any table with sentence_id + text), one per id."""
    table = load_table(Path(path))
    missing = {"sentence_id", "text"} - set(table.column_names)
    if missing:
        raise InputError(
            f"{path}: missing column(s) {sorted(missing)}; give the folder `claimkit ingest` wrote"
        )
    rows: dict[str, dict[str, Any]] = {}
    for record in table:
        row = {name: record.get(name, default) for name, default in fields.items()}
        for name, default in fields.items():
            if row[name] is None:
                row[name] = default
        row["sentence_id"] = str(row["sentence_id"])
        rows.setdefault(row["sentence_id"], row)  # duplicate ids: the first one wins
    if not rows:
        raise InputError(f"{path}: the dataset has no sentences")
    return list(rows.values())


def read_labels(path: str | os.PathLike[str]) -> dict[str, str]:
    """sentence_id -> label from a JSONL or CSV file with columns sentence_id and label."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            f"{path}: no such labels file (expected JSONL or CSV with sentence_id,label)"
        )
    records: list[dict[str, Any]] = []
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            records = list(csv.DictReader(handle))
    else:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except ValueError as exc:
                    raise InputError(f"{path}:{n}: not valid JSON ({exc})") from None
    labels: dict[str, str] = {}
    for n, record in enumerate(records, 1):
        sid, label = record.get("sentence_id"), record.get("label")
        if not sid or not label:
            raise InputError(
                f"{path}: record {n} lacks sentence_id or label (found {sorted(record)})"
            )
        if label not in LABELS and label != SKIP:
            raise InputError(
                f"{path}: record {n} has label {label!r}; expected one of {[*LABELS, SKIP]}"
            )
        labels[str(sid)] = str(label)
    return labels


def make_task(
    row: dict[str, Any],
    prediction: dict[str, Any] | None = None,
    label: Any = None,
    annotator: str | None = None,
    ground_truth: bool = False,
    task: Task = "sentences",
) -> dict[str, Any]:
    """One Label Studio import item (``label``: a label, or cue spans for the cue task)."""
    fields = CUE_TASK_FIELDS if task == "cues" else TASK_FIELDS
    item: dict[str, Any] = {"data": {name: row.get(name, d) for name, d in fields.items()}}
    if prediction is not None:
        item["predictions"] = [prediction]
    if label is not None:
        result, cancelled = _annotation(label, row["text"], task)
        item["annotations"] = [
            {
                "result": result,
                "was_cancelled": cancelled,
                "completed_by": {"email": annotator},
                "ground_truth": ground_truth,
            }
        ]
    return item


def _has_label(value: Any) -> bool:
    """A label is any value but None, NaN and blank text (0 is a label: binary schemes)."""
    if value is None or (isinstance(value, float) and value != value):
        return False
    return bool(str(value).strip())


def _annotation(label: Any, text: str, task: Task) -> tuple[list[dict[str, Any]], bool]:
    """(result, was_cancelled) of an annotation giving ``label`` (cue spans for the cue task)."""
    if task == "cues":
        return cuetask.span_result(text, label), False
    return ([] if label == SKIP else interface.choice_result(label)), label == SKIP


def _predict(model: Any, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """The model's predictions, each sentence with its neighbours (as the backend and `tag` give
    them; rows without them stay plain sentences)."""
    if not rows:
        return []
    sentences = in_context(
        [r["text"] for r in rows],
        [r.get("context_before") for r in rows],
        [r.get("context_after") for r in rows],
    )
    return list(model.predict(sentences))


def _load_model(model_dir: str | os.PathLike[str] | None) -> Any:
    from models import load  # lazily: scikit-learn is heavy and unneeded for a plain push

    return load(None if model_dir is None else Path(model_dir))


def select_rows(
    rows: list[dict[str, Any]],
    select: str | None,
    limit: int | None,
    seed: int = 0,
    scores: Sequence[float] | None = None,
) -> list[int]:
    """Indices of the rows to push: the `limit` least certain / random / first ones."""
    order = list(range(len(rows)))
    if select == "uncertain":
        if scores is None:
            raise AssertionError("uncertain selection needs model scores")
        # least confident first; the sentence id breaks ties so the choice is reproducible
        order.sort(key=lambda i: (scores[i], rows[i]["sentence_id"]))
    elif select == "random":
        random.Random(seed).shuffle(order)
    if limit is not None:
        order = order[:limit]
    return order if select else sorted(order)


def push(
    dataset: str | os.PathLike[str],
    project: str | None = None,
    *,
    task: Task = "sentences",
    predictions: str | os.PathLike[str] | None = None,
    select: Select | None = None,
    limit: int | None = None,
    seed: int = 0,
    with_labels: str | os.PathLike[str] | None = None,
    annotator: str | None = None,
    ground_truth: bool = False,
    to_file: str | os.PathLike[str] | None = None,
    batch_size: int = BATCH_SIZE,
    annotation_workers: int = ANNOTATION_WORKERS,
    connect_backend: bool = False,
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> PushResult:
    """Import the sentences of `dataset` that the project lacks (by sentence_id) as tasks.

    ``task="cues"``: cue-annotation tasks (``annotate/cuetask.py``) in the project "claimkit
    cues"; the dataset needs a ``label`` column and ``with_labels`` holds cue spans.
    """
    check_choice(task, Task, "--task")
    if task == "cues" and (select or predictions is not None or connect_backend):
        raise InputError(
            "--task cues: --select, --predictions and --connect-backend are for sentence labels"
        )
    project = project or (cuetask.CUE_PROJECT if task == "cues" else DEFAULT_PROJECT)
    if select is not None:
        check_choice(select, Select, "--select")
    if limit is not None and limit < 1:
        raise InputError(f"--limit {limit}: must be at least 1")
    if batch_size < 1:
        raise InputError(f"--batch-size {batch_size}: must be at least 1")
    backend_url = _running_backend(url, data_dir) if connect_backend else ""
    if with_labels is not None and not annotator:
        raise InputError("--with-labels needs --annotator EMAIL (who the labels are credited to)")
    if not Path(dataset).exists():
        raise InputError(
            f"{dataset}: no such sentence dataset; run `claimkit ingest ... --out {dataset}`"
        )
    rows = load_sentences(dataset, CUE_TASK_FIELDS if task == "cues" else TASK_FIELDS)
    if task == "cues" and not all(_has_label(r.get("label")) for r in rows):
        raise InputError(
            f"{dataset}: the cue task shows each sentence's label: every row needs a 'label' "
            "(push a labelled dataset, e.g. data/labelled)"
        )
    labels: dict[str, Any] = {}
    if with_labels is not None and task == "cues":
        labels = cuetask.read_cue_labels(with_labels, {r["sentence_id"]: r["text"] for r in rows})
    elif with_labels is not None:
        labels = read_labels(with_labels)
    unknown = sorted(set(labels) - {r["sentence_id"] for r in rows})
    if unknown:
        raise InputError(
            f"{with_labels}: {len(unknown)} sentence_id(s) are not in {dataset} (e.g. {unknown[0]!r})"
        )
    result = PushResult(project=project, n_input=len(rows))

    studio = None
    existing: dict[str, Any] = {}
    if to_file is None:
        studio = connect(url, api_key, data_dir)
        proj, result.created = (
            studio.ensure_project(
                project,
                label_config=cuetask.cue_config(),
                check=cuetask.check_cue_project,
                guideline=cuetask.CUE_GUIDELINE,
            )
            if task == "cues"
            else studio.ensure_project(project)
        )
        result.project_id, result.url = proj.id, studio.conn.url
        include = "id,data,annotators" if labels else "id,data"
        existing = {
            str((t.data or {}).get("sentence_id")): t
            for t in studio.iter_tasks(proj.id, include=include)
        }
    candidates = [r for r in rows if r["sentence_id"] not in existing]
    result.n_already = len(rows) - len(candidates)

    model = None
    if predictions is not None or select == "uncertain":
        model = _load_model(predictions)
    preds = _predict(model, candidates) if model is not None else []
    scores = [max(p.probabilities.values()) for p in preds] if preds else None
    chosen = [candidates[i] for i in select_rows(candidates, select, limit, seed, scores)]
    chosen_preds = (
        {candidates[i]["sentence_id"]: preds[i] for i in range(len(candidates))}
        if predictions is not None
        else {}
    )
    result.n_selected = len(chosen)

    user_id = -1
    if labels and studio is not None:
        user_id = studio.ensure_user(str(annotator))
    tasks = []
    for row in chosen:
        prediction = None
        pred = chosen_preds.get(row["sentence_id"])
        if pred is not None and model is not None:
            prediction = {
                "model_version": model.model_version,
                "score": round(float(pred.probabilities[pred.label]), 4),
                "result": interface.choice_result(pred.label),
            }
        label = labels.get(row["sentence_id"])
        tasks.append(make_task(row, prediction, label, annotator, ground_truth, task))
    if model is not None and predictions is not None:
        result.model_version = model.model_version
        result.n_predictions = sum("predictions" in t for t in tasks)
    result.n_annotations = sum("annotations" in t for t in tasks)

    if to_file is not None:
        check_output(to_file, inputs=[dataset], folder=False, option="--to-file")
        if task == "cues":  # the tasks' span results need the cue interface
            config = Path(to_file).with_suffix(".label_config.xml")
            check_output(config, inputs=[dataset], folder=False, option="--to-file")
            with atomic_file(config) as handle:
                handle.write(cuetask.cue_config())
            result.notes.append(
                f"labelling interface: {config} (paste it into the project's settings)"
            )
        with atomic_file(Path(to_file)) as handle:
            json.dump(tasks, handle, ensure_ascii=False, indent=1)
        result.to_file = str(to_file)
        return result

    assert studio is not None and result.project_id is not None
    created: list[int] = []
    result.n_imported = _import_batches(
        studio, result.project_id, tasks, batch_size, progress, created
    )
    if created:
        removed, kept = remove_own_duplicates(studio, result.project_id, created)
        result.n_imported -= removed
        result.n_duplicates_removed = removed
        if kept:
            result.notes.append(
                f"warning: another push imported {kept} of these sentences at the same time; "
                "the copies that hold annotations were kept (pull counts each sentence once)"
            )
    if backend_url:
        result.notes.append(_connect_backend(project, backend_url, api_key, data_dir))
    if labels:
        result.n_annotations_added = _annotate_existing(
            studio,
            existing,
            labels,
            annotator or "",
            user_id,
            progress,
            ground_truth,
            annotation_workers,
            task,
        )
    return result


def _running_backend(url: str | None, data_dir: str | os.PathLike[str] | None) -> str:
    """The URL of the backend `studio start --with-backend` runs beside the local server."""
    from .client import resolve_connection
    from .studio import health

    # the backend runs beside the local server: only a push to that server can use it
    state = resolve_connection(url, None, data_dir).local
    if state is None or not state.backend_url or not health(state.backend_url):
        raise InputError(
            "--connect-backend: no model backend runs beside the local Label Studio; start one "
            "with `claimkit studio start --with-backend` (or run `claimkit studio backend "
            "--connect PROJECT` for another server)"
        )
    return state.backend_url


def _connect_backend(
    project: str,
    backend_url: str,
    api_key: str | None,
    data_dir: str | os.PathLike[str] | None,
) -> str:
    """Connect the backend at ``backend_url`` to ``project``; says what it did."""
    # imported here: the backend module loads Starlette, which a plain push does not need
    from .backend import connect_backend

    backend_id = connect_backend(project, backend_url, api_key=api_key, data_dir=data_dir)
    return f"model backend {backend_url} connected (model id {backend_id})"


def duplicate_copies(
    tasks: Iterable[tuple[int, str, int]], ours: Iterable[int]
) -> tuple[list[int], int]:
    """Which of our new tasks to delete: (ids, copies kept because they hold annotations) (pure).

    ``tasks`` is the project's listing as (task id, sentence id, number of annotations). A task
    of ``ours`` is deleted when a task with a lower id holds the same sentence, it is in the
    listing, and it has no annotation: the oldest task of a sentence is the one kept, each push
    deletes only copies it made itself, and no annotation is ever deleted (a labelled copy stays,
    and `pull` counts it).
    """
    listed = list(tasks)
    first: dict[str, int] = {}
    for task_id, sentence, _ in listed:
        if sentence not in first or task_id < first[sentence]:
            first[sentence] = task_id
    mine = set(ours)
    extra = [t for t, s, _ in listed if t in mine and t != first[s]]
    annotated = {t for t, _, n in listed if n}
    return sorted(t for t in extra if t not in annotated), sum(t in annotated for t in extra)


def remove_own_duplicates(studio: Any, project_id: int, created: Sequence[int]) -> tuple[int, int]:
    """After an import, delete the unlabelled tasks this push created for sentences another push
    also made; returns (deleted, labelled copies kept)."""
    listed = [
        (int(t.id), str((t.data or {}).get("sentence_id")), int(t.total_annotations or 0))
        for t in studio.iter_tasks(project_id, include="id,data,total_annotations")
    ]
    extra, kept = duplicate_copies(listed, created)
    if extra:
        studio.call(
            "removing duplicate tasks",
            studio.ls.actions.create,
            id="delete_tasks",
            project=project_id,
            selected_items={"all": False, "included": extra},
        )
    return len(extra), kept


def _import_batches(
    studio: Any,
    project_id: int,
    tasks: list[dict[str, Any]],
    size: int,
    progress: bool,
    created: list[int] | None = None,
) -> int:
    """Import in batches; a retried batch first drops tasks the server already has.

    The new tasks' ids are appended to ``created``.
    """
    from tqdm import tqdm

    imported = 0
    with tqdm(
        total=len(tasks),
        unit="task",
        desc="push",
        file=sys.stderr,
        disable=None if progress else True,
    ) as bar:
        for start in range(0, len(tasks), size):
            batch = tasks[start : start + size]

            def drop_present(batch: list[dict[str, Any]] = batch) -> None:
                # a timed-out request may have been committed: never import a sentence twice
                present = {
                    str((t.data or {}).get("sentence_id")) for t in studio.iter_tasks(project_id)
                }
                batch[:] = [t for t in batch if t["data"]["sentence_id"] not in present]

            def send(batch: list[dict[str, Any]] = batch) -> int:
                if not batch:
                    return 0
                reply = studio.ls.projects.import_tasks(
                    id=project_id, request=batch, return_task_ids=True
                )
                if created is not None:
                    created.extend(int(i) for i in reply.task_ids or [])
                return int(reply.task_count or 0)

            n = len(batch)
            imported += studio.call("importing tasks", send, before_retry=drop_present)
            bar.update(n)
    return imported


def _annotate_existing(
    studio: Any,
    existing: dict[str, Any],
    labels: dict[str, str],
    annotator: str,
    user_id: int,
    progress: bool,
    ground_truth: bool = False,
    workers: int = ANNOTATION_WORKERS,
    task: Task = "sentences",
) -> int:
    """Add the annotator's label to tasks already in the project, unless they annotated it already.

    Label Studio (Community, 1.23) has no bulk endpoint for annotations on existing tasks, and its
    bulk routes (predictions -> annotations) credit the caller, not the annotator, and drop
    `was_cancelled`; so one call per annotation, several in flight. A failed call stops the push
    after the calls in flight end; a re-run skips what was added (it checks the annotators).
    """
    from tqdm import tqdm

    todo = [
        (existing[sid].id, _annotation(label, str((existing[sid].data or {}).get("text")), task))
        for sid, label in labels.items()
        if sid in existing and user_id not in _annotator_ids(existing[sid])
    ]

    def add(task_id: int, annotation: tuple[list[dict[str, Any]], bool]) -> None:
        studio.call(
            f"adding {annotator}'s annotation to task {task_id}",
            studio.ls.annotations.create,
            id=task_id,
            result=annotation[0],
            was_cancelled=annotation[1],
            completed_by=user_id,
            ground_truth=ground_truth,
        )

    with (
        ThreadPoolExecutor(max_workers=max(1, workers)) as pool,
        tqdm(
            total=len(todo),
            unit="annotation",
            desc="annotate",
            file=sys.stderr,
            disable=None if progress else True,
        ) as bar,
    ):
        futures = [pool.submit(add, task_id, annotation) for task_id, annotation in todo]
        try:
            for future in as_completed(futures):
                future.result()
                bar.update(1)
        except BaseException:
            for pending in futures:
                pending.cancel()
            raise
    return len(todo)


def _annotator_ids(task: Any) -> set[int]:
    ids = set()
    for item in task.annotators or []:
        ids.add(int(item["id"] if isinstance(item, dict) else item))
    return ids
