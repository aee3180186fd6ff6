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
MODERN = ROOT / "data" / "modern-news" / "labelled"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return list(load_table(LABELLED))


def test_ids_match_a_fresh_ingest_of_the_bundled_articles(rows: list[dict]) -> None:
    fresh, _ = collect([ROOT / "data" / "articles"], progress=False)
    texts = {r["sentence_id"]: r["text"] for r in fresh}
    assert all(texts[r["sentence_id"]] == r["text"] for r in rows)
    # every ingested sentence is labelled, except those the annotators skipped as debris
    provenance = json.loads((LABELLED / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["counts"]["tasks"] == len(fresh)
    assert len(fresh) - len(rows) == provenance["counts"]["skipped"] < 50


def test_every_article_has_its_split_and_the_split_file_is_honoured(rows: list[dict]) -> None:
    from claimkit.split import read_test_articles

    test_articles = read_test_articles(ROOT / "data" / "split.json")
    assert {r["article_id"] for r in rows if r["split"] == "test"} == test_articles
    assert all((r["split"] == "test") == (r["article_id"] in test_articles) for r in rows)
    test_rows = [r for r in rows if r["split"] == "test"]
    assert len(test_articles) >= 50 and len(test_rows) >= 1000
    assert all(r["n_annotations"] >= 2 for r in test_rows)  # every test sentence twice


def test_at_least_six_thousand_gold_sentences(rows: list[dict]) -> None:
    assert len(rows) >= 6000


def test_the_split_is_what_its_seeded_procedure_gives() -> None:
    from claimkit.split import articles_of, choose_test_articles

    fresh, _ = collect([ROOT / "data" / "articles"], progress=False)
    split = json.loads((ROOT / "data" / "split.json").read_text(encoding="utf-8"))
    chosen = choose_test_articles(
        articles_of(fresh), seed=split["seed"], fraction=split["fraction"]
    )
    assert chosen == split["test_articles"]


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


@pytest.mark.parametrize(
    ("folder", "template"),
    [
        (LABELLED, TEMPLATE),
        (MODERN, MODERN / ".." / "labels" / "DATA_CARD.template.md"),
    ],
    ids=["labelled", "modern-news"],
)
def test_the_committed_card_is_what_the_files_give(folder: Path, template: Path) -> None:
    assert (folder / "DATA_CARD.md").read_text(encoding="utf-8") == render_card(folder, template)


def test_topic_and_split_tables_equal_the_files(rows: list[dict]) -> None:
    values = card_values(LABELLED)
    for split in ("train", "test"):
        part = [r for r in rows if r["split"] == split]
        counts = Counter(r["label"] for r in part)
        articles = len({r["article_id"] for r in part})
        cells = " | ".join(str(counts[lab]) for lab in LABELS)
        assert f"| {split} | {articles} | {len(part)} | {cells} |" in values["split_table"]
    for topic in ("bbc-business", "bbc-sport", "seeds"):
        part = [r for r in rows if f"/{topic}/" in r["source"]]
        assert (
            f"| {topic} | {len({r['article_id'] for r in part})} | {len(part)} |"
            in values["topic_table"]
        )


def test_the_modern_news_set_is_labelled_twice_and_kept_apart() -> None:
    modern = list(load_table(MODERN))
    assert len(modern) >= 1250
    assert all(r["n_annotations"] >= 2 for r in modern)
    assert (MODERN.parent / "LICENSE-CC-BY-NC-SA-4.0.txt").is_file()
    shipped = json.loads((ROOT / "models" / "default" / "manifest.json").read_text())
    assert shipped["data"]["source"] == "data/labelled"  # trained on the BBC data, not this set


def test_card_counts_equal_the_files(rows: list[dict]) -> None:
    values = card_values(LABELLED)
    assert values["n_sentences"] == len(rows) == values["n_gold"]
    assert values["n_articles"] == len({r["article_id"] for r in rows})
    counts = Counter(r["label"] for r in rows)
    for label in LABELS:
        assert f"| {label} | {counts[label]} |" in values["label_table"]
    annotations = [json.loads(x) for x in (LABELLED / "annotations.jsonl").read_text().splitlines()]
    assert values["n_annotations"] == sum(not a["cancelled"] for a in annotations)


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


@pytest.mark.parametrize(
    "folder", ["bbc-business", "bbc-entertainment", "bbc-politics", "bbc-sport", "bbc-tech"]
)
def test_article_cards_count_their_files(folder: str) -> None:
    path = ROOT / "data" / "articles" / folder
    files = sorted(path.glob("*.txt"))
    _, report = collect([path], progress=False)
    card = (path / "README.md").read_text(encoding="utf-8")
    assert f"| articles | {len(files)} |" in card
    assert f"| bytes | {sum(f.stat().st_size for f in files):,} |" in card
    assert f"| sentences after `claimkit ingest` | {report.sentences:,} |" in card
