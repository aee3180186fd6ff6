"""The tagger library: offsets, cues, probabilities, summaries, tag_many, pickling."""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from claimkit.context import in_order
from claimkit.errors import ClaimkitError, InputError
from claimkit.readers import read_articles

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"
DATA = Path(__file__).with_name("data")

# Real sentences from the seed articles, labelled by hand with the guideline's precedence.
SEED_LABELS = [
    (
        "Vladimir Putin’s recruitment of North Korean soldiers smacks of desperation and could "
        "spectacularly backfire, according to some Western military analysts.",
        "opinion",
    ),
    (
        "After weeks of speculation, NATO chief Mark Rutte confirmed the deployment of soldiers "
        "from Kim Jong-un’s army to Russia.",
        "attributed",
    ),
    (
        "The former Netherlands Prime Minister said North Korean soldiers had been sent to the "
        "Kursk front in Russia.",
        "attributed",
    ),
    (
        "However, some Western analysts believe the deployment shows significant weaknesses in "
        "Putin’s war machine.",
        "attributed",
    ),
    ("“If you want to be a great power, you shouldn’t be kowtowing to North Korea.”", "opinion"),
    (
        "They also appear to be short and thin, suggesting they could be suffering from "
        "malnutrition.",
        "speculative",
    ),
    (
        "Putin and his North Korean counterpart Kim signed a security pact back in June of this "
        "year.",
        "confirmed",
    ),
    (
        "In early August, Ukraine launched a lightening incursion into Russia’s Kursk region, "
        "seizing around 500 square metres of territory.",
        "confirmed",
    ),
    (
        "North Korea could deploy up to 100,000 soldiers to help the Kremlin with its war in "
        "Ukraine.",
        "speculative",
    ),
    (
        "Moscow has reportedly amassed some 50,000 Russian and North Korean soldiers in the "
        "region.",
        "speculative",
    ),
    (
        "The soldiers are reportedly undergoing intense training at a Russian military base near "
        "Sergeyevka.",
        "speculative",
    ),
    ("The development, while worrying, is not surprising.", "opinion"),
    (
        "Ukrainian forces made an ambitious cross-border incursion into Kursk, Russia, in August.",
        "confirmed",
    ),
    (
        "Pyongyang was awash with Russian flags and dictator style portraits of Putin as he "
        "touched down in June.",
        "confirmed",
    ),
    (
        "Some analysts speculate that Kim Jong Un may see this as an opportunity to strengthen "
        "ties with Russia.",
        "speculative",
    ),
    ("The war has eaten into both economies, but the human toll is truly staggering.", "opinion"),
]


def seed_pipeline(**params):
    from models.features import build_pipeline

    texts, labels = zip(*SEED_LABELS, strict=True)
    return build_pipeline(**params).fit(list(texts), list(labels))


@pytest.fixture(scope="module")
def tagger():
    """The shipped default model when it exists, else a pipeline fitted on the seed labels."""
    import models
    from models.tagger import Tagger

    if (ROOT / "models" / "default" / "manifest.json").is_file():
        return models.load()
    return Tagger(seed_pipeline(), name="seed-test")


@pytest.fixture(scope="module")
def seed_articles():
    articles = [a for a in read_articles([SEEDS]) if hasattr(a, "text")]
    assert len(articles) == 5
    return articles


def test_public_api_is_small_and_lazy():
    import models

    assert sorted(models.__all__) == [
        "ArticleTags",
        "Cue",
        "SentencePrediction",
        "Summary",
        "Tagger",
        "load",
    ]
    for name in models.__all__:
        assert getattr(models, name) is not None


def test_importing_models_loads_nothing_heavy():
    import subprocess
    import sys

    code = "import sys, models; print(sorted(m for m in ('numpy', 'sklearn', 'scipy', 'joblib') if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"


def test_offsets_round_trip_for_every_sentence_and_cue(tagger, seed_articles):
    n_cues = 0
    for article in seed_articles:
        tags = tagger.tag(article.text)
        assert tags.sentences, article.article_id
        last_end = 0
        for s in tags.sentences:
            assert article.text[s.start : s.end] == s.text
            assert s.start >= last_end  # in order, not overlapping
            last_end = s.end
            for c in s.cues:
                assert article.text[c.start : c.end] == c.text
                assert s.start <= c.start < c.end <= s.end
                assert c.weight > 0
                n_cues += 1
    assert n_cues > 50


