"""The label scheme: four labels, decided in this order of precedence."""

from __future__ import annotations

# Precedence order from the guideline: the first rule that applies wins.
LABELS: tuple[str, ...] = ("opinion", "speculative", "attributed", "confirmed")
# What a labels file says for a line that is not a sentence of the article (the guideline's Skip):
# it becomes a cancelled annotation, and the sentence gets no gold label from that annotator.
SKIP = "skip"
HEDGED: frozenset[str] = frozenset({"opinion", "speculative", "attributed"})


def is_hedged(label: str) -> bool:
    """A sentence is hedged when its label is speculative, attributed or opinion."""
    return label in HEDGED
