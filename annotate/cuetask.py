"""The cue-annotation task: people mark the spans of a sentence that carry its label.

Each task is one labelled sentence (its label shown above it); the annotator selects spans of
the sentence and gives each a cue kind (``annotate/cue-guideline.md``). ``annotate push --task
cues`` creates the tasks (and, with ``--with-labels``, imports spans as annotations); ``annotate
pull --task cues`` writes them back as character spans. The marked spans are the ground truth
that ``benchmarks/bench_cues.py`` scores the tagger's cues against.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from claimkit.datafiles import atomic_dir
from claimkit.errors import InputError

from . import interface
from .agreement import span_overlap

CUE_PROJECT = "claimkit cues"
CUE_GUIDELINE = Path(__file__).with_name("cue-guideline.md")
FROM_NAME = "cue"  # the <Labels> control
CUE_KINDS = ("hedge", "attribution", "evaluation", "obligation", "question")
# kind -> span colour in the labelling interface (the HTML report uses the same hues)
_COLOURS = {
    "hedge": "#f2b134",
    "attribution": "#4a7bd0",
    "evaluation": "#d0504a",
    "obligation": "#9b59b6",
    "question": "#2e9e6a",
}
# Task data: the sentence fields plus its label (shown to the annotator, kept on pull).
TASK_DATA = ("sentence_id", "article_id", "text", "context_before", "context_after", "label")
Span = tuple[int, int, str]  # (start, end, kind)


def cue_config() -> str:
    """The sentence between its dimmed neighbours, its label, and one span-label control."""
    labels = "\n".join(
        f"    <Label value={quoteattr(kind)} background={quoteattr(_COLOURS[kind])} "
        f"hotkey={quoteattr(str(i))}/>"
        for i, kind in enumerate(CUE_KINDS, start=1)
    )
    return f"""<View>
  <Header value="Mark the words that carry its label: $label" size="5"/>
  <Labels name="{FROM_NAME}" toName="{interface.TO_NAME}">
{labels}
  </Labels>
{interface.SENTENCE_IN_CONTEXT}
</View>
"""


def check_cue_project(title: str, parsed_label_config: Mapping[str, Any] | None) -> None:
    """Refuse a project whose interface is not the cue task's."""
    problem = "is not a cue-annotation project"
    interface.check_control(title, parsed_label_config, FROM_NAME, "Labels", CUE_KINDS, problem)


def span_result(text: str, spans: Sequence[Span]) -> list[dict[str, Any]]:
    """The ``result`` of an annotation that marks ``spans`` of ``text``."""
    return [
        {
            "from_name": FROM_NAME,
            "to_name": interface.TO_NAME,
            "type": "labels",
            "value": {"start": s, "end": e, "text": text[s:e], "labels": [kind]},
        }
        for s, e, kind in spans
    ]


def spans_of(result: Sequence[Mapping[str, Any]] | None) -> list[Span]:
    """The cue spans of an annotation's ``result``, in text order (pure)."""
    spans = []
    for item in result or []:
        value = item.get("value") or {}
        kinds = value.get("labels") or []
        if item.get("from_name") != FROM_NAME or not kinds or "start" not in value:
            continue
        spans.append((int(value["start"]), int(value["end"]), str(kinds[0])))
    return sorted(spans)


