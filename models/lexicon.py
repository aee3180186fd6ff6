"""A small curated cue lexicon and the scikit-learn transformer built on it.

The lexicon is written for this project (no third-party word list). Each phrase belongs to one
category, and each category points toward one of the four labels of the guideline, so the same
lexicon drives the ``"cues"`` features of the model, the rule baseline of ``train`` and the cue
highlighting of the tagger. Feature names are ``"<category>:<phrase>"``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

# Category -> the label it points toward (guideline precedence: opinion > speculative > attributed).
CATEGORY_LABELS: dict[str, str] = {
    "evaluative": "opinion",
    "obligation": "opinion",
    "question": "opinion",
    "hedge": "speculative",
    "modal": "speculative",
    "attribution": "attributed",
    "quote": "attributed",
}

# Category -> the kind of stance a cue of it carries, as the report shows it.
CUE_KINDS: dict[str, str] = {
    "evaluative": "evaluation",
    "obligation": "obligation",
    "question": "question",
    "hedge": "hedge",
    "modal": "hedge",
    "attribution": "attribution",
    "quote": "attribution",
}

# Phrases are matched case-insensitively on word boundaries; a space matches any run of
# whitespace. Longer phrases win over their prefixes ("would likely" over "would").
LEXICON: dict[str, tuple[str, ...]] = {
    "evaluative": (
        "desperate",
        "desperately",
        "desperation",
        "staggering",
        "alarming",
        "alarmingly",
        "a sign of",
        "concerning",
        "worrying",
        "shocking",
        "disastrous",
        "catastrophic",
        "outrageous",
        "disgraceful",
        "shameful",
        "ridiculous",
        "absurd",
        "ludicrous",
        "nonsense",
        "farce",
        "appalling",
        "reckless",
        "humiliating",
        "embarrassing",
        "pathetic",
        "unacceptable",
        "disappointing",
        "spectacular",
        "spectacularly",
        "extraordinary",
        "remarkable",
        "smacks of",
        "kowtowing",
        "clearly",
        "obviously",
        "absolutely",
        "frankly",
        "of course",
        "sadly",
        "unfortunately",
        "fortunately",
    ),
    "obligation": (
        "should",
        "shouldn't",
        "should not",
        "must",
        "mustn't",
        "must not",
        "ought to",
        "need to",
        "needs to",
    ),
    "question": ("?",),
    "hedge": (
        "reportedly",
        "allegedly",
        "apparently",
        "possibly",
        "probably",
        "perhaps",
        "maybe",
        "likely",
        "unlikely",
        "would likely",
        "appear",
        "appears",
        "appeared",
        "appear to",
        "appears to",
        "seem",
        "seems",
        "seemed",
        "suggest",
        "suggests",
        "suggested",
        "suggesting",
        "believed",
        "believes",
        "it is believed",
        "thought to",
        "is thought",
        "are thought",
        "expected to",
        "is expected",
        "are expected",
        "estimated",
        "rumoured",
        "rumored",
        "unconfirmed",
        "unclear",
        "uncertain",
        "speculation",
        "speculate",
        "remains to be seen",
        "potentially",
        "may have",
        "could have",
        "might have",
        "understood to",
        "is understood",
        "reports suggest",
        "indicate",
        "indicates",
        "indicating",
        "predicted",
        "predict",
        "forecast",
        "projected",
    ),
    "modal": ("could", "may", "might", "would"),
    "attribution": (
        "said",
        "says",
        "say",
        "saying",
        "told",
        "tells",
        "claimed",
        "claims",
        "claim",
        "according to",
        "confirmed",
        "confirms",
        "reported",
        "reports",
        "warned",
        "warns",
        "stated",
        "states",
        "announced",
        "announces",
        "added",
        "insisted",
        "insists",
        "denied",
        "denies",
        "revealed",
        "reveals",
        "explained",
        "accused",
        "argued",
        "argues",
        "acknowledged",
        "admitted",
        "noted",
        "wrote",
        "writes",
        "urged",
        "called for",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "a source",
        "in a statement",
        "quoted",
        "asked",
        "replied",
        "responded",
    ),
    "quote": ("\u201c", "\u201d", '"'),
}


# Tokens the lexicon is matched on: words with inner apostrophes, "?" and quotation marks.
_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*|[?\u201c\u201d\"]")


def token_positions(text: str, tokens: list[str]) -> list[int]:
    """Where each token found by ``findall`` starts, for token patterns that cannot match in the
    text between two tokens (this lexicon's and the word vectorizer's): searching on from the
    previous token's end then finds exactly the next one, at C speed."""
    out = []
    at = 0
    find = text.find
    for token in tokens:
        at = find(token, at)
        out.append(at)
        at += len(token)
    return out


def _normalise(text: str) -> str:
    return " ".join(text.lower().split()).replace("\u2019", "'")


