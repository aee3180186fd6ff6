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
_HAS_WORD = re.compile(r"\w")
_LINE = re.compile(r"[^\n]+")


# Where a sentence could end inside a line; a line without one is a single sentence.
_INNER_END = re.compile(r"[.!?…][\"'’”)\]]*\s+\S")
# The easy boundaries: end punctuation (and closing quotes) before whitespace ...
_CANDIDATE = re.compile(r"[.!?…]+[\"'’”)\]]*(?=\s)")
# ... followed by a capital, possibly after an opening quote or bracket.
_NEXT_STARTS = re.compile(r"\s+[\"'‘“(]?[A-Z]")
_GLUED_END = re.compile(r"[.!?…][\"'’”)\]]*[A-Z]")
_WORD_BEFORE = re.compile(r"[\w.'’-]+[\"'’”)\]]*$")
# A character that can be part of a _WORD_BEFORE match: where to stop looking back.
_WORD_OR_CLOSING = re.compile(r"[\w.'’\-\"”)\]]")
_SPACES = re.compile(r"\s*")
# Words that end in a period without ending a sentence; any of them sends the line to syntok.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "vol",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "prof",
        "capt",
        "col",
        "lt",
        "sgt",
        "maj",
        "adm",
        "rev",
        "hon",
        "fig",
        "est",
        "approx",
        "dept",
        "univ",
        "ave",
        "mt",
        "ft",
        "pt",
        "op",
        "cf",
        "al",
    ]
)


def _easy_spans(text: str) -> list[Span] | None:
    """Spans of a line whose every inner boundary is unambiguous, else None (ask syntok).

    Unambiguous: end punctuation, then whitespace and a capital, after a word that cannot be an
    abbreviation. On all bundled text this gives exactly syntok's spans (a test checks it), at a
    tenth of the cost.
    """
    if _GLUED_END.search(text):  # "Loading...No": syntok splits without a space; let it decide
        return None
    begin, stop = len(text) - len(text.lstrip()), len(text.rstrip())
    spans, cursor = [], begin
    for m in _CANDIDATE.finditer(text, begin, stop):
        end = m.end()
        if end >= stop:
            break
        closing = len(m.group().lstrip(".!?…"))
        if "…" in m.group() or closing > 1 or not _NEXT_STARTS.match(text, end):
            return None
        if m.group()[0] == ".":
            before = _WORD_BEFORE.search(text, _word_start(text, m.start()), m.start())
            if before is None:
                return None
            word = before.group()
            core = word.strip("\"'’”)]-").lower()
            # "Gen." or "Oct." may be an abbreviation we do not list; "UK." or "BBC." is not
            short_capital = (
                len(core) <= 3 and core.isalpha() and word[0].isupper() and not word.isupper()
            )
            if "." in core or len(core) < 2 or core in _ABBREVIATIONS or short_capital:
                return None
        spans.append((cursor, end))
        spaces = _SPACES.match(text, end)
        cursor = spaces.end() if spaces else end
    spans.append((cursor, stop))
    return spans


def _word_start(text: str, end: int) -> int:
    """Where the run of word and closing characters that ends at ``end`` begins.

    A _WORD_BEFORE match cannot reach past it, so searching from there finds what a search from
    0 would, without rescanning the line for every boundary (that made splitting quadratic).
    """
    start = end
    while start > 0 and _WORD_OR_CLOSING.match(text, start - 1):
        start -= 1
    return start


def syntok_spans(text: str) -> list[Span]:
    """syntok's sentences as spans; its tokens carry their offsets into ``text``."""
    if not text.strip():
        return []
    if not _INNER_END.search(text):
        begin = len(text) - len(text.lstrip())
        return [(begin, len(text.rstrip()))]
    easy = _easy_spans(text)
    if easy is not None:
        return easy
    return _syntok_only(text)


def _syntok_only(text: str) -> list[Span]:
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
    previous_last = ""  # the last non-space character of the previous line
    for m in _LINE.finditer(text, start, end):
        line_start, line_end = m.start(), m.end()
        line = m.group().rstrip()
        if not line.strip():
            continue
        wrapped = (
            block_start is not None
            and _HARD_WRAP_END.match(previous_last) is not None
            and _LOWER_START.match(text, line_start) is not None
            and _BULLET.match(text, line_start) is None
        )
        if block_start is not None and not wrapped:
            yield block_start, previous_end
            block_start = None
        if block_start is None:
            block_start = line_start
        previous_end = line_end
        previous_last = line[-1]
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
