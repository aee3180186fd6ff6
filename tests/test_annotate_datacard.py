"""The bundled labelled dataset: integrity, and a data card that matches its files."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from annotate.datacard import card_values, render_card
from claimkit.datafiles import load_table
from claimkit.errors import InputError
from claimkit.ingest import collect
from claimkit.labels import LABELS

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "data" / "labelled"
TEMPLATE = ROOT / "data" / "labels" / "DATA_CARD.template.md"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return list(load_table(LABELLED))


def test_ids_match_a_fresh_ingest_of_the_bundled_articles(rows: list[dict]) -> None:
    fresh, _ = collect([ROOT / "data" / "articles"], progress=False)
    assert sorted(r["sentence_id"] for r in rows) == sorted(r["sentence_id"] for r in fresh)
    texts = {r["sentence_id"]: r["text"] for r in fresh}
    assert all(texts[r["sentence_id"]] == r["text"] for r in rows)


def test_every_sentence_has_exactly_one_valid_gold_label(rows: list[dict]) -> None:
    assert len({r["sentence_id"] for r in rows}) == len(rows)
    assert all(r["label"] in LABELS for r in rows)
    counts = Counter(r["label"] for r in rows)
    assert min(counts[label] for label in LABELS) >= 60


def test_held_out_examples_are_in_no_labelled_data(rows: list[dict]) -> None:
    examples, _ = collect([ROOT / "data" / "examples"], progress=False)
    assert examples and not {r["sentence_id"] for r in examples} & {r["sentence_id"] for r in rows}


def test_jsonl_and_dataset_agree(rows: list[dict]) -> None:
    lines = (LABELLED / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    assert [(json.loads(x)["sentence_id"], json.loads(x)["label"]) for x in lines] == [
        (r["sentence_id"], r["label"]) for r in rows
    ]


def test_the_committed_card_is_what_the_files_give() -> None:
    assert (LABELLED / "DATA_CARD.md").read_text(encoding="utf-8") == render_card(
        LABELLED, TEMPLATE
    )


def test_card_counts_equal_the_files(rows: list[dict]) -> None:
    values = card_values(LABELLED)
    assert values["n_sentences"] == len(rows) == values["n_gold"]
    assert values["n_articles"] == len({r["article_id"] for r in rows})
    counts = Counter(r["label"] for r in rows)
    for label in LABELS:
        assert f"| {label} | {counts[label]} |" in values["label_table"]
    annotations = [json.loads(x) for x in (LABELLED / "annotations.jsonl").read_text().splitlines()]
    assert values["n_annotations"] == len(annotations)


def test_card_numbers_follow_the_files_when_they_change(tmp_path: Path) -> None:
    copy = tmp_path / "labelled"
    shutil.copytree(LABELLED, copy)
    lines = (copy / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    (copy / "sentences.jsonl").write_text("\n".join(lines[:100]) + "\n", encoding="utf-8")
    assert card_values(copy)["n_sentences"] == 100


def test_card_errors_are_actionable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="annotate pull"):
        card_values(tmp_path)
    bad = tmp_path / "t.md"
    bad.write_text("{no_such_value}")
    with pytest.raises(InputError, match="no_such_value"):
        render_card(LABELLED, bad)
