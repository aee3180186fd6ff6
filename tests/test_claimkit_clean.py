"""Debris rules: each rule drops what it should on seed text, and real sentences stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimkit.clean import RULES, content_regions, debris_spans
from claimkit.ingest import sentences_of
from claimkit.readers import read_file

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"
BBC = ROOT / "data" / "articles" / "bbc-politics"
DATA = Path(__file__).with_name("data")


def seed_text(stem: str) -> str:
    return (SEEDS / f"{stem}.txt").read_text(encoding="utf-8")


def sentences(path: Path) -> list[str]:
    (article,) = list(read_file(path))
    return [r["text"] for r in sentences_of(article).records]  # type: ignore[arg-type]


def dropped(text: str) -> list[tuple[str, str]]:
    return [(d.rule, text[d.start : d.end].strip()) for d in debris_spans(text)]


# (seed file, debris line as it appears, rule that must drop it): tests/data/debris.jsonl
DEBRIS = [
    (row["stem"], row["line"], row["rule"])
    for row in map(json.loads, (DATA / "debris.jsonl").read_text(encoding="utf-8").splitlines())
]


@pytest.mark.parametrize(
    ("stem", "line", "rule"), DEBRIS, ids=[f"{r}:{line[:30]}" for _, line, r in DEBRIS]
)
def test_debris_line_is_dropped_by_its_rule(stem: str, line: str, rule: str) -> None:
    assert line in seed_text(stem)
    assert (rule, line) in dropped(seed_text(stem))


def test_every_rule_is_exercised_by_the_seed_tests() -> None:
    assert {r.name for r in RULES} | {"repeated_line"} == {rule for _, _, rule in DEBRIS}


def test_caption_text_does_not_become_a_sentence() -> None:
    got = sentences(SEEDS / "metro-putin-north-korean-troops.txt")
    assert not any("Picture" in s or "Kim Jong Un poses" in s for s in got)


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        (
            SEEDS / "newscomau-north-korean-troops-poorly-trained.txt",
            "The cooperation between the two nations, one of which has one of the most questionable human rights records in the world today, has painted a dire picture for advocates of peace and progress.",
        ),
        (
            BBC / "bbc-politics-165.txt",
            "The police's job against alcohol-related crime would be made easier if all pubs did not close at the same time, she added.",
        ),
        (
            BBC / "bbc-politics-074.txt",
            "In July, the BBC documentary Secret Agent featured covertly-filmed footage of BNP activists.",
        ),
        (
            BBC / "bbc-politics-081.txt",
            'The party has been "agnostic" on the issue until now but had now decided to come off the fence, the Tory source said.',
        ),
        (
            SEEDS / "newscomau-north-korean-troops-poorly-trained.txt",
            "Putin’s reluctance to call for another full-scale mobilisation is seen as a way to avoid further political fallout.",
        ),
    ],
)
def test_real_sentences_with_debris_words_stay(path: Path, sentence: str) -> None:
    assert sentence in sentences(path)


def test_prefix_rule_keeps_the_rest_of_the_line() -> None:
    text = seed_text("independent-putin-north-korea-backfire")
    first_region = content_regions(text)[0]
    assert text[first_region[0] :].startswith("Why desperate Vladimir Putin")


def test_a_sentence_starting_with_a_navigation_word_stays() -> None:
    text = "Featured prominently in the report were the costs.\nHome of the brave.\n"
    assert dropped(text) == []


def test_a_whole_article_on_one_line_is_not_a_caption_because_it_ends_in_an_agency() -> None:
    # scraped pages often lose their line breaks; the last sentence may end in a credit word
    article = " ".join(["The minister said the talks would resume on Monday."] * 20) + " AP"
    assert debris_spans(article) == []
    assert [d.rule for d in debris_spans("Troops march in Pyongyang. AP\nText.")] == ["caption"]
