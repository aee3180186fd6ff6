"""A sentence that knows the one before it."""

from __future__ import annotations

import pickle

from claimkit.context import InContext, in_context, in_order


def test_a_sentence_in_context_is_the_sentence_itself() -> None:
    s = InContext("We will fight it.", before='"It is a disgrace," he said.')
    assert s == "We will fight it." and isinstance(s, str) and len(s) == 17
    assert s.before == '"It is a disgrace," he said.'
    assert s.lower() == "we will fight it."  # str methods give plain strings
    assert not hasattr(s.lower(), "before")


def test_context_survives_pickling_for_worker_processes() -> None:
    s = pickle.loads(pickle.dumps(InContext("b", before="a")))
    assert isinstance(s, InContext) and s == "b" and s.before == "a"


def test_in_order_and_in_context() -> None:
    first, second = in_order(["One.", "Two."])
    assert (first.before, second.before) == ("", "One.")
    plain, known = in_context(["x", "y"], [None, "w"])
    assert type(plain) is str and known.before == "w"  # type: ignore[attr-defined]
