"""Context features: the previous sentence's quotation state and speech frame."""

from __future__ import annotations

import numpy as np

from claimkit.context import InContext, in_order
from models.context import FEATURES, PreviousSentence, context_of

# From a bundled BBC article (business): a quotation that runs over two sentences.
OPENS = "\"Long term I think we're headed to $30-35 but I don't think we're doing that yet."
CONTINUES = 'We have a lot of winter left."'


def test_a_quotation_left_open_is_carried_to_the_next_sentence() -> None:
    names = context_of(InContext(CONTINUES, before=OPENS))
    assert "before:quote_left_open" in names and "before:quote:opens" in names
    assert "before:frame:verb" not in names  # the frame comes only after


def test_curly_quotation_left_open() -> None:
    names = context_of(InContext("It will be hard.", before="\u201cWe tried everything."))
    assert "before:quote_left_open" in names


def test_a_frame_before_is_seen_with_its_speaker() -> None:
    names = context_of(InContext("The firm is sound.", before="Mr Smith said on Monday:"))
    assert {"before:frame:verb", "before:speaker:name"} <= set(names)
    assert "before:quote_left_open" not in names


def test_no_context_and_first_sentences_have_no_columns() -> None:
    assert context_of(CONTINUES) == []  # a plain str: nothing known
    assert context_of(InContext(CONTINUES, before="")) == []  # an article's first sentence
    X = PreviousSentence().fit([]).transform([CONTINUES, InContext(CONTINUES, "")])
    assert X.nnz == 0 and X.shape == (2, len(FEATURES))


def test_transform_is_the_binary_form_of_context_of() -> None:
    sentences = in_order([OPENS, CONTINUES, "Labour said the plan was fair?", "It was."])
    X = PreviousSentence().fit([]).transform(sentences).toarray()
    names = list(PreviousSentence().get_feature_names_out())
    for row, sentence in zip(X, sentences, strict=True):
        assert {names[j] for j in np.flatnonzero(row)} == set(context_of(sentence))
    assert set(np.unique(X)) <= {0.0, 1.0}
    assert X[3, names.index("before:question")] == 1.0


def test_the_next_sentence_can_close_and_credit_a_quotation_opened_here() -> None:
    from models.context import AFTER_FEATURES, NextSentence, after_of

    sentence = InContext(OPENS, before="", after=CONTINUES)
    names = after_of(sentence)
    assert "after:closes_a_quote_opened_here" in names and "after:quote:closes" in names
    assert after_of(OPENS) == [] and after_of(InContext(OPENS, "", "")) == []
    X = NextSentence().fit([]).transform([sentence, OPENS])
    assert X.shape == (2, len(AFTER_FEATURES)) and X[1].nnz == 0
    first, second = in_order([OPENS, CONTINUES])
    assert (first.after, second.after) == (CONTINUES, "")  # type: ignore[attr-defined]
