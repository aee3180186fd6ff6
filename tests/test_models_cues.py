"""Cue attribution: the feature matrix is the pipeline's, cues are placed where the features are."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from models.cues import Attribution
from models.features import TOKEN_PATTERN
from models.tagger import Tagger

ROOT = Path(__file__).resolve().parents[1]
TRAIN = [
    ("North Korea could deploy up to 100,000 soldiers to help the Kremlin.", "speculative"),
    ("Moscow has reportedly amassed some 50,000 soldiers in the region.", "speculative"),
    ("They also appear to be short and thin, suggesting malnutrition.", "speculative"),
    ("The former Netherlands Prime Minister said soldiers had been sent to Kursk.", "attributed"),
    ("NATO chief Mark Rutte confirmed the deployment of soldiers to Russia.", "attributed"),
    ("“It’s a sign of desperation,” John Foreman told The Independent.", "attributed"),
    ("Putin and Kim signed a security pact back in June of this year.", "confirmed"),
    (
        "Ukrainian forces made an ambitious cross-border incursion into Kursk in August.",
        "confirmed",
    ),
    ("Pyongyang was awash with Russian flags as he touched down in June.", "confirmed"),
    ("The development, while worrying, is not surprising.", "opinion"),
    ("If you want to be a great power, you shouldn’t be kowtowing to North Korea.", "opinion"),
    ("The war has eaten into both economies, but the human toll is truly staggering.", "opinion"),
]
PROBES = [text for text, _ in TRAIN] + [
    "",
    "?",
    "North Korea could reportedly, REPORTEDLY deploy troops!",
    "İSTANBUL said: the ÆGEAN troops could be moved — reportedly.",
    "Σίγουρα ΟΔΟΣ could reportedly ΤΕΛΟΣ",
    "“Could” they? “Reportedly”… (said) the   officials\nwho\twere there.",
]


def fit(pipeline: Pipeline, binary: bool = False) -> Pipeline:
    texts = [t for t, _ in TRAIN]
    labels = [("hedged" if y != "confirmed" else "not_hedged") if binary else y for _, y in TRAIN]
    return pipeline.fit(texts, labels)


def contract_pipelines() -> dict[str, Pipeline]:
    from models.features import build_pipeline

    return {
        "default": build_pipeline(),
        "chars": build_pipeline(chars=True),
        "cue_weight": build_pipeline(cue_weight=2.5, word_ngram_range=(1, 3)),
        "no_cues": build_pipeline(cues=False),
        "stop_words": Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [("words", TfidfVectorizer(stop_words="english", ngram_range=(1, 2)))]
                    ),
                ),
                ("clf", LogisticRegression()),
            ]
        ),
    }


@pytest.mark.parametrize("name", list(contract_pipelines()))
def test_the_matrix_is_exactly_the_pipelines(name: str) -> None:
    pipeline = fit(contract_pipelines()[name])
    X, _ = Attribution(pipeline).transform(PROBES)
    expected = pipeline[:-1].transform(PROBES)
    assert X.shape == expected.shape
    assert abs(X - expected).max() == 0


@pytest.mark.parametrize("name", list(contract_pipelines()))
def test_every_cue_is_where_it_says(name: str) -> None:
    pipeline = fit(contract_pipelines()[name])
    tagger = Tagger(pipeline, confirmed_cues=True)
    attribution = Attribution(pipeline)
    X, _ = attribution.transform(PROBES)
    predicted = pipeline[-1].predict_proba(X).argmax(axis=1)
    indptr, feats, weights = attribution.top_contributions(X, predicted)
    placed = shown = 0
    for i, s in enumerate(tagger.predict(PROBES)):
        raw = attribution.cues(
            s.text, feats[indptr[i] : indptr[i + 1]], weights[indptr[i] : indptr[i + 1]], raw=True
        )
        for c in (*s.cues, *raw):  # the stance cues shown, and the raw attribution under them
            assert s.text[c.start : c.end] == c.text
            assert c.text.strip() == c.text and c.text
            assert c.weight > 0 and c.features
        placed += len(raw)
        shown += len(s.cues)
    assert placed > len(PROBES) and shown >= 8


def test_words_spans_follow_the_vectorizers_tokens() -> None:
    from models.features import build_pipeline

    # words and cues only: character n-grams around "reportedly," and "REPORTEDLY " differ
    tagger = Tagger(fit(build_pipeline(chars=False)))
    text = "North Korea could reportedly, REPORTEDLY deploy troops!"
    [s] = tagger.predict([text])
    by_text = {}
    for c in s.cues:
        by_text.setdefault(c.text, []).append(c)
    # "reportedly" occurs twice: its features' contribution is shared, both places are cues.
    assert {"reportedly", "REPORTEDLY"} <= set(by_text)
    [low], [high] = by_text["reportedly"], by_text["REPORTEDLY"]
    assert low.weight == pytest.approx(high.weight)
    assert "words__reportedly" in low.features


def test_repeated_feature_shares_its_contribution() -> None:
    pipeline = fit(contract_pipelines()["no_cues"])
    attribution = Attribution(pipeline, max_cues=50, max_features=500)
    text = "reportedly reportedly soldiers"
    X, _ = attribution.transform([text])
    k = int(np.argmax(pipeline.predict_proba([text])[0]))
    j = list(pipeline[:-1].get_feature_names_out()).index("words__reportedly")
    contribution = attribution.class_coef[k, j] * X[0, j]
    cues = attribution.cues(text, [j], [contribution], None, raw=True)  # located on demand
    assert [(c.start, c.end) for c in cues] == [(0, 10), (11, 21)]
    assert sum(c.weight for c in cues) == pytest.approx(contribution)


def test_char_ngrams_are_widened_to_their_word() -> None:
    pipeline = fit(
        Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)))]
                    ),
                ),
                ("clf", LogisticRegression(C=10)),
            ]
        )
    )
    tagger = Tagger(pipeline)
    text = "“Reportedly,” they could (perhaps) deploy."
    [s] = tagger.predict([text])
    assert s.cues
    words = {"Reportedly", "they", "could", "perhaps", "deploy"}
    for c in s.cues:
        assert text[c.start : c.end] == c.text
        assert c.text in words, c  # whole words, quotes and brackets trimmed
        assert all(f.startswith("chars__") for f in c.features)


def test_binary_models_attribute_to_the_predicted_side() -> None:
    pipeline = fit(contract_pipelines()["default"], binary=True)
    tagger = Tagger(pipeline)
    assert tagger.labels == ("hedged", "not_hedged")
    coef = pipeline[-1].coef_[0]  # positive pushes toward classes_[1] = "not_hedged"
    names = list(pipeline[:-1].get_feature_names_out())
    for s in tagger.predict(PROBES):
        assert s.hedged == (s.label == "hedged")
        sign = 1 if s.label == "not_hedged" else -1
        for c in s.cues:
            for f in c.features:
                assert sign * coef[names.index(f)] > 0, (s.label, f)


def test_unknown_members_are_transformed_but_not_placed() -> None:
    import scipy.sparse as sp
    from sklearn.preprocessing import FunctionTransformer

    length = FunctionTransformer(
        lambda xs: sp.csr_matrix([[len(x) / 100] for x in xs]),
        feature_names_out=lambda self, names: np.array(["length"], dtype=object),
    )
    pipeline = fit(
        Pipeline(
            [
                ("features", FeatureUnion([("words", TfidfVectorizer()), ("length", length)])),
                ("clf", LogisticRegression()),
            ]
        )
    )
    X, _ = Attribution(pipeline).transform(PROBES)
    assert abs(X - pipeline[:-1].transform(PROBES)).max() == 0
    for s in Tagger(pipeline).predict(PROBES):
        assert all(f.startswith("words__") for c in s.cues for f in c.features)


def _sorted_reference(X, predicted, coef, k):  # type: ignore[no-untyped-def]
    """Every row's positive contributions, one stable sort, the first k: the plain definition."""
    X = X.tocsr()
    indptr, feats, weights = [0], [], []
    for i in range(X.shape[0]):
        a, b = X.indptr[i], X.indptr[i + 1]
        row = [
            (float(v * coef[predicted[i], j]), int(j))
            for j, v in zip(X.indices[a:b], X.data[a:b], strict=True)
        ]
        row = [(c, j) for c, j in row if c > 0]
        row.sort(key=lambda t: -t[0])  # stable: ties stay in column order
        feats += [j for _, j in row[:k]]
        weights += [c for c, _ in row[:k]]
        indptr.append(len(feats))
    return indptr, feats, weights


