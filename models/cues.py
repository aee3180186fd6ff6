"""Cue attribution: which words of a sentence pushed the model toward the label it predicted.

For a linear model the score of class ``k`` is ``b_k + sum_j coef[k, j] * x_j``, so the
contribution of feature ``j`` present in a sentence is exactly ``coef[k, j] * x_j`` (``x`` is the
sentence's row of the fitted feature union, TF-IDF weights included). For a binary model the
predicted class's coefficient is ``+coef`` for ``classes_[1]`` and ``-coef`` for ``classes_[0]``
(log-odds). For multinomial L2-penalised logistic regression the per-feature coefficients sum to
zero over classes, so ``coef[k, j]`` is already relative to the other classes.

Each contributing feature is mapped back to where it occurs in the sentence:

- ``words__<n-gram>``: the token sequence, found with the vectorizer's own preprocessor and
  token pattern (``models.features.TOKEN_PATTERN``) over the lowercased text, stop words removed
  as the vectorizer does; the span runs from the first to the last token.
- ``chars__<ngram>``: every occurrence of the character n-gram, widened to the word that
  contains it (char_wb n-grams never cross whitespace; surrounding punctuation is trimmed).
- ``cues__<category>:<phrase>``: the spans the lexicon transformer's ``find(text)`` reports.

A feature that occurs several times shares its contribution equally among its occurrences;
contributions that land on the same span are summed into one :class:`Cue`, which lists the
features behind it. Only positive contributions are cues; the ``max_features`` largest per
sentence are mapped (vectorised selection; string work only for those), so every reported
weight is a real part of the model's score, and the top ones are returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

WORDS, CHARS, LEXICON, OTHER = 0, 1, 2, 3
_WS = re.compile(r"\s")
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


@dataclass(frozen=True, slots=True)
class Cue:
    """A span of a sentence (or article) that pushed the prediction toward its label.

    ``start``/``end`` index the sentence for ``Tagger.predict`` and the article for
    ``Tagger.tag``; ``weight`` is the summed contribution (coefficient x feature value) of the
    model ``features`` that map to this span.
    """

    text: str
    start: int
    end: int
    weight: float
    features: tuple[str, ...] = ()

    def shifted(self, offset: int) -> Cue:
        return Cue(self.text, self.start + offset, self.end + offset, self.weight, self.features)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "weight": round(self.weight, 6),
            "features": list(self.features),
        }


@dataclass
class _Member:
    name: str
    kind: int
    transformer: Any
    offset: int
    size: int
    preprocess: Callable[[str], str] | None = None
    token_re: re.Pattern[str] | None = None
    stop_words: frozenset[str] = frozenset()
    names: Any = None  # lazily: the member's own feature names (numpy object array)


def _token_pattern() -> str:
    try:
        from models.features import TOKEN_PATTERN

        return str(TOKEN_PATTERN)
    except ImportError:  # features.py not there yet: sklearn's default, as the contract allows
        return _DEFAULT_TOKEN_PATTERN


def _kind_of(name: str, transformer: Any) -> int:
    if hasattr(transformer, "find"):
        return LEXICON
    analyzer = getattr(transformer, "analyzer", None)
    if analyzer == "word":
        return WORDS
    if analyzer in ("char_wb", "char"):
        return CHARS
    return {"words": WORDS, "chars": CHARS, "cues": LEXICON}.get(name, OTHER)


def _map_offsets(text: str, preprocess: Callable[[str], str]) -> tuple[str, list[int] | None]:
    """Preprocess ``text``; when the length changes, also return processed->original offsets."""
    processed = preprocess(text)
    if len(processed) == len(text):
        return processed, None
    # Lowercasing/accents are per character; redo it per character to keep a position map.
    pieces: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        p = preprocess(ch)
        pieces.append(p)
        index.extend([i] * len(p))
    index.append(len(text))
    return "".join(pieces), index


class CueExplainer:
    """Vectorised contributions + span mapping for one fitted ``Pipeline([features, clf])``."""

    def __init__(self, pipeline: Any, max_cues: int = 5, max_features: int = 24) -> None:
        self.max_cues = max_cues
        self.max_features = max_features
        features = pipeline[:-1]
        clf = pipeline[-1]
        union = features[-1] if hasattr(features, "steps") else features
        self.members = self._members(union)
        coef = np.asarray(clf.coef_, dtype=np.float64)
        if coef.shape[0] == 1 and len(clf.classes_) == 2:
            coef = np.vstack([-coef[0], coef[0]])
        self.class_coef = np.ascontiguousarray(coef)
        n_features = self.class_coef.shape[1]
        self.member_of = np.full(n_features, len(self.members), dtype=np.int32)
        for i, m in enumerate(self.members):
            self.member_of[m.offset : m.offset + m.size] = i
        self._parsed: dict[int, tuple[int, Any]] = {}

    # ---------------------------------------------------------------- structure
    def _members(self, union: Any) -> list[_Member]:
        if hasattr(union, "transformer_list"):
            items = [(n, t) for n, t in union.transformer_list if t not in ("drop", None)]
        else:
            items = [("features", union)]
        token_pattern = _token_pattern()
        members: list[_Member] = []
        offset = 0
        for name, t in items:
            size = len(t.get_feature_names_out())
            kind = _kind_of(name, t)
            m = _Member(name=name, kind=kind, transformer=t, offset=offset, size=size)
            if kind in (WORDS, CHARS) and hasattr(t, "build_preprocessor"):
                m.preprocess = t.build_preprocessor()
            if kind == WORDS:
                pattern = getattr(t, "token_pattern", None) or token_pattern
                m.token_re = re.compile(pattern)
                sw = t.get_stop_words() if hasattr(t, "get_stop_words") else None
                m.stop_words = frozenset(sw or ())
            members.append(m)
            offset += size
        return members

    def _parse(self, j: int) -> tuple[int, Any]:
        got = self._parsed.get(j)
        if got is not None:
            return got
        mi = int(self.member_of[j])
        if mi >= len(self.members):
            got = (OTHER, None)
        else:
            m = self.members[mi]
            if m.names is None:
                m.names = m.transformer.get_feature_names_out()
            raw = str(m.names[j - m.offset])
            got = (m.kind, tuple(raw.split(" ")) if m.kind == WORDS else raw)
        self._parsed[j] = got
        return got

    def feature_name(self, j: int) -> str:
        mi = int(self.member_of[j])
        if mi >= len(self.members):
            return f"feature_{j}"
        m = self.members[mi]
        if m.names is None:
            m.names = m.transformer.get_feature_names_out()
        return f"{m.name}__{m.names[j - m.offset]}"

    # ---------------------------------------------------------------- numbers
    def top_contributions(
        self, X: Any, predicted: np.ndarray
    ) -> tuple[list[int], list[int], list[float]]:
        """Per row, the ``max_features`` largest positive contributions toward ``predicted``.

        Returns CSR-like ``(indptr, feature_indices, weights)`` as plain lists.
        """
        X = X.tocsr()
        n = X.shape[0]
        counts = np.diff(X.indptr)
        rows = np.repeat(np.arange(n, dtype=np.int64), counts)
        contrib = (
            X.data.astype(np.float64, copy=False) * self.class_coef[predicted[rows], X.indices]
        )
        keep = contrib > 0
        rows, cols, contrib = rows[keep], X.indices[keep], contrib[keep]
        if contrib.size:
            # One sort for the batch: by row, then by contribution descending.
            span = float(contrib.max()) * 2.0 + 1.0
            order = np.argsort(rows * span - contrib, kind="stable")
            rows, cols, contrib = rows[order], cols[order], contrib[order]
        per_row = np.bincount(rows, minlength=n)
        starts = np.concatenate([[0], np.cumsum(per_row)])
        take = np.minimum(per_row, self.max_features)
        if contrib.size and (per_row > self.max_features).any():
            mask = (np.arange(rows.size) - starts[rows]) < take[rows]
            cols, contrib = cols[mask], contrib[mask]
        indptr = np.concatenate([[0], np.cumsum(take)])
        return indptr.tolist(), cols.tolist(), contrib.tolist()

    # ---------------------------------------------------------------- spans
    def cues(self, text: str, features: Sequence[int], weights: Sequence[float]) -> list[Cue]:
        """Map contributing features of one sentence to merged, ranked spans of ``text``."""
        if not features:
            return []
        spans: dict[tuple[int, int], list[Any]] = {}
        state = _SentenceState(text)
        for j, w in zip(features, weights, strict=True):
            kind, key = self._parse(j)
            if kind == WORDS:
                found = state.word_spans(self.members[int(self.member_of[j])], key)
            elif kind == CHARS:
                found = state.char_spans(self.members[int(self.member_of[j])], key)
            elif kind == LEXICON:
                found = state.lexicon_spans(self.members[int(self.member_of[j])], key)
            else:
                found = []
            if not found:
                continue
            share = w / len(found)
            name = self.feature_name(j)
            for s in found:
                slot = spans.get(s)
                if slot is None:
                    spans[s] = [share, [name]]
                else:
                    slot[0] += share
                    if name not in slot[1]:
                        slot[1].append(name)
        ranked = sorted(spans.items(), key=lambda kv: (-kv[1][0], kv[0]))[: self.max_cues]
        return [Cue(text[s:e], s, e, float(w), tuple(names)) for (s, e), (w, names) in ranked]


class _SentenceState:
    """Per-sentence caches so each member tokenises/preprocesses a sentence at most once."""

    __slots__ = ("text", "_tokens", "_chars", "_lexicon")

    def __init__(self, text: str) -> None:
        self.text = text
        self._tokens: dict[str, Any] = {}
        self._chars: dict[str, Any] = {}
        self._lexicon: dict[str, dict[str, list[tuple[int, int]]]] = {}

    def _orig(self, index: list[int] | None, start: int, end: int) -> tuple[int, int]:
        if index is None:
            return start, end
        return index[start], index[end - 1] + 1

    def word_spans(self, m: _Member, ngram: tuple[str, ...]) -> list[tuple[int, int]]:
        got = self._tokens.get(m.name)
        if got is None:
            processed, index = _map_offsets(self.text, m.preprocess or str.lower)
            assert m.token_re is not None
            toks: list[tuple[str, int, int]] = []
            for mt in m.token_re.finditer(processed):
                s, e = mt.span(1) if m.token_re.groups == 1 else mt.span()
                tok = processed[s:e]
                if tok not in m.stop_words:
                    toks.append((tok, s, e))
            first: dict[str, list[int]] = {}
            for i, (tok, _, _) in enumerate(toks):
                first.setdefault(tok, []).append(i)
            got = (toks, first, index)
            self._tokens[m.name] = got
        toks, first, index = got
        n = len(ngram)
        out = []
        for i in first.get(ngram[0], ()):
            if i + n <= len(toks) and all(toks[i + k][0] == ngram[k] for k in range(1, n)):
                out.append(self._orig(index, toks[i][1], toks[i + n - 1][2]))
        return out

    def char_spans(self, m: _Member, gram: str) -> list[tuple[int, int]]:
        got = self._chars.get(m.name)
        if got is None:
            processed, index = _map_offsets(self.text, m.preprocess or str.lower)
            # Pad and turn every whitespace char into " " (same length) so a char_wb n-gram's
            # padding spaces match word boundaries exactly.
            got = (" " + _WS.sub(" ", processed) + " ", index)
            self._chars[m.name] = got
        padded, index = got
        out: list[tuple[int, int]] = []
        at = padded.find(gram)
        while at != -1:
            # All in padded coordinates (processed = padded - 1); drop the padding spaces.
            cs = at + 1 if gram[0] == " " else at
            ce = at + len(gram) - 1 if gram[-1] == " " else at + len(gram)
            if ce > cs:
                # Widen to the whitespace-delimited word containing the n-gram, minus punctuation.
                ws = padded.rfind(" ", 0, cs) + 1
                we = padded.find(" ", ce)
                ts, te = _trim(padded, ws, we)
                if te > ts and ts < ce and cs < te:  # the word really holds the n-gram
                    out.append(self._orig(index, ts - 1, te - 1))
                else:
                    out.append(self._orig(index, cs - 1, ce - 1))
            at = padded.find(gram, at + 1)
        return list(dict.fromkeys(out))

    def lexicon_spans(self, m: _Member, name: str) -> list[tuple[int, int]]:
        got = self._lexicon.get(m.name)
        if got is None:
            got = {}
            for fname, s, e in m.transformer.find(self.text):
                key = fname.split("__", 1)[1] if fname.startswith(m.name + "__") else fname
                got.setdefault(key, []).append((int(s), int(e)))
            self._lexicon[m.name] = got
        return got.get(name, [])


def _trim(padded: str, s: int, e: int) -> tuple[int, int]:
    """Trim non-alphanumeric characters off both ends of ``padded[s:e]``."""
    while s < e and not _is_word_char(padded[s]):
        s += 1
    while e > s and not _is_word_char(padded[e - 1]):
        e -= 1
    return s, e


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")