def test_predict_cue_offsets_are_within_the_sentence(tagger):
    sentences = [text for text, _ in SEED_LABELS]
    for s, text in zip(tagger.predict(sentences), sentences, strict=True):
        assert (s.text, s.start, s.end) == (text, 0, len(text))
        for c in s.cues:
            assert text[c.start : c.end] == c.text


def test_hedge_words_are_the_cues(tagger):
    [s] = tagger.predict(["North Korea could reportedly deploy troops"])
    assert s.label == "speculative" and s.hedged
    words = {c.text.lower() for c in s.cues}
    assert {"could", "reportedly"} <= words


def test_cue_weights_are_the_models_contributions():
    from models.tagger import Tagger

    # word 1-2-grams and lexicon features (no char n-grams, whose many small pieces would
    # make the sum below long): every feature behind the cue is in the sum
    tagger = Tagger(seed_pipeline(word_ngram_range=(1, 2), chars=False))
    text = "North Korea could reportedly deploy troops"
    [s] = tagger.predict([text])
    features = tagger.pipeline[:-1]
    clf = tagger.pipeline[-1]
    x = features.transform([text]).toarray()[0]
    names = list(features.get_feature_names_out())
    k = list(clf.classes_).index(s.label)
    coef = clf.coef_[k] if clf.coef_.shape[0] > 1 else (clf.coef_[0] if k == 1 else -clf.coef_[0])
    [cue] = [c for c in s.cues if c.text == "reportedly"]
    assert cue.kind == "hedge" and "words__reportedly" in cue.features

    def hits(feature: str) -> int:
        """How many of the sentence's stance words a feature's occurrence overlaps."""
        gram = feature.split("__", 1)[1]
        return sum(w in gram.split() for w in ("could", "reportedly")) or 1

    # Each feature behind the cue occurs once here; one spanning both stance words (the
    # bigram "could reportedly") gives each of them half of its contribution.
    expected = sum(coef[names.index(f)] * x[names.index(f)] / hits(f) for f in cue.features)
    assert cue.weight == pytest.approx(expected, rel=1e-9)
    # Cues are ranked by weight, strongest first.
    assert [c.weight for c in s.cues] == sorted((c.weight for c in s.cues), reverse=True)


FUNCTION_WORDS = {"the", "a", "an", "with", "its", "of", "to", "and", "in", "on", "for", "at", "by"}


def test_cues_are_stance_words_never_names_numbers_or_function_words(tagger, seed_articles):
    lexicon = tagger._attribution.stance_lexicon  # the model's own phrases
    shown = frames = 0
    for article in seed_articles:
        for s in tagger.tag(article.text).sentences:
            if s.label == "confirmed":
                assert s.cues == ()  # a confirmed sentence shows none by default
            local = [(n, a + s.start, b + s.start) for n, a, b in lexicon.find(s.text)]
            deciding = {
                "attributed": {"attribution"},
                "speculative": {"hedge", "attribution"},
                "opinion": {"evaluation", "obligation", "question", "attribution"},
            }
            for c in s.cues:
                shown += 1
                # only cues that can decide the label; never a bare quotation mark
                assert c.kind in deciding[s.label] and c.text not in '"\u201c\u201d'

                inside = [(n, a, b) for n, a, b in local if c.start <= a and b <= c.end]
                assert inside  # every cue holds a lexicon hit ...
                if c.kind != "attribution":  # ... and is exactly that hit
                    assert [(a, b) for _, a, b in inside] == [(c.start, c.end)]
                else:  # or a speech frame widened over its speaker: never a bare name
                    assert any(n.startswith("attribution:") for n, _, _ in inside)
                assert not c.text[0].isdigit() and c.text.lower() not in FUNCTION_WORDS
                frames += c.kind == "attribution" and len(c.text.split()) > 1
    assert shown > 30 and frames > 3
    # Korea, North, with, 100 and its were underlined before; now none is
    [s] = tagger.predict(["North Korea could deploy up to 100,000 soldiers with its army."])
    assert {c.text for c in s.cues} <= {"could"}


def test_confirmed_sentences_show_cues_when_asked(tagger):
    import models

    text = "Putin and Kim signed a security pact in June, officials said."
    loud = models.load(confirmed_cues=True) if tagger.name == "default" else tagger
    [s] = loud.predict([text])
    assert s.label != "confirmed" or s.cues


