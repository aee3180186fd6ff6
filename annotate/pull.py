"""Pull annotations back: parse a Label Studio export (API or UI file, same code), resolve gold labels,
measure agreement, and write the labelled dataset atomically."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from claimkit import __version__
from claimkit.datafiles import atomic_dir, check_output
from claimkit.errors import DataError, InputError, check_choice
from claimkit.labels import LABELS
from claimkit.split import SPLIT_COLUMN, read_test_articles, split_of

from . import cuetask, interface
from .agreement import agreement_report
from .client import connect
from .push import DEFAULT_PROJECT, TASK_FIELDS, Task
from .resolve import GROUND_TRUTH, SINGLE, TIE, Vote, latest_per_annotator, resolve

EXPORT_FILE = "export.json"
PROVENANCE_FILE = "provenance.json"


@dataclass(frozen=True)
class Annotation:
    """One annotation as exported (cancelled ones included, flagged)."""

    sentence_id: str
    task_id: int | None
    annotation_id: int | None
    annotator: str
    label: str | None
    cancelled: bool
    ground_truth: bool
    created_at: str
    updated_at: str
    lead_time: float | None


@dataclass
class Parsed:
    """An export as sentences (task data by sentence_id) and annotations."""

    sentences: dict[str, dict[str, Any]]
    annotations: list[Annotation]
    format: str
    tasks_of: dict[str, set[Any]] = field(default_factory=dict)

    @property
    def extra_tasks(self) -> int:
        """Tasks beyond the first for the same sentence id (two pushes that raced, or a re-import)."""
        return sum(len(ids) - 1 for ids in self.tasks_of.values() if len(ids) > 1)


def _annotator(value: Any, users: Mapping[int, str]) -> str:
    if isinstance(value, dict):
        uid = value.get("id")
        return str(
            value.get("email") or users.get(int(uid), f"user-{uid}")
            if uid is not None
            else "unknown"
        )
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return users.get(int(value), f"user-{value}")
    return str(value) if value not in (None, "") else "unknown"


def _label_of(result: Any) -> str | None:
    """The chosen label of an annotation's `result` (claimkit's control first, else any choices)."""
    items = [r for r in result or [] if isinstance(r, dict) and r.get("type") == "choices"]
    items.sort(key=lambda r: r.get("from_name") != interface.FROM_NAME)
    for item in items:
        choices = (item.get("value") or {}).get("choices") or []
        if choices:
            return str(choices[0])
    return None


def _sentence_row(data: Mapping[str, Any], task_id: Any) -> dict[str, Any]:
    row = {name: data.get(name, default) for name, default in TASK_FIELDS.items()}
    for name, default in TASK_FIELDS.items():
        if row[name] is None:
            row[name] = default
    if not row["sentence_id"]:
        row["sentence_id"] = f"task-{task_id}"  # a task made outside claimkit
    row["sentence_id"] = str(row["sentence_id"])
    return row


def _min_annotations(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A JSON_MIN row's annotation in the full export's shape (JSON_MIN leaves cancelled ones out)."""
    if row.get("annotation_id") is None and row.get("annotator") is None:
        return []  # a task with no annotation
    label = row.get(interface.FROM_NAME)
    return [
        {
            "id": row.get("annotation_id"),
            "completed_by": row.get("annotator"),
            "result": interface.choice_result(str(label)) if label else [],
            "created_at": row.get("created_at"),
            "updated_at": row.get("updated_at"),
            "lead_time": row.get("lead_time"),
        }
    ]


def parse_export(
    tasks: Any, users: Mapping[int, str] | None = None, source: str = "export"
) -> Parsed:
    """Parse a Label Studio JSON export (list of tasks) or JSON_MIN export (one row per annotation)."""
    users = users or {}
    if not isinstance(tasks, list):
        raise InputError(f"{source}: not a Label Studio JSON export (expected a list of tasks)")
    sentences: dict[str, dict[str, Any]] = {}
    annotations: list[Annotation] = []
    tasks_of: dict[str, set[Any]] = {}
    is_full = any(isinstance(t, dict) and ("data" in t or "annotations" in t) for t in tasks)
    for n, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise InputError(f"{source}: item {n} is not a task object")
        row = _sentence_row((task.get("data") or {}) if is_full else task, task.get("id"))
        sentences.setdefault(row["sentence_id"], row)
        tasks_of.setdefault(row["sentence_id"], set()).add(task.get("id", n))
        for ann in task.get("annotations") or [] if is_full else _min_annotations(task):
            annotations.append(
                Annotation(
                    sentence_id=row["sentence_id"],
                    task_id=task.get("id"),
                    annotation_id=ann.get("id"),
                    annotator=_annotator(ann.get("completed_by"), users),
                    label=_label_of(ann.get("result")),
                    cancelled=bool(ann.get("was_cancelled")),
                    ground_truth=bool(ann.get("ground_truth")),
                    created_at=str(ann.get("created_at") or ""),
                    updated_at=str(ann.get("updated_at") or ann.get("created_at") or ""),
                    lead_time=ann.get("lead_time"),
                )
            )
    return Parsed(sentences, annotations, "JSON" if is_full else "JSON_MIN", tasks_of)


