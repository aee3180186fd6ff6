"""Grouped CV search: no article on both sides, exact scores, reproducible, baselines, label sets."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.features import build_pipeline
from train.baselines import majority_predict, rules_predict
from train.data import LabelledData, load_labelled
from train.grids import QUICK_GRID
from train.search import FEATURE_SETS, expand, grid_search, grouped_folds, macro_f1

FIXTURE = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"


@pytest.fixture(scope="module")
def seed_data() -> LabelledData:
    return load_labelled(FIXTURE)


@settings(max_examples=40, deadline=None)
@given(
    n_groups=st.integers(min_value=4, max_value=20),
    n_folds=st.integers(min_value=2, max_value=4),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_grouped_split_never_leaks_an_article(n_groups: int, n_folds: int, seed: int) -> None:
    rng = random.Random(seed)
    groups = [f"article-{rng.randrange(n_groups)}" for _ in range(120)]
    labels = [rng.choice(["a", "b", "c"]) for _ in groups]
    if len(set(groups)) < n_folds:
        return
    folds = grouped_folds(labels, groups, n_folds, seed)
    assert len(folds) == n_folds
    seen_test: list[int] = []
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        seen_test.extend(test.tolist())
    assert sorted(seen_test) == list(range(len(groups)))  # every row tested exactly once


def test_search_scores_equal_plain_pipeline_cv(seed_data: LabelledData) -> None:
    grid = {"C": [1.0, 10.0], "chars": [False, True], "cue_weight": [1.0, 3.0]}
    result = grid_search(seed_data, grid, n_folds=3, seed=0, n_jobs=1, progress=False)
    folds = grouped_folds(seed_data.labels, seed_data.groups, 3, 0)
    y = np.asarray(seed_data.labels, dtype=object)
    for candidate in result.candidates:
        plain = []
        for train, test in folds:
            model = build_pipeline(**candidate.params).fit(
                [seed_data.texts[i] for i in train], y[train]
            )
            plain.append(macro_f1(y[test], model.predict([seed_data.texts[i] for i in test])))
        np.testing.assert_allclose(candidate.fold_scores, plain)
    assert result.best.mean == max(c.mean for c in result.candidates)
    # chars is searched both ways; the other feature sets one way only (cues, structure and
    # context on; the quotation views and the next sentence off), so the best candidate is
    # also scored the other way
    sets = ("cues", "structure", "quote_views", "context", "context_after")
    assert result.ablation().keys() == {"chars", *sets}
    assert len(result.candidates) == 8 + len(sets)
    usual = {"cues": True, "structure": True, "quote_views": False, "context": True}
    usual["context_after"] = False
    toggled = [{k for k, v in usual.items() if c.params[k] != v} for c in result.candidates[-5:]]
    assert toggled == [{flag} for flag in sets]


def test_same_data_and_seed_give_identical_predictions(seed_data: LabelledData) -> None:
    a = grid_search(seed_data, QUICK_GRID, n_folds=3, seed=7, n_jobs=2, progress=False)
    b = grid_search(seed_data, QUICK_GRID, n_folds=3, seed=7, n_jobs=1, progress=False)
    assert a.best.params == b.best.params
    assert a.best.fold_scores == b.best.fold_scores
    assert a.best.predictions == b.best.predictions
    assert np.array_equal(
        a.pipeline.predict_proba(seed_data.texts), b.pipeline.predict_proba(seed_data.texts)
    )


def test_report_parts_are_consistent(seed_data: LabelledData) -> None:
    result = grid_search(seed_data, QUICK_GRID, n_folds=3, seed=0, n_jobs=1, progress=False)
    # the grid, plus the best candidate with each feature set the other way round, one at a time
    assert len(result.candidates) == len(expand(QUICK_GRID)) + len(FEATURE_SETS)
    toggled = [c.params for c in result.candidates[-len(FEATURE_SETS) :]]
    n_grid = len(expand(QUICK_GRID))
    best = next(c.params for c in result.candidates[:n_grid] if c.params["C"] == toggled[0]["C"])
    for flag, params in zip(FEATURE_SETS, toggled, strict=True):
        assert params[flag] != best[flag]
        assert all(params[other] == best[other] for other in FEATURE_SETS if other != flag)
    assert set(result.ablation()) == set(FEATURE_SETS)
    plain = grid_search(
        seed_data, QUICK_GRID, n_folds=3, seed=0, n_jobs=1, progress=False, ablate=False
    )
    assert len(plain.candidates) == len(expand(QUICK_GRID)) and plain.ablation() == {}
    assert result.labels == sorted(set(seed_data.labels))
    assert None not in result.best.predictions and len(result.best.predictions) == len(seed_data)
    per_label = result.per_label()
    assert sum(m["support"] for m in per_label.values()) == len(seed_data)
    matrix = np.asarray(result.confusion())
    assert matrix.sum() == len(seed_data)
    assert list(matrix.sum(axis=1)) == [seed_data.label_counts[label] for label in result.labels]
    for name in ("majority", "rules"):
        scored = result.baselines[name]
        assert scored is not None and len(scored.fold_scores) == 3


def test_majority_baseline_predicts_the_training_majority() -> None:
    assert majority_predict(["a", "b", "b", "c"], 3) == ["b", "b", "b"]
    assert majority_predict(["b", "a"], 1) == ["a"]  # ties: alphabetical, repeatable


def test_rule_baseline_maps_to_the_data_labels() -> None:
    texts = ["It could rain.", "He said so.", "Putin signed a pact in June."]
    assert rules_predict(["opinion", "speculative", "attributed", "confirmed"], texts) == [
        "speculative",
        "attributed",
        "confirmed",
    ]
    # a dataset without "confirmed" falls back to its majority label
    assert rules_predict(["attributed", "attributed", "speculative"], texts) == [
        "speculative",
        "attributed",
        "attributed",
    ]


def test_binary_custom_labels_train_and_skip_the_rule_baseline(seed_data: LabelledData) -> None:
    binary = LabelledData(
        source="binary",
        texts=seed_data.texts,
        labels=["hedged" if label != "confirmed" else "plain" for label in seed_data.labels],
        groups=seed_data.groups,
        ids=seed_data.ids,
    )
    result = grid_search(binary, QUICK_GRID, n_folds=3, seed=0, n_jobs=1, progress=False)
    assert result.labels == ["hedged", "plain"]
    assert result.baselines["rules"] is None
    assert result.baselines["majority"] is not None
    assert set(result.pipeline.predict(binary.texts)) <= {"hedged", "plain"}
