"""The vectorised char_wb counter gives exactly scikit-learn's counts and TF-IDF rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from claimkit.clean import content_regions
from claimkit.readers import Article, read_articles
from claimkit.segment import split_spans
from models.features import CompactTfidfVectorizer
from models.ngrams import WHITESPACE_FREE_PATTERNS, CharNgramCounter, WordNgramCounter

ROOT = Path(__file__).resolve().parents[1]
CORPUS = [
    "North Korea could reportedly deploy troops to Kursk.",
    "“We will not be intimidated,” the minister said.",
    "It is the first time in over 100 years; İstanbul’s mayor (ŞEN) disagreed!",
    "a  b\tc\nd   é",
]


def same(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    a.sort_indices()
    b.sort_indices()
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def counts_both_ways(vectorizer: CountVectorizer, docs: list[str]):
    counter = CharNgramCounter.for_vectorizer(vectorizer)
    assert counter is not None
    return counter.counts(docs), CountVectorizer.transform(vectorizer, docs)


@pytest.fixture(scope="module")
def bundled_sentences() -> list[str]:
    articles = read_articles([ROOT / "data" / "articles", ROOT / "data" / "modern-news"])
    return [
        a.text[s:e]
        for a in articles
        if isinstance(a, Article)
        for s, e in split_spans(a.text, content_regions(a.text))
    ]


@pytest.fixture(scope="module")
def fitted(bundled_sentences) -> CompactTfidfVectorizer:
    v = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    return v.fit(bundled_sentences[::2])  # half: the other half holds unseen n-grams


def test_counts_equal_sklearn_on_every_bundled_sentence(fitted, bundled_sentences):
    fast, reference = counts_both_ways(fitted, bundled_sentences)
    assert len(bundled_sentences) > 7000 and same(fast, reference)


def test_tfidf_rows_equal_sklearn(fitted, bundled_sentences):
    fast = fitted.transform(bundled_sentences[:2000])
    assert fitted.__dict__.get("_counter") is not None  # the fast path ran
    reference = TfidfVectorizer.transform(fitted, bundled_sentences[:2000])
    assert same(fast, reference) and type(fast) is type(reference)


def test_the_sparse_type_follows_sklearns_config(fitted):
    import sklearn

    if "sparse_interface" not in sklearn.get_config():
        pytest.skip("this scikit-learn has no sparse_interface setting")
    for interface in ("sparray", "spmatrix"):
        with sklearn.config_context(sparse_interface=interface):
            fast = fitted.transform(CORPUS)
            assert type(fast) is type(TfidfVectorizer.transform(fitted, CORPUS))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(
                list("abcKİIıŞé’'\"“” .,?!\t\n\u00a0\u2028xyz0") + ["\U0001f600"]
            ),
            max_size=40,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_counts_equal_sklearn_on_generated_text(docs):
    # case that changes length (İ), unknown characters, every kind of whitespace, empty docs
    v = CountVectorizer(analyzer="char_wb", ngram_range=(1, 4)).fit(CORPUS)
    counter = CharNgramCounter.for_vectorizer(v)
    assert counter is not None
    reference = CountVectorizer.transform(v, docs)
    assert same(counter.counts(docs), reference)
    assert same(counter.counts(docs), reference)  # the second time from the word cache


@pytest.mark.parametrize("limits", [{"max_words": 3000}, {"max_entries": 40_000}])
def test_counts_stay_exact_as_the_word_cache_fills_and_empties(fitted, bundled_sentences, limits):
    from models.ngrams import _WordRows

    counter = CharNgramCounter.for_vectorizer(fitted)
    assert counter is not None
    counter._words = _WordRows(**limits)
    emptied = 0
    for at in range(0, 3000, 300):
        batch = bundled_sentences[at : at + 300] + bundled_sentences[:20]  # seen and unseen words
        before = len(counter._words.index)
        fast = counter.counts(batch)
        emptied += len(counter._words.index) < before
        assert fast.has_canonical_format  # sorted, no duplicates: sklearn's own form
        assert same(fast, CountVectorizer.transform(fitted, batch))
    assert emptied >= 1 and len(counter._words.index) <= 3000 + 300 * 40
    assert counter._words.size <= 40_000 + 300 * 40 * 30


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "char"},
        {"analyzer": "word"},
        {"analyzer": "char_wb", "ngram_range": (4, 6)},  # a padded word can be shorter than 4
        {"analyzer": "char_wb", "strip_accents": "unicode"},
        {"analyzer": "char_wb", "preprocessor": str.upper},
    ],
)
def test_other_settings_keep_sklearns_path(options):
    v = CountVectorizer(**options).fit(CORPUS)
    assert CharNgramCounter.for_vectorizer(v) is None


def test_non_list_input_and_bytes_take_sklearns_path(fitted):
    docs = ["A sentence, said officials."]
    expected = TfidfVectorizer.transform(fitted, docs)
    assert same(fitted.transform(iter(docs)), expected)
    assert same(fitted.transform(tuple(docs)), expected)


def test_the_cache_is_not_saved_and_refitting_drops_it(fitted):
    fitted.transform(["warm"])
    assert "_counter" not in fitted.__getstate__()
    refit = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(CORPUS)
    refit.transform(CORPUS)
    refit.fit(["totally different words"])
    assert same(refit.transform(CORPUS), TfidfVectorizer.transform(refit, CORPUS))


# ------------------------------------------------------------------------ word 1-2-grams
@pytest.fixture(scope="module")
def fitted_words(bundled_sentences) -> CompactTfidfVectorizer:
    from models.features import TOKEN_PATTERN

    v = CompactTfidfVectorizer(ngram_range=(1, 2), token_pattern=TOKEN_PATTERN, sublinear_tf=True)
    return v.fit(bundled_sentences[::2])


def test_word_counts_equal_sklearn_on_every_bundled_sentence(fitted_words, bundled_sentences):
    counter = WordNgramCounter.for_vectorizer(fitted_words)
    assert counter is not None
    assert same(
        counter.counts(bundled_sentences),
        CountVectorizer.transform(fitted_words, bundled_sentences),
    )
    fast = fitted_words.transform(bundled_sentences[:2000])
    assert isinstance(fitted_words.__dict__.get("_counter"), WordNgramCounter)
    assert same(fast, TfidfVectorizer.transform(fitted_words, bundled_sentences[:2000]))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(list("ab İIı’'?\t\n.") + ["said ", "could ", "Kim’s "]), max_size=30
        ).map("".join),
        min_size=1,
        max_size=5,
    )
)
def test_word_counts_equal_sklearn_on_generated_text(docs):
    from models.features import TOKEN_PATTERN

    v = CountVectorizer(ngram_range=(1, 2), token_pattern=TOKEN_PATTERN).fit(
        CORPUS + ["said could Kim’s a b ab ba ? ?"]
    )
    counter = WordNgramCounter.for_vectorizer(v)
    assert counter is not None and same(counter.counts(docs), CountVectorizer.transform(v, docs))


def test_the_project_token_pattern_is_known_whitespace_free():
    from models.features import TOKEN_PATTERN

    assert TOKEN_PATTERN in WHITESPACE_FREE_PATTERNS


@pytest.mark.parametrize(
    "options",
    [
        {"ngram_range": (1, 3)},
        {"stop_words": "english"},
        {"token_pattern": r"[a-z]+ [a-z]+"},  # tokens with a space: terms cannot be split back
        {"analyzer": "char_wb"},
    ],
)
def test_other_word_settings_keep_sklearns_path(options):
    v = CountVectorizer(**options).fit(CORPUS)
    assert WordNgramCounter.for_vectorizer(v) is None
