"""`claimkit train` / `claimkit evaluate` end to end through the real command, and bad input."""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import train.cli

FIXTURE = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"
ROOT = Path(__file__).resolve().parents[1]


def claimkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claimkit.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


@pytest.fixture(scope="module")
def binary_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny binary set with its own column names: is the sentence hedged?"""
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    path = tmp_path_factory.mktemp("binary") / "hedged.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["doc", "sentence", "hedged"])
        for r in rows:
            writer.writerow(
                [r["article_id"], r["text"], "yes" if r["label"] != "confirmed" else "no"]
            )
    return path


def test_parser_registers_train_and_evaluate() -> None:
    parser = argparse.ArgumentParser()
    train.cli.register(parser.add_subparsers())
    args = parser.parse_args(["train", "--data", "d.csv", "--out", "m", "--label-column", "y"])
    assert args.func is not None and args.label_column == "y" and args.group_column == "article_id"
    assert (args.folds, args.seed, args.grid, args.force) == (5, 0, "default", False)
    args = parser.parse_args(["evaluate", "--model", "m", "--data", "d.csv", "--errors", "3"])
    assert args.errors == 3 and args.func is not None


def test_binary_dataset_trains_and_evaluates_end_to_end(binary_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "hedged-model"
    columns = ["--text-column", "sentence", "--label-column", "hedged"]
    trained = claimkit(
        "train", "--data", str(binary_csv), "--out", str(out), *columns,
        "--group-column", "doc", "--folds", "3", "--grid", "quick", "--quiet",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert (
        "baseline: majority class" in trained.stdout
        and "model (selected parameters)" in trained.stdout
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["labels"] == ["no", "yes"]
    assert manifest["cv"]["baselines"]["rules"] is None  # no lexicon label among yes/no
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "own labels (no, yes)" in card and "cue-lexicon rules | n/a" in card

    evaluated = claimkit(
        "evaluate", "--model", str(out), "--data", str(binary_csv), *columns, "--errors", "2"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    assert "macro-F1" in evaluated.stdout and "| **yes** |" in evaluated.stdout
    as_json = claimkit(
        "evaluate", "--model", str(out), "--data", str(binary_csv), *columns, "--json"
    )
    assert json.loads(as_json.stdout)["n_sentences"] == 53


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("claimkit: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_bad_input_is_one_line_and_exit_2(binary_csv: Path, tmp_path: Path) -> None:
    quick = ["--grid", "quick", "--folds", "3", "--quiet"]
    assert_one_line_error(
        claimkit("train", "--data", "no/such.jsonl", "--out", str(tmp_path / "m"), *quick),
        "no/such.jsonl",
    )
    assert_one_line_error(
        claimkit("train", "--data", str(binary_csv), "--out", str(tmp_path / "m"), *quick),
        "'text'",
        "--text-column",
    )
    existing = tmp_path / "existing"
    existing.mkdir()
    assert_one_line_error(
        claimkit("train", "--data", str(FIXTURE), "--out", str(existing), *quick),
        str(existing),
        "--force",
    )
    assert_one_line_error(
        claimkit("evaluate", "--model", str(tmp_path / "none"), "--data", str(FIXTURE)), "none"
    )


def test_unknown_labels_at_evaluation(binary_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    trained = claimkit(
        "train", "--data", str(FIXTURE), "--out", str(out), "--grid", "quick", "--folds", "3", "-q"
    )
    assert trained.returncode == 0, trained.stderr
    evaluated = claimkit(
        "evaluate", "--model", str(out), "--data", str(binary_csv), "--text-column", "sentence",
        "--label-column", "hedged",
    )  # fmt: skip
    assert_one_line_error(evaluated, "'no'", "hedged")


def test_two_runs_on_the_same_data_write_the_same_artifact(tmp_path: Path) -> None:
    """Same data + seed in two processes: byte-identical model.joblib (so identical predictions)."""
    digests = []
    for run in ("a", "b"):
        out = tmp_path / run
        done = claimkit(
            "train",
            "--data",
            str(FIXTURE),
            "--out",
            str(out),
            "--grid",
            "quick",
            "--folds",
            "3",
            "-q",
        )
        assert done.returncode == 0, done.stderr
        digests.append(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["sha256"])
    assert digests[0] == digests[1]


def test_training_and_its_search_never_see_the_test_split(tmp_path: Path) -> None:
    from train.data import load_labelled
    from train.workflow import train_model

    fixture = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"
    records = [json.loads(line) for line in fixture.read_text(encoding="utf-8").splitlines()]
    held_out = sorted({r["article_id"] for r in records})[0]
    for r in records:
        r["split"] = "test" if r["article_id"] == held_out else "train"
    data = tmp_path / "split.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    outcome = train_model(data, tmp_path / "m", grid="quick", folds=2, n_jobs=1, progress=False)
    train_part = load_labelled(data, split="train")
    assert held_out not in outcome.data.groups
    assert len(outcome.result.y_true) == len(outcome.data)  # the search scored only these rows
    assert outcome.manifest["data"]["fingerprint"] == train_part.fingerprint
    assert outcome.manifest["data"]["n_sentences"] == len(train_part) < len(records)
    assert "left out" in outcome.render() and "not in the train split" in outcome.render()


def test_held_out_sets_are_checked_before_the_search(tmp_path: Path) -> None:
    from claimkit.errors import InputError
    from train.workflow import train_model

    fixture = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"
    with pytest.raises(InputError, match="--report-on .* sentences are in the training data"):
        train_model(fixture, tmp_path / "m", grid="quick", folds=2, report_on=[fixture])
    assert not (tmp_path / "m").exists()


def test_evaluate_split_test_needs_a_split_column(tmp_path: Path) -> None:
    from claimkit.errors import DataError
    from train.evaluate import evaluate

    fixture = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"
    with pytest.raises(DataError, match="--split test needs a 'split' column"):
        evaluate(Path(__file__).resolve().parents[1] / "models" / "default", fixture, split="test")
