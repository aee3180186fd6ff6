"""Gold-label resolution: one label per sentence from its annotators' votes (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Statuses of a resolved sentence.
UNANNOTATED = "unannotated"  # no usable (non-cancelled, labelled) annotation
SINGLE = "single"  # one annotator
AGREED = "agreed"  # two or more annotators, all the same label
MAJORITY = "majority"  # annotators disagree, one label has strictly the most votes
TIE = "tie"  # annotators disagree and the top labels are tied: no gold until resolved
GROUND_TRUTH = "ground_truth"  # a ground_truth annotation in Label Studio decides


@dataclass(frozen=True)
class Vote:
    """One annotator's label for one sentence."""

    annotator: str
    label: str
    ground_truth: bool = False
    updated_at: str = ""


@dataclass(frozen=True)
class Resolution:
    """The gold label of one sentence and how it was reached."""

    gold: str | None
    status: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def disagreement(self) -> bool:
        """True when the annotators gave more than one distinct label."""
        return len(self.counts) > 1

    @property
    def needs_review(self) -> bool:
        """Disagreements (resolved or not) go to the review file."""
        return self.disagreement or self.status == TIE


def latest_per_annotator(votes: Iterable[Vote]) -> list[Vote]:
    """Keep each annotator's most recent vote (an annotator counts once per sentence)."""
    best: dict[str, Vote] = {}
    for vote in votes:
        old = best.get(vote.annotator)
        if old is None or vote.updated_at >= old.updated_at:
            best[vote.annotator] = vote
    return sorted(best.values(), key=lambda v: v.annotator)


def resolve(votes: Sequence[Vote]) -> Resolution:
    """Resolve one sentence: ground truth > unanimous > strict majority; a tie has no gold."""
    votes = latest_per_annotator(votes)
    counts = dict(Counter(v.label for v in votes))
    truths = sorted((v for v in votes if v.ground_truth), key=lambda v: v.updated_at)
    if truths:
        return Resolution(truths[-1].label, GROUND_TRUTH, counts)
    if not votes:
        return Resolution(None, UNANNOTATED, counts)
    if len(counts) == 1:
        return Resolution(votes[0].label, SINGLE if len(votes) == 1 else AGREED, counts)
    ranked = Counter(counts).most_common()
    if ranked[0][1] > ranked[1][1]:
        return Resolution(ranked[0][0], MAJORITY, counts)
    return Resolution(None, TIE, counts)
