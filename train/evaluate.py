"""Evaluate a saved model on any labelled set: metrics table, confusion matrix, most confident mistakes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimkit.datafiles import load_table
from claimkit.errors import DataError, check_choice
from claimkit.split import SPLIT_COLUMN
from models.artifact import load_model
from train.artifacts import confusion_table, per_label_table
from train.data import (
    DEFAULT_ID_COLUMN,
    DEFAULT_LABEL_COLUMN,
    DEFAULT_TEXT_COLUMN,
    SplitChoice,
    load_labelled,
)
from train.heldout import per_label_scores


@dataclass
class Mistake:
    id: str
    text: str
    label: str
    predicted: str
    confidence: float


@dataclass
class Evaluation:
    model: str
    data: str
    n_sentences: int
    labels: list[str]
    accuracy: float
    macro_f1: float
    per_label: dict[str, dict[str, float]]
    confusion: list[list[int]]
    mistakes: list[Mistake] = field(default_factory=list)
    training_data: bool = False  # the set is exactly the model's training data (same fingerprint)

    def render(self) -> str:
        lines = [
            f"model {self.model} on {self.data}: {self.n_sentences} sentences",
            f"macro-F1 {self.macro_f1:.3f}   accuracy {self.accuracy:.3f}",
        ]
        if self.training_data:
            lines.append(
                "note: this is the model's own training data (same fingerprint), so these numbers "
                "show fit, not how it does on new articles; see the CV scores in MODEL_CARD.md"
            )
        lines += [
            "",
            *per_label_table(self.per_label),
            "",
            "confusion matrix (rows: true label, columns: predicted)",
            *confusion_table(self.labels, self.confusion),
        ]
        if self.mistakes:
            lines += ["", f"{len(self.mistakes)} most confident mistakes"]
            for m in self.mistakes:
                lines.append(
                    f"- {m.confidence:.2f} predicted {m.predicted}, labelled {m.label}: {m.text}"
                )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "data": self.data,
            "n_sentences": self.n_sentences,
            "training_data": self.training_data,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_label": self.per_label,
            "confusion": {"labels": self.labels, "matrix": self.confusion},
            "mistakes": [m.__dict__ for m in self.mistakes],
        }


def evaluate(
    model: str | Path,
    data: str | Path,
    *,
    text_column: str = DEFAULT_TEXT_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
    id_column: str | None = DEFAULT_ID_COLUMN,
    errors: int = 0,
    split: SplitChoice = "all",
    trust_pickle: bool = False,
) -> Evaluation:
    """Score the model folder ``model`` (verified against its manifest) on the labelled set ``data``."""
    import numpy as np
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
    )

    check_choice(split, SplitChoice, "--split")
    if split != "all" and SPLIT_COLUMN not in load_table(data).column_names:
        raise DataError(
            f"{data}: --split {split} needs a {SPLIT_COLUMN!r} column (pull with --split); "
            "without one every row would be scored as held out"
        )
    loaded = load_model(model, trust_pickle=trust_pickle)
    labelled = load_labelled(
        data,
        text_column=text_column,
        label_column=label_column,
        group_column=None,
        id_column=id_column,
        split=split,
    )
    labels = list(loaded.labels)
    unknown = sorted(set(labelled.labels) - set(labels))
    if unknown:
        raise DataError(
            f"{data}: label {unknown[0]!r} in column {label_column!r} is not one the model knows "
            f"({', '.join(labels)}); relabel or drop those rows, or use a model trained on these labels"
        )
    proba = loaded.pipeline.predict_proba(labelled.texts)
    classes = [str(c) for c in loaded.pipeline.classes_]
    predicted = [classes[i] for i in np.argmax(proba, axis=1)]
    per_label = per_label_scores(labelled.labels, predicted, labels)
    wrong = [i for i, (t, q) in enumerate(zip(labelled.labels, predicted, strict=True)) if t != q]
    # Most confident first; ties by row order so the list is repeatable.
    wrong.sort(key=lambda i: (-float(proba[i].max()), i))
    mistakes = [
        Mistake(
            id=labelled.ids[i],
            text=labelled.texts[i],
            label=labelled.labels[i],
            predicted=predicted[i],
            confidence=float(proba[i].max()),
        )
        for i in wrong[: max(0, errors)]
    ]
    return Evaluation(
        model=loaded.manifest.get("name", str(model)),
        data=str(data),
        n_sentences=len(labelled),
        labels=labels,
        accuracy=float(accuracy_score(labelled.labels, predicted)),
        macro_f1=float(f1_score(labelled.labels, predicted, average="macro", zero_division=0)),
        per_label=per_label,
        confusion=confusion_matrix(labelled.labels, predicted, labels=labels).tolist(),
        mistakes=mistakes,
        training_data=labelled.fingerprint
        == (loaded.manifest.get("data") or {}).get("fingerprint"),
    )
