"""Gold-label resolution rules."""

from __future__ import annotations

from annotate.resolve import Vote, resolve


def votes(*pairs: str, truth: str | None = None) -> list[Vote]:
    out = [Vote(f"ann{i}", label, updated_at=f"2026-01-0{i + 1}") for i, label in enumerate(pairs)]
    if truth:
        out.append(Vote("lead", truth, ground_truth=True, updated_at="2026-02-01"))
    return out


def test_unanimous_and_single():
    assert resolve(votes("opinion", "opinion")).gold == "opinion"
    assert resolve(votes("opinion", "opinion")).status == "agreed"
    assert resolve(votes("confirmed")).status == "single"
    assert not resolve(votes("confirmed")).needs_review


def test_majority_wins_but_goes_to_review():
    res = resolve(votes("speculative", "attributed", "speculative"))
    assert (res.gold, res.status, res.needs_review) == ("speculative", "majority", True)


def test_tie_has_no_gold():
    res = resolve(votes("speculative", "attributed"))
    assert (res.gold, res.status, res.needs_review) == (None, "tie", True)
    res = resolve(votes("speculative", "attributed", "opinion", "opinion", "attributed"))
    assert res.gold is None and res.status == "tie"


def test_ground_truth_resolves_a_tie():
    res = resolve(votes("speculative", "attributed", truth="attributed"))
    assert (res.gold, res.status, res.needs_review) == ("attributed", "ground_truth", True)


def test_an_annotator_counts_once_latest_wins():
    res = resolve(
        [
            Vote("a", "opinion", updated_at="2026-01-01"),
            Vote("a", "confirmed", updated_at="2026-01-03"),
            Vote("b", "confirmed", updated_at="2026-01-02"),
        ]
    )
    assert (res.gold, res.status, res.counts) == ("confirmed", "agreed", {"confirmed": 2})


def test_no_votes():
    assert resolve([]).gold is None and resolve([]).status == "unannotated"
