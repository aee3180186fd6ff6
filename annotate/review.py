"""Find sentences whose gold label is likely wrong, and send them back to Label Studio for review.

Every labelled sentence gets out-of-fold probabilities from cross-validation grouped by article
(``models.features.build_pipeline`` with the default parameters, fixed seed), so no sentence is
scored by a model that saw it. A sentence is suspect when its given label gets a low probability;
the ranking itself (:func:`rank_suspects`) is pure. :func:`review` writes the whole ranking and
pushes the top N to a separate project whose tasks show the current label and the model's
suggestion, with the current label pre-selected; ``annotate pull --project "claimkit review"``
takes the reviewers' answers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claimkit.datafiles import atomic_file, check_output, write_jsonl
from claimkit.errors import DataError, InputError, StudioError, check_choice
from claimkit.labels import LABELS
from train.data import check_trainable, load_labelled

from . import interface
from .client import connect
from .push import BATCH_SIZE, _import_batches, load_sentences, make_task

DEFAULT_REVIEW_PROJECT = "claimkit review"
DEFAULT_RANKING = "out/review-ranking.jsonl"
DEFAULT_TOP = 50
# Ranking scores. "confidence": lowest probability of the given label first. "margin": highest
# (best other label's probability - given label's probability) first. On the bundled data with
# planted errors (100 flipped labels, five plantings) "confidence" put 0.56 of them in the top 200
# and "margin" 0.45; with 40 flipped, 0.40 and 0.33 in the top 80 (tests/test_annotate_review.py).
Score = Literal["confidence", "margin"]
# The pre-selected answer is the current label, credited to this "model" (one constant version,
# so Label Studio keeps showing every batch's pre-selection).
REVIEW_MODEL_VERSION = "current label"
# Task data the review interface shows, beside the sentence fields of `push.TASK_FIELDS`.
REVIEW_FIELDS = (
    "current_label",
    "suggestion",
    "suggestion_probability",
    "current_probability",
    "suggestion_note",
    "review_rank",
)


@dataclass(frozen=True)
class Suspect:
    """One sentence's out-of-fold verdict on its given label."""

    index: int  # row in the input
    label: str  # the given (gold) label
    label_probability: float
    suggestion: str  # the most probable *other* label
    suggestion_probability: float

    @property
    def margin(self) -> float:
        return self.suggestion_probability - self.label_probability


def rank_suspects(
    labels: Sequence[str],
    probabilities: Sequence[Sequence[float]],
    classes: Sequence[str],
    score: Score = "confidence",
) -> list[Suspect]:
    """All rows, most likely mislabelled first (pure).

    ``probabilities[i][k]`` is the out-of-fold probability of ``classes[k]`` for row ``i``. A
    given label the model never saw counts as probability 0. Ties keep row order.
    """
    check_choice(score, Score, "--score")
    if len(labels) != len(probabilities):
        raise ValueError(f"{len(labels)} labels but {len(probabilities)} probability rows")
    if len(classes) < 2:
        raise ValueError("ranking needs at least two classes")
    suspects = []
    for i, (given, row) in enumerate(zip(labels, probabilities, strict=True)):
        probs = {str(c): float(p) for c, p in zip(classes, row, strict=True)}
        other = max((c for c in probs if c != given), key=lambda c: (probs[c], -classes.index(c)))
        suspects.append(Suspect(i, given, probs.get(given, 0.0), other, probs[other]))
    if score == "confidence":
        suspects.sort(key=lambda s: (s.label_probability, -s.margin, s.index))
    else:
        suspects.sort(key=lambda s: (-s.margin, s.label_probability, s.index))
    return suspects


