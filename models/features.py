"""The one factory for claimkit's model: TF-IDF features + class-weighted logistic regression.

``build_pipeline(**params)`` returns::

    Pipeline([("features", FeatureUnion([("words", ...), ("chars", ...)?, ("cues", ...)?])),
              ("clf", LogisticRegression(class_weight="balanced", ...))])

The member names are part of the model-folder contract (docs/CONTRACTS.md): the tagger reads
``pipeline[:-1].get_feature_names_out()`` (``"words__could reportedly"``, ``"cues__hedge:reportedly"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from models.context import NextSentence, PreviousSentence
from models.lexicon import CueLexicon
from models.ngrams import CharNgramCounter, WordNgramCounter
from models.structure import SpeechStructure, quoted_spans_of

# Words (letters/digits, with inner apostrophes: "shouldn't", "Kim's") and the question mark,
# which carries rhetorical questions. Single-letter words are kept ("I", "a").
TOKEN_PATTERN = r"(?u)\b\w+(?:['\u2019]\w+)*\b|\?"

# The defaults are what the grid search chose by grouped cross-validation on the training split
# of the bundled data (the shipped model's manifest holds the scores). Every value is JSON-safe
# so the chosen parameters go straight into manifest.json.
DEFAULT_PARAMS: dict[str, Any] = {
    "C": 10.0,
    "word_ngram_range": (1, 2),
    "min_df": 1,
    "sublinear_tf": True,
    "chars": True,
    "char_ngram_range": (2, 5),
    "cues": True,
    "cue_weight": 1.0,
    # quotation structure, speech frames and voice (models/structure.py)
    "structure": True,
    # words inside and outside quotation marks as two more TF-IDF views
    "quote_views": False,
    # the previous sentence's quotation state and speech frame (models/context.py)
    "context": True,
    # the next sentence's quotation state and speech frame (models/context.py)
    "context_after": False,
    # "balanced" weighs each label by its inverse frequency; "none" weighs every sentence alike
    "class_weight": "balanced",
    "max_iter": 1000,
    "seed": 0,
}


def _ngram(value: Sequence[int]) -> tuple[int, int]:
    low, high = (int(v) for v in value)
    return (low, high)


def normalise_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults filled in, unknown keys refused, tuples/lists accepted (as read from JSON)."""
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise ValueError(f"unknown model parameter(s): {', '.join(unknown)}")
    merged = {**DEFAULT_PARAMS, **params}
    merged["word_ngram_range"] = _ngram(merged["word_ngram_range"])
    merged["char_ngram_range"] = _ngram(merged["char_ngram_range"])
    merged["C"] = float(merged["C"])
    merged["min_df"] = int(merged["min_df"])
    merged["sublinear_tf"] = bool(merged["sublinear_tf"])
    merged["chars"] = bool(merged["chars"])
    merged["cues"] = bool(merged["cues"])
    merged["structure"] = bool(merged["structure"])
    merged["quote_views"] = bool(merged["quote_views"])
    merged["context"] = bool(merged["context"])
    merged["context_after"] = bool(merged["context_after"])
    merged["cue_weight"] = float(merged["cue_weight"])
    merged["class_weight"] = str(merged["class_weight"])
    if merged["class_weight"] not in ("balanced", "none"):
        raise ValueError(f"class_weight {merged['class_weight']!r}: use 'balanced' or 'none'")
    return merged


