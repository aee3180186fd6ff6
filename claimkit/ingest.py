"""Articles in, one record per sentence out (a `datasets` folder, optionally JSONL too)."""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimkit.clean import content_regions, debris_spans
from claimkit.datafiles import atomic_dir, atomic_file, check_output, write_lines
from claimkit.errors import InputError
from claimkit.readers import DEFAULT_MAX_ARTICLE_BYTES, Article, Problem, read_articles
from claimkit.schema import SENTENCE_COLUMNS
from claimkit.segment import split_spans

COLUMNS = SENTENCE_COLUMNS


def sentence_id(article_id: str, text: str) -> str:
    """Stable id: the same sentence of the same article gets the same id everywhere."""
    digest = hashlib.sha1(f"{article_id}\n{text}".encode()).hexdigest()
    return f"s{digest[:16]}"


@dataclass
class Segmented:
    """The sentences of one article and what was left out of them."""

    records: list[dict[str, Any]]
    debris: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0


def _whole(text: str) -> list[tuple[int, int]]:
    stripped = text.strip()
    if not stripped:
        return []
    start = text.index(stripped[0])
    return [(start, start + len(stripped))]


def sentences_of(article: Article, presplit: bool = False) -> Segmented:
    """Split one article into sentence records (pure); ``presplit`` keeps its text as one sentence."""
    text = article.text
    debris = [] if presplit else debris_spans(text)
    spans = _whole(text) if presplit else split_spans(text, content_regions(text, debris))
    seen: set[str] = set()
    kept: list[tuple[int, int]] = []
    duplicates = 0
    for start, end in spans:
        if text[start:end] in seen:
            duplicates += 1
            continue
        seen.add(text[start:end])
        kept.append((start, end))
    sentences = [text[s:e] for s, e in kept]
    title = article.title or (sentences[0] if sentences else "")
    records = [
        {
            "sentence_id": sentence_id(article.article_id, sentence),
            "article_id": article.article_id,
            "index": i,
            "text": sentence,
            "start": start,
            "end": end,
            "context_before": sentences[i - 1] if i > 0 else "",
            "context_after": sentences[i + 1] if i + 1 < len(sentences) else "",
            "title": title,
            "source": article.source,
        }
        for i, (sentence, (start, end)) in enumerate(zip(sentences, kept, strict=True))
    ]
    return Segmented(records, Counter(d.rule for d in debris), duplicates)


@dataclass
class IngestReport:
    """What an ingest run read, wrote and skipped."""

    out: Path | None = None
    articles: int = 0
    sentences: int = 0
    duplicates: int = 0
    debris: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        dropped = ", ".join(f"{n} {rule}" for rule, n in sorted(self.debris.items())) or "none"
        lines = [
            f"articles: {self.articles}",
            f"sentences: {self.sentences}",
            f"debris dropped: {dropped}",
            f"duplicate sentences dropped: {self.duplicates}",
        ]
        if self.problems:
            lines.append(f"skipped with problems: {len(self.problems)}")
        if self.out is not None:
            lines.append(f"written: {self.out}")
        return "\n".join(lines)


def collect(
    paths: Iterable[str | Path],
    progress: bool = True,
    presplit: bool = False,
    max_article_bytes: int | None = DEFAULT_MAX_ARTICLE_BYTES,
) -> tuple[list[dict[str, Any]], IngestReport]:
    """Read and segment every article under ``paths``; bad files become problems."""
    from tqdm import tqdm

    report = IngestReport()
    records: list[dict[str, Any]] = []
    seen_ids: dict[str, str] = {}
    items = tqdm(
        read_articles(paths, max_bytes=max_article_bytes),
        desc="ingest",
        unit=" articles",
        disable=not progress or None,
    )
    for item in items:
        if isinstance(item, Problem):
            report.problems.append(item)
            continue
        if item.article_id in seen_ids:
            report.problems.append(
                Problem(
                    item.source,
                    f"article id {item.article_id!r} already used by {seen_ids[item.article_id]}; "
                    "rename one of the files (ids come from file names)",
                )
            )
            continue
        seen_ids[item.article_id] = item.source
        segmented = sentences_of(item, presplit=presplit)
        if not segmented.records:
            report.problems.append(
                Problem(item.source, "no sentences found after removing page debris")
            )
            continue
        records.extend(segmented.records)
        report.articles += 1
        report.sentences += len(segmented.records)
        report.duplicates += segmented.duplicates
        report.debris.update(segmented.debris)
    return records, report


def ingest(
    paths: Iterable[str | Path],
    out: str | Path,
    jsonl: str | Path | None = None,
    progress: bool = True,
    presplit: bool = False,
    force: bool = False,
    max_article_bytes: int | None = DEFAULT_MAX_ARTICLE_BYTES,
) -> IngestReport:
    """Turn articles into a sentence dataset at ``out`` (and ``jsonl``), written atomically.

    Both outputs are checked before any reading and published together: each is written in
    full to a temp file first, and neither replaces an old one if anything fails.
    ``presplit``: every input record is already one sentence (kept whole, no debris rules).
    """
    import datasets

    paths = list(paths)
    check_output(out, inputs=paths, folder=True, force=force)
    if jsonl is not None:
        check_output(jsonl, inputs=paths, folder=False, force=force, option="--jsonl")
        if Path(out).resolve() in Path(jsonl).resolve().parents:
            raise InputError(f"--jsonl {jsonl}: is inside --out {out}; write it beside the folder")
    records, report = collect(
        paths, progress=progress, presplit=presplit, max_article_bytes=max_article_bytes
    )
    if not records:
        detail = "; ".join(str(p) for p in report.problems[:3]) or "no input"
        raise InputError(f"nothing to write: no article could be read ({detail})")
    dataset = datasets.Dataset.from_list(records)
    datasets.disable_progress_bars()  # our own bar already showed the work; saving is instant
    with contextlib.ExitStack() as outputs:
        folder = outputs.enter_context(atomic_dir(out))
        if jsonl is not None:
            write_lines(outputs.enter_context(atomic_file(jsonl)), records)
        dataset.save_to_disk(str(folder))
    report.out = Path(out)
    return report