def review_label_config(labels: Sequence[str] = LABELS) -> str:
    """The review interface: the sentence in context, its current label and the model's suggestion,
    and the same single-choice control as the labelling project (so `pull` reads it the same way)."""
    return f"""<View>
{interface.SENTENCE_IN_CONTEXT}
  <View style="display: flex; gap: 2em; margin: 0.6em 0; padding: 0.4em 0.6em; background: #f6f6f6;">
    <View>
      <Header value="Current label" size="6"/>
      <Text name="current_label" value="$current_label"/>
    </View>
    <View>
      <Header value="Model suggests" size="6"/>
      <Text name="suggestion_note" value="$suggestion_note"/>
    </View>
  </View>
  <Header value="Which label is right? The current one is pre-selected: keep it or change it." size="5"/>
{interface.label_choices(labels)}
</View>
"""


def review_task(row: Mapping[str, Any], suspect: Suspect, rank: int) -> dict[str, Any]:
    """A Label Studio import item: sentence fields + review fields, the current label pre-selected."""
    prediction = {
        "model_version": REVIEW_MODEL_VERSION,
        "score": round(suspect.label_probability, 4),
        "result": interface.choice_result(suspect.label),
    }
    task = make_task(dict(row), prediction)
    task["data"].update(
        current_label=suspect.label,
        suggestion=suspect.suggestion,
        suggestion_probability=round(suspect.suggestion_probability, 4),
        current_probability=round(suspect.label_probability, 4),
        suggestion_note=(
            f"{suspect.suggestion} (p = {suspect.suggestion_probability:.2f}; "
            f"the current label has p = {suspect.label_probability:.2f})"
        ),
        review_rank=rank,
    )
    return task


@dataclass
class ReviewResult:
    """What a review run did."""

    dataset: str
    ranking: str
    n_sentences: int
    n_articles: int
    folds: int
    score: str
    top: list[dict[str, Any]] = field(default_factory=list)  # ranking records of the top N
    project: str = ""
    project_id: int | None = None
    created: bool = False
    url: str = ""
    n_imported: int = 0
    n_already: int = 0
    to_file: str | None = None
    config_file: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self, show: int = 10) -> str:
        lines = [
            *self.notes,
            f"scored {self.n_sentences} sentences from {self.n_articles} articles with "
            f"{self.folds}-fold CV grouped by article (out-of-fold probabilities; score: {self.score})",
            f"wrote the full ranking to {self.ranking}",
            f"top {min(show, len(self.top))} of {len(self.top)} sent for review:",
            f"{'rank':>4}  {'current':<11} {'p':>4}  {'suggested':<11} {'p':>4}  sentence",
        ]
        for rec in self.top[:show]:
            text = rec["text"] if len(rec["text"]) <= 70 else rec["text"][:69] + "…"
            lines.append(
                f"{rec['rank']:>4}  {rec['label']:<11} {rec['label_probability']:.2f}  "
                f"{rec['suggestion']:<11} {rec['suggestion_probability']:.2f}  {text}"
            )
        if self.to_file:
            lines.append(
                f"wrote {len(self.top)} review tasks to {self.to_file}; create the project with the "
                f"interface in {self.config_file}, then import the file"
            )
        else:
            state = "created" if self.created else "existing"
            lines.append(
                f"project {self.project!r} ({state}, id {self.project_id}): imported "
                f"{self.n_imported} new review tasks, {self.n_already} were already there"
            )
            lines.append(f"open {self.url}/projects/{self.project_id}/data")
            lines.append(
                f'then: claimkit annotate pull --project "{self.project}" --out out/reviewed'
            )
        return "\n".join(lines)


def _record(
    rank: int, row: Mapping[str, Any], s: Suspect, classes: Sequence[str], proba: Any
) -> dict[str, Any]:
    return {
        "rank": rank,
        "sentence_id": row["sentence_id"],
        "article_id": row.get("article_id", ""),
        "text": row["text"],
        "label": s.label,
        "label_probability": round(s.label_probability, 4),
        "suggestion": s.suggestion,
        "suggestion_probability": round(s.suggestion_probability, 4),
        "margin": round(s.margin, 4),
        "probabilities": {c: round(float(p), 4) for c, p in zip(classes, proba, strict=True)},
    }