@pytest.mark.parametrize("k", [1, 3, 20])
def test_top_contributions_are_each_rows_largest_ties_in_column_order(k: int) -> None:
    import scipy.sparse as sp

    pipeline = fit(build_default())
    attribution = Attribution(pipeline, max_features=k)
    X, _ = attribution.transform(PROBES)
    # ties: the same value in several columns of a row, and rows longer and shorter than k
    tied = sp.csr_matrix(np.tile(np.array([[0.5, 0.5, 0.0, 0.5, 0.25, 0.5]]), (3, 1)))
    coef = np.ones((len(pipeline[-1].classes_), 6))
    for matrix, weights_of in ((X, attribution.class_coef), (tied, coef)):
        attribution.class_coef = weights_of
        predicted = np.arange(matrix.shape[0]) % weights_of.shape[0]
        expected = _sorted_reference(matrix, predicted, weights_of, k)
        assert attribution.top_contributions(matrix, predicted) == expected
        needed = np.arange(matrix.shape[0]) % 2 == 0
        got = attribution.top_contributions(matrix, predicted, needed)
        assert got[1] == [
            j
            for i in range(matrix.shape[0])
            if needed[i]
            for j in expected[1][expected[0][i] : expected[0][i + 1]]
        ]
        assert np.diff(got[0])[~needed].sum() == 0


