"""Web-page debris: the rules live here, as data, and only find spans.

Nothing is deleted from the article text. ``debris_spans`` returns the character
spans that are scraping debris, so the segmenter can skip them and every sentence
keeps offsets into the text as it was read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Credits that end a picture caption line: "(Picture: AP/Reuters)", "Picture: Ed Jones/AFP",
# "(Photo by ... / AFP)", "KCNA VIA KNS/AFP via Getty Images", "... Ukraine. AP", "@wartranslated / X".
_AGENCY = r"(?:AP|AFP|Reuters|EPA|PA|Getty(?: Images)?|Shutterstock|Alamy)"
_CREDIT = (
    r"(?:\((?:Picture|Photo|Image)s?(?::| by)[^()\n]*\)"  # (Picture: AP) / (Photo by X / AFP)
    r"|(?<=[.!?’”\"'])[ \t]+(?:Picture|Photo|Image)s?:[^\n]*"  # ... sentence. Picture: Ed Jones/AFP
    r"|(?<=[.!?’”\"'])[ \t]+(?:" + _AGENCY + r"(?:/" + _AGENCY + r")*"
    r"|[A-Z][A-Z /]*via Getty Images|@\w+ / X)"  # ... sentence. AP / KCNA VIA KNS/AFP via Getty Images
    r")[ \t]*$"
)

# A caption is one short line (the longest bundled one has 158 characters); without this bound a
# whole article scraped onto one line that happens to end in "Reuters." was dropped as a caption.
_SHORT_LINE = r"^(?=[^\n]{0,400}$)"


@dataclass(frozen=True)
class Rule:
    """One kind of debris: a name, a multiline regex, and a real line it was seen on."""

    name: str
    pattern: str
    example: str


# The whole-line rules match a line and its line break; prefix rules match only the prefix.
RULES: tuple[Rule, ...] = (
    Rule("navigation", r"^(?:Home World)[ \t]+", "Home World Why desperate Vladimir Putin ..."),
    Rule("navigation", r"^[ \t]*(?:Featured|NewsBite|Home|World)[ \t]*$\n?", "Featured"),
    Rule(
        "caption", _SHORT_LINE + r"[^\n]*" + _CREDIT + r"\n?", "... far east (Picture: AP/Reuters)"
    ),
    Rule("comment_box", r"^[ \t]*LEAVE A REPLY[ \t]*$\n?", "LEAVE A REPLY"),
    Rule(
        "comment_box",
        r"^[ \t]*Please enter your (?:comment!|name here)[ \t]*$\n?",
        "Please enter your comment!",
    ),
    Rule("related_posts", r"^[ \t]*Related Posts[ \t]*$\n?", "Related Posts"),
    Rule(
        "load_more",
        r"^[ \t]*Load More Posts[ \t]*Loading\.\.\.[ \t]*No More Posts\.?[ \t]*$\n?",
        "Load More Posts Loading...No More Posts.",
    ),
    Rule("source_link", r"^[ \t]*Source link[ \t]*$\n?", "Source link"),
    Rule(
        "popup_timer",
        r"^[ \t]*This will close in \d+ seconds?[ \t]*$\n?",
        "This will close in 0 seconds",
    ),
    Rule(
        "original_url",
        r"^[ \t]*Original URL:[^\n]*$\n?",
        "Original URL: https://www.news.com.au/...",
    ),
    Rule("lone_dot", r"^[ \t]*\.[ \t]*$\n?", "."),
)

_COMPILED = tuple((rule.name, re.compile(rule.pattern, re.MULTILINE)) for rule in RULES)
# Any rule's match is a match of this one, so where it finds nothing no rule does: most articles
# have no debris, and one scan says so for the cost of a quarter of the separate ones.
_ANY_RULE = re.compile("|".join(f"(?:{rule.pattern})" for rule in RULES), re.MULTILINE)
_CAPTION = re.compile(_SHORT_LINE + r"[^\n]*" + _CREDIT, re.MULTILINE)
_LINE = re.compile(r"[^\n]*\n?")
_TERMINAL = re.compile(r"[.!?:;’”\"')\]]\s*$")


@dataclass(frozen=True)
class Debris:
    """A span of the article text that is not article content."""

    start: int
    end: int
    rule: str


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _LINE.finditer(text):
        if m.start() == m.end():
            continue
        yield m.start(), m.end(), m.group().rstrip("\n")


def _repeated_lines(text: str) -> Iterator[Debris]:
    """A non-empty line that repeats the line right before it (captions often do)."""
    previous = None
    for start, end, line in _lines(text):
        stripped = line.strip()
        if stripped and stripped == previous:
            yield Debris(start, end, "repeated_line")
        if stripped:
            previous = stripped


def _alt_text_lines(text: str) -> Iterator[Debris]:
    """An image's alt text: a line without end punctuation right above a credited caption."""
    lines = [(s, e, line) for s, e, line in _lines(text) if line.strip()]
    for (start, end, line), (_, _, following) in zip(lines, lines[1:], strict=False):
        if _CAPTION.match(following) and not _TERMINAL.search(line) and not _CAPTION.match(line):
            yield Debris(start, end, "caption")


def debris_spans(text: str) -> list[Debris]:
    """All debris spans of ``text``, sorted and without overlaps."""
    found: list[Debris] = []
    if _ANY_RULE.search(text):
        for name, regex in _COMPILED:
            found.extend(
                Debris(m.start(), m.end(), name)
                for m in regex.finditer(text)
                if m.end() > m.start()
            )
    found.extend(_repeated_lines(text))
    # alt text needs a caption line after it, and every such line is a match of the caption rule
    if any(d.rule == "caption" for d in found):
        found.extend(_alt_text_lines(text))
    found.sort(key=lambda d: (d.start, -d.end))
    merged: list[Debris] = []
    for span in found:
        if merged and span.start < merged[-1].end:
            if span.end > merged[-1].end:
                last = merged[-1]
                merged[-1] = Debris(last.start, span.end, last.rule)
            continue
        merged.append(span)
    return merged


def content_regions(text: str, debris: list[Debris] | None = None) -> list[tuple[int, int]]:
    """The spans of ``text`` left once the debris is skipped."""
    spans = debris_spans(text) if debris is None else debris
    regions, cursor = [], 0
    for span in spans:
        if span.start > cursor:
            regions.append((cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < len(text):
        regions.append((cursor, len(text)))
    return regions