def test_probabilities_are_the_pipelines_and_sum_to_one(tagger, seed_articles):
    tags = tagger.tag(seed_articles[0].text)
    texts = in_order([s.text for s in tags.sentences])  # tag gives each sentence its neighbour
    expected = tagger.pipeline.predict_proba(texts)
    for s, row in zip(tags.sentences, expected, strict=True):
        assert list(s.probabilities) == list(tagger.labels)
        assert sum(s.probabilities.values()) == pytest.approx(1.0, abs=1e-9)
        assert np.allclose(list(s.probabilities.values()), row, rtol=0, atol=1e-12)
        assert s.label == max(s.probabilities, key=s.probabilities.__getitem__)
        assert s.hedged == (s.label in {"opinion", "speculative", "attributed"})


def test_fast_transform_equals_the_feature_union(tagger):
    texts = [text for text, _ in SEED_LABELS] + ["", "?"]
    a, _ = tagger._attribution.transform(texts)
    b = tagger.pipeline[:-1].transform(texts)
    assert a.shape == b.shape and abs(a - b).max() == 0


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n"])
def test_empty_text_gives_no_sentences(tagger, text):
    tags = tagger.tag(text)
    assert tags.sentences == []
    assert tags.summary.n_sentences == 0 and tags.summary.hedging_ratio == 0.0
    assert set(tags.summary.counts) == set(tagger.labels)
    assert tagger.predict([]) == []


def test_summary_counts_shares_and_hedging_ratio(tagger, seed_articles):
    tags = tagger.tag(seed_articles[1].text)
    sm = tags.summary
    assert sm.n_sentences == len(tags.sentences) == sum(sm.counts.values())
    for label, count in sm.counts.items():
        assert count == sum(s.label == label for s in tags.sentences)
        assert sm.shares[label] == pytest.approx(count / sm.n_sentences)
    assert sm.n_hedged == sum(s.hedged for s in tags.sentences)
    assert sm.hedging_ratio == pytest.approx(sm.n_hedged / sm.n_sentences)
    json.dumps(tags.to_dict())  # the dict form is JSON-safe


def test_debris_is_skipped_unless_asked(tagger, seed_articles):
    text = next(a.text for a in seed_articles if a.article_id.startswith("independent"))
    clean = [s.text for s in tagger.tag(text).sentences]
    raw = [s.text for s in tagger.tag(text, clean=False).sentences]
    assert len(raw) > len(clean)
    assert not any(s.startswith("Home World") for s in clean)


def test_non_ascii_case_folding_keeps_offsets(tagger):
    # "İ".lower() is two characters: cue offsets must still index the original text.
    text = "İSTANBUL officials could reportedly deploy more troops to the ÆGEAN coast."
    tags = tagger.tag(text)
    for s in tags.sentences:
        for c in s.cues:
            assert text[c.start : c.end] == c.text
    assert {"could", "reportedly"} <= {c.text for s in tags.sentences for c in s.cues}


def test_tag_many_equals_tag_one_by_one(tagger, seed_articles):
    one_by_one = [tagger.tag(a.text) for a in seed_articles]
    for n_jobs, chunk in [(1, 2), (2, 1)]:
        many = list(tagger.tag_many(seed_articles, n_jobs=n_jobs, chunk_size=chunk))
        assert [m.article_id for m in many] == [a.article_id for a in seed_articles]
        assert [m.sentences for m in many] == [t.sentences for t in one_by_one]
        assert [m.summary for m in many] == [t.summary for t in one_by_one]
    plain = list(tagger.tag_many([a.text for a in seed_articles]))
    assert [m.sentences for m in plain] == [t.sentences for t in one_by_one]


def test_tag_many_streams_without_reading_everything(tagger, seed_articles):
    read = 0

    def endless():
        nonlocal read
        for article in itertools.cycle(seed_articles):
            read += 1
            yield article

    first = list(itertools.islice(tagger.tag_many(endless(), chunk_size=4), 6))
    assert len(first) == 6 and read <= 8  # two chunks read, not the whole (infinite) input
    # on two workers: a few tasks read ahead (joblib's pre_dispatch, two per worker), in order
    read = 0
    many = tagger.tag_many(endless(), n_jobs=2, chunk_size=1)
    first = list(itertools.islice(many, 6))
    many.close()
    assert [a.text for a in first] == [a.text for a in seed_articles] + [seed_articles[0].text]
    assert read <= 6 + 10
    # joblib's own pool served it: the caller's (and scikit-learn's) joblib work still runs
    import joblib

    assert joblib.Parallel(n_jobs=2)(joblib.delayed(abs)(-i) for i in range(3)) == [0, 1, 2]


