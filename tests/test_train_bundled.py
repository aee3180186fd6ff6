"""On the bundled labelled data: the model beats both baselines in grouped CV; the default model matches."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from train.data import LabelledData, check_trainable, load_labelled
from train.grids import QUICK_GRID
from train.search import SearchResult, grid_search

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "labelled"
DEFAULT_MODEL = ROOT / "models" / "default"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundled() -> LabelledData:
    return load_labelled(BUNDLED, split="train")


@pytest.fixture(scope="module")
def search(bundled: LabelledData) -> SearchResult:
    return grid_search(bundled, QUICK_GRID, n_folds=5, seed=0, progress=False)


def test_bundled_data_is_trainable(bundled: LabelledData) -> None:
    check_trainable(bundled, 5)
    assert len(bundled.label_counts) >= 2


def test_model_beats_both_baselines_in_grouped_cv(search: SearchResult) -> None:
    majority, rules = search.baselines["majority"], search.baselines["rules"]
    assert majority is not None and rules is not None
    assert search.best.mean > majority.mean
    assert search.best.mean > rules.mean
    # and not by luck of one fold: better than the rules on most folds
    wins = sum(m > r for m, r in zip(search.best.fold_scores, rules.fold_scores, strict=True))
    assert wins > len(rules.fold_scores) / 2


def test_shipped_default_model_was_trained_on_the_bundled_data(bundled: LabelledData) -> None:
    manifest = json.loads((DEFAULT_MODEL / "manifest.json").read_text(encoding="utf-8"))
    artifact = DEFAULT_MODEL / manifest["artifact"]
    assert hashlib.sha256(artifact.read_bytes()).hexdigest() == manifest["sha256"]
    assert manifest["data"]["fingerprint"] == bundled.fingerprint
    assert manifest["data"]["label_counts"] == bundled.label_counts
    cv = manifest["cv"]
    assert cv["macro_f1"]["mean"] > cv["baselines"]["majority"]["mean"]
    assert cv["macro_f1"]["mean"] > cv["baselines"]["rules"]["mean"]
    assert (DEFAULT_MODEL / "MODEL_CARD.md").is_file()
    # the held-out scores in the card: the test split, never seen in training or selection
    held_out = manifest["held_out"]["test split"]
    assert held_out["n_sentences"] == len(load_labelled(BUNDLED, split="test"))
    low, high = held_out["macro_f1_ci95"]
    assert low <= held_out["macro_f1"] <= high
