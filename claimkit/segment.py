"""Sentence splitting with character offsets (pure; no I/O).

Lines come first: a line break ends a sentence unless the line is a hard wrap
(no end punctuation, and the next line starts in lower case). Bullet markers are
left out of the sentence. Inside a line, a sentence splitter from a maintained
library finds the boundaries (syntok; see the README for the measurements that
chose it). Every span satisfies ``text[start:end] == sentence``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Span = tuple[int, int]
Splitter = Callable[[str], list[Span]]

_BULLET = re.compile(r"[ \t]*(?:[-–—•*▪●◦]|\d{1,2}[.)])[ \t]+")
_HARD_WRAP_END = re.compile(r"[\w,;–—-]$")
_LOWER_START = re.compile(r"[ \t]*[a-z]")
_EDGE_SPACE = re.compile(r"^\s+|\s+$")
_HAS_WORD = re.compile(r"\w")


# Where a sentence could end inside a line; a line without one is a single sentence,
# and skipping the splitter for it saves most of the time on headlines and short lines.
_INNER_END = re.compile(r"[.!?…][\"'’”)\]]*\s+\S")


def syntok_spans(text: str) -> list[Span]:
    """syntok's sentences as spans; its tokens carry their offsets into ``text``."""
    if not _INNER_END.search(text):
        stripped = text.strip()
        return [(text.index(stripped), text.index(stripped) + len(stripped))] if stripped else []
    from syntok import segmenter

    spans = []
    for paragraph in segmenter.analyze(text):
        for sentence in paragraph:
            tokens = [t for t in sentence if t.value]
            if tokens:
                spans.append((tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
    return spans


def _blocks(text: str, start: int, end: int) -> Iterable[Span]:
    """Line-level blocks of text[start:end]; hard-wrapped lines are joined."""
    block_start = None
    previous_end = start
    for m in re.finditer(r"[^\n]+", text[start:end]):
        line_start, line_end = start + m.start(), start + m.end()
        if not text[line_start:line_end].strip():
            continue
        wrapped = (
            block_start is not None
            and _HARD_WRAP_END.search(text[block_start:previous_end].rstrip()) is not None
            and _LOWER_START.match(text, line_start) is not None
            and _BULLET.match(text, line_start) is None
        )
        if block_start is not None and not wrapped:
            yield block_start, previous_end
            block_start = None
        if block_start is None:
            block_start = line_start
        previous_end = line_end
    if block_start is not None:
        yield block_start, previous_end


def _trim(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    tail = len(piece) - len(piece.rstrip())
    start, end = start + lead, end - tail
    if end <= start or not _HAS_WORD.search(text, start, end):
        return None
    return start, end


def split_spans(
    text: str, regions: Iterable[Span] | None = None, splitter: Splitter = syntok_spans
) -> list[Span]:
    """Sentence spans of ``text``, looking only inside ``regions`` (default: all of it)."""
    spans: list[Span] = []
    for region_start, region_end in regions if regions is not None else [(0, len(text))]:
        for block_start, block_end in _blocks(text, region_start, region_end):
            bullet = _BULLET.match(text, block_start, block_end)
            if bullet:
                block_start = bullet.end()
            block = text[block_start:block_end]
            for s, e in splitter(block) if block.strip() else []:
                span = _trim(text, block_start + s, block_start + e)
                if span is not None:
                    spans.append(span)
    return spans


def split(text: str) -> list[str]:
    """The sentences of ``text`` as strings (a convenience over ``split_spans``)."""
    return [text[s:e] for s, e in split_spans(text)]