class CompactTfidfVectorizer(TfidfVectorizer):  # type: ignore[misc]
    """scikit-learn's TfidfVectorizer whose vocabulary is saved as two arrays, not a dict.

    A skops file stores a dict entry by entry as JSON (a 110,000-term vocabulary made a 93 MB
    schema that took 5 s to read); as two numpy arrays it is a few MB and loads in well under
    a second. Fitting is sklearn's own; for character n-grams ``transform`` counts with
    :class:`models.ngrams.CharNgramCounter` (the same counts, ~10x faster), then applies
    sklearn's own TF-IDF weighting.
    """

    def transform(self, raw_documents: Any) -> Any:
        counter = self.__dict__.get("_counter", False)
        if counter is False:  # decided once per fitted vocabulary
            counter = self.__dict__["_counter"] = CharNgramCounter.for_vectorizer(
                self
            ) or WordNgramCounter.for_vectorizer(self)
        documents = raw_documents if isinstance(raw_documents, list) else None
        if counter is None or documents is None or not all(isinstance(d, str) for d in documents):
            return super().transform(raw_documents)
        documents = self._before_counting(documents)
        matrix = self.__dict__.get("_matrix_type")
        if matrix is None:  # whatever sparse type this scikit-learn's own counting returns
            matrix = self.__dict__["_matrix_type"] = type(
                super(TfidfVectorizer, self).transform([""])
            )
        return self._weighted(counter.counts(documents, matrix))

    def _weighted(self, counts: Any) -> Any:
        """scikit-learn's TF-IDF step on fresh float64 counts, without its per-call input checks
        (they cost more than the arithmetic on an article's 20 sentences); the same operations
        in the same order, so the same floats (tests compare them with scikit-learn's)."""
        tfidf = self._tfidf
        if counts.dtype != np.float64 or tfidf.norm not in ("l2", None):
            return tfidf.transform(counts, copy=False)
        if tfidf.sublinear_tf:
            np.log(counts.data, counts.data)
            counts.data += 1.0
        if hasattr(tfidf, "idf_"):
            counts.data *= tfidf.idf_[counts.indices]
        if tfidf.norm == "l2":
            inplace_csr_row_normalize_l2(counts)
        # the sparse interface scikit-learn is configured to return (from 1.8: spmatrix/sparray)
        if get_config().get("sparse_interface") == "sparray" and sp.isspmatrix(counts):
            return sp.csr_array(counts)
        return counts

    def _before_counting(self, documents: list[str]) -> list[str]:
        """What the fast counters count (subclasses that keep part of a sentence say which)."""
        return documents

    def fit(self, raw_documents: Any, y: Any = None) -> CompactTfidfVectorizer:
        self.__dict__.pop("_counter", None)
        return super().fit(raw_documents, y)  # type: ignore[no-any-return]

    def fit_transform(self, raw_documents: Any, y: Any = None) -> Any:
        self.__dict__.pop("_counter", None)
        return super().fit_transform(raw_documents, y)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())  # may be the live __dict__
        state.pop("_counter", None)  # caches, rebuilt on first use
        state.pop("_matrix_type", None)
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            # every term's UTF-8 bytes, joined, and where each ends: exact for any string
            encoded = [term.encode("utf-8", "surrogatepass") for term in vocabulary]
            state["vocabulary_utf8_"] = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
            state["vocabulary_ends_"] = np.cumsum([len(b) for b in encoded], dtype=np.int64)
            state["vocabulary_index_"] = np.fromiter(
                vocabulary.values(), dtype=np.int64, count=len(vocabulary)
            )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        data = state.pop("vocabulary_utf8_", None)
        ends = state.pop("vocabulary_ends_", None)
        index = state.pop("vocabulary_index_", None)
        if data is not None and ends is not None and index is not None:
            raw = data.tobytes()
            starts = [0, *ends[:-1].tolist()]
            terms = [
                raw[a:b].decode("utf-8", "surrogatepass")
                for a, b in zip(starts, ends.tolist(), strict=True)
            ]
            state["vocabulary_"] = dict(zip(terms, index.tolist(), strict=True))
        super().__setstate__(state)


