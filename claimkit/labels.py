"""The label scheme: four labels, decided in this order of precedence."""

from __future__ import annotations

# Precedence order from the guideline: the first rule that applies wins.
LABELS: tuple[str, ...] = ("opinion", "speculative", "attributed", "confirmed")
HEDGED: frozenset[str] = frozenset({"opinion", "speculative", "attributed"})


def is_hedged(label: str) -> bool:
    """A sentence is hedged when its label is speculative, attributed or opinion."""
    return label in HEDGED
