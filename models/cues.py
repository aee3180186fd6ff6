"""Cue attribution: which words of a sentence pushed the model toward the label it predicted.

Two views from :meth:`Attribution.cues`: what a reader is shown, the contributions gathered onto
the cue lexicon's hits (hedges, attribution frames, evaluative words, obligations, question
marks), each with its kind; and with ``raw=True`` the raw attribution (every span a
contributing feature occurs at, names and numbers included).

For a linear model the score of class ``k`` is ``b_k + sum_j coef[k, j] * x_j``, so the
contribution of feature ``j`` present in a sentence is exactly ``coef[k, j] * x_j`` (``x`` is the
sentence's row of the fitted feature union, TF-IDF weights included). For a binary model the
predicted class's coefficients are ``+coef`` for ``classes_[1]`` and ``-coef`` for
``classes_[0]`` (log-odds). For multinomial L2-penalised logistic regression the per-feature
coefficients sum to zero over classes, so ``coef[k, j]`` is already relative to the others.

Each contributing feature is mapped back to where it occurs in the sentence:

- ``words__<n-gram>``: the token sequence, tokens found with the vectorizer's own preprocessor
  and token pattern (``models.features.TOKEN_PATTERN``) over the lowercased text, stop words
  removed as the vectorizer does; the span runs from the first to the last token.
- ``chars__<ngram>``: every occurrence of the character n-gram, widened to the word that
  contains it (char_wb n-grams never cross whitespace; surrounding punctuation is trimmed).
- ``cues__<category>:<phrase>``: the spans the lexicon transformer's ``find(text)`` reports.

A feature that occurs several times shares its contribution equally among its occurrences;
contributions that land on the same span are summed into one :class:`Cue`, which lists the
features behind it. Only positive contributions are cues: the ``max_features`` largest per
sentence are placed and the ``max_cues`` heaviest spans returned, so every reported weight is
a real part of the model's score (the long tail of tiny contributions is left out).

Speed: :meth:`Attribution.transform` makes the feature matrix once per batch, each member by
its own ``transform`` (the tests check it equals ``pipeline[:-1].transform`` exactly);
contributions are one vectorised sparse x coefficient product, and each row's largest come from
a per-row partition. Only sentences whose cues are shown are placed: the cue lexicon's ``find``
runs once for such a sentence (its hits are both the candidate spans and the spans of the
``cues`` features), and of its top ``max_features`` features only those that can overlap a hit
are placed, from one tokenisation of the sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from models.features import TOKEN_PATTERN
from models.lexicon import CATEGORY_LABELS, CUE_KINDS, CueLexicon, token_positions
from models.structure import speaker_span

WORDS, CHARS, LEXICON, OTHER = 0, 1, 2, 3
_WS = re.compile(r"\s")
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN_START = re.compile(r"[\w?]")
Span = tuple[int, int]


class Cue(NamedTuple):
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
    kind: str = ""  # hedge, attribution, evaluation, obligation or question ("" for a raw span)

    def shifted(self, offset: int) -> Cue:
        return Cue(
            self.text, self.start + offset, self.end + offset, self.weight, self.features, self.kind
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "weight": round(self.weight, 6),
            "kind": self.kind,
            "features": list(self.features),
        }


_new = tuple.__new__


def _token_pattern() -> str:
    return str(TOKEN_PATTERN)


def _map_offsets(text: str, processed: str, preprocess: Callable[[str], str]) -> list[int] | None:
    """processed->original offsets when preprocessing changed the length (None: identity).

    Lower-casing and accent stripping are per character, so redoing them per character gives
    a position map; if that does not reproduce ``processed`` (context-dependent case rules),
    an empty list says the spans cannot be placed exactly.
    """
    if len(processed) == len(text):
        return None
    pieces: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        p = preprocess(ch)
        pieces.append(p)
        index.extend([i] * len(p))
    if "".join(pieces) != processed:
        return []
    index.append(len(text))
    return index


def _orig(index: list[int] | None, start: int, end: int) -> Span:
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1


# Where a member's features occur in one sentence, kept as GC-untracked int->int dicts (a batch
# keeps thousands of these alive; tracked containers would make every collection slower):
# (first: column -> packed span of the first occurrence, multi: column -> all packed spans for
# columns seen more than once, or None; index: processed->original offsets, see _map_offsets).
Located = tuple[dict[int, int], "dict[int, list[int]] | None", "list[int] | None"]


_NO_HITS: Located = ({}, None, None)


class _Pending(NamedTuple):
    """The lexicon found hits in a sentence whose places are not looked up yet (they are, by
    :meth:`Attribution.cues`, for the sentences whose cues are shown). ``spelled``: a run of its
    tokens spells a multi-word phrase (False: every hit is a one-word phrase)."""

    spelled: bool


def _unpack(packed: int) -> Span:
    return packed >> 32, packed & 0xFFFFFFFF


def _located_spans(located: Located, local: int) -> list[Span]:
    first, multi, index = located
    packed = first.get(local)
    if packed is None or index == []:  # index == []: offsets cannot follow the case folding
        return []
    if multi is not None and local in multi:
        return [_orig(index, *_unpack(p)) for p in multi[local]]
    return [_orig(index, *_unpack(packed))]


class _Member:
    """One FeatureUnion member: how to transform it and where its features sit in a sentence."""

    kind = OTHER

    def __init__(self, name: str, transformer: Any, offset: int, weight: float | None) -> None:
        self.name = name
        self.transformer = transformer
        self.offset = offset
        self.weight = weight
        self._names: Any = None
        self.size = len(self.names())

    def names(self) -> Any:
        if self._names is None:
            self._names = self.transformer.get_feature_names_out()
        return self._names

    def transform(self, texts: list[str]) -> tuple[Any, list[Any] | None]:
        """The member's block of the feature matrix, and per-sentence locations if free."""
        return self.transformer.transform(texts), None

    def locate(self, text: str) -> Any:
        """Where this member's features occur in ``text`` (computed when not given for free)."""
        return None

    def near(self, text: str, hits: Sequence[Span]) -> Any:
        """What :meth:`elsewhere` reads: the text of the words around ``hits`` as this member
        sees it; None when that cannot be told exactly (then nothing is skipped)."""
        return None

    def elsewhere(self, local: int, near: Any) -> bool:
        """True if no span of feature ``local`` can overlap a hit (every one lies outside the
        words in ``near``); False when it may."""
        return False

    def spans(self, located: Any, local: int) -> list[Span]:
        return []


