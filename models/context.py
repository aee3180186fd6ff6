"""Features read from the sentence before: its quotation state and speech frame.

A quotation often runs over several sentences: "It is a disgrace," he said. "We will fight it."
The second sentence has no speech frame of its own; the one before it has.
:class:`PreviousSentence` turns that neighbour (``claimkit.context.InContext.before``) into
columns. A plain ``str`` has no context and gets no column: the model reads it like an
article's first sentence, so a sentence passed alone still gets a prediction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from models.structure import feature_matrix, structure_of

# The previous sentence's structural features that tell who may be speaking now.
_CARRIED = (
    "quote:any",
    "quote:opens",
    "quote:closes",
    "quote:unbalanced",
    "quote:mostly_quoted",
    "frame:verb",
    "frame:according_to",
    "speaker:name",
    "speaker:official",
    "speaker:pronoun",
    "question",
)
FEATURES: tuple[str, ...] = (
    *(f"before:{name}" for name in _CARRIED),
    "before:quote_left_open",
)


def context_of(sentence: str) -> list[str]:
    """The context features (all binary) of one sentence (pure)."""
    before = getattr(sentence, "before", None)
    if before is None or not before.strip():
        # no sentence before (an article's first, or a sentence given alone): no columns, so
        # a sentence passed alone is read like the first of an article
        return []
    found = structure_of(before)
    out = [f"before:{name}" for name in _CARRIED if name in found]
    stripped = before.strip()
    # a quotation opened and not closed: the next sentence goes on quoting the same speaker
    if (
        "quote:unbalanced" in found
        and "quote:opens" in found
        and "quote:closes" not in found
        or stripped.count("“") > stripped.count("”")
    ):
        out.append("before:quote_left_open")
    return out


class PreviousSentence(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Binary columns for :data:`FEATURES` (stateless: ``fit`` learns nothing)."""

    def fit(self, X: Iterable[str], y: Any = None) -> PreviousSentence:
        self.n_features_out_ = len(FEATURES)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        return feature_matrix((dict.fromkeys(context_of(s), 1.0) for s in X), FEATURES)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(FEATURES, dtype=object)


# The next sentence's features that tell whether this one is part of a quotation it credits.
_CARRIED_AFTER = (
    "quote:any",
    "quote:opens",
    "quote:closes",
    "frame:verb",
    "frame:after_quote",
    "speaker:name",
    "speaker:official",
    "speaker:pronoun",
)
AFTER_FEATURES: tuple[str, ...] = (
    *(f"after:{name}" for name in _CARRIED_AFTER),
    "after:closes_a_quote_opened_here",
)


def after_of(sentence: str) -> list[str]:
    """The next-sentence features (all binary) of one sentence (pure)."""
    after = getattr(sentence, "after", None)
    if after is None or not after.strip():
        return []
    found = structure_of(after)
    out = [f"after:{name}" for name in _CARRIED_AFTER if name in found]
    here = structure_of(str(sentence))
    # this sentence opens a quotation and the next one closes it (and may credit it)
    opened_here = "quote:opens" in here and "quote:closes" not in here
    if opened_here and "quote:closes" in found and "quote:opens" not in found:
        out.append("after:closes_a_quote_opened_here")
    return out


class NextSentence(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Binary columns for :data:`AFTER_FEATURES` (stateless: ``fit`` learns nothing)."""

    def fit(self, X: Iterable[str], y: Any = None) -> NextSentence:
        self.n_features_out_ = len(AFTER_FEATURES)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        return feature_matrix((dict.fromkeys(after_of(s), 1.0) for s in X), AFTER_FEATURES)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(AFTER_FEATURES, dtype=object)
