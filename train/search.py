"""Grid search scored by macro-F1 in cross-validation grouped by article, then a refit on all data.

Sentences of one article are never on both sides of a split (StratifiedGroupKFold, fixed seed).
Every candidate is exactly ``models.features.build_pipeline(**params)``; to keep the search fast
the fitted FeatureUnion members are cached per fold and reused across candidates that share them
(fitting a member depends only on its own parameters and the fold's training rows), which gives
the same numbers as fitting each pipeline from scratch.
"""

from __future__ import annotations

import itertools
import os
import statistics
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from models.features import build_pipeline, normalise_params
from train.baselines import majority_predict, rules_applicable, rules_predict
from train.data import LabelledData
from train.grids import DEFAULT_GRID
from train.heldout import per_label_scores

# Optional feature sets: each is measured both ways on the best candidate (the ablation).
FEATURE_SETS = ("chars", "cues", "structure", "quote_views", "context", "context_after")


def expand(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """All candidates of ``grid`` in a fixed order (ties in score go to the earlier one)."""
    keys = list(grid)
    return [
        normalise_params(dict(zip(keys, values, strict=True)))
        for values in itertools.product(*(grid[k] for k in keys))
    ]


def grouped_folds(
    labels: Sequence[str], groups: Sequence[str], n_folds: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds that keep each group (article) on one side; deterministic for a seed."""
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    dummy = np.zeros(len(labels))
    return [(train, test) for train, test in splitter.split(dummy, list(labels), list(groups))]


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """sklearn's macro-F1: mean over the labels present in the truth or the predictions."""
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


@dataclass
class Scored:
    """Fold scores and pooled out-of-fold predictions of one candidate or baseline."""

    name: str
    fold_scores: list[float]
    predictions: list[str]  # out-of-fold, in row order
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.fold_scores)

    @property
    def std(self) -> float:
        return statistics.pstdev(self.fold_scores)


@dataclass
class SearchResult:
    labels: list[str]
    n_folds: int
    seed: int
    candidates: list[Scored]
    best: Scored
    baselines: dict[str, Scored | None]
    pipeline: Pipeline  # best params, refit on all data
    y_true: list[str]

    def per_label(self, scored: Scored | None = None) -> dict[str, dict[str, float]]:
        """Precision/recall/F1/support per label from the pooled out-of-fold predictions."""
        scored = scored or self.best
        return per_label_scores(self.y_true, scored.predictions, self.labels)

    def confusion(self, scored: Scored | None = None) -> list[list[int]]:
        scored = scored or self.best
        return confusion_matrix(self.y_true, scored.predictions, labels=self.labels).tolist()

    def ablation(self) -> dict[str, dict[str, float]]:
        """Best CV macro-F1 with and without each optional feature set searched both ways."""
        out: dict[str, dict[str, float]] = {}
        for flag in FEATURE_SETS:
            on = [c.mean for c in self.candidates if c.params[flag]]
            off = [c.mean for c in self.candidates if not c.params[flag]]
            if on and off:
                out[flag] = {"with": max(on), "without": max(off)}
        return out


def _member_key(name: str, transformer: Any) -> tuple[str, str]:
    return (name, repr(sorted(transformer.get_params().items())))


_watching: int | None = None


def follow_parent(parent: int) -> None:
    """In a worker process, exit as soon as ``parent`` (the process that started the work) is gone.

    A killed ``claimkit train`` otherwise leaves its loky workers running for many minutes.
    A no-op in ``parent`` itself (n_jobs=1) and after the first call.
    """
    global _watching
    if _watching is not None or os.getpid() == parent:
        return
    _watching = parent

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="claimkit-follow-parent", daemon=True).start()


def _score_group(
    texts: Sequence[str],
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    candidates: Sequence[dict[str, Any]],
    parent: int | None = None,
) -> list[tuple[float, np.ndarray]]:
    """Fit and score ``candidates`` on one fold, reusing fitted feature members."""
    from threadpoolctl import threadpool_limits

    if parent is not None:
        follow_parent(parent)
    # One thread per fit: the search runs fits in parallel processes, and OpenMP/BLAS threads
    # on a busy machine make a logistic-regression fit 10-20x slower (measured).
    with threadpool_limits(1):
        return _score_group_inner(texts, y, train, test, candidates)


def _score_group_inner(
    texts: Sequence[str],
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    candidates: Sequence[dict[str, Any]],
) -> list[tuple[float, np.ndarray]]:
    train_texts = [texts[i] for i in train]
    test_texts = [texts[i] for i in test]
    cache: dict[tuple[str, str], tuple[Any, Any]] = {}
    results = []
    for params in candidates:
        pipeline = build_pipeline(**params)
        union = pipeline.named_steps["features"]
        weights = union.transformer_weights or {}
        blocks_train, blocks_test = [], []
        for name, member in union.transformer_list:
            key = _member_key(name, member)
            if key not in cache:
                fitted = clone(member)
                cache[key] = (fitted.fit_transform(train_texts), fitted.transform(test_texts))
            weight = weights.get(name, 1.0)
            blocks_train.append(cache[key][0] * weight if weight != 1.0 else cache[key][0])
            blocks_test.append(cache[key][1] * weight if weight != 1.0 else cache[key][1])
        # FeatureUnion concatenates its members' outputs, times their transformer_weights, in
        # order: exactly this.
        x_train = sp.hstack(blocks_train, format="csr")
        x_test = sp.hstack(blocks_test, format="csr")
        clf = clone(pipeline.named_steps["clf"]).fit(x_train, y[train])
        pred = clf.predict(x_test)
        results.append((macro_f1(y[test], pred), pred))
    return results


