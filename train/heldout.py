"""Scores on a held-out set, for reporting only: macro-F1 with a bootstrap interval over articles.

Nothing here chooses anything: the model is already fitted when these numbers are computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

BOOTSTRAP_DRAWS = 1000


def bootstrap_interval(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    groups: Sequence[str],
    labels: Sequence[str],
    *,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> tuple[float, float]:
    """95% percentile interval of macro-F1 when whole articles (groups) are resampled."""
    truth, pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    rows_of: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        rows_of.setdefault(str(g), []).append(i)
    members = [np.asarray(rows) for rows in rows_of.values()]
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(draws):
        picked = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        scores.append(
            f1_score(
                truth[picked], pred[picked], labels=list(labels), average="macro", zero_division=0
            )
        )
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def per_label_scores(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per label."""
    p, r, f, s = precision_recall_fscore_support(
        list(y_true), list(y_pred), labels=list(labels), zero_division=0
    )
    return {
        lab: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(s[i]),
        }
        for i, lab in enumerate(labels)
    }


def held_out_scores(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    groups: Sequence[str],
    labels: Sequence[str],
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """macro-F1 (with its article-bootstrap interval) and per-label precision/recall/F1."""
    low, high = bootstrap_interval(y_true, y_pred, groups, labels, seed=seed)
    return {
        "n_sentences": len(y_true),
        "n_articles": len(set(groups)),
        "macro_f1": float(
            f1_score(
                list(y_true), list(y_pred), labels=list(labels), average="macro", zero_division=0
            )
        ),
        "macro_f1_ci95": [low, high],
        "per_label": per_label_scores(y_true, y_pred, labels),
    }
