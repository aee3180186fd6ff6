"""The held-out test split: which articles are never trained on, chosen once and written down.

The choice is a pure function of (article, topic, sentence count) and a seed: per topic, the
articles are shuffled with ``random.Random(seed)`` and the first ``ceil(fraction * n)`` (at
least one) become test articles. If that leaves fewer than ``min_articles`` articles or
``min_sentences`` sentences, more are taken round-robin over the topics in the same shuffled
order. Whole articles go to one side, so no article's sentences are on both.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from claimkit.datafiles import atomic_file
from claimkit.errors import InputError

Split = Literal["train", "test"]
SPLITS: tuple[Split, ...] = ("train", "test")
SPLIT_COLUMN = "split"


@dataclass(frozen=True)
class ArticleInfo:
    """What the split needs to know of one article."""

    article_id: str
    topic: str
    sentences: int


def topic_of(source: str) -> str:
    """An article's topic is the name of the folder it was read from."""
    return Path(source).parent.name or "."


def articles_of(records: Iterable[Mapping[str, Any]]) -> list[ArticleInfo]:
    """Group ingested sentence records (``article_id``, ``source``) into articles."""
    counts: dict[str, int] = {}
    topics: dict[str, str] = {}
    for record in records:
        article = str(record["article_id"])
        counts[article] = counts.get(article, 0) + 1
        topics.setdefault(article, topic_of(str(record["source"])))
    return [ArticleInfo(a, topics[a], counts[a]) for a in sorted(counts)]


def choose_test_articles(
    articles: Iterable[ArticleInfo],
    *,
    seed: int,
    fraction: float = 0.2,
    min_articles: int = 50,
    min_sentences: int = 1000,
) -> list[str]:
    """The test articles, sorted (see the module docstring for the procedure)."""
    if not 0 < fraction < 1:
        raise InputError(f"test fraction must be between 0 and 1 (got {fraction})")
    by_topic: dict[str, list[ArticleInfo]] = {}
    for info in sorted(articles, key=lambda a: a.article_id):
        by_topic.setdefault(info.topic, []).append(info)
    rng = random.Random(seed)
    queues = {}
    for topic in sorted(by_topic):
        shuffled = list(by_topic[topic])
        rng.shuffle(shuffled)
        queues[topic] = shuffled
    chosen: list[ArticleInfo] = []
    for queue in queues.values():
        take = max(1, math.ceil(fraction * len(queue)))
        chosen.extend(queue[:take])
        del queue[:take]
    while len(chosen) < min_articles or sum(a.sentences for a in chosen) < min_sentences:
        progressed = False
        for queue in queues.values():
            if queue:
                chosen.append(queue.pop(0))
                progressed = True
        if not progressed:
            break
    return sorted(a.article_id for a in chosen)


def write_split_file(
    path: str | Path, articles: Iterable[ArticleInfo], *, seed: int, fraction: float = 0.2
) -> dict[str, Any]:
    """Choose the test articles and write them with the procedure's inputs (JSON)."""
    infos = list(articles)
    test = choose_test_articles(infos, seed=seed, fraction=fraction)
    topics = sorted({a.topic for a in infos})
    test_set = set(test)
    content = {
        "procedure": "claimkit.split.choose_test_articles",
        "seed": seed,
        "fraction": fraction,
        "topics": {
            t: {
                "articles": sum(1 for a in infos if a.topic == t),
                "test_articles": sum(1 for a in infos if a.topic == t and a.article_id in test_set),
                "test_sentences": sum(
                    a.sentences for a in infos if a.topic == t and a.article_id in test_set
                ),
            }
            for t in topics
        },
        "test_articles": test,
    }
    with atomic_file(path) as handle:
        handle.write(json.dumps(content, indent=2) + "\n")
    return content


def read_test_articles(path: str | os.PathLike[str]) -> frozenset[str]:
    """The test article ids recorded in a split file."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
        return frozenset(str(a) for a in content["test_articles"])
    except FileNotFoundError:
        raise InputError(f"{path}: split file not found; pass the file `data/split.json`") from None
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(
            f"{path}: not a claimkit split file ({err}); it needs a 'test_articles' list"
        ) from None


def split_of(article_id: str, test_articles: frozenset[str]) -> Split:
    return "test" if article_id in test_articles else "train"


def choose_second_pass_articles(
    articles: Iterable[ArticleInfo],
    test_articles: frozenset[str],
    *,
    seed: int,
    fraction: float = 0.2,
) -> list[str]:
    """Training articles for a blind second pass: per topic, shuffled with ``seed``, taken whole
    until they hold at least ``fraction`` of that topic's training sentences."""
    by_topic: dict[str, list[ArticleInfo]] = {}
    for info in sorted(articles, key=lambda a: a.article_id):
        if info.article_id not in test_articles:
            by_topic.setdefault(info.topic, []).append(info)
    rng = random.Random(seed)
    chosen: list[str] = []
    for topic in sorted(by_topic):
        queue = list(by_topic[topic])
        rng.shuffle(queue)
        need = fraction * sum(a.sentences for a in queue)
        covered = 0
        for info in queue:
            if covered >= need:
                break
            chosen.append(info.article_id)
            covered += info.sentences
    return sorted(chosen)