class CueLexicon(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Binary lexicon-cue features: one column per ``"<category>:<phrase>"``.

    Stateless (``fit`` learns nothing), so it is safe inside cross-validation. ``lexicon=None``
    uses the built-in :data:`LEXICON`.
    """

    def __init__(self, lexicon: Mapping[str, Sequence[str]] | None = None) -> None:
        self.lexicon = lexicon

    # The compiled regex is rebuilt lazily and not pickled: smaller files, and the pickle does
    # not depend on the ``re`` module's internals.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_compiled", None)
        return state

    def _entries(self) -> list[tuple[str, str]]:
        lexicon = LEXICON if self.lexicon is None else self.lexicon
        entries: list[tuple[str, str]] = []
        seen: dict[str, str] = {}
        for category, phrases in lexicon.items():
            for phrase in phrases:
                key = " ".join(_TOKEN.findall(_normalise(phrase)))
                if not key:
                    raise ValueError(f"cue lexicon: phrase {phrase!r} has no word to match")
                if key in seen:
                    raise ValueError(
                        f"cue lexicon: phrase {phrase!r} is in both {seen[key]!r} and {category!r}"
                    )
                seen[key] = category
                entries.append((category, key))
        return entries

    def _compile(self) -> tuple[dict[str, int], list[str], dict[str, int]]:
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            entries = self._entries()
            names = [f"{category}:{phrase}" for category, phrase in entries]
            index = {phrase: i for i, (_, phrase) in enumerate(entries)}
            # First word of each multi-word phrase -> its longest length in words, so the
            # common case (a word that starts no phrase) costs one dict lookup.
            starts: dict[str, int] = {}
            for phrase in index:
                words = phrase.split(" ")
                if len(words) > 1:
                    starts[words[0]] = max(starts.get(words[0], 0), len(words))
            compiled = (index, names, starts)
            self.__dict__["_compiled"] = compiled
        return compiled  # type: ignore[no-any-return]

    def fit(self, X: Iterable[str], y: Any = None) -> CueLexicon:
        self.n_features_out_ = len(self._compile()[1])
        return self

    def _matches(self, text: str) -> list[tuple[int, int, int]]:
        """(feature index, start, end): leftmost-longest, non-overlapping, whitespace-joined.

        One pass over the sentence's tokens, one dict lookup per token (more only where a token
        starts a multi-word phrase); token positions are found only for sentences with a hit.
        """
        index, _, starts = self._compile()
        lowered = text.lower()
        if len(lowered) != len(text):  # rare characters whose lower case is longer
            lowered = "".join(c.lower()[0] for c in text)
        lowered = lowered.replace("\u2019", "'")
        tokens = _TOKEN.findall(lowered)
        hits: list[tuple[int, int, int]] = []  # (feature, first token, last token + 1)
        i, count = 0, len(tokens)
        positions: list[int] | None = None
        while i < count:
            token = tokens[i]
            step = 1
            longest = starts.get(token, 0)
            for n in range(min(longest, count - i), 1, -1):
                col = index.get(" ".join(tokens[i : i + n]))
                if col is None:
                    continue
                if positions is None:
                    positions = token_positions(lowered, tokens)
                # words of a phrase are separated by whitespace only ("said, according" is
                # not "said according")
                if all(
                    lowered[positions[k] + len(tokens[k]) : positions[k + 1]].isspace()
                    for k in range(i, i + n - 1)
                ):
                    hits.append((col, i, i + n))
                    step = n
                    break
            else:
                col = index.get(token)
                if col is not None:
                    hits.append((col, i, i + 1))
            i += step
        if not hits:
            return []
        if positions is None:
            positions = token_positions(lowered, tokens)
        return [(col, positions[a], positions[b - 1] + len(tokens[b - 1])) for col, a, b in hits]

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """Cues in ``text`` as ``(feature_name, start, end)`` character offsets, in order."""
        names = self._compile()[1]
        return [(names[col], start, end) for col, start, end in self._matches(text)]

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        names = self._compile()[1]
        rows: list[int] = []
        cols: list[int] = []
        n = 0
        for n, text in enumerate(X, start=1):
            for col in sorted({col for col, _, _ in self._matches(text)}):
                rows.append(n - 1)
                cols.append(col)
        data = np.ones(len(rows), dtype=np.float64)
        return sp.csr_matrix((data, (rows, cols)), shape=(n, len(names)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(self._compile()[1], dtype=object)

    def label_of(self, feature_name: str) -> str:
        """The label a cue feature points toward (``"hedge:reportedly"`` -> ``"speculative"``)."""
        return CATEGORY_LABELS[feature_name.split(":", 1)[0]]


def rule_label(
    lexicon: CueLexicon, text: str, allowed: Collection[str] | None = None
) -> str | None:
    """The label the cues of ``text`` point to by guideline precedence, or None (no cue).

    ``allowed`` restricts the answer to labels a dataset actually has.
    """
    found = {CATEGORY_LABELS.get(name.split(":", 1)[0]) for name, _, _ in lexicon.find(text)}
    for label in ("opinion", "speculative", "attributed"):
        if label in found and (allowed is None or label in allowed):
            return label
    return None
