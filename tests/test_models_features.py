"""The pipeline factory: member names, feature names, parameters, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from models.features import DEFAULT_PARAMS, TOKEN_PATTERN, build_pipeline, normalise_params
from models.lexicon import CueLexicon

FIXTURE = Path(__file__).parent / "data" / "train_seed_sentences.jsonl"


@pytest.fixture(scope="module")
def seed_rows() -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def test_token_pattern_keeps_contractions_and_question_marks() -> None:
    tokens = re.findall(
        TOKEN_PATTERN, "you shouldn\u2019t, can't you? Kim's army, a 1,500-man unit"
    )
    assert tokens == [
        "you", "shouldn\u2019t", "can't", "you", "?", "Kim's", "army", "a", "1", "500", "man", "unit",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("params", "members"),
    [
        ({}, ["words", "chars", "cues", "structure", "context"]),
        ({"chars": False, "structure": False, "context": False}, ["words", "cues"]),
        ({"chars": False, "cues": False, "structure": False, "context": False}, ["words"]),
        ({"cues": False, "structure": False, "context": False}, ["words", "chars"]),
        ({"chars": False, "context": False}, ["words", "cues", "structure"]),
        (
            {"quote_views": True, "context_after": True},
            [
                "words",
                "chars",
                "cues",
                "structure",
                "inside_quotes",
                "outside_quotes",
                "context",
                "context_after",
            ],
        ),  # fmt: skip
    ],
)
def test_feature_union_member_names_follow_the_contract(params: dict, members: list[str]) -> None:
    pipeline = build_pipeline(**params)
    assert [name for name, _ in pipeline.steps] == ["features", "clf"]
    union = pipeline.named_steps["features"]
    assert [name for name, _ in union.transformer_list] == members
    words = dict(union.transformer_list)["words"]
    assert (words.analyzer, words.lowercase, words.token_pattern) == ("word", True, TOKEN_PATTERN)
    if "chars" in members:
        assert dict(union.transformer_list)["chars"].analyzer == "char_wb"
    if "cues" in members:
        assert isinstance(dict(union.transformer_list)["cues"], CueLexicon)
    clf = pipeline.named_steps["clf"]
    assert isinstance(clf, LogisticRegression) and clf.class_weight == "balanced"


def test_feature_names_after_fit(seed_rows: tuple[list[str], list[str]]) -> None:
    texts, labels = seed_rows
    pipeline = build_pipeline(chars=True, word_ngram_range=(1, 2)).fit(texts, labels)
    names = set(pipeline[:-1].get_feature_names_out())
    assert {
        "words__could",
        "words__appear to",
        "cues__hedge:reportedly",
        "cues__modal:could",
    } <= names
    assert any(n.startswith("chars__") for n in names)
    assert list(pipeline.classes_) == sorted(set(labels))


def test_cue_weight_scales_only_the_cue_columns(seed_rows: tuple[list[str], list[str]]) -> None:
    texts, labels = seed_rows
    # cues last in the union: no speech-structure member after them
    plain = (
        build_pipeline(structure=False, context=False)
        .fit(texts, labels)[:-1]
        .transform(texts)
        .toarray()
    )
    heavy = (
        build_pipeline(structure=False, context=False, cue_weight=3.0)
        .fit(texts, labels)[:-1]
        .transform(texts)
        .toarray()
    )
    n_cues = len(CueLexicon().fit([]).get_feature_names_out())
    np.testing.assert_allclose(heavy[:, :-n_cues], plain[:, :-n_cues])
    np.testing.assert_allclose(heavy[:, -n_cues:], 3.0 * plain[:, -n_cues:])


def test_params_survive_a_json_round_trip() -> None:
    params = normalise_params({"C": 3, "word_ngram_range": (1, 3), "chars": True})
    again = normalise_params(json.loads(json.dumps(params)))
    assert again == params
    assert (
        build_pipeline(**again).get_params(deep=True).keys()
        == build_pipeline(**params).get_params().keys()
    )
    assert set(params) == set(DEFAULT_PARAMS)


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="ngram"):
        build_pipeline(ngram=(1, 2))


def test_same_data_same_seed_same_probabilities(seed_rows: tuple[list[str], list[str]]) -> None:
    texts, labels = seed_rows
    a = build_pipeline(chars=True).fit(texts, labels).predict_proba(texts)
    b = build_pipeline(chars=True).fit(texts, labels).predict_proba(texts)
    assert np.array_equal(a, b)


# ----------------------------------------------------------------- words inside / outside quotes
@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ('Profits "will fall", he said.', '"will fall"', "Profits , he said."),
        ("\u201cIt\u2019s over,\u201d she said.", "\u201cIt\u2019s over,\u201d", "she said."),
        # a quotation that started in an earlier sentence and closes here
        ('We have a lot of winter left."', 'We have a lot of winter left."', ""),
        # one that opens here and goes on
        ('"Our assets were illegally seized.', '"Our assets were illegally seized.', ""),
        ("Officials said it 'could happen'.", "", "Officials said it 'could happen'."),
        # a quotation inside a quotation stays inside
        (
            "He said: \u201cThey told me \u2018never\u2019, and I agreed.\u201d",
            "\u201cThey told me \u2018never\u2019, and I agreed.\u201d",
            "He said:",
        ),
    ],
)
def test_quote_part_keeps_one_side_and_blanks_the_other(
    text: str, inside: str, outside: str
) -> None:
    from models.features import quote_part

    kept_in, kept_out = quote_part(text, True), quote_part(text, False)
    assert len(kept_in) == len(kept_out) == len(text)  # offsets still index the sentence
    assert " ".join(kept_in.split()) == inside
    assert " ".join(kept_out.split()) == outside


def test_quote_views_count_as_scikit_learn_would(seed_rows: tuple[list[str], list[str]]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from models.features import QuotePartVectorizer

    texts = seed_rows[0]
    for part in ("inside", "outside"):
        view = QuotePartVectorizer(part=part, ngram_range=(1, 2), sublinear_tf=True).fit(texts)
        fast, plain = view.transform(texts), TfidfVectorizer.transform(view, texts)
        assert fast.nnz > 100 and abs(fast - plain).max() == 0.0
    inside = QuotePartVectorizer(part="inside").fit(['He said "no way" today.'])
    assert list(inside.get_feature_names_out()) == ["no", "way"]


def test_a_model_with_every_feature_set_saves_and_loads(
    seed_rows: tuple[list[str], list[str]],
) -> None:
    from claimkit.context import in_order
    from models.artifact import _deserialise, dumps

    texts, labels = seed_rows
    sentences = in_order(texts)
    pipeline = build_pipeline(quote_views=True, context=True).fit(sentences, labels)
    names = list(pipeline[:-1].get_feature_names_out())
    assert any(n.startswith("inside_quotes__") for n in names)
    assert any(n.startswith("context__before:") for n in names)
    loaded = _deserialise(dumps(pipeline), Path("model.skops"), trust_pickle=False)
    np.testing.assert_array_equal(
        loaded.predict_proba(sentences), pipeline.predict_proba(sentences)
    )


def test_a_quote_view_names_its_part() -> None:
    from models.features import QuotePartVectorizer

    with pytest.raises(ValueError, match="part 'Inside'"):
        QuotePartVectorizer(part="Inside").fit(["He said no."])