def test_tag_many_rejects_things_that_are_not_articles(tagger):
    with pytest.raises(InputError, match="article #1"):
        list(tagger.tag_many(["fine text.", 42]))
    with pytest.raises(InputError):
        tagger.predict("a string, not a list")  # type: ignore[arg-type]


def test_pickled_tagger_predicts_the_same(tagger):
    clone = pickle.loads(pickle.dumps(tagger))
    texts = [text for text, _ in SEED_LABELS]
    assert clone.predict(texts) == tagger.predict(texts)
    assert clone.model_version == tagger.model_version


def test_offsets_round_trip_on_arbitrary_text(tagger):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    words = st.sampled_from(
        [
            "could",
            "reportedly",
            "said",
            "İstanbul",
            "ΟΔΟΣ",
            "troops",
            "“",
            "”",
            "?",
            "\n",
            "\t",
            "  ",
            ".",
            "-",
            "Kim's",
            "shouldn’t",
            "ﬁnal",
            "e\u0301",
            "\x1b[31m",
            "<b>",
            "2,000",
        ]
    )
    text_st = st.lists(st.one_of(words, st.text(max_size=6)), max_size=40).map(" ".join)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text_st)
    def check(text: str) -> None:
        tags = tagger.tag(text)
        for s in tags.sentences:
            assert text[s.start : s.end] == s.text
            assert sum(s.probabilities.values()) == pytest.approx(1.0)
            for c in s.cues:
                assert text[c.start : c.end] == c.text and c.weight > 0
        for s in tagger.predict([text]):
            for c in s.cues:
                assert text[c.start : c.end] == c.text

    check()


def test_predict_without_cues_has_the_same_labels(tagger):
    texts = [text for text, _ in SEED_LABELS]
    full, bare = tagger.predict(texts), tagger.predict(texts, cues=False)
    assert [s._replace(cues=()) for s in full] == bare
    assert all(s.cues == () for s in bare) and any(s.cues for s in full)


def test_a_custom_label_scheme_still_shows_cues():
    from models.features import build_pipeline
    from models.tagger import Tagger

    texts, labels = zip(*SEED_LABELS, strict=True)
    rumour = [("rumour" if y != "confirmed" else "fact") for y in labels]
    tagger = Tagger(build_pipeline(chars=False).fit(list(texts), rumour))
    [s] = tagger.predict(["Officials reportedly said it might fail."])
    assert s.label == "rumour" and s.cues


def test_workers_load_a_saved_model_once_from_its_folder(tagger, seed_articles):
    from models.tagger import Tagger, _tag_chunk_from_folder

    folder, sha256, options = tagger._folder_ref()
    assert sha256 == tagger.sha256 and options["max_cues"] == tagger.max_cues
    articles = [(a.text, a.article_id, "", "") for a in seed_articles[:2]]
    from_folder = _tag_chunk_from_folder((folder, sha256, options), articles, True)
    assert [t.sentences for t in from_folder] == [
        tagger.tag(a.text).sentences for a in seed_articles[:2]
    ]
    with pytest.raises(ClaimkitError, match="model changed"):
        _tag_chunk_from_folder((folder, "0" * 64, options), articles, True)
    # a tagger made in memory has no folder: its workers get the tagger itself
    in_memory = Tagger(tagger.pipeline)
    assert in_memory._folder_ref() is None
    many = list(in_memory.tag_many(seed_articles[:2], n_jobs=2, chunk_size=1))
    assert [m.sentences for m in many] == [t.sentences for t in from_folder]


def test_predictions_equal_those_of_the_code_before_the_fast_paths(tagger):
    """tests/data/predictions-reference.jsonl: labels, probabilities and cues of the default
    model as the code before the vectorised n-grams, lexicon and cue paths produced them."""
    lines = (DATA / "predictions-reference.jsonl").read_text(encoding="utf-8").splitlines()
    head, rows = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert tagger.model_version == head["model_version"], "regenerate the reference file"
    assert len(rows) >= 30
    for row in rows:
        now = [s.to_dict() for s in tagger.tag(row["text"]).sentences]
        assert now == row["sentences"], row["id"]
