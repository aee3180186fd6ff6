"""The cue lexicon and the scikit-learn transformer built on it.

The lexicon (``models/cue-lexicon.json``) is built by ``data/lexicon/build_lexicon.py`` from
general, licensed word lists (VADER, Pattern's subjectivity lexicon via TextBlob, the ``hedges``
and ``weasels`` lists) plus claimkit's own attribution verbs and hedging phrases; the file
records each entry's source and each source's licence. Each phrase belongs to one
category, and each category points toward one of the four labels of the guideline, so the same
lexicon drives the ``"cues"`` features of the model, the rule baseline of ``train`` and the cue
highlighting of the tagger. Feature names are ``"<category>:<phrase>"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
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
# whitespace; curly quotation marks and apostrophes match their straight forms. Longer phrases
# win over their prefixes ("would likely" over "would").
LEXICON_FILE = Path(__file__).with_name("cue-lexicon.json")


def _load_lexicon(path: Path = LEXICON_FILE) -> dict[str, tuple[str, ...]]:
    """Category -> phrases, from the built lexicon file (sources and rules recorded in it)."""
    built = json.loads(path.read_text(encoding="utf-8"))
    phrases: dict[str, list[str]] = {category: [] for category in CATEGORY_LABELS}
    for entry in built["entries"]:
        phrases[entry["category"]].append(entry["phrase"])
    return {category: tuple(p) for category, p in phrases.items()}


LEXICON: dict[str, tuple[str, ...]] = _load_lexicon()
# The lexicon of models trained before the phrases were stored in the model (claimkit <= 0.x,
# the first default model): they read their columns from it.
LEGACY_LEXICON_FILE = Path(__file__).with_name("cue-lexicon-v1.json")


# Tokens the lexicon is matched on: words with inner apostrophes, "?" and quotation marks.
_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*|[?\u201c\u201d\"]")
# Same-length replacements, so offsets in the normalised text are offsets in the original.
_STRAIGHT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
# The first lexicon told curly quotation marks apart (its models have a column for each).
_APOSTROPHE = str.maketrans({"\u2019": "'"})


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


def _lowered(text: str) -> str:
    """Lower case with the offsets of ``text`` (a character whose lower case is longer, like
    "İ", keeps only its first character)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower()[0] for c in text)
    return lowered


def _normalise(text: str, fold: dict[int, str] = _STRAIGHT) -> str:
    return " ".join(text.lower().split()).translate(fold)


