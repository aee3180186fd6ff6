"""Compare sentence splitters on our text: boundary errors against the hand-checked list, and speed.

Run: python benchmarks/bench_splitters.py   (needs the `bench` extra: pysbd, blingfire, sentencex)

Errors count the hand-checked sentences a splitter did not produce exactly, plus the
sentences it produced that are not in the list. Speed is MB/s over all bundled articles
(line handling included), with the ratio to a naive regex splitter run in the same process.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from claimkit.clean import content_regions
from claimkit.segment import Span, _syntok_only, split_spans, syntok_spans

ROOT = Path(__file__).resolve().parents[1]
GOLD = json.loads((ROOT / "tests" / "data" / "boundaries.json").read_text(encoding="utf-8"))


def _walk(text: str, pieces: list[str]) -> list[Span]:
    """Locate returned sentence strings in ``text`` (for splitters that give no offsets)."""
    spans, cursor = [], 0
    for piece in (p.strip() for p in pieces):
        start = text.find(piece, cursor) if piece else -1
        if start >= 0:
            spans.append((start, start + len(piece)))
            cursor = start + len(piece)
    return spans


def regex_spans(text: str) -> list[Span]:
    """The naive baseline: split after . ! ? followed by a space and a capital."""
    spans, start = [], 0
    for m in re.finditer(r"[.!?][\"'’”]?\s+(?=[A-Z\"'‘“])", text):
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def candidates() -> dict[str, Callable[[str], list[Span]]]:
    try:
        import blingfire
        import pysbd
        import sentencex
    except ImportError as err:
        raise SystemExit(f"{err.name} is missing: pip install -e '.[bench]'") from None

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return {
        "regex (baseline)": regex_spans,
        "syntok 1.4.4": _syntok_only,
        "claimkit: syntok + easy path": syntok_spans,
        "pysbd 0.3.4": lambda t: _walk(t, segmenter.segment(t)),
        "blingfire 0.1.8": lambda t: (
            [tuple(o) for o in blingfire.text_to_sentences_and_offsets(t)[1]] if t.strip() else []
        ),
        "sentencex 1.0": lambda t: _walk(t, list(sentencex.segment("en", t))),
    }


def errors(splitter: Callable[[str], list[Span]]) -> tuple[int, int]:
    """(errors on the seed articles, errors on the hand-picked hard paragraphs)."""
    seed_errors = 0
    for stem, expected in GOLD["seeds"].items():
        text = (ROOT / "data" / "articles" / "seeds" / f"{stem}.txt").read_text(encoding="utf-8")
        got = [text[s:e] for s, e in split_spans(text, content_regions(text), splitter)]
        seed_errors += len(set(expected) ^ set(got))
    para_errors = 0
    for para in GOLD["paragraphs"]:
        got = [para["text"][s:e] for s, e in split_spans(para["text"], None, splitter)]
        para_errors += len(set(para["sentences"]) ^ set(got))
    return seed_errors, para_errors


def speed(splitter: Callable[[str], list[Span]], corpus: list[str]) -> float:
    """MB/s of UTF-8 text through ``split_spans`` with this splitter."""
    size = sum(len(t.encode()) for t in corpus) / 1e6
    began = time.perf_counter()
    for text in corpus:
        split_spans(text, None, splitter)
    return size / (time.perf_counter() - began)


def main() -> None:
    texts = [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "articles").rglob("*.txt"))
    ]
    corpus = texts * 10
    n_seed = sum(len(v) for v in GOLD["seeds"].values())
    n_para = sum(len(p["sentences"]) for p in GOLD["paragraphs"])
    print(f"hand-checked sentences: {n_seed} in the seed articles, {n_para} in hard paragraphs")
    print(
        f"speed corpus: {sum(len(t.encode()) for t in corpus) / 1e6:.2f} MB (bundled articles x10)\n"
    )
    print("| splitter | seed errors | hard-paragraph errors | MB/s | speed vs regex |")
    print("|---|---:|---:|---:|---:|")
    rows = {}
    for name, splitter in candidates().items():
        splitter("Warm up. Twice.")
        rows[name] = (*errors(splitter), speed(splitter, corpus))
    base = rows["regex (baseline)"][2]
    for name, (seed_err, para_err, mbs) in rows.items():
        print(f"| {name} | {seed_err} | {para_err} | {mbs:.2f} | {mbs / base:.2f}x |")


if __name__ == "__main__":
    main()
