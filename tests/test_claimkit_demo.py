"""`claimkit demo` end to end on a slice of the bundled data, against the real test server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimkit.cli import main
from claimkit.datafiles import load_table
from models.artifact import sha256_bytes

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 10  # articles: enough for 5 grouped folds with every label in each


@pytest.mark.studio
def test_demo_runs_the_loop_twice_with_the_same_numbers(
    studio_server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    args = [
        "demo",
        "--workdir",
        str(tmp_path / "demo"),
        "--data",
        str(ROOT / "data"),
        "--data-dir",
        studio_server.data_dir,
        "--limit",
        str(LIMIT),
        "-q",
    ]
    assert main(args) == 0
    first_out = capsys.readouterr().out
    work = tmp_path / "demo"

    sentences = load_table(work / "sentences")
    labelled = load_table(work / "labelled")
    assert len({r["article_id"] for r in sentences}) == LIMIT
    assert sorted(labelled["sentence_id"]) == sorted(sentences["sentence_id"])
    maintainers = {
        json.loads(x)["sentence_id"]: json.loads(x)["label"]
        for x in (ROOT / "data" / "labels" / "maintainers.jsonl").read_text().splitlines()
    }
    assert all(r["label"] == maintainers[r["sentence_id"]] for r in labelled)

    manifest = json.loads((work / "model" / "manifest.json").read_text())
    assert manifest["sha256"] == sha256_bytes((work / "model" / "model.skops").read_bytes())
    # the fresh model never trains on the test split
    assert manifest["data"]["n_sentences"] == sum(r["split"] == "train" for r in labelled)

    report = (work / "report.html").read_text(encoding="utf-8")
    for example in sorted((ROOT / "data" / "examples").glob("*.txt")):
        assert f'data-article-id="{example.stem}"' in report
    assert "/projects/" in first_out and str(work / "report.html") in first_out

    numbers = json.loads((work / "summary.json").read_text())
    assert main(args) == 0  # the second run reuses the project and its annotations
    capsys.readouterr()
    assert json.loads((work / "summary.json").read_text()) == numbers
    assert len(load_table(work / "labelled")) == len(labelled)