def test_top_contributions_of_rows_of_very_different_lengths(monkeypatch) -> None:
    import functools

    import scipy.sparse as sp

    from models import cues
    from models.cues import _similar_lengths

    rng = np.random.default_rng(0)
    lengths = [0, 3, 25, 400, 400, 5000, 21, 1] * 40
    width = max(lengths) + 1
    dense = np.zeros((len(lengths), width))
    for i, n in enumerate(lengths):
        dense[i, rng.choice(width, n, replace=False)] = rng.integers(1, 6, n) / 4  # many ties
    X = sp.csr_matrix(dense)
    attribution = Attribution(fit(build_default()), max_features=20)
    attribution.class_coef = np.ones((4, width))
    predicted = np.zeros(len(lengths), dtype=int)
    expected = _sorted_reference(X, predicted, attribution.class_coef, 20)
    assert attribution.top_contributions(X, predicted) == expected
    # in many small groups too (one long row alone in its own)
    monkeypatch.setattr(cues, "_similar_lengths", functools.partial(_similar_lengths, cells=2000))
    assert attribution.top_contributions(X, predicted) == expected
    groups = _similar_lengths(np.arange(len(lengths)), np.asarray(lengths), cells=20_000)
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(lengths)))
    assert all(len(g) == 1 or len(g) * max(lengths[i] for i in g) <= 20_000 for g in groups)


def build_default() -> Pipeline:
    from models.features import build_pipeline

    return build_pipeline()


def _cues_both_ways(attribution: Attribution, labels: list[str], texts: list[str]) -> int:
    """Assert the shown cues equal those placed from every top feature; how many had any."""
    X, located = attribution.transform(texts)
    predicted = np.asarray(X @ attribution.class_coef.T).argmax(axis=1)
    indptr, feats, weights = attribution.top_contributions(X, predicted)
    i = attribution._lexicon_index
    compared = 0
    for row, text in enumerate(texts):
        label = labels[predicted[row]]
        f, w = feats[indptr[row] : indptr[row + 1]], weights[indptr[row] : indptr[row + 1]]
        at = [loc[row] if loc is not None else None for loc in located]
        fast = attribution.cues(text, f, w, at, label=label)
        if (
            i is not None
        ):  # the reference: the lexicon's hits looked up in full, every feature placed
            at[i] = attribution.members[i].locate(text)
        hits = attribution._stance_hits(text, at, label)
        everything = (
            attribution._ranked_hits(text, hits, attribution._placed(text, f, w, at))
            if hits
            else ()
        )
        assert fast == everything, text
        compared += bool(everything)
    return compared


def test_skipping_features_far_from_the_hits_changes_no_cue() -> None:
    """The shown cues equal those placed from every top feature, on real sentences of the
    bundled data with the shipped model (n-grams of names and function words far from a hit
    are skipped without placing them)."""
    from claimkit.context import InContext
    from models import load

    tagger = load()
    lines = (ROOT / "data" / "labelled" / "sentences.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines[::4]]
    texts = [InContext(r["text"], r["context_before"], r["context_after"]) for r in rows] + PROBES
    assert _cues_both_ways(tagger._attribution, list(tagger.labels), texts) > 500


SKIPPING = [
    "North Korea should not deploy troops, officials said.",  # "should" is a stop word
    "State-owned lenders may be even worse hit, it said.",
    "It could be, reportedly, a  sign — “of desperation”? Perhaps.",
    "Mr Blair has said he would probably go; critics say it may be too late.",
    "İSTANBUL officials could reportedly deploy ſome troops.",
]


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "char", "ngram_range": (2, 4)},  # n-grams that cross spaces
        {"stop_words": "english", "ngram_range": (1, 2), "token_pattern": TOKEN_PATTERN},
        {"analyzer": "word", "ngram_range": (1, 3)},  # sklearn's token pattern
    ],
)
def test_skipping_is_exact_for_other_vectorizers(options: dict) -> None:
    from models.lexicon import CueLexicon

    union = FeatureUnion([("words", TfidfVectorizer(**options)), ("cues", CueLexicon())])
    pipeline = fit(Pipeline([("features", union), ("clf", LogisticRegression(C=100))]))
    labels = [str(c) for c in pipeline[-1].classes_]
    texts = SKIPPING + PROBES + [t for t, _ in TRAIN]
    assert _cues_both_ways(Attribution(pipeline, max_features=20), labels, texts) >= 5