def _words_near(processed: str, text: str, hits: Sequence[Span]) -> str | None:
    """The whitespace-delimited words of ``processed`` (``text`` as a member preprocesses it)
    that overlap the spans ``hits``, each with a space on either side: a piece of text that
    overlaps a hit without holding whitespace lies inside them. None when preprocessing moved
    the offsets (case folding that changes lengths): then nothing can be told."""
    if len(processed) != len(text):
        return None
    padded = " " + _WS.sub(" ", processed) + " "  # text offset s is padded offset s + 1
    return "".join(padded[padded.rfind(" ", 0, s + 1) : padded.find(" ", e) + 1] for s, e in hits)


class _Words(_Member):
    """A word vectorizer: sklearn transforms; a sentence is tokenised again only for its cues."""

    kind = WORDS

    def __init__(self, name: str, transformer: Any, offset: int, weight: float | None) -> None:
        super().__init__(name, transformer, offset, weight)
        t = transformer
        self.vocabulary: dict[str, int] = t.vocabulary_
        self.preprocess: Callable[[str], str] = t.build_preprocessor()
        pattern = t.token_pattern or _token_pattern()
        self.token_re = re.compile(pattern)
        self.group = self.token_re.groups == 1
        # For these patterns a token cannot start inside the text between two tokens, so
        # str.find from the previous token's end gives each token's position (C speed).
        self.chain = not self.group and pattern in (_token_pattern(), _DEFAULT_TOKEN_PATTERN)
        self.stop_words = frozenset(t.get_stop_words() or ())
        # Skipping features far from the hits needs tokens without whitespace (these patterns'),
        # and for n-grams also every word character inside a token (claimkit's pattern) and no
        # stop words (a dropped stop word would sit inside an n-gram's span).
        self.skips_words = self.chain
        self.skips_ngrams = self.chain and pattern == _token_pattern() and not self.stop_words
        self.min_n, self.max_n = t.ngram_range
        self._grams: dict[int, tuple[str, ...]] = {}

    @staticmethod
    def supports(t: Any) -> bool:
        return (
            getattr(t, "analyzer", None) == "word"
            and getattr(t, "tokenizer", None) is None
            and getattr(t, "preprocessor", None) is None
            and hasattr(t, "build_preprocessor")
            and hasattr(t, "vocabulary_")
        )

    def locate(self, text: str) -> tuple[list[str], list[int], list[int] | None, dict[str, int]]:
        """Tokens (as the vectorizer makes them), their start offsets, offset map, first index."""
        processed = self.preprocess(text)
        if self.chain:
            words = self.token_re.findall(processed)
            starts = token_positions(processed, words)
        else:
            g = 1 if self.group else 0
            ms = list(self.token_re.finditer(processed))
            words = [m.group(g) for m in ms]
            starts = [m.start(g) for m in ms]
        if self.stop_words:  # sklearn drops stop words before making n-grams
            keep = [i for i, w in enumerate(words) if w not in self.stop_words]
            words = [words[i] for i in keep]
            starts = [starts[i] for i in keep]
        n = len(words)
        first = dict(zip(reversed(words), range(n - 1, -1, -1), strict=True))
        return words, starts, _map_offsets(text, processed, self.preprocess), first

    def near(self, text: str, hits: Sequence[Span]) -> Any:
        if not self.skips_words:
            return None
        processed = self.preprocess(text)
        words = _words_near(processed, text, hits)
        if words is None:
            return None
        # An n-gram's span also covers the text between its tokens. A hit that starts with a
        # token's character cannot lie inside that gap, so then an n-gram none of whose tokens
        # is near a hit cannot overlap one either; otherwise only single words are skipped.
        gaps_free = self.skips_ngrams and all(_TOKEN_START.match(processed, s) for s, _ in hits)
        return words, gaps_free

    def elsewhere(self, local: int, near: Any) -> bool:
        words, gaps_free = near
        gram = self._gram(local)
        if len(gram) == 1:
            return gram[0] not in words
        return bool(gaps_free) and not any(token in words for token in gram)

    def _gram(self, local: int) -> tuple[str, ...]:
        gram = self._grams.get(local)
        if gram is None:
            gram = self._grams[local] = tuple(str(self.names()[local]).split(" "))
        return gram

    def spans(self, located: Any, local: int) -> list[Span]:
        words, starts, index, first = located
        if index == []:  # case folding changed the text in a way offsets cannot follow
            return []
        gram = self._gram(local)
        i = first.get(gram[0])
        if i is None:
            return []
        n = len(gram)
        hits = (
            [i] if words.count(gram[0]) == 1 else [k for k, w in enumerate(words) if w == gram[0]]
        )
        out = []
        for i in hits:
            if n == 1 or tuple(words[i : i + n]) == gram:
                out.append(_orig(index, starts[i], starts[i + n - 1] + len(words[i + n - 1])))
        return out


