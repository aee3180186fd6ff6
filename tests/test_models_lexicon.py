"""The cue lexicon: offsets, precedence, features equal to find(), pickling, speed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import joblib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.lexicon import _TOKEN, CATEGORY_LABELS, LEXICON, LEXICON_FILE, CueLexicon, rule_label

ROOT = Path(__file__).resolve().parents[1]

# Guideline examples (annotate/guideline.md), from bundled BBC articles.
GUIDELINE = [
    (
        "Billions of pounds spent on conflict in Iraq and in the Middle East should have been used "
        "to reduce poverty, Cardinal Cormac Murphy-O'Connor has said.",
        "opinion",
    ),
    ("It is thought that nearly half a million children skip school each day.", "speculative"),
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


def test_curly_apostrophes_and_quotes_match_their_straight_forms(lexicon: CueLexicon) -> None:
    text = "\u201cYou shouldn\u2019t be so absurd,\u201d he told reporters."
    found = lexicon.find(text)
    assert [name for name, _, _ in found] == [
        'quote:"',
        "obligation:shouldn't",
        "evaluative:absurd",
        'quote:"',
        "attribution:told",
    ]
    assert [text[s:e] for _, s, e in found][:2] == ["\u201c", "shouldn\u2019t"]


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


# ----------------------------------------------------------------- the one-pass matcher
def reference_matches(lexicon: CueLexicon, text: str) -> list[tuple[int, int, int]]:
    """The plain matcher the one-pass one must equal: every token with its position, each
    candidate phrase's whitespace checked before its lookup."""
    index, _, starts = lexicon._compile()
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower()[0] for c in text)
    lowered = lowered.translate(lexicon._fold)
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
    found = []
    i = 0
    while i < len(tokens):
        token, start, end = tokens[i]
        step = 1
        for n in range(min(starts.get(token, 0), len(tokens) - i), 1, -1):
            span = tokens[i : i + n]
            if all(lowered[a[2] : b[1]].isspace() for a, b in zip(span, span[1:], strict=False)):
                col = index.get(" ".join(tok for tok, _, _ in span))
                if col is not None:
                    found.append((col, start, span[-1][2]))
                    step = n
                    break
        else:
            col = index.get(token)
            if col is not None:
                found.append((col, start, end))
        i += step
    return found


def test_one_pass_matcher_equals_the_reference_on_every_bundled_sentence(lexicon):
    from claimkit.clean import content_regions
    from claimkit.readers import Article, read_articles
    from claimkit.segment import split_spans

    articles = read_articles([ROOT / "data" / "articles", ROOT / "data" / "modern-news"])
    sentences = [
        a.text[s:e]
        for a in articles
        if isinstance(a, Article)
        for s, e in split_spans(a.text, content_regions(a.text))
    ]
    assert len(sentences) > 7000
    found = 0
    expected = []
    for sentence in sentences:
        fast = lexicon._matches(sentence)
        reference = reference_matches(lexicon, sentence)
        assert fast == reference, sentence
        found += bool(fast)
        expected.append(reference)
    assert found > 2000  # the comparison covers many real hits
    assert batch_columns(lexicon, sentences) == [sorted(c for c, _, _ in r) for r in expected]
    spelled = lexicon._hit_columns(sentences)[2]
    for sentence, multi, reference in zip(sentences, spelled, expected, strict=True):
        if not multi:  # what the batch says has no multi-word phrase is found word by word
            assert lexicon._matches(sentence, spelled=False) == reference, sentence
    assert 500 < spelled.sum() < len(sentences) // 2


