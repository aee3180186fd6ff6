"""`claimkit train` as one library call: load, check, search, baselines, save."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimkit.errors import InputError, check_choice
from train.artifacts import ablation_lines, check_out, save_model, scores_table
from train.data import (
    DEFAULT_GROUP_COLUMN,
    DEFAULT_ID_COLUMN,
    DEFAULT_LABEL_COLUMN,
    DEFAULT_TEXT_COLUMN,
    LabelledData,
    check_trainable,
    load_labelled,
    load_test_split,
)
from train.grids import GRIDS, Grid
from train.heldout import held_out_scores
from train.search import SearchResult, grid_search


@dataclass
class TrainOutcome:
    out: Path
    data: LabelledData
    result: SearchResult
    manifest: dict[str, Any]
    seconds: float

    def render(self) -> str:
        cv = self.manifest["cv"]
        params = ", ".join(f"{k}={v}" for k, v in self.manifest["params"].items())
        counts = ", ".join(f"{k} {v}" for k, v in self.data.label_counts.items())
        lines = [
            *self.data.notes,
            f"trained on {len(self.data)} sentences from {self.data.n_groups} articles ({counts})",
            f"{cv['folds']}-fold CV grouped by {cv['group_column'] or 'row'}, seed {cv['seed']}, "
            f"{cv['n_candidates']} candidates (grid {cv['grid']}), {self.seconds:.1f} s",
            "",
            *scores_table(cv),
        ]
        if cv["ablation"]:
            lines += ["", *ablation_lines(cv["ablation"])]
        for set_name, scores in (self.manifest.get("held_out") or {}).items():
            low, high = scores["macro_f1_ci95"]
            lines.append(
                f"held out ({set_name}, {scores['n_sentences']} sentences, report only): "
                f"macro-F1 {scores['macro_f1']:.3f} (95% CI over articles {low:.3f}-{high:.3f})"
            )
        lines += [
            "",
            f"chosen: {params}",
            f"wrote {self.out}/ (model.skops sha256 {self.manifest['sha256'][:12]}…, manifest.json, MODEL_CARD.md)",
        ]
        return "\n".join(lines)


def train_model(
    data: str | Path,
    out: str | Path,
    *,
    text_column: str = DEFAULT_TEXT_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
    group_column: str | None = DEFAULT_GROUP_COLUMN,
    id_column: str | None = DEFAULT_ID_COLUMN,
    folds: int = 5,
    seed: int = 0,
    grid: Grid = "default",
    force: bool = False,
    name: str | None = None,
    n_jobs: int = -1,
    progress: bool = True,
    labels: Sequence[str] | None = None,
    report_on: Sequence[str | Path] | None = None,
) -> TrainOutcome:
    """Train with a grouped-CV grid search and write the model folder ``out``.

    Rows of the test split (``split`` column) never reach the search or the final fit; the
    fixed model is scored on them once, for the model card, as on every ``report_on`` set.
    """
    check_choice(grid, Grid, "--grid")
    # Refuse an existing folder before minutes of training, and again when writing.
    report_on = list(report_on or ())
    check_out(out, force, [data, *report_on])
    labelled = load_labelled(
        data,
        text_column=text_column,
        label_column=label_column,
        group_column=group_column,
        id_column=id_column,
        split="train",
        labels=labels,
    )
    check_trainable(labelled, folds)
    # The held-out sets are read and checked now, not after minutes of search; they are scored
    # once the model is fixed, for the card only.
    columns: dict[str, Any] = dict(
        text_column=text_column,
        label_column=label_column,
        group_column=group_column,
        id_column=id_column,
        labels=labels or sorted(set(labelled.labels)),
    )
    sets = {"test split": load_test_split(data, **columns)}
    for extra in report_on:
        sets[str(extra)] = load_test_split(extra, **columns) or load_labelled(extra, **columns)
    training_ids = set(labelled.ids)
    for set_name, part in sets.items():
        if part is not None and training_ids & set(part.ids):
            raise InputError(
                f"--report-on {set_name}: {len(training_ids & set(part.ids))} of its sentences are "
                "in the training data; give a set the model does not train on"
            )
    start = time.perf_counter()
    result = grid_search(
        labelled, GRIDS[grid], n_folds=folds, seed=seed, n_jobs=n_jobs, progress=progress
    )
    seconds = time.perf_counter() - start
    held_out = {
        set_name: {"source": str(part.source), **score_held_out(result, part)}
        for set_name, part in sets.items()
        if part is not None
    }
    manifest = save_model(
        result, labelled, out, force=force, name=name, grid_name=grid, held_out=held_out
    )
    return TrainOutcome(
        out=Path(out), data=labelled, result=result, manifest=manifest, seconds=seconds
    )


def score_held_out(result: SearchResult, part: LabelledData) -> dict[str, Any]:
    """The fixed model's scores on ``part`` (rows with labels it does not know are an error)."""
    unknown = sorted(set(part.labels) - set(result.labels))
    if unknown:
        raise InputError(
            f"{part.source}: label {unknown[0]!r} is not one the model was trained on "
            f"({', '.join(result.labels)}); give a held-out set with the same labels"
        )
    predicted = [str(p) for p in result.pipeline.predict(part.texts)]
    return held_out_scores(part.labels, predicted, part.groups, result.labels)