class _Lexicon(_Member):
    """The cue lexicon: one ``find`` per sentence gives both its binary features and spans."""

    kind = LEXICON

    def __init__(self, name: str, transformer: Any, offset: int, weight: float | None) -> None:
        super().__init__(name, transformer, offset, weight)
        self.column = {str(n): i for i, n in enumerate(self.names())}
        prefix = name + "__"
        self.column.update({prefix + k: v for k, v in list(self.column.items())})
        self.exact = self.reproducible(transformer)

    @staticmethod
    def reproducible(t: Any) -> bool:
        # Only the project's own lexicon is known to transform to the binary form of find();
        # anything else with a find() is transformed by its own transform().
        return type(t) is CueLexicon

    def locate(self, text: str, spelled: bool = True) -> Located:
        first: dict[int, int] = {}
        multi: dict[int, list[int]] | None = None
        column = self.column
        found = self.transformer.find(text, spelled) if self.exact else self.transformer.find(text)
        for fname, s, e in found:
            col = column.get(fname)
            if col is None:
                continue
            packed = int(s) << 32 | int(e)
            if col in first:
                if multi is None:
                    multi = {}
                multi.setdefault(col, [first[col]]).append(packed)
            else:
                first[col] = packed
        return first, multi, None

    def transform(self, texts: list[str]) -> tuple[Any, list[Any] | None]:
        if not self.exact:
            return self.transformer.transform(texts), None
        X, spelled = self.transformer.transform_spelled(texts)
        has_hits = (np.diff(X.indptr) > 0).tolist()
        pending = (_Pending(False), _Pending(True))
        return X, [
            pending[multi] if hit else _NO_HITS
            for hit, multi in zip(has_hits, spelled.tolist(), strict=True)
        ]

    def resolve(self, text: str, located: Any) -> Located:
        """The hits' places in ``text``, looked up now if ``located`` left them pending."""
        if located is None:
            return self.locate(text)
        if isinstance(located, _Pending):
            return self.locate(text, spelled=located.spelled)
        return located  # type: ignore[no-any-return]

    def spans(self, located: Located, local: int) -> list[Span]:
        return _located_spans(located, local)


