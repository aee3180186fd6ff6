"""The model folder: save -> load -> same predictions, manifest hash, refusal to overwrite."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from claimkit.errors import InputError, ModelError
from models.artifact import load_model
from train.artifacts import save_model
from train.data import LabelledData, load_labelled
from train.grids import QUICK_GRID
from train.search import SearchResult, grid_search

FIXTURE = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"


@pytest.fixture(scope="module")
def trained() -> tuple[LabelledData, SearchResult]:
    data = load_labelled(FIXTURE)
    return data, grid_search(data, QUICK_GRID, n_folds=3, seed=0, n_jobs=1, progress=False)


def test_save_load_gives_identical_predictions(tmp_path: Path, trained: tuple) -> None:
    data, result = trained
    save_model(result, data, tmp_path / "model")
    loaded = load_model(tmp_path / "model")
    assert np.array_equal(
        loaded.pipeline.predict_proba(data.texts), result.pipeline.predict_proba(data.texts)
    )
    assert list(loaded.labels) == result.labels


def test_manifest_matches_the_file_and_the_contract(tmp_path: Path, trained: tuple) -> None:
    data, result = trained
    manifest = save_model(result, data, tmp_path / "model", name="seed-test")
    on_disk = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    digest = hashlib.sha256((tmp_path / "model" / "model.skops").read_bytes()).hexdigest()
    assert manifest["sha256"] == digest
    assert {
        "name",
        "created",
        "artifact",
        "sha256",
        "labels",
        "params",
        "versions",
        "data",
        "cv",
    } <= set(manifest)
    assert manifest["name"] == "seed-test" and manifest["artifact"] == "model.skops"
    assert manifest["created"].endswith("Z")
    assert set(manifest["versions"]) == {"python", "scikit-learn", "numpy", "skops", "claimkit"}
    assert manifest["data"]["fingerprint"] == data.fingerprint
    assert manifest["data"]["n_sentences"] == len(data) and manifest["data"]["n_articles"] == 5
    assert manifest["data"]["label_counts"] == data.label_counts
    assert manifest["labels"] == result.labels
    assert manifest["cv"]["macro_f1"]["folds"] == result.best.fold_scores
    assert manifest["params"]["word_ngram_range"] == list(result.best.params["word_ngram_range"])


def test_model_card_has_the_numbers(tmp_path: Path, trained: tuple) -> None:
    data, result = trained
    save_model(result, data, tmp_path / "model")
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text(encoding="utf-8")
    for heading in ("## Intended use", "## Training data", "## Evaluation", "## Limits"):
        assert heading in card
    assert f"{result.best.mean:.3f} ± {result.best.std:.3f}" in card
    assert "baseline: majority class" in card and "baseline: cue-lexicon rules" in card
    assert "| true \\ predicted |" in card


def test_existing_folder_is_refused_without_force(tmp_path: Path, trained: tuple) -> None:
    data, result = trained
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("someone else's model", encoding="utf-8")
    with pytest.raises(InputError, match="--force"):
        save_model(result, data, out)
    assert (out / "keep.txt").exists()
    save_model(result, data, out, force=True)
    assert not (out / "keep.txt").exists() and (out / "model.skops").exists()
    # no temp folders left beside it
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_evaluating_on_the_training_data_says_so(tmp_path: Path, trained: tuple) -> None:
    from train.evaluate import evaluate

    data, result = trained
    save_model(result, data, tmp_path / "model")
    report = evaluate(tmp_path / "model", FIXTURE)
    assert report.training_data
    assert "own training data" in report.render()


def test_a_changed_artifact_is_refused_at_load(tmp_path: Path, trained: tuple) -> None:
    data, result = trained
    save_model(result, data, tmp_path / "model")
    with open(tmp_path / "model" / "model.skops", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="sha256"):
        load_model(tmp_path / "model")