class CueLexicon(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Binary lexicon-cue features: one column per ``"<category>:<phrase>"``.

    Stateless (``fit`` learns nothing), so it is safe inside cross-validation. ``lexicon=None``
    uses the built-in :data:`LEXICON`.
    """

    _fold = _STRAIGHT  # how quotation marks and apostrophes are folded before matching

    def __init__(self, lexicon: Mapping[str, Sequence[str]] | None = None) -> None:
        self.lexicon = lexicon

    # The compiled regex is rebuilt lazily and not pickled: smaller files, and the pickle does
    # not depend on the ``re`` module's internals.
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_compiled", None)
        state.pop("_arrays", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "n_features_out_" in state and "entries_" not in state:
            # fitted before models kept their phrases: matched as then (curly quotation marks
            # apart), with the lexicon of that time unless it was given its own
            state["_fold"] = _APOSTROPHE
            if state.get("lexicon") is None:
                state["lexicon"] = _load_lexicon(LEGACY_LEXICON_FILE)
        self.__dict__.update(state)

    def _entries(self) -> list[tuple[str, str]]:
        fitted = self.__dict__.get("entries_")
        if fitted is not None:  # the phrases this model was fitted with, whatever the file says now
            return [tuple(name.split(":", 1)) for name in fitted.split("\n")]  # type: ignore[misc]
        lexicon = LEXICON if self.lexicon is None else self.lexicon
        entries: list[tuple[str, str]] = []
        seen: dict[str, str] = {}
        for category, phrases in lexicon.items():
            for phrase in phrases:
                key = " ".join(_TOKEN.findall(_normalise(phrase, self._fold)))
                if not key:
                    raise ValueError(f"cue lexicon: phrase {phrase!r} has no word to match")
                if key in seen:
                    where = (
                        f"twice in {category!r}"
                        if seen[key] == category
                        else f"in both {seen[key]!r} and {category!r}"
                    )
                    raise ValueError(
                        f"cue lexicon: phrase {phrase!r} is {where} (curly and straight quotation "
                        "marks and apostrophes count as one)"
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
        self.__dict__.pop("entries_", None)
        self.__dict__.pop("_compiled", None)
        self.__dict__.pop("_arrays", None)
        names = self._compile()[1]
        # kept in the model (one string: small in a skops file), so a saved model reads the
        # columns it was trained on even after the lexicon file changes
        self.entries_ = "\n".join(names)
        self.n_features_out_ = len(names)
        return self

    def _matches(self, text: str, spelled: bool = True) -> list[tuple[int, int, int]]:
        """(feature index, start, end): leftmost-longest, non-overlapping, whitespace-joined.

        One pass over the sentence's tokens, one dict lookup per token (more only where a token
        starts a multi-word phrase); token positions are found only for sentences with a hit.
        ``spelled=False``: the caller knows (from :meth:`_hit_columns`) that no run of tokens
        in ``text`` spells a multi-word phrase, so every hit is a one-word phrase.
        """
        index, _, starts = self._compile()
        lowered = _lowered(text).translate(self._fold)
        tokens = _TOKEN.findall(lowered)
        if not spelled:
            get = index.get
            single = [(col, i) for i, token in enumerate(tokens) if (col := get(token)) is not None]
            if not single:
                return []
            at = token_positions(lowered, tokens[: single[-1][1] + 1])
            return [(col, at[i], at[i] + len(tokens[i])) for col, i in single]
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

    def _tables(self) -> tuple[dict[str, int], np.ndarray, np.ndarray, int, np.ndarray]:
        """The lexicon as arrays over token ids (0: a token no phrase uses): each token's
        one-word column (-1: none), the longest phrase it starts, the id base of phrase keys
        and the sorted keys of the multi-word phrases."""
        tables = self.__dict__.get("_arrays")
        if tables is None:
            index, _, starts = self._compile()
            ids: dict[str, int] = {}
            for phrase in index:
                for token in phrase.split(" "):
                    ids.setdefault(token, len(ids) + 1)
            single = np.full(len(ids) + 1, -1, dtype=np.int64)
            longest = np.zeros(len(ids) + 1, dtype=np.int64)
            base = len(ids) + 1
            keys = []
            for phrase, col in index.items():
                tokens = phrase.split(" ")
                if len(tokens) == 1:
                    single[ids[phrase]] = col
                    continue
                longest[ids[tokens[0]]] = starts[tokens[0]]
                key = 0
                for token in tokens:
                    key = key * base + ids[token]
                keys.append(key)
            if base ** max(2, int(longest.max())) >= 2**63:  # keys would not fit: no fast path
                ids = {}
            tables = (ids, single, longest, base, np.unique(np.asarray(keys, dtype=np.int64)))
            self.__dict__["_arrays"] = tables
        return tables  # type: ignore[no-any-return]

    def _hit_columns(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(text, column) of every hit :meth:`_matches` finds in ``texts``, for a batch at once,
        and which texts spell a multi-word phrase.

        A text in which no run of tokens spells a multi-word phrase has exactly its one-word
        phrases as hits (``_matches`` then never steps over a token): those come from one array
        lookup for the whole batch. Only texts that do hold a multi-word phrase, whose spacing
        and overlaps decide what matches, go through ``_matches`` itself.
        """
        ids, single, longest, base, phrase_keys = self._tables()
        if not ids:
            found = [(i, col) for i, t in enumerate(texts) for col, _, _ in self._matches(t)]
            return (
                np.asarray([i for i, _ in found], dtype=np.int64),
                np.asarray([col for _, col in found], dtype=np.int64),
                np.ones(len(texts), dtype=bool),
            )
        fold = self._fold
        findall = _TOKEN.findall
        per_text = [findall(_lowered(t).translate(fold)) for t in texts]
        lengths = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
        get = ids.get
        token = np.fromiter(
            (get(t, 0) for tokens in per_text for t in tokens),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        text = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        # texts where some run of tokens spells a multi-word phrase
        spelled = np.zeros(len(texts), dtype=bool)
        key = token.copy()
        for n in range(2, int(longest.max()) + 1):
            key = key[:-1] * base + token[n - 1 :]
            at = np.flatnonzero(longest[token[: len(key)]] >= n)
            at = at[text[at + n - 1] == text[at]]
            hit = at[np.isin(key[at], phrase_keys)]
            spelled[text[hit]] = True
        col = single[token]
        plain = (col >= 0) & ~spelled[text]
        rows: list[np.ndarray] = [text[plain]]
        cols: list[np.ndarray] = [col[plain]]
        for i in np.flatnonzero(spelled).tolist():
            matched = [c for c, _, _ in self._matches(texts[i])]
            rows.append(np.full(len(matched), i, dtype=np.int64))
            cols.append(np.asarray(matched, dtype=np.int64))
        return np.concatenate(rows), np.concatenate(cols), spelled

    def find(self, text: str, spelled: bool = True) -> list[tuple[str, int, int]]:
        """Cues in ``text`` as ``(feature_name, start, end)`` character offsets, in order
        (``spelled`` as in :meth:`_matches`)."""
        names = self._compile()[1]
        return [(names[col], start, end) for col, start, end in self._matches(text, spelled)]

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """1 where a phrase occurs in a text (however often), else 0."""
        return self.transform_spelled(X if isinstance(X, list) else list(X))[0]

    def transform_spelled(self, texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """:meth:`transform`, and which texts spell a multi-word phrase (see :meth:`find`)."""
        rows, cols, spelled = self._hit_columns(texts)
        data = np.ones(len(rows), dtype=np.float64)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(self._compile()[1])))
        matrix.data[:] = 1.0  # a phrase found twice is still 1
        return matrix, spelled

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
