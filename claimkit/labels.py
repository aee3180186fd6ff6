"""The label scheme: four labels, decided in this order of precedence."""

from __future__ import annotations

from collections.abc import Iterable

# Precedence order from the guideline: the first rule that applies wins.
LABELS: tuple[str, ...] = ("opinion", "speculative", "attributed", "confirmed")
# What a labels file says for a line that is not a sentence of the article (the guideline's Skip):
# it becomes a cancelled annotation, and the sentence gets no gold label from that annotator.
SKIP = "skip"
HEDGED: frozenset[str] = frozenset({"opinion", "speculative", "attributed"})


def is_hedged(label: str) -> bool:
    """A sentence is hedged when its label is speculative, attributed or opinion."""
    return label in HEDGED


def ordered_labels(labels: Iterable[str]) -> list[str]:
    """The guideline's order (opinion, speculative, attributed, confirmed) first, then the rest."""
    labels = list(labels)
    return [x for x in LABELS if x in labels] + [x for x in labels if x not in LABELS]
