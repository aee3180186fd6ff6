"""Out-of-fold probabilities: every sentence scored by a model that never saw its article."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

from models.features import DEFAULT_PARAMS, build_pipeline
from train.search import grouped_folds


def out_of_fold_probabilities(
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str],
    *,
    params: Mapping[str, Any] | None = None,
    folds: int = 5,
    seed: int = 0,
    n_jobs: int | None = None,
) -> tuple[list[str], Any]:
    """(classes, n x k array) from cross_val_predict in stratified folds grouped by `groups`."""
    pipeline = build_pipeline(**{**DEFAULT_PARAMS, **(params or {}), "seed": seed})
    splits = grouped_folds(labels, groups, folds, seed)
    # one BLAS/OpenMP thread per fit: measured 10x faster than oversubscribed threads (train/search)
    with threadpool_limits(1):
        proba = cross_val_predict(
            pipeline, list(texts), list(labels), cv=splits, method="predict_proba", n_jobs=n_jobs
        )
    return sorted(set(labels)), proba  # cross_val_predict orders columns by sorted class