def _tasks(candidates: Sequence[dict[str, Any]], n_folds: int) -> Iterator[tuple[int, list[int]]]:
    """(fold, candidate indices) work units: candidates sharing word features go together."""
    by_words: dict[tuple[Any, ...], list[int]] = {}
    for i, params in enumerate(candidates):
        key = (params["word_ngram_range"], params["min_df"], params["sublinear_tf"])
        by_words.setdefault(key, []).append(i)
    for fold in range(n_folds):
        for indices in by_words.values():
            yield fold, indices


def _score_candidates(
    candidates: Sequence[dict[str, Any]],
    data: LabelledData,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    n_jobs: int,
    bar: Any,
) -> list[Scored]:
    from joblib import Parallel, delayed

    n_folds = len(folds)
    tasks = list(_tasks(candidates, n_folds))
    fold_scores = [[0.0] * n_folds for _ in candidates]
    oof = [np.empty(len(y), dtype=object) for _ in candidates]
    runner = Parallel(n_jobs=n_jobs, return_as="generator")
    jobs = (
        delayed(_score_group)(
            data.texts, y, folds[fold][0], folds[fold][1], [candidates[i] for i in idx], os.getpid()
        )
        for fold, idx in tasks
    )
    for (fold, idx), results in zip(tasks, runner(jobs), strict=True):
        for i, (score, pred) in zip(idx, results, strict=True):
            fold_scores[i][fold] = score
            oof[i][folds[fold][1]] = pred
        bar.update(len(idx))
    return [
        Scored(name="model", fold_scores=fold_scores[i], predictions=list(oof[i]), params=dict(p))
        for i, p in enumerate(candidates)
    ]


def _pick(scored: Sequence[Scored]) -> Scored:
    # Rounded so float noise cannot reorder equal candidates; ties keep grid order.
    return max(scored, key=lambda s: round(s.mean, 12))


def grid_search(
    data: LabelledData,
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    n_folds: int = 5,
    seed: int = 0,
    n_jobs: int = -1,
    progress: bool = True,
    ablate: bool = True,
) -> SearchResult:
    """Score every candidate of ``grid`` and the baselines in the same grouped folds; refit the best.

    With ``ablate``, a feature set (char n-grams, cue features) that the grid holds fixed is then
    also tried the other way round on the best candidate, so every run measures whether it helps
    (``SearchResult.ablation``) and keeps it if it does.
    """
    from tqdm.auto import tqdm

    candidates = [{**p, "seed": seed} for p in expand(grid or DEFAULT_GRID)]
    labels = sorted(set(data.labels))
    y = np.asarray(data.labels, dtype=object)
    folds = grouped_folds(data.labels, data.groups, n_folds, seed)
    bar = tqdm(
        total=len(candidates) * n_folds,
        desc=f"grid search ({len(candidates)} candidates x {n_folds} folds)",
        unit="fit",
        disable=None if progress else True,
    )
    with bar:
        scored = _score_candidates(candidates, data, y, folds, n_jobs, bar)
        best = _pick(scored)
        if ablate:
            toggled = [
                {**best.params, flag: not best.params[flag]}
                for flag in FEATURE_SETS
                if len({c[flag] for c in candidates}) == 1
            ]
            if toggled:
                bar.total += len(toggled) * n_folds
                bar.set_description(f"ablation ({len(toggled)} feature sets x {n_folds} folds)")
                scored += _score_candidates(toggled, data, y, folds, n_jobs, bar)
                best = _pick(scored)

    baselines: dict[str, Scored | None] = {}
    majority = np.empty(len(y), dtype=object)
    rules = np.empty(len(y), dtype=object)
    use_rules = rules_applicable(labels)
    for train, test in folds:
        train_labels = list(y[train])
        majority[test] = majority_predict(train_labels, len(test))
        if use_rules:
            rules[test] = rules_predict(train_labels, [data.texts[i] for i in test])
    baselines["majority"] = _scored_fixed("majority class", majority, y, folds)
    baselines["rules"] = _scored_fixed("cue-lexicon rules", rules, y, folds) if use_rules else None

    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        pipeline = build_pipeline(**best.params).fit(data.texts, data.labels)
    return SearchResult(
        labels=[str(c) for c in pipeline.classes_],
        n_folds=n_folds,
        seed=seed,
        candidates=scored,
        best=best,
        baselines=baselines,
        pipeline=pipeline,
        y_true=list(data.labels),
    )


def _scored_fixed(
    name: str,
    pred: np.ndarray,
    y: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
) -> Scored:
    scores = [macro_f1(y[test], pred[test]) for _, test in folds]
    return Scored(name=name, fold_scores=scores, predictions=list(pred))
