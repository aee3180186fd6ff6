"""Inter-annotator agreement (pure): pairwise Cohen's kappa, Krippendorff's alpha, per-label agreement."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

# sentence_id -> {annotator: label}
Table = Mapping[str, Mapping[str, str]]


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def cohen_kappa(a: Sequence[str], b: Sequence[str], labels: Sequence[str]) -> float | None:
    """Cohen's kappa (sklearn); None when undefined (fewer than 2 items or no variation at all)."""
    if len(a) < 2:
        return None
    if len(set(a) | set(b)) == 1:
        return None  # both gave one and the same label everywhere: chance agreement is 1
    from sklearn.metrics import cohen_kappa_score

    return _finite(cohen_kappa_score(list(a), list(b), labels=list(labels)))


def krippendorff_alpha(table: Table, labels: Sequence[str]) -> float | None:
    """Nominal Krippendorff's alpha over all annotators (missing values allowed); None if undefined."""
    import numpy as np

    annotators = sorted({name for row in table.values() for name in row})
    items = [sid for sid, row in table.items() if len(row) >= 2]
    values = {value for sid in items for value in table[sid].values()}
    if len(annotators) < 2 or not items or len(values) < 2:
        return None
    import krippendorff

    code = {label: i for i, label in enumerate(sorted(set(labels) | values))}
    matrix = np.full((len(annotators), len(items)), np.nan)
    for j, sid in enumerate(items):
        for i, name in enumerate(annotators):
            if name in table[sid]:
                matrix[i, j] = code[table[sid][name]]
    return _finite(
        krippendorff.alpha(
            reliability_data=matrix,
            level_of_measurement="nominal",
            value_domain=list(range(len(code))),
        )
    )


def per_label_agreement(table: Table, labels: Sequence[str]) -> dict[str, float | None]:
    """Proportion of specific agreement per label: agreeing pairs / pairs where the label occurs."""
    agree: Counter[str] = Counter()
    possible: Counter[str] = Counter()
    for row in table.values():
        n = len(row)
        if n < 2:
            continue
        for label, k in Counter(row.values()).items():
            agree[label] += k * (k - 1)
            possible[label] += k * (n - 1)
    return {
        label: (round(agree[label] / possible[label], 6) if possible[label] else None)
        for label in labels
    }


def agreement_report(table: Table, labels: Sequence[str]) -> dict[str, Any]:
    """Everything agreement.json holds: pairs, alpha, per-label agreement, confusion."""
    labels = list(labels) + sorted({v for r in table.values() for v in r.values()} - set(labels))
    annotators = sorted({name for row in table.values() for name in row})
    pairs = []
    confusion = {a: dict.fromkeys(labels, 0) for a in labels}
    for first, second in itertools.combinations(annotators, 2):
        shared = [sid for sid, row in table.items() if first in row and second in row]
        a = [table[sid][first] for sid in shared]
        b = [table[sid][second] for sid in shared]
        pair_confusion = {x: dict.fromkeys(labels, 0) for x in labels}
        for x, y in zip(a, b, strict=True):
            pair_confusion[x][y] += 1
            # the overall matrix is symmetric: annotator order carries no meaning
            confusion[x][y] += 1
            confusion[y][x] += 1
        pairs.append(
            {
                "annotators": [first, second],
                "n_items": len(shared),
                "observed_agreement": (
                    round(sum(x == y for x, y in zip(a, b, strict=True)) / len(shared), 6)
                    if shared
                    else None
                ),
                "cohen_kappa": cohen_kappa(a, b, labels),
                "confusion": pair_confusion,
            }
        )
    multi = [row for row in table.values() if len(row) >= 2]
    return {
        "labels": labels,
        "annotators": annotators,
        "n_items": len(table),
        "n_items_multiply_annotated": len(multi),
        "krippendorff_alpha": krippendorff_alpha(table, labels),
        "pairs": pairs,
        "per_label_agreement": per_label_agreement(table, labels),
        "confusion": confusion,
        "confusion_note": "pairs of annotators on the same sentence, counted in both directions",
    }


def span_overlap(
    predicted: Sequence[Sequence[tuple[Any, ...]]],
    reference: Sequence[Sequence[tuple[Any, ...]]],
    *,
    same_kind: bool = False,
) -> dict[str, float]:
    """Span-overlap precision, recall and F1 over sentences (pure).

    ``predicted[i]`` and ``reference[i]``: the (start, end[, kind]) spans of sentence ``i``. A
    predicted span is correct when it overlaps a reference span (of the same kind with
    ``same_kind``); a reference span is found when a predicted span overlaps it.
    """

    def hits(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
        return a[0] < b[1] and b[0] < a[1] and (not same_kind or a[2] == b[2])

    n_pred = n_ref = correct = found = 0
    for pred, ref in zip(predicted, reference, strict=True):
        n_pred += len(pred)
        n_ref += len(ref)
        correct += sum(any(hits(p, r) for r in ref) for p in pred)
        found += sum(any(hits(p, r) for p in pred) for r in ref)
    precision = correct / n_pred if n_pred else 0.0
    recall = found / n_ref if n_ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 6),
        "recall": round(recall, 6),
        "f1": round(f1, 6),
        "n_predicted": n_pred,
        "n_reference": n_ref,
    }