def _whole(value: Any, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(f"{where}: {name} {value!r} is not a whole number")
    try:
        return int(value)
    except ValueError:
        raise InputError(f"{where}: {name} {value!r} is not a whole number") from None


def _locate(text: str, cue: Any, where: str) -> Span:
    if not isinstance(cue, Mapping):
        raise InputError(f"{where}: a cue is an object with kind and start/end or text")
    kind = cue.get("kind")
    if kind not in CUE_KINDS:
        raise InputError(f"{where}: kind {kind!r}; use one of {', '.join(CUE_KINDS)}")
    if "start" in cue and "end" in cue:
        s, e = _whole(cue["start"], "start", where), _whole(cue["end"], "end", where)
        if not 0 <= s < e <= len(text):
            raise InputError(f"{where}: span {s}-{e} is outside the sentence ({len(text)} chars)")
        return s, e, str(kind)
    span = cue.get("text")
    if not isinstance(span, str) or not span:
        raise InputError(f"{where}: a cue needs start and end, or its text")
    occurrence = _whole(cue.get("occurrence", 1), "occurrence", where)
    if occurrence < 1:
        raise InputError(f"{where}: occurrence {occurrence}: count from 1 (the first one)")
    start = -1
    for _ in range(occurrence):
        start = text.find(span, start + 1)
        if start < 0:
            raise InputError(f"{where}: {span!r} is not in the sentence; copy it exactly")
    return start, start + len(span), str(kind)


def read_cue_labels(
    path: str | os.PathLike[str], texts: Mapping[str, str]
) -> dict[str, list[Span]]:
    """sentence_id -> cue spans, from JSONL lines ``{"sentence_id", "cues": [...]}``.

    A cue is ``{"start", "end", "kind"}`` or ``{"text", "kind", "occurrence"?}`` (the text's
    n-th occurrence in the sentence). ``texts``: sentence_id -> text of the pushed sentences.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such cue-labels file (JSONL: sentence_id, cues)")
    out: dict[str, list[Span]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc})") from None
        if not isinstance(record, dict):
            raise InputError(f"{path}:{n}: expected an object with sentence_id and cues")
        sid = str(record.get("sentence_id") or "")
        if sid not in texts:
            raise InputError(f"{path}:{n}: sentence_id {sid!r} is not among the pushed sentences")
        cues = record.get("cues")
        if not isinstance(cues, list):
            raise InputError(f"{path}:{n}: no 'cues' list (an empty list marks nothing)")
        spans = sorted(_locate(texts[sid], c, f"{path}:{n} cue {k}") for k, c in enumerate(cues, 1))
        for (_, e1, _), (s2, _, _) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                raise InputError(f"{path}:{n}: cues overlap at character {s2}; split them")
        out[sid] = spans
    return out


@dataclass
class CuePullResult:
    """What a cue pull wrote."""

    out: str
    n_tasks: int = 0
    n_annotations: int = 0
    n_sentences: int = 0
    n_spans: int = 0
    agreement: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"wrote {self.out}: {self.n_sentences} sentences with cue spans ({self.n_spans} spans) "
            f"from {self.n_annotations} annotations on {self.n_tasks} tasks"
        ]
        pairs = self.agreement.get("n_sentences_two_annotators", 0)
        if pairs:
            lines.append(
                f"agreement on {pairs} sentences with two annotators: span-overlap F1 "
                f"{self.agreement['overlap_f1']:.3f}, same kind {self.agreement['kind_f1']:.3f}"
            )
        return "\n".join(lines)


def cue_rows(tasks: Sequence[Mapping[str, Any]], users: Mapping[int, str]) -> list[dict[str, Any]]:
    """One record per (task, annotation) of a Label Studio JSON export (pure)."""
    rows = []
    for task in tasks:
        data = task.get("data") or {}
        for ann in task.get("annotations") or []:
            if ann.get("was_cancelled"):
                continue
            who = ann.get("completed_by")
            if isinstance(who, dict):
                who = who.get("email") or who.get("id")
            name = users.get(who, f"user-{who}") if isinstance(who, int) else str(who)
            text = str(data.get("text") or "")
            rows.append(
                {
                    "sentence_id": str(data.get("sentence_id") or ""),
                    "article_id": data.get("article_id"),
                    "task_id": task.get("id"),
                    "annotation_id": ann.get("id"),
                    "annotator": name,
                    "ground_truth": bool(ann.get("ground_truth")),
                    "label": data.get("label"),
                    "text": text,
                    "context_before": data.get("context_before"),
                    "context_after": data.get("context_after"),
                    "cues": [
                        {"start": s, "end": e, "kind": k, "text": text[s:e]}
                        for s, e, k in spans_of(ann.get("result"))
                    ],
                }
            )
    return rows


def gold_cues(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per sentence: the ground-truth annotation's spans, else the first annotation's."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for row in sorted(rows, key=lambda r: r["annotation_id"] or 0):
        sid = row["sentence_id"]
        if sid not in chosen or (row["ground_truth"] and not chosen[sid]["ground_truth"]):
            chosen[sid] = row
    keep: tuple[str, ...] = ("sentence_id", "article_id", "label", "text", "context_before")
    keep += ("context_after", "annotator", "cues")
    return [{k: chosen[sid][k] for k in keep} for sid in sorted(chosen)]


def cue_agreement(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Span-overlap agreement between the first two annotators of each doubly marked sentence."""
    by_sentence: dict[str, dict[str, list[Span]]] = {}
    for row in sorted(rows, key=lambda r: r["annotation_id"] or 0):
        spans = [(c["start"], c["end"], c["kind"]) for c in row["cues"]]
        by_sentence.setdefault(row["sentence_id"], {}).setdefault(row["annotator"], spans)
    first: list[list[Span]] = []
    second: list[list[Span]] = []
    for marks in by_sentence.values():
        if len(marks) >= 2:
            a, b = list(marks.values())[:2]
            first.append(a)
            second.append(b)
    if not first:
        return {"n_sentences_two_annotators": 0}
    loose = span_overlap(first, second)
    strict = span_overlap(first, second, same_kind=True)
    return {
        "n_sentences_two_annotators": len(first),
        "overlap_precision": loose["precision"],
        "overlap_recall": loose["recall"],
        "overlap_f1": loose["f1"],
        "kind_f1": strict["f1"],
        "note": "precision/recall of the first annotator's spans against the second's; a span "
        "counts when it overlaps one of the other's (kind_f1: overlap with the same kind)",
    }


def write_cues(
    out: str | os.PathLike[str],
    raw: bytes,
    users: Mapping[int, str],
    provenance: Mapping[str, Any],
    source: str,
) -> CuePullResult:
    """Write a cue project's export to ``out`` (atomically): export.json, annotations.jsonl (one
    record per annotation), cues.jsonl (one per sentence: ground truth, else the first
    annotation), agreement.json, provenance.json."""
    try:
        tasks = json.loads(raw)
    except ValueError as exc:
        raise InputError(f"{source}: not a Label Studio JSON export ({exc})") from None
    if not isinstance(tasks, list):
        raise InputError(f"{source}: not a Label Studio JSON export (expected a list of tasks)")
    rows = cue_rows(tasks, users)
    if not rows:
        raise InputError(f"{source}: no cue annotations yet; mark some sentences first")
    gold = gold_cues(rows)
    agreement = cue_agreement(rows)
    with atomic_dir(Path(out)) as tmp:
        (tmp / "export.json").write_bytes(raw)
        (tmp / "DATA_CARD.md").write_text(data_card(rows, gold, agreement, provenance))
        for name, records in (("annotations.jsonl", rows), ("cues.jsonl", gold)):
            with (tmp / name).open("w", encoding="utf-8") as handle:
                for record in records:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        for name, value in (("agreement.json", agreement), ("provenance.json", provenance)):
            (tmp / name).write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    return CuePullResult(
        out=str(out),
        n_tasks=len(tasks),
        n_annotations=len(rows),
        n_sentences=len(gold),
        n_spans=sum(len(g["cues"]) for g in gold),
        agreement=agreement,
    )


def data_card(
    rows: Sequence[Mapping[str, Any]],
    gold: Sequence[Mapping[str, Any]],
    agreement: Mapping[str, Any],
    provenance: Mapping[str, Any],
) -> str:
    """The cue data's card: every number counted from the pulled records (pure)."""
    by_label = Counter(str(g["label"]) for g in gold)
    by_kind = Counter(c["kind"] for g in gold for c in g["cues"])
    by_annotator = Counter(str(r["annotator"]) for r in rows)
    empty = sum(not g["cues"] for g in gold)
    lines = [
        "# Cue spans: data card",
        "",
        "Generated by `claimkit annotate pull --task cues` from the Label Studio project "
        f"{provenance.get('project', provenance.get('from_file', '?'))!r}; every number below is "
        "counted from the files beside it. Guideline: `annotate/cue-guideline.md`.",
        "",
        f"- sentences: {len(gold)} (by label: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_label.items()))
        + f"); {empty} with no span (nothing in the sentence itself carries its label)",
        f"- spans (gold, `cues.jsonl`): {sum(by_kind.values())} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items()))
        + ")",
        "- annotations by annotator: "
        + ", ".join(f"{k} {v}" for k, v in sorted(by_annotator.items())),
        "- gold: the ground-truth annotation where one exists, else the earliest annotation",
    ]
    if agreement.get("n_sentences_two_annotators"):
        lines.append(
            f"- agreement on the {agreement['n_sentences_two_annotators']} sentences marked by two "
            f"annotators: span-overlap precision {agreement['overlap_precision']:.3f}, recall "
            f"{agreement['overlap_recall']:.3f}, F1 {agreement['overlap_f1']:.3f}; with the same "
            f"kind F1 {agreement['kind_f1']:.3f} (first annotator's spans against the second's)"
        )
    return "\n".join(lines) + "\n"