def batch_columns(lexicon: CueLexicon, texts: list[str]) -> list[list[int]]:
    rows, cols, _ = lexicon._hit_columns(texts)
    out: list[list[int]] = [[] for _ in texts]
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        out[row].append(col)
    return [sorted(c) for c in out]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "according",
                "to",
                "in",
                "a",
                "statement",
                "source",
                "said",
                "could",
                "may",
                "reportedly",
                "İ",
                "Kursk",
                "’",
                "'",
                "\u201c",
                "\u201d",
                '"',
                "?",
                ",",
                " ",
                "  ",
                "\n",
                "called",
                "for",
                "in a statement",
                "ACCORDING TO",
                "o’clock",
                "can't",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_one_pass_matcher_equals_the_reference_on_generated_text(text):
    lexicon = CueLexicon()
    reference = reference_matches(lexicon, text)
    assert lexicon._matches(text) == reference
    # the batch matcher, with the text alone and between others (hits must not cross texts)
    columns = sorted(c for c, _, _ in reference)
    assert batch_columns(lexicon, [text]) == [columns]
    around = ["according", text, "to the", text + " in a", "statement"]
    assert batch_columns(lexicon, around)[1] == columns
    assert batch_columns(lexicon, around) == [
        sorted(c for c, _, _ in reference_matches(lexicon, t)) for t in around
    ]
    if not lexicon._hit_columns([text])[2][0]:
        assert lexicon._matches(text, spelled=False) == reference


# ----------------------------------------------------------------- where the entries come from
def test_the_lexicon_file_records_every_entrys_source_and_licence() -> None:
    built = json.loads(LEXICON_FILE.read_text(encoding="utf-8"))
    sources = built["sources"]
    assert all(source.get("licence") for source in sources.values())
    assert {e["source"] for e in built["entries"]} <= set(sources)
    assert {e["source"] for e in built["entries"]} >= {"claimkit", "hedges", "vader", "textblob"}
    licences = (ROOT / "models" / "cue-lexicon-LICENSES.txt").read_text(encoding="utf-8")
    for name, source in sources.items():
        if name != "claimkit":
            assert source["name"] in licences and len(source["sha256"]) == 64
    assert sum(len(p) for p in LEXICON.values()) == len(built["entries"])


def test_no_entry_occurs_only_in_the_seed_articles(lexicon: CueLexicon) -> None:
    seen: dict[str, set[bool]] = {}
    for line in (ROOT / "data" / "labelled" / "sentences.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        in_seeds = row["source"].startswith("data/articles/seeds/")
        if row["split"] == "test" and not in_seeds:
            continue  # only the training split may justify an entry
        for name, _, _ in lexicon.find(row["text"]):
            seen.setdefault(name, set()).add(in_seeds)
    assert any(True in where for where in seen.values())  # the seeds were read
    only_seeds = sorted(name for name, where in seen.items() if where == {True})
    assert only_seeds == []


def test_a_model_fitted_with_the_first_lexicon_reads_its_own_columns() -> None:
    # a CueLexicon as saved before models kept their phrases (the first default model)
    old = CueLexicon.__new__(CueLexicon)
    old.__setstate__({"lexicon": None, "n_features_out_": 159})
    names = list(old.get_feature_names_out())
    assert len(names) == 159 and "quote:\u201c" in names and "evaluative:kowtowing" in names
    assert [n for n, _, _ in old.find("\u201cHe could\u201d")] == [
        "quote:\u201c",
        "modal:could",
        "quote:\u201d",
    ]


def test_a_fitted_lexicon_keeps_its_phrases_when_the_built_in_one_changes() -> None:
    fitted = CueLexicon({"hedge": ("reportedly",), "attribution": ("said",)}).fit([])
    state = fitted.__getstate__()
    restored = CueLexicon.__new__(CueLexicon)
    restored.__setstate__({**state, "lexicon": None})  # the phrases come from the model
    assert list(restored.get_feature_names_out()) == ["hedge:reportedly", "attribution:said"]


def test_an_old_model_with_its_own_lexicon_keeps_curly_quotes_apart() -> None:
    old = CueLexicon.__new__(CueLexicon)
    old.__setstate__({"lexicon": {"quote": ("\u201c", '"')}, "n_features_out_": 2})
    assert [n for n, _, _ in old.find('\u201cA" b')] == ["quote:\u201c", 'quote:"']
    with pytest.raises(ValueError, match="twice in 'quote'"):
        CueLexicon({"quote": ("\u201c", '"')}).fit([])  # a new one folds them into one
