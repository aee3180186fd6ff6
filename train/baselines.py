"""Baselines scored in the same grouped folds as the model: majority class and cue-lexicon rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from models.lexicon import CATEGORY_LABELS, CueLexicon, rule_label


def majority_predict(train_labels: Sequence[str], n_test: int) -> list[str]:
    """The most frequent training label for every test row (ties: alphabetical, for repeatability)."""
    counts = Counter(train_labels)
    top = max(sorted(counts), key=lambda label: counts[label])
    return [top] * n_test


def rules_applicable(labels: Sequence[str]) -> bool:
    """The rule baseline needs at least one label the lexicon points to."""
    return bool(set(labels) & set(CATEGORY_LABELS.values()))


def rules_predict(
    train_labels: Sequence[str], texts: Sequence[str], lexicon: CueLexicon | None = None
) -> list[str]:
    """Label each text by its cues (opinion > speculative > attributed > confirmed).

    A sentence without a cue, or whose cue points to a label the data does not have, gets
    "confirmed" when the data has it, else the training majority label. So the rule baseline also
    runs on custom label sets that share some names with the guideline's four.
    """
    lexicon = lexicon or CueLexicon()
    known = set(train_labels)
    fallback = "confirmed" if "confirmed" in known else majority_predict(train_labels, 1)[0]
    predictions = []
    for text in texts:
        predictions.append(rule_label(lexicon, text, known) or fallback)
    return predictions