class QuotePartVectorizer(CompactTfidfVectorizer):
    """Word TF-IDF over one part of a sentence: the words inside quotation marks, or outside.

    The other part is blanked with spaces (same length), so token offsets still index the
    sentence and the cue mapping works as for the plain word view.
    """

    def __init__(
        self,
        *,
        part: str = "inside",
        token_pattern: str = TOKEN_PATTERN,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 1,
        sublinear_tf: bool = False,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__(
            analyzer="word",
            lowercase=True,
            token_pattern=token_pattern,
            ngram_range=ngram_range,
            min_df=min_df,
            sublinear_tf=sublinear_tf,
            dtype=dtype,
        )
        self.part = part

    def _inside(self) -> bool:
        if self.part not in ("inside", "outside"):
            raise ValueError(f"QuotePartVectorizer part {self.part!r}: use 'inside' or 'outside'")
        return bool(self.part == "inside")

    def _before_counting(self, documents: list[str]) -> list[str]:
        inside = self._inside()
        return [quote_part(d, inside) for d in documents]

    def build_preprocessor(self) -> Any:
        inside = self._inside()
        return lambda text: quote_part(text, inside).lower()


def quote_part(text: str, inside: bool) -> str:
    """``text`` with the quoted part (``inside``) or the rest kept and the other blanked."""
    spans = quoted_spans_of(text)
    if not spans:
        return text if not inside else " " * len(text)
    kept = []
    at = 0
    for s, e in spans:
        kept.append(" " * (s - at) if inside else text[at:s])
        kept.append(text[s:e] if inside else " " * (e - s))
        at = e
    kept.append(" " * (len(text) - at) if inside else text[at:])
    return "".join(kept)


def word_vectorizer(params: Mapping[str, Any]) -> TfidfVectorizer:
    p = normalise_params(params)
    return CompactTfidfVectorizer(
        analyzer="word",
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        ngram_range=p["word_ngram_range"],
        min_df=p["min_df"],
        sublinear_tf=p["sublinear_tf"],
        dtype=np.float64,
    )


def char_vectorizer(params: Mapping[str, Any]) -> TfidfVectorizer:
    p = normalise_params(params)
    return CompactTfidfVectorizer(
        analyzer="char_wb",
        lowercase=True,
        ngram_range=p["char_ngram_range"],
        min_df=max(2, p["min_df"]),  # char n-grams seen once are noise and cost memory
        sublinear_tf=p["sublinear_tf"],
        dtype=np.float64,
    )


def classifier(params: Mapping[str, Any]) -> LogisticRegression:
    p = normalise_params(params)
    # newton-cg: deterministic, and 4x faster than lbfgs on these sparse TF-IDF problems
    # (measured: 7 vs 62 iterations). random_state is set so a solver change stays repeatable.
    return LogisticRegression(
        C=p["C"],
        class_weight=None if p["class_weight"] == "none" else "balanced",
        solver="newton-cg",
        max_iter=p["max_iter"],
        random_state=p["seed"],
    )


def feature_members(params: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The FeatureUnion members (name, unfitted transformer) for ``params``, in order."""
    p = normalise_params(params)
    members: list[tuple[str, Any]] = [("words", word_vectorizer(p))]
    if p["chars"]:
        members.append(("chars", char_vectorizer(p)))
    if p["cues"]:
        members.append(("cues", CueLexicon()))
    if p["structure"]:
        members.append(("structure", SpeechStructure()))
    if p["quote_views"]:
        for part in ("inside", "outside"):
            view = QuotePartVectorizer(
                part=part,
                ngram_range=p["word_ngram_range"],
                min_df=p["min_df"],
                sublinear_tf=p["sublinear_tf"],
            )
            members.append((f"{part}_quotes", view))
    if p["context"]:
        members.append(("context", PreviousSentence()))
    if p["context_after"]:
        members.append(("context_after", NextSentence()))
    return members


def build_pipeline(**params: Any) -> Pipeline:
    """An unfitted pipeline; see :data:`DEFAULT_PARAMS` for the parameters and their defaults."""
    p = normalise_params(params)
    # Scaling the binary cue columns lets them carry weight under the same L2 penalty as the
    # (unit-length) TF-IDF rows; 1.0 leaves them as they are.
    weights = {"cues": p["cue_weight"]} if p["cues"] and p["cue_weight"] != 1.0 else None
    union = FeatureUnion(feature_members(p), transformer_weights=weights)
    return Pipeline([("features", union), ("clf", classifier(p))])