class _Chars(_Member):
    """A char / char_wb TfidfVectorizer: sklearn transforms, occurrences are searched on demand."""

    kind = CHARS

    def __init__(self, name: str, transformer: Any, offset: int, weight: float | None) -> None:
        super().__init__(name, transformer, offset, weight)
        self.preprocess: Callable[[str], str] = transformer.build_preprocessor()
        self._grams: list[str] | None = None

    def locate(self, text: str) -> tuple[str, list[int] | None]:
        processed = self.preprocess(text)
        index = _map_offsets(text, processed, self.preprocess)
        # Pad and turn every whitespace char into " " (same length) so a char_wb n-gram's
        # padding spaces match word boundaries exactly.
        return " " + _WS.sub(" ", processed) + " ", index

    def gram(self, local: int) -> str:
        if self._grams is None:
            self._grams = [str(g) for g in self.names()]
        return self._grams[local]

    def near(self, text: str, hits: Sequence[Span]) -> Any:
        # char_wb n-grams stay inside a whitespace word; "char" ones cross spaces
        if getattr(self.transformer, "analyzer", None) != "char_wb":
            return None
        return _words_near(self.preprocess(text), text, hits)

    def elsewhere(self, local: int, near: Any) -> bool:
        return self.gram(local) not in near

    def spans(self, located: tuple[str, list[int] | None], local: int) -> list[Span]:
        padded, index = located
        if index == []:
            return []
        gram = self.gram(local)
        out: list[Span] = []
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
                    out.append(_orig(index, ts - 1, te - 1))
                else:
                    out.append(_orig(index, cs - 1, ce - 1))
            at = padded.find(gram, at + 1)
        return list(dict.fromkeys(out))


