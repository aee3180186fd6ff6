"""push without a server: which copies a racing push deletes, and where --to-file may write."""

from __future__ import annotations

from annotate.push import duplicate_copies


def test_the_oldest_task_of_a_sentence_is_kept_and_only_our_copies_go() -> None:
    listing = [(1, "s1", 0), (2, "s2", 0), (3, "s1", 0), (4, "s2", 0)]
    assert duplicate_copies(listing, ours=[3, 4]) == ([3, 4], 0)
    assert duplicate_copies(listing, ours=[1, 2]) == ([], 0)  # ours are the oldest: kept


def test_a_copy_with_annotations_is_never_deleted() -> None:
    listing = [(1, "s1", 0), (5, "s1", 2)]
    assert duplicate_copies(listing, ours=[5]) == ([], 1)


def test_tasks_missing_from_the_listing_are_not_deleted() -> None:
    assert duplicate_copies([(5, "s", 0)], ours=[5, 6]) == ([], 0)
    assert duplicate_copies([(7, "t", 0)], ours=[5]) == ([], 0)


def test_to_file_never_writes_over_the_sentences(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    import pytest

    from annotate.push import push
    from claimkit.errors import InputError

    sentences = tmp_path / "sentences.jsonl"
    sentences.write_text(json.dumps({"sentence_id": "s1", "text": "A sentence."}) + "\n")
    before = sentences.read_bytes()
    with pytest.raises(InputError, match="--to-file .* overlaps the input"):
        push(sentences, to_file=sentences)
    assert sentences.read_bytes() == before


def test_pre_annotations_read_each_sentence_with_its_neighbours() -> None:
    import models
    from annotate.push import _predict
    from claimkit.context import InContext

    # from a bundled BBC article: the second sentence goes on with the first's quotation
    before = "\"Long term I think we're headed to $30-35 but I don't think we're doing that yet."
    text = 'We have a lot of winter left."'
    rows = [
        {"text": text, "context_before": before, "context_after": ""},
        {"text": text},  # a row without neighbours stays a plain sentence
    ]
    tagger = models.load()
    with_context, alone = _predict(tagger, rows)
    [expected] = tagger.predict([InContext(text, before, "")])
    [plain] = tagger.predict([text])
    assert with_context.probabilities == expected.probabilities
    assert alone.probabilities == plain.probabilities
    assert with_context.probabilities != plain.probabilities  # the neighbour is read
