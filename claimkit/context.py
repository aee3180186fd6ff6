"""A sentence that knows its neighbours.

:class:`InContext` is a ``str`` (every text feature reads it as the sentence alone) that also
carries the previous sentence as ``before`` ("" for an article's first sentence) and the next as
``after`` ("" for the last; None when unknown). A plain ``str`` has no known context. The
model's context features (``models/context.py``) read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class InContext(str):
    """A sentence (the string itself) with the sentence before it and the one after it."""

    before: str
    after: str | None

    def __new__(cls, text: str, before: str = "", after: str | None = None) -> InContext:
        sentence = super().__new__(cls, text)
        sentence.before = str(before or "")
        sentence.after = None if after is None else str(after)
        return sentence

    def __reduce__(self) -> tuple[Any, tuple[str, str, str | None]]:
        return (InContext, (str(self), self.before, self.after))


def in_context(
    texts: Sequence[str],
    before: Sequence[str | None],
    after: Sequence[str | None] | None = None,
) -> list[str]:
    """``texts`` as :class:`InContext` sentences (None in ``before``: that one stays a plain str)."""
    nexts = after if after is not None else [None] * len(texts)
    return [
        t if b is None else InContext(t, b, a) for t, b, a in zip(texts, before, nexts, strict=True)
    ]


def in_order(sentences: Sequence[str]) -> list[str]:
    """Consecutive sentences of one text, each knowing the one before and the one after it."""
    last = len(sentences) - 1
    return [
        InContext(t, sentences[i - 1] if i else "", sentences[i + 1] if i < last else "")
        for i, t in enumerate(sentences)
    ]
