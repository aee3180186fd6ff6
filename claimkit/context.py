"""A sentence that knows the sentence before it.

:class:`InContext` is a ``str`` (every text feature reads it as the sentence alone) that also
carries the previous sentence as ``before`` ("" for an article's first sentence). A plain
``str`` has no known context. The model's context features (``models/context.py``) read it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class InContext(str):
    """A sentence (the string itself) with the sentence before it (``before``, "" at the start)."""

    before: str

    def __new__(cls, text: str, before: str = "") -> InContext:
        sentence = super().__new__(cls, text)
        sentence.before = str(before or "")
        return sentence

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return (InContext, (str(self), self.before))


def in_context(texts: Sequence[str], before: Sequence[str | None]) -> list[str]:
    """``texts`` as :class:`InContext` sentences (None in ``before``: that one stays a plain str)."""
    return [t if b is None else InContext(t, b) for t, b in zip(texts, before, strict=True)]


def in_order(sentences: Sequence[str]) -> list[str]:
    """Consecutive sentences of one text, each knowing the one before it."""
    return [InContext(t, sentences[i - 1] if i else "") for i, t in enumerate(sentences)]