class Attribution:
    """Feature matrix + contributions + cue spans for one fitted ``Pipeline([features, clf])``."""

    def __init__(self, pipeline: Any, max_cues: int = 5, max_features: int | None = None) -> None:
        self.max_cues = max_cues
        self.max_features = max_features or max_cues + 3
        self.features = pipeline[:-1]
        clf = pipeline[-1]
        union = self.features[-1] if len(self.features.steps) == 1 else None
        self.members = self._members(union) if union is not None else []
        if not self.members:
            # Not a plain FeatureUnion: transform with the pipeline, no spans.
            self.members = [_Member("features", self.features, 0, None)]
        coef = np.asarray(clf.coef_, dtype=np.float64)
        if coef.shape[0] == 1 and len(clf.classes_) == 2:
            coef = np.vstack([-coef[0], coef[0]])
        self.class_coef = np.ascontiguousarray(coef)
        n_features = self.class_coef.shape[1]
        if sum(m.size for m in self.members) != n_features:
            raise ValueError(
                f"the feature union has {sum(m.size for m in self.members)} features but the "
                f"classifier has {n_features} coefficients"
            )
        self.member_of = np.zeros(n_features, dtype=np.int32)
        for i, m in enumerate(self.members):
            self.member_of[m.offset : m.offset + m.size] = i
        self._member_list = self.member_of.tolist()
        self._names: dict[int, str] = {}
        # where stance cues can be: the model's own lexicon, or the default one
        own = [i for i, m in enumerate(self.members) if m.kind == LEXICON]
        self._lexicon_index = own[0] if own else None
        self.stance_lexicon = self.members[own[0]].transformer if own else CueLexicon()

    @staticmethod
    def _members(union: Any) -> list[_Member]:
        if not hasattr(union, "transformer_list"):
            return []
        weights = union.transformer_weights or {}
        members: list[_Member] = []
        offset = 0
        for name, t in union.transformer_list:
            if t in ("drop", None):
                continue
            if t == "passthrough" or not hasattr(t, "transform"):
                return []
            weight = weights.get(name)
            m: _Member
            if _Words.supports(t):
                m = _Words(name, t, offset, weight)
            elif hasattr(t, "find"):
                m = _Lexicon(name, t, offset, weight)
            elif getattr(t, "analyzer", None) in ("char_wb", "char") and hasattr(
                t, "build_preprocessor"
            ):
                m = _Chars(name, t, offset, weight)
            else:
                m = _Member(name, t, offset, weight)
            members.append(m)
            offset += m.size
        return members

    # ---------------------------------------------------------------- numbers
    def transform(self, texts: list[str]) -> tuple[Any, list[list[Any] | None]]:
        """The union's feature matrix (CSR) and, per member, per-sentence feature locations."""
        blocks = []
        located: list[list[Any] | None] = []
        for m in self.members:
            Xi, loc = m.transform(texts)
            if m.weight is not None:
                Xi = Xi * m.weight
            blocks.append(Xi)
            located.append(loc)
        if len(blocks) == 1:
            X = blocks[0]
            X = sp.csr_matrix(X) if sp.issparse(X) else sp.csr_matrix(np.asarray(X))
        else:
            X = sp.hstack(blocks, format="csr")
        return X, located

    def top_contributions(
        self, X: Any, predicted: np.ndarray, needed: np.ndarray | None = None
    ) -> tuple[list[int], list[int], list[float]]:
        """Per row, the ``max_features`` largest positive contributions toward ``predicted``.

        Returns CSR-like ``(indptr, feature_indices, weights)`` as plain lists, each row's
        largest first (ties in column order). Rows where ``needed`` is False get none (their
        cues would not be shown: not computed).
        """
        X = sp.csr_matrix(X)
        n = X.shape[0]
        chosen = np.arange(n) if needed is None else np.flatnonzero(needed)
        sub = X[chosen] if len(chosen) < n else X
        local = np.repeat(np.arange(len(chosen), dtype=np.int64), np.diff(sub.indptr))
        cols = sub.indices
        contrib = (
            sub.data.astype(np.float64, copy=False)
            * self.class_coef[predicted[chosen][local], cols]
        )
        keep = contrib > 0
        local, cols, contrib = local[keep], cols[keep], contrib[keep]
        local, cols, contrib = self._largest_per_row(local, cols, contrib, len(chosen))
        take = np.zeros(n, dtype=np.int64)
        take[chosen] = np.bincount(local, minlength=len(chosen))
        indptr = np.concatenate([[0], np.cumsum(take)])
        return indptr.tolist(), cols.tolist(), contrib.tolist()

    def _largest_per_row(
        self, rows: np.ndarray, cols: np.ndarray, contrib: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``max_features`` largest entries of each row (rows ascending), sorted by row, then
        contribution descending, ties in column order: the same as one stable sort of all."""
        k = self.max_features
        per_row = np.bincount(rows, minlength=n)
        if contrib.size and (per_row > k).any():
            # Each long row's k-th largest value, from padded (rows x row length) arrays
            # partitioned in C: below it nothing can be in the top k, so only a few entries per
            # row are left to sort. Rows go in groups of similar length, so one long sentence
            # does not make the whole batch's array as wide as itself.
            starts = np.concatenate([[0], np.cumsum(per_row)])
            kth = np.full(n, -np.inf)
            for group in _similar_lengths(np.flatnonzero(per_row > k), per_row):
                lengths = per_row[group]
                width = int(lengths.max())
                padded = np.full((len(group), width), -np.inf)
                at = np.repeat(np.arange(len(group)), lengths)
                column = np.arange(len(at)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                padded[at, column] = contrib[np.repeat(starts[group], lengths) + column]
                kth[group] = np.partition(padded, width - k, axis=1)[:, width - k]
            contender = contrib >= kth[rows]
            rows, cols, contrib = rows[contender], cols[contender], contrib[contender]
        if contrib.size:
            order = np.lexsort((-contrib, rows))
            rows, cols, contrib = rows[order], cols[order], contrib[order]
            per_row = np.bincount(rows, minlength=n)
            if (per_row > k).any():  # ties at a row's k-th value
                starts = np.concatenate([[0], np.cumsum(per_row)])
                first = (np.arange(rows.size) - starts[rows]) < k
                rows, cols, contrib = rows[first], cols[first], contrib[first]
        return rows, cols, contrib

    def may_have_stance(self, located: Sequence[Any], n: int) -> np.ndarray:
        """Per sentence: can it have stance cues at all (False: the lexicon found nothing in it)?"""
        i = self._lexicon_index
        if i is None or located[i] is None:
            return np.ones(n, dtype=bool)
        return np.fromiter((loc is not _NO_HITS for loc in located[i]), dtype=bool, count=n)

    def feature_name(self, j: int) -> str:
        name = self._names.get(j)
        if name is None:
            m = self.members[self._member_list[j]]
            name = self._names[j] = f"{m.name}__{m.names()[j - m.offset]}"
        return name

    def locate(self, text: str) -> list[Any]:
        """Feature locations of one sentence for every member (for :meth:`cues` alone)."""
        return [m.locate(text) for m in self.members]

    # ---------------------------------------------------------------- spans
    def _placed(
        self,
        text: str,
        features: Sequence[int],
        weights: Sequence[float],
        located: Sequence[Any] | None,
        hits: Sequence[Span] | None = None,
    ) -> list[tuple[Span, float, int]]:
        """(span, share of the contribution, feature) for every place a feature occurs.

        With ``hits``, a feature whose spans all lie outside the words overlapping a hit is
        skipped: it adds nothing to any hit (most of a sentence's top features are names,
        function words and their character n-grams elsewhere in it).
        """
        lazy: dict[int, Any] = {}
        around: dict[int, Any] = {}  # per member: what its elsewhere() reads
        placed: list[tuple[Span, float, int]] = []
        members, member_list = self.members, self._member_list
        for j, w in zip(features, weights, strict=True):
            mi = member_list[j]
            m = members[mi]
            if hits is not None:
                if mi not in around:
                    around[mi] = m.near(text, hits)
                if around[mi] is not None and m.elsewhere(j - m.offset, around[mi]):
                    continue
            loc = located[mi] if located is not None else None
            if loc is None:
                loc = lazy.get(mi)
                if loc is None:
                    loc = lazy[mi] = m.locate(text)
            found = m.spans(loc, j - m.offset)
            if found:
                share = w / len(found)
                placed.extend((s, share, j) for s in found)
        return placed

    def cues(
        self,
        text: str,
        features: Sequence[int],
        weights: Sequence[float],
        located: Sequence[Any] | None = None,
        *,
        raw: bool = False,
        label: str | None = None,
    ) -> tuple[Cue, ...]:
        """The cues a reader is shown: spans that carry a stance, ranked by the model's weight.

        A candidate span is a hit of the cue lexicon (a hedge, an attribution frame, an
        evaluative word, an obligation, a question mark), never a bare name, number or function
        word. Each contributing feature's share goes to the lexicon hits its own spans overlap
        ("reportedly" as a word, as character n-grams and as a lexicon feature all count for
        the hit "reportedly"); hits with a positive total are cues, heaviest first.

        ``label``: the sentence's predicted label. With the guideline's labels, only cues that
        can decide it are shown: its own kinds and attribution frames (a hedge in an attributed
        sentence does not make it speculative; a quoted judgement is still attributed to
        someone). ``raw``: every span a contributing feature occurs at instead (names and
        numbers included), the raw attribution. ``located[m]``: member ``m``'s locations in this
        sentence from :meth:`transform`, or None to compute them here.
        """
        if not features:
            return ()
        i = self._lexicon_index
        if i is not None:
            # the lexicon's hits, found once for both the candidate spans and its features
            located = list(located) if located is not None else [None] * len(self.members)
            located[i] = self.members[i].resolve(text, located[i])  # type: ignore[attr-defined]
        if raw:
            return self._raw_spans(text, self._placed(text, features, weights, located))
        hits = self._stance_hits(text, located, label)
        if not hits:
            return ()
        spans = [(s, e) for _, s, e in hits]
        return self._ranked_hits(text, hits, self._placed(text, features, weights, located, spans))

    def _raw_spans(self, text: str, placed: list[tuple[Span, float, int]]) -> tuple[Cue, ...]:
        spans: dict[Span, float] = {}
        behind: dict[Span, tuple[int, ...]] = {}
        for s, share, j in placed:
            if s in spans:
                spans[s] += share
                behind[s] += (j,)
            else:
                spans[s] = share
                behind[s] = (j,)
        ranked = sorted(spans, key=lambda s: (-spans[s], s))[: self.max_cues]
        name = self.feature_name
        # tuple.__new__ skips the NamedTuple's Python-level __new__: same object, less overhead.
        return tuple(
            [
                _new(
                    Cue,
                    (text[s:e], s, e, spans[(s, e)], tuple([name(j) for j in behind[(s, e)]]), ""),
                )
                for s, e in ranked
            ]
        )

    def _stance_hits(
        self, text: str, located: Sequence[Any] | None, label: str | None = None
    ) -> list[tuple[str, int, int]]:
        """The lexicon's hits in ``text`` as (feature name, start, end), in text order; taken
        from the locations ``transform`` already found when the model has the lexicon."""
        i = self._lexicon_index
        loc = located[i] if located is not None and i is not None else None
        if loc is None or i is None:
            return [h for h in self.stance_lexicon.find(text) if _shown(h[0], label)]
        first, multi, _ = loc
        names = self.members[i].names()
        hits = []
        for col, packed in first.items():
            if not _shown(str(names[col]), label):
                continue
            for p in multi[col] if multi is not None and col in multi else [packed]:
                start, end = _unpack(p)
                hits.append((str(names[col]), start, end))
        hits.sort(key=lambda h: (h[1], h[2]))
        return hits

    def _ranked_hits(
        self, text: str, hits: list[tuple[str, int, int]], placed: list[tuple[Span, float, int]]
    ) -> tuple[Cue, ...]:
        """Each feature's share goes to the lexicon hits its spans overlap; positive ones, ranked."""
        totals = [0.0] * len(hits)
        behind: list[list[int]] = [[] for _ in hits]
        for (fs, fe), share, j in placed:
            over = [k for k, (_, s, e) in enumerate(hits) if fs < e and s < fe]
            for k in over:
                totals[k] += share / len(over)
                behind[k].append(j)
        ranked = sorted(
            (k for k in range(len(hits)) if totals[k] > 0), key=lambda k: (-totals[k], hits[k][1])
        )[: self.max_cues]
        name = self.feature_name
        shown: list[list[Any]] = []  # [start, end, weight, features, kind]
        for k in ranked:
            category, phrase = hits[k][0].split(":", 1)
            start, end = hits[k][1], hits[k][2]
            if category == "attribution" and phrase not in _NOT_FRAMES:
                # an attribution frame is the speech verb with its source ("Mr Blair said")
                start, end = speaker_span(text, start, end, before=phrase != "according to")
            features = list(dict.fromkeys(name(j) for j in behind[k]))
            shown.append([start, end, totals[k], features, CUE_KINDS.get(category, "")])
        if len(shown) > 1:
            shown = _merged(shown)
        return tuple(
            [
                _new(Cue, (text[s:e], s, e, w, tuple(features), kind))
                for s, e, w, features, kind in shown
            ]
        )


def _similar_lengths(rows: np.ndarray, lengths: np.ndarray, cells: int = 1 << 20) -> list[Any]:
    """``rows`` in groups of similar ``lengths``, each group's rows x longest length at most
    ``cells`` (or one row), so padding them to a rectangle stays small."""
    ordered = rows[np.argsort(lengths[rows], kind="stable")]
    groups, begin = [], 0
    for end in range(1, len(ordered) + 1):
        if end == len(ordered) or (end + 1 - begin) * lengths[ordered[end]] > cells:
            groups.append(ordered[begin:end])
            begin = end
    return groups


# Attribution phrases that are a source, not a speech verb: never widened over a speaker.
_NOT_FRAMES = frozenset({"spokesman", "spokeswoman", "spokesperson", "a source", "in a statement"})


def _merged(shown: list[list[Any]]) -> list[list[Any]]:
    """Cues whose spans overlap (a frame widened over a source that is a cue itself) become one:
    the joined span, the summed weight, the heavier one's kind; heaviest first."""
    ordered = sorted(shown, key=lambda c: (c[0], c[1]))
    out = [ordered[0]]
    for cue in ordered[1:]:
        last = out[-1]
        if cue[0] < last[1]:
            kind = last[4] if last[2] >= cue[2] else cue[4]
            out[-1] = [
                last[0],
                max(last[1], cue[1]),
                last[2] + cue[2],
                list(dict.fromkeys(last[3] + cue[3])),
                kind,
            ]
        else:
            out.append(cue)
    return sorted(out, key=lambda c: (-c[2], c[0]))


# Predicted label -> the labels whose cues can decide it (guideline precedence: opinion >
# speculative > attributed; a hedged or judging sentence may also be credited to someone).
_DECIDING: dict[str, frozenset[str]] = {
    "opinion": frozenset({"opinion", "attributed"}),
    "speculative": frozenset({"speculative", "attributed"}),
    "attributed": frozenset({"attributed"}),
}

# Quotation marks are features of the model but not cues a reader is shown: a quotation mark
# does not say how sure the text is (the attribution frame beside it does).
_NOT_SHOWN = ("quote:",)


def _shown(feature: str, label: str | None) -> bool:
    """Can a hit of lexicon feature ``feature`` be a cue of a sentence labelled ``label``?"""
    if feature.startswith(_NOT_SHOWN):
        return False
    deciding = _DECIDING.get(label or "")
    return deciding is None or CATEGORY_LABELS.get(feature.split(":", 1)[0]) in deciding


def _trim(padded: str, s: int, e: int) -> Span:
    """Trim non-alphanumeric characters off both ends of ``padded[s:e]``."""
    while s < e and not _is_word_char(padded[s]):
        s += 1
    while e > s and not _is_word_char(padded[e - 1]):
        e -= 1
    return s, e


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch).startswith("M")
