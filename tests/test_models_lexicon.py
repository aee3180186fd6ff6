"""The cue lexicon: offsets, precedence, features equal to find(), pickling, speed."""

from __future__ import annotations

import io

import joblib
import pytest

from models.lexicon import CATEGORY_LABELS, LEXICON, CueLexicon, rule_label

# Guideline examples (issue 4), from the seed articles.
GUIDELINE = [
    ("If you want to be a great power, you shouldn\u2019t be kowtowing to North Korea.", "opinion"),
    ("Erratic autocrats and nukes are a concerning mix.", "opinion"),
    (
        "North Korea could deploy up to 100,000 soldiers to help the Kremlin with its war in Ukraine.",
        "speculative",
    ),
    (
        "They also appear to be short and thin, suggesting they could be suffering from malnutrition.",
        "speculative",
    ),
    (
        "NATO chief Mark Rutte confirmed the deployment of soldiers from Kim Jong-un\u2019s army to Russia.",
        "attributed",
    ),
    (
        "Previously, South Korea\u2019s National Intelligence Service claimed 1,500 North Korean "
        "soldiers had arrived in Russia via Vladivostok.",
        "attributed",
    ),
]
CONFIRMED = (
    "Putin and his North Korean counterpart Kim signed a security pact back in June of this year."
)


@pytest.fixture(scope="module")
def lexicon() -> CueLexicon:
    return CueLexicon().fit([])


def test_offsets_point_at_the_phrase(lexicon: CueLexicon) -> None:
    text = "Moscow has Reportedly amassed troops, it IS   BELIEVED, and they would likely stay?"
    found = lexicon.find(text)
    spans = {name: text[s:e] for name, s, e in found}
    assert spans["hedge:reportedly"] == "Reportedly"
    # longest phrase wins and whitespace inside a phrase may vary
    assert spans["hedge:it is believed"] == "it IS   BELIEVED"
    assert spans["hedge:would likely"] == "would likely"
    assert "modal:would" not in spans
    assert spans["question:?"] == "?"
    assert [s for _, s, _ in found] == sorted(s for _, s, _ in found)


def test_curly_apostrophes_and_quotes(lexicon: CueLexicon) -> None:
    text = "\u201cYou shouldn\u2019t be kowtowing,\u201d he told reporters."
    names = [name for name, _, _ in lexicon.find(text)]
    assert names == [
        "quote:\u201c",
        "obligation:shouldn't",
        "evaluative:kowtowing",
        "quote:\u201d",
        "attribution:told",
    ]


def test_multiword_phrases_do_not_cross_punctuation(lexicon: CueLexicon) -> None:
    names = [n for n, _, _ in lexicon.find("The results, according to him. According, to nobody")]
    assert names == ["attribution:according to"]


def test_words_only_match_whole_words(lexicon: CueLexicon) -> None:
    assert lexicon.find("The mayday call and the Maypole") == []
    assert lexicon.find("Saidi and mustard") == []


def test_offsets_survive_characters_whose_lower_case_is_longer(lexicon: CueLexicon) -> None:
    text = "\u0130stanbul officials reportedly met."
    ((name, s, e),) = lexicon.find(text)
    assert name == "hedge:reportedly" and text[s:e] == "reportedly"


@pytest.mark.parametrize(("text", "label"), GUIDELINE)
def test_rule_label_follows_the_guideline_examples(
    lexicon: CueLexicon, text: str, label: str
) -> None:
    assert rule_label(lexicon, text) == label


def test_rule_label_precedence_and_allowed(lexicon: CueLexicon) -> None:
    text = "Officials said the troops could arrive, a desperate move."
    assert rule_label(lexicon, text) == "opinion"
    assert rule_label(lexicon, text, {"speculative", "attributed"}) == "speculative"
    assert rule_label(lexicon, text, {"attributed", "confirmed"}) == "attributed"
    assert rule_label(lexicon, CONFIRMED) is None


def test_transform_is_the_binary_form_of_find(lexicon: CueLexicon) -> None:
    texts = [t for t, _ in GUIDELINE] + [CONFIRMED, "could could could?"]
    X = lexicon.transform(texts).toarray()
    names = list(lexicon.get_feature_names_out())
    assert X.shape == (len(texts), len(names))
    for row, text in zip(X, texts, strict=True):
        expected = {names.index(n) for n, _, _ in lexicon.find(text)}
        assert set(row.nonzero()[0]) == expected
        assert set(row[row > 0]) <= {1.0}


def test_feature_names_are_category_phrase_and_categories_map_to_labels(
    lexicon: CueLexicon,
) -> None:
    names = list(lexicon.get_feature_names_out())
    assert len(names) == len(set(names)) == sum(len(p) for p in LEXICON.values())
    assert "hedge:reportedly" in names and "attribution:according to" in names
    assert {n.split(":", 1)[0] for n in names} == set(CATEGORY_LABELS)
    assert set(CATEGORY_LABELS.values()) == {"opinion", "speculative", "attributed"}


def test_duplicate_phrase_across_categories_is_refused() -> None:
    with pytest.raises(ValueError, match="(?i)could.*hedge.*modal"):
        CueLexicon({"hedge": ("could",), "modal": ("Could",)}).fit([])


def test_joblib_round_trip_keeps_behaviour(lexicon: CueLexicon) -> None:
    buffer = io.BytesIO()
    joblib.dump(lexicon, buffer)
    buffer.seek(0)
    loaded = joblib.load(buffer)
    text = GUIDELINE[2][0]
    assert loaded.find(text) == lexicon.find(text)
    assert (loaded.transform([text]) != lexicon.transform([text])).nnz == 0
