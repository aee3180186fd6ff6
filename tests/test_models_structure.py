"""Speech-structure features on small real sentences: quotation marks, speech frames, voice."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.structure import (
    _VERB,
    FEATURES,
    SPEECH_VERBS,
    SpeechStructure,
    structure_of,
    trie_pattern,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '"We will win the title this year," said coach Mark Smith.',
            {"quote:opens", "frame:verb_subject", "speaker:official", "voice:first_inside"},
        ),
        (
            "“We will win the title this year,” said coach Mark Smith.",
            {"quote:opens", "frame:verb_subject", "speaker:official", "voice:first_inside"},
        ),
        ("The company said profit rose 8%.", {"frame:subject_verb", "speaker:official"}),
        ("Mr Howard said the plan would fail.", {"frame:subject_verb", "speaker:name"}),
        ("He told the BBC he was certain.", {"frame:subject_verb", "speaker:pronoun"}),
        ("According to Reuters, the deal is done.", {"frame:according_to", "speaker:name"}),
        ("I think we should go.", {"voice:first_outside"}),
        ("Is this the end?", {"question"}),
    ],
)
def test_frames_speakers_and_voice(text: str, expected: set[str]) -> None:
    assert expected <= set(structure_of(text))


def test_a_plain_fact_has_no_structure() -> None:
    assert structure_of("Putin and Kim signed a security pact back in June.") == {}
    assert structure_of("") == {}


def test_quotation_share_counts_words_inside_the_marks() -> None:
    half = structure_of('He said: "prices will rise" and left.')
    assert 0 < half["quote:share"] < 0.5 and "quote:mostly_quoted" not in half
    nested = structure_of("“He told me ‘never again’ and meant it,” she said.")
    assert nested["quote:share"] > 0.5 and "voice:first_inside" in nested


def test_a_quotation_over_several_sentences() -> None:
    opens = structure_of("“It’s a sign of desperation.")  # the speaker is in the next sentence
    assert {"quote:opens", "quote:unbalanced", "quote:mostly_quoted"} <= set(opens)
    assert opens["quote:share"] == 1.0
    closes = structure_of('It has worked very well up until now," he said.')
    assert {"quote:unbalanced", "quote:mostly_quoted", "frame:verb"} <= set(closes)


def test_the_transformer_is_stateless_and_sparse() -> None:
    texts = ["The company said profit rose 8%.", "Is this the end?", "Plain."]
    X = SpeechStructure().fit(["anything"]).transform(texts)
    assert X.shape == (3, len(FEATURES))
    assert X[2].nnz == 0 and X[1, FEATURES.index("question")] == 1.0
    assert list(SpeechStructure().get_feature_names_out()) == list(FEATURES)


def test_the_cached_structure_cannot_be_changed_by_a_caller() -> None:
    from models.structure import structure_of

    first = structure_of('"It is over," he said.')
    first["quote:any"] = 99.0
    assert structure_of('"It is over," he said.')["quote:any"] == 1.0


@pytest.mark.parametrize(
    ("text", "verb", "frame"),
    [
        # sentences of bundled BBC articles
        (
            "Mr Livingstone has said the remarks may have been offensive but were not racist, "
            "and said he would not apologise even if the prime minister asked.",
            "said",
            "Mr Livingstone has said",
        ),
        (
            'It will be down to the ingenuity of the content players," said Mr Whalley.',
            "said",
            "said Mr Whalley",
        ),
        (
            "Revenues at media group Reuters slipped 11% during 2004, mainly due to the weakness "
            "of the dollar, the group said.",
            "said",
            "the group said",
        ),
        (
            'But he said replacing the controversial CSA would be "the nuclear option".',
            "said",
            "he said",
        ),
        (
            "US officials say they are not satisfied the mechanisms in the EU code of conduct are "
            "robust enough to prevent abuses.",
            "say",
            "US officials say",
        ),
        # no speaker next to the verb (a made-up sentence): the verb alone
        ("The claim, first made in May, was repeated by those who said so.", "said", "said"),
    ],
)
def test_a_speech_frame_is_widened_over_its_speaker(text: str, verb: str, frame: str) -> None:
    from models.structure import speaker_span

    start = text.index(verb)
    s, e = speaker_span(text, start, start + len(verb))
    assert text[s:e] == frame


def test_function_words_are_not_speakers() -> None:
    from models.structure import speaker_span

    # from a seed article: "This is" is not who speaks, the president after it is
    text = "This is according to President Zelesnky."
    start = text.index("according to")
    assert text[slice(*speaker_span(text, start, start + 12, before=False))] == (
        "according to President Zelesnky"
    )
    text = "Per reports, Russia will pay $2,000 per month for each North Korean soldier sent to Russia."
    start = text.index("reports")
    assert text[slice(*speaker_span(text, start, start + 7))] == "reports"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "said",
                "SAYS",
                "say",
                "Sa",
                "id",
                "tells",
                "told",
                "ad",
                "ded",
                "s",
                "note",
                "noted",
                "K",
                "\u212a",
                "ſ",
                "é",
                "_",
                "'",
                "’",
                " ",
                ",",
                "believes",
                "x",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_the_trie_pattern_matches_exactly_what_the_alternation_does(text: str) -> None:
    alternation = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
    fast = _VERB.search(text)
    slow = alternation.search(text)
    assert (fast and fast.span()) == (slow and slow.span())


def test_the_trie_pattern_on_every_bundled_sentence() -> None:
    from claimkit.clean import content_regions
    from claimkit.readers import Article, read_articles
    from claimkit.segment import split_spans

    root = Path(__file__).resolve().parents[1]
    alternation = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
    found = 0
    for a in read_articles([root / "data" / "articles", root / "data" / "modern-news"]):
        if not isinstance(a, Article):
            continue
        for s, e in split_spans(a.text, content_regions(a.text)):
            fast, slow = _VERB.search(a.text, s, e), alternation.search(a.text, s, e)
            assert (fast and fast.span()) == (slow and slow.span())
            found += fast is not None
    assert found > 1000
    assert re.fullmatch(trie_pattern(["a", "ab", "abc", "b"]), "ab")
    assert not re.fullmatch(trie_pattern(["a", "abc"]), "ab")


def test_each_sentence_is_read_once_per_batch_and_no_older_batch_is_kept(monkeypatch) -> None:
    from claimkit.context import in_order
    from models import structure
    from models.context import PreviousSentence

    calls: list[str] = []
    real = structure._structure_of
    monkeypatch.setattr(structure, "_structure_of", lambda t: calls.append(t) or real(t))
    texts = list(in_order(["He said so.", "“It is over,” she said.", "Prices rose."]))
    SpeechStructure().fit(texts).transform(texts)
    PreviousSentence().fit(texts).transform(texts)
    assert sorted(calls) == sorted(map(str, texts))  # the neighbours came from the batch
    calls.clear()
    SpeechStructure().transform(["Another batch."])
    PreviousSentence().transform(texts)
    assert calls == ["Another batch.", "He said so.", "“It is over,” she said."]


def test_the_ascii_fast_scans_equal_the_case_insensitive_ones() -> None:
    from claimkit.clean import content_regions
    from claimkit.readers import Article, read_articles
    from claimkit.segment import split_spans
    from models.structure import _structure_of

    root = Path(__file__).resolve().parents[1]
    seen = set()
    for a in read_articles([root / "data" / "articles", root / "data" / "modern-news"]):
        if isinstance(a, Article):
            for s, e in split_spans(a.text, content_regions(a.text)):
                found = _structure_of(a.text[s:e])
                assert found == _structure_of(a.text[s:e], fast=False)
                seen.update(found)
    assert {"frame:according_to", "voice:first_inside", "voice:second_outside"} <= seen
    for text in ("ACCORDING TO Me, YOU Said", "According  to us", "we SAYS I", "uſ saiD"):
        assert _structure_of(text) == _structure_of(text, fast=False)


def _check_window(text: str, start: int, end: int) -> None:
    from models.structure import _SPACED_WORD, _words_around

    every = [(m.start(), m.end(), m.group()) for m in _SPACED_WORD.finditer(text)]
    got = _words_around(text, start, end, reach=12)
    assert got == every[every.index(got[0]) : every.index(got[0]) + len(got)] if got else not every
    here = next((i for i, w in enumerate(every) if w[0] == start), None)
    last = next((i for i, w in enumerate(every) if w[1] == end), None)
    if here is None or last is None:  # not whole words: speaker_span keeps the span as it is
        return
    first_kept, last_kept = every.index(got[0]), every.index(got[-1])
    assert first_kept <= max(0, here - 4) and last_kept >= min(len(every) - 1, last + 4)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["said", "Mr", "Blair", "-", "’", "'", " ", "  ", ",", "x" * 30, "a-b", "é"]
        ),
        min_size=1,
        max_size=40,
    ).map("".join)
)
def test_the_words_around_a_span_are_the_whole_scans_there(text: str) -> None:
    from models.structure import _SPACED_WORD

    for m in _SPACED_WORD.finditer(text):
        _check_window(text, m.start(), m.end())


def test_speaker_spans_on_every_bundled_speech_verb() -> None:
    from claimkit.clean import content_regions
    from claimkit.readers import Article, read_articles
    from claimkit.segment import split_spans
    from models import structure

    root = Path(__file__).resolve().parents[1]
    checked = 0
    for a in read_articles([root / "data" / "articles"]):
        if isinstance(a, Article):
            for s, e in split_spans(a.text, content_regions(a.text)):
                sentence = a.text[s:e]
                for m in _VERB.finditer(sentence):
                    _check_window(sentence, m.start(), m.end())
                    checked += 1
    assert checked > 1000
    long = "x " * 200 + "Mr Tony Blair has said so"  # the speaker far from the text's start
    said = long.index("said")
    assert structure.speaker_span(long, said, said + 4) == (long.index("Mr"), said + 4)


def test_a_batch_larger_than_a_taggers_is_not_kept(monkeypatch) -> None:
    from models import structure

    monkeypatch.setattr(structure, "_KEPT_AT_MOST", 2)
    SpeechStructure().fit([]).transform(["One said.", "Two said."])
    assert set(structure._last_batch) == {"One said.", "Two said."}
    SpeechStructure().transform(["One said.", "Two said.", "Three said."])
    assert structure._last_batch == {}