def review(
    dataset: str | os.PathLike[str],
    *,
    top: int = DEFAULT_TOP,
    project: str = DEFAULT_REVIEW_PROJECT,
    out: str | os.PathLike[str] = DEFAULT_RANKING,
    to_file: str | os.PathLike[str] | None = None,
    score: Score = "confidence",
    folds: int = 5,
    seed: int = 0,
    n_jobs: int | None = None,
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> ReviewResult:
    """Rank the labelled `dataset`, write the ranking to `out`, push the top `top` for review."""
    if top < 1:
        raise InputError(f"--top {top}: must be at least 1")
    check_choice(score, Score, "--score")
    if not Path(dataset).exists():
        raise InputError(
            f"{dataset}: no such labelled dataset; give a folder written by `claimkit annotate pull`"
        )
    check_output(out, inputs=[dataset], folder=False)
    if to_file is not None:
        check_output(to_file, inputs=[dataset], folder=False, option="--to-file")
    # the test split is for reporting only: it is never ranked or sent for review
    data = load_labelled(Path(dataset), split="train")
    unknown = sorted(set(data.labels) - set(LABELS))
    if unknown:
        raise DataError(
            f"{dataset}: label {unknown[0]!r} is not one of {list(LABELS)}; the review project "
            "asks for claimkit's four labels"
        )
    check_trainable(data, folds)
    rows = {r["sentence_id"]: r for r in load_sentences(dataset)}

    if progress:
        print(
            f"review: {folds}-fold cross-validation on {len(data)} sentences …",
            file=sys.stderr,
            flush=True,
        )
    # imported here: scikit-learn costs ~2 s of start-up, and `claimkit --help` builds this
    # command's parser from this module's constants (measured with python -X importtime)
    from train.oof import out_of_fold_probabilities

    classes, proba = out_of_fold_probabilities(
        data.texts, data.labels, data.groups, folds=folds, seed=seed, n_jobs=n_jobs
    )
    ranked = rank_suspects(data.labels, proba, classes, score)
    records = [
        _record(rank, rows[data.ids[s.index]], s, classes, proba[s.index])
        for rank, s in enumerate(ranked, start=1)
    ]
    write_jsonl(Path(out), records)
    result = ReviewResult(
        dataset=str(dataset),
        ranking=str(out),
        n_sentences=len(data),
        n_articles=data.n_groups,
        folds=folds,
        score=score,
        top=records[:top],
        project=project,
        notes=list(data.notes),
    )

    # one task per sentence: a sentence repeated in the data is reviewed once
    chosen: dict[str, dict[str, Any]] = {}
    for s, rec in zip(ranked, records, strict=True):
        if len(chosen) == top:
            break
        sid = rec["sentence_id"]
        if sid not in chosen:
            chosen[sid] = review_task(rows[sid], s, rec["rank"])

    if to_file is not None:
        import json

        config = Path(to_file).with_suffix(".label_config.xml")
        with atomic_file(config) as handle:
            handle.write(review_label_config())
        with atomic_file(Path(to_file)) as handle:
            json.dump(list(chosen.values()), handle, ensure_ascii=False, indent=1)
        result.to_file, result.config_file = str(to_file), str(config)
        return result

    studio = connect(url, api_key, data_dir)
    proj, result.created = studio.ensure_project(
        project,
        description="claimkit label review: sentences whose label the model doubts",
        label_config=review_label_config(),
    )
    if "$current_label" not in (getattr(proj, "label_config", "") or ""):
        raise StudioError(
            f"project {project!r} is not a review project (its interface does not show the "
            "current label): pass another --project title"
        )
    result.project_id, result.url = proj.id, studio.conn.url
    present = {str((t.data or {}).get("sentence_id")) for t in studio.iter_tasks(proj.id)}
    tasks = [t for sid, t in chosen.items() if sid not in present]
    result.n_already = len(chosen) - len(tasks)
    result.n_imported = _import_batches(studio, proj.id, tasks, BATCH_SIZE, progress)
    return result