@dataclass
class PullResult:
    """What a pull produced."""

    out: str
    counts: dict[str, Any] = field(default_factory=dict)
    label_counts: dict[str, int] = field(default_factory=dict)
    agreement: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"tasks {c['tasks']}, annotated {c['annotated']}, skipped {c['skipped']}, "
            f"agreed {c['agreed']} (single annotator {c['single']}), disagreed {c['disagreed']}, "
            f"unresolved {c['unresolved']}, gold {c['gold']}",
            "labels: " + ", ".join(f"{k} {v}" for k, v in self.label_counts.items()),
        ]
        alpha = self.agreement.get("krippendorff_alpha")
        kappas = [
            f"{' / '.join(p['annotators'])}: {p['cohen_kappa'] if p['cohen_kappa'] is not None else 'n/a'}"
            f" on {p['n_items']}"
            for p in self.agreement.get("pairs", [])
        ]
        lines.append(f"Krippendorff's alpha: {alpha if alpha is not None else 'n/a'}")
        if kappas:
            lines.append("Cohen's kappa: " + "; ".join(kappas))
        lines.append(f"written: {self.out} (review: {Path(self.out) / 'review.jsonl'})")
        return "\n".join(lines + self.notes)


def build(
    parsed: Parsed,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """(gold rows, review entries, agreement report, counts) from parsed annotations (pure)."""
    by_sentence: dict[str, list[Annotation]] = {sid: [] for sid in parsed.sentences}
    for ann in parsed.annotations:
        by_sentence.setdefault(ann.sentence_id, []).append(ann)
    rows, review = [], []
    counts: Counter[str] = Counter()
    table: dict[str, dict[str, str]] = {}
    for sid, anns in by_sentence.items():
        usable = [a for a in anns if not a.cancelled and a.label is not None]
        votes = latest_per_annotator(
            Vote(a.annotator, str(a.label), a.ground_truth, a.updated_at) for a in usable
        )
        counts["tasks"] += 1
        truths = sorted((a for a in anns if a.ground_truth), key=lambda a: a.updated_at)
        if truths and truths[-1].cancelled:
            # the latest ground truth is a skip: the adjudicator decided it is not a sentence
            counts["skipped"] += 1
            continue
        if not votes:
            if any(a.cancelled for a in anns):
                counts["skipped"] += 1
            continue
        counts["annotated"] += 1
        # agreement is measured on ordinary votes; a ground-truth annotation is a decision, not a vote
        table[sid] = {v.annotator: v.label for v in votes if not v.ground_truth}
        res = resolve(votes)
        if res.disagreement:
            counts["disagreed"] += 1
        else:
            counts["agreed"] += 1
            counts["single"] += res.status == SINGLE
        counts["unresolved"] += res.status == TIE
        sentence = parsed.sentences.get(sid) or _sentence_row({"sentence_id": sid}, None)
        if res.needs_review:
            review.append(
                {
                    "sentence_id": sid,
                    "text": sentence["text"],
                    "context_before": sentence["context_before"],
                    "context_after": sentence["context_after"],
                    "status": res.status,
                    "gold": res.gold,
                    "resolved": res.gold is not None,
                    "votes": [
                        {"annotator": v.annotator, "label": v.label, "ground_truth": v.ground_truth}
                        for v in votes
                    ],
                    "task_id": anns[0].task_id,
                }
            )
        if res.gold is None:
            continue
        counts["gold"] += 1
        counts["ground_truth"] += res.status == GROUND_TRUTH
        rows.append(
            {
                **sentence,
                "label": res.gold,
                "annotators": [v.annotator for v in votes],
                "annotator_labels": [v.label for v in votes],
                "n_annotations": len(votes),
                "gold_status": res.status,
            }
        )
    for key in (
        "tasks",
        "annotated",
        "skipped",
        "agreed",
        "single",
        "disagreed",
        "unresolved",
        "gold",
        "ground_truth",
    ):
        counts.setdefault(key, 0)
    counts["duplicate_tasks"] = parsed.extra_tasks
    counts["annotations"] = sum(not a.cancelled and a.label is not None for a in parsed.annotations)
    counts["cancelled_annotations"] = sum(a.cancelled for a in parsed.annotations)
    report = agreement_report({k: v for k, v in table.items() if v}, LABELS)
    review.sort(key=lambda r: (r["resolved"], r["sentence_id"]))  # unresolved first
    return rows, review, report, dict(counts)


def _features(with_split: bool = False) -> Any:
    import datasets

    string, integer = datasets.Value("string"), datasets.Value("int64")
    spec: dict[str, Any] = {
        name: (integer if isinstance(default, int) else string)
        for name, default in TASK_FIELDS.items()
    }
    spec.update(
        label=string,
        annotators=datasets.Sequence(string),
        annotator_labels=datasets.Sequence(string),
        n_annotations=integer,
        gold_status=string,
    )
    if with_split:
        spec[SPLIT_COLUMN] = string
    return datasets.Features(spec)


def write_labelled(
    out: str | os.PathLike[str],
    raw_export: bytes,
    users: Mapping[int, str] | None = None,
    provenance: Mapping[str, Any] | None = None,
    source: str = "export",
    test_articles: frozenset[str] | None = None,
    state: Mapping[str, Any] | None = None,
) -> PullResult:
    """Parse `raw_export`, resolve, and write everything to `out` in one atomic replace.

    With ``test_articles`` every row gets a ``split`` column ("test" for those articles, else
    "train") that training, search and review honour.
    """
    import datasets

    try:
        tasks = json.loads(raw_export)
    except ValueError as exc:
        raise InputError(
            f"{source}: not valid JSON ({exc}); give a Label Studio JSON export"
        ) from None
    parsed = parse_export(tasks, users, source)
    if not parsed.sentences:
        raise DataError(f"{source}: the export has no tasks")
    rows, review, report, counts = build(parsed)
    if not rows:
        raise DataError(
            f"{source}: none of the {len(parsed.sentences)} tasks has a usable label yet; "
            "label some in Label Studio, then pull again"
        )
    if test_articles is not None:
        for row in rows:
            row[SPLIT_COLUMN] = split_of(str(row["article_id"]), test_articles)
        counts["test_split"] = sum(row[SPLIT_COLUMN] == "test" for row in rows)
    label_counts = {label: 0 for label in LABELS}
    for row in rows:
        label_counts[row["label"]] = label_counts.get(row["label"], 0) + 1
    prov = {
        **(provenance or {}),
        "source": source,
        "export_format": parsed.format,
        "export_file": EXPORT_FILE,
        "export_sha256": hashlib.sha256(raw_export).hexdigest(),
        "annotators": report["annotators"],
        "users": {str(k): v for k, v in sorted((users or {}).items())},
        "counts": counts,
        "label_counts": label_counts,
        "written_at": _now(),
    }
    prov.setdefault("claimkit_version", __version__)
    features = _features(with_split=test_articles is not None)
    info = datasets.DatasetInfo(description=json.dumps(prov, ensure_ascii=False), features=features)
    dataset = datasets.Dataset.from_list(rows, features=features, info=info)
    from datasets.utils import logging as ds_logging

    with atomic_dir(Path(out)) as tmp:
        bars = ds_logging.is_progress_bar_enabled()
        ds_logging.disable_progress_bar()  # one summary line is enough for a handful of shards
        try:
            dataset.save_to_disk(str(tmp / "dataset"))
        finally:
            if bars:
                ds_logging.enable_progress_bar()
        _jsonl(tmp / "sentences.jsonl", rows)
        _jsonl(tmp / "annotations.jsonl", (asdict(a) for a in parsed.annotations))
        _jsonl(tmp / "review.jsonl", review)
        (tmp / "agreement.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        (tmp / PROVENANCE_FILE).write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
        (tmp / EXPORT_FILE).write_bytes(raw_export)
        if state is not None:
            (tmp / STATE_FILE).write_text(json.dumps(state) + "\n", encoding="utf-8")
    result = PullResult(str(out), counts, label_counts, report)
    if parsed.extra_tasks:
        result.notes.append(
            f"warning: {sum(len(t) > 1 for t in parsed.tasks_of.values())} sentence ids are in more "
            f"than one task ({parsed.extra_tasks} extra tasks); each sentence was counted once. "
            "Delete the copies in Label Studio's Data Manager or push again to remove them."
        )
    if test_articles is not None:
        result.notes.append(f"split: {counts['test_split']} test-split sentences marked")
    return result


def _jsonl(path: Path, records: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def rebuild(
    export_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    users: Mapping[int, str] | None = None,
    test_articles: frozenset[str] | None = None,
) -> PullResult:
    """Re-compute dataset + agreement from a stored export (ids -> emails from a sibling provenance.json)."""
    path = Path(export_file)
    if not path.is_file():
        raise InputError(f"{path}: no such export file")
    known: dict[int, str] = {}
    prov: dict[str, Any] = {}
    sibling = path.with_name(PROVENANCE_FILE)
    if sibling.is_file():
        prov = json.loads(sibling.read_text(encoding="utf-8"))
        known = {int(k): v for k, v in (prov.get("users") or {}).items()}
    known.update(users or {})
    keep: dict[str, Any] = {
        k: prov[k] for k in ("project", "project_id", "url", "exported_at") if k in prov
    }
    return write_labelled(
        out, path.read_bytes(), known, {**keep, "from_file": str(path)}, str(path), test_articles
    )


def _download(
    studio: Any, project_id: int, progress: bool, ids: Sequence[int] | None = None
) -> bytes:
    """The project's JSON export (only tasks ``ids`` when given), with a byte counter."""
    # Label Studio reads `ids[]`; the SDK's own `ids` parameter sends `ids`, which it ignores
    extra = {"additional_query_parameters": {"ids[]": [str(i) for i in ids]}} if ids else None
    chunks = []
    with tqdm(
        unit="B",
        unit_scale=True,
        desc="export",
        file=sys.stderr,
        disable=None if progress else True,
        leave=False,
    ) as bar:
        for chunk in studio.ls.projects.exports.download_sync(
            project_id, export_type="JSON", download_all_tasks=True, request_options=extra
        ):
            chunks.append(chunk)
            bar.update(len(chunk))
    return b"".join(chunks)


# What the last pull saw of each task, to ask the next one only for what changed since.
STATE_FILE = "pull-state.json"
# Fields that change whenever a task or any of its annotations is created, edited or deleted.
_KEY_FIELDS = "id,updated_at,total_annotations,cancelled_annotations,annotations_ids"
_IDS_PER_REQUEST = 200  # ~3.4 KB of query string: under a proxy's usual 8 KB limit


def _task_keys(studio: Any, project_id: int) -> dict[str, str]:
    keys = {}
    for t in studio.iter_tasks(project_id, include=_KEY_FIELDS):
        stamp = t.updated_at.isoformat() if t.updated_at else ""
        # the server lists annotation ids in no fixed order
        ids = ",".join(
            sorted(str(getattr(t, "annotations_ids", "") or "").replace(" ", "").split(","))
        )
        keys[str(t.id)] = f"{stamp}|{t.total_annotations}|{t.cancelled_annotations}|{ids}"
    return keys


def _previous(
    out: Path, url: str, project_id: int
) -> tuple[list[dict[str, Any]], dict[str, str]] | None:
    """The tasks and task keys of the last pull into ``out`` from this project, if any."""
    try:
        state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
        if state.get("url") != url or state.get("project_id") != project_id:
            return None
        tasks = json.loads((out / EXPORT_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(tasks, list) or not isinstance(state.get("task_keys"), dict):
        return None
    return tasks, state["task_keys"]


def _export(
    studio: Any, project: Any, out: Path, full: bool, progress: bool
) -> tuple[bytes, dict[str, str], str]:
    """(export, task keys, what was fetched): only the tasks changed since the last pull into
    ``out`` when it came from the same project, merged with the rest of that pull's export."""
    project_id = project.id
    keys = _task_keys(studio, project_id)  # listed before the export: a later edit is refetched
    previous = None if full else _previous(out, studio.conn.url, project_id)
    # a listing that differs from the task count read before it (a task deleted or added while
    # paging shifts the pages) is not trusted
    if previous is not None and getattr(project, "task_number", None) == len(keys):
        old_tasks, old_keys = previous
        changed = [int(i) for i, k in keys.items() if old_keys.get(i) != k]
        if len(changed) <= len(keys) // 2:
            fresh: list[dict[str, Any]] = []
            for start in range(0, len(changed), _IDS_PER_REQUEST):
                batch = changed[start : start + _IDS_PER_REQUEST]
                fresh += json.loads(
                    studio.call(
                        "exporting changed tasks", _download, studio, project_id, progress, batch
                    )
                )
            # a changed task deleted before the export is not kept from the old copy either
            stale = set(changed)
            kept = [t for t in old_tasks if str(t.get("id")) in keys and int(t["id"]) not in stale]
            merged = sorted(kept + fresh, key=lambda t: int(t["id"]))
            gone = len({str(t.get("id")) for t in old_tasks} - set(keys))
            what = (
                f"incremental: {len(changed)} of {len(keys)} tasks new or changed since the last "
                f"pull, {gone} deleted"
            )
            return json.dumps(merged, ensure_ascii=False).encode("utf-8"), keys, what
    raw = studio.call("exporting the project", _download, studio, project_id, progress)
    return raw, keys, f"full: {len(keys)} tasks"


def pull(
    out: str | os.PathLike[str],
    project: str | None = None,
    *,
    task: Task = "sentences",
    from_file: str | os.PathLike[str] | None = None,
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    split_file: str | os.PathLike[str] | None = None,
    force: bool = False,
    progress: bool = True,
    full: bool = False,
) -> PullResult | cuetask.CuePullResult:
    """Export `project` (or read `from_file`) and write the labelled dataset to `out`.

    When ``out`` holds an earlier pull of the same project, only the tasks created, changed or
    deleted since are fetched and merged into it (the result equals a full pull); ``full``
    fetches everything.

    ``split_file`` (``data/split.json``) marks each row's split; see ``claimkit.split``.

    ``task="cues"``: the cue spans of a cue-annotation project (always a full export); see
    :func:`annotate.cuetask.write_cues` for what is written.
    """
    check_choice(task, Task, "--task")
    inputs = [p for p in (from_file, split_file) if p is not None]
    check_output(out, inputs=inputs, folder=True, force=force)
    if task == "cues":
        if split_file is not None:
            raise InputError("--split is for sentence labels; a cue pull keeps the sentence ids")
        return _pull_cues(
            out, project or cuetask.CUE_PROJECT, from_file, url, api_key, data_dir, progress
        )
    project = project or DEFAULT_PROJECT
    test_articles = read_test_articles(split_file) if split_file is not None else None
    if from_file is not None:
        users: dict[int, str] = {}
        notes = []
        try:  # user ids in a UI export become emails when a server is at hand
            users = connect(url, api_key, data_dir).users()
        except Exception as exc:  # noqa: BLE001 - offline is fine: ids are kept as user-<id>
            notes.append(f"note: annotators without email are named user-<id> ({str(exc)[:120]})")
        result = rebuild(from_file, out, users, test_articles)
        result.notes += (
            notes if any(a.startswith("user-") for a in result.agreement["annotators"]) else []
        )
        return result
    studio = connect(url, api_key, data_dir)
    proj = studio.get_project(project)
    exported_at = _now()
    raw, keys, fetched = _export(studio, proj, Path(out), full, progress)
    provenance = {
        "project": proj.title,
        "project_id": proj.id,
        "url": studio.conn.url,
        "exported_at": exported_at,
        "fetched": fetched,
    }
    state = {"url": studio.conn.url, "project_id": proj.id, "task_keys": keys}
    result = write_labelled(
        out,
        raw,
        studio.users(),
        provenance,
        f"{studio.conn.url} project {proj.id}",
        test_articles,
        state=state,
    )
    result.notes.insert(0, f"fetched: {fetched}")
    return result


def _pull_cues(
    out: str | os.PathLike[str],
    project: str,
    from_file: str | os.PathLike[str] | None,
    url: str | None,
    api_key: str | None,
    data_dir: str | os.PathLike[str] | None,
    progress: bool,
) -> cuetask.CuePullResult:
    if from_file is not None:
        path = Path(from_file)
        if not path.is_file():
            raise InputError(f"{path}: no such export file")
        return cuetask.write_cues(out, path.read_bytes(), {}, {"from_file": str(path)}, str(path))
    studio = connect(url, api_key, data_dir)
    proj = studio.get_project(project, cuetask.check_cue_project)
    provenance = {
        "project": proj.title,
        "project_id": proj.id,
        "url": studio.conn.url,
        "exported_at": _now(),
    }
    raw = studio.call("exporting the project", _download, studio, proj.id, progress)
    return cuetask.write_cues(
        out, raw, studio.users(), provenance, f"{studio.conn.url} project {proj.id}"
    )
