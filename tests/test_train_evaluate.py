"""evaluate: metrics on any labelled set, most confident mistakes, unknown labels refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimkit.errors import DataError
from train.artifacts import save_model
from train.data import load_labelled
from train.evaluate import evaluate
from train.grids import QUICK_GRID
from train.search import grid_search

FIXTURE = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    # Train on four articles, evaluate on the fifth: mistakes are then likely.
    train_path = tmp_path_factory.mktemp("eval") / "train.jsonl"
    train_path.write_text(
        "".join(json.dumps(r) + "\n" for r in rows if not r["article_id"].startswith("newscomau")),
        encoding="utf-8",
    )
    data = load_labelled(train_path)
    result = grid_search(data, QUICK_GRID, n_folds=2, seed=0, n_jobs=1, progress=False)
    out = tmp_path_factory.mktemp("eval") / "model"
    save_model(result, data, out)
    return out


def test_metrics_and_confusion_add_up(model_dir: Path) -> None:
    report = evaluate(model_dir, FIXTURE)
    data = load_labelled(FIXTURE)
    assert report.n_sentences == len(data)
    assert sum(sum(row) for row in report.confusion) == len(data)
    assert sum(m["support"] for m in report.per_label.values()) == len(data)
    diagonal = sum(report.confusion[i][i] for i in range(len(report.labels)))
    assert report.accuracy == pytest.approx(diagonal / len(data))
    text = report.render()
    assert "macro-F1" in text and "confusion matrix" in text
    assert not report.training_data and "training data" not in text


def test_errors_lists_the_most_confident_mistakes(model_dir: Path) -> None:
    report = evaluate(model_dir, FIXTURE, errors=5)
    assert 0 < len(report.mistakes) <= 5
    confidences = [m.confidence for m in report.mistakes]
    assert confidences == sorted(confidences, reverse=True)
    assert all(m.label != m.predicted for m in report.mistakes)
    wrong = len(load_labelled(FIXTURE)) - round(report.accuracy * report.n_sentences)
    assert len(evaluate(model_dir, FIXTURE, errors=1000).mistakes) == wrong


def test_unknown_label_is_refused_with_the_value(model_dir: Path, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    rows[0]["label"] = "satire"
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DataError) as err:
        evaluate(model_dir, path)
    assert (
        "'satire'" in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)
    )
