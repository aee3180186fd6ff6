"""Features for the structure of reported speech: quotation marks, speech frames, voice.

A bag of words sees "said" and a quotation mark but not how they sit in the sentence: whether the
sentence opens or closes a quotation, how much of it is quoted, who the speech frame credits (a
name, an official, a pronoun, nobody) and whether "I" and "we" speak inside or outside the quotes.
These columns feed the same logistic regression. They are label-agnostic (no word list decides a
label), stateless, and computed from the sentence alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

OPENING = "\"“‘'«"
CLOSING = "\"”’'»"
_QUOTED = re.compile(r"[\"“«]([^\"”»]*)[\"”»]|‘([^‘’]*)’")
_WORD = re.compile(r"\w+(?:['’]\w+)*")
SPEECH_VERBS = (
    "said|says|say|told|tells|tell|added|adds|claimed|claims|warned|warns|insisted|insists|"
    "explained|explains|stated|states|announced|announces|argued|argues|admitted|admits|"
    "confirmed|confirms|denied|denies|reported|reports|wrote|writes|asked|asks|replied|"
    "acknowledged|noted|notes|predicted|predicts|suggested|suggests|believes|believed"
)
_TITLES = (
    "spokesman|spokeswoman|spokesperson|official|officials|minister|ministers|secretary|"
    "president|chairman|chief|director|analyst|analysts|expert|experts|economist|economists|"
    "source|sources|police|government|company|firm|group|report|statement|survey|study|"
    "lawyer|lawyers|leader|leaders|manager|coach|executive|researchers|scientists"
)
_PRONOUNS = "he|she|they|it|we|i|you"


def trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching exactly ``words``, written as a trie ("said|says" ->
    "sa(?:id|ys)"): Python's ``re`` tries an alternation's branches one by one at every
    position, a trie only the branch the next character opens (3x faster over our sentences)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + pattern(node[ch]) for ch in sorted(node) if ch]
        if not branches:
            return ""
        if "" in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(trie)


# Between word boundaries a match is a whole word, so the branches' order cannot change it.
_VERB = re.compile(rf"\b(?:{trie_pattern(SPEECH_VERBS.split('|'))})\b", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)
# The same patterns for ASCII text already in lower case, where they match exactly what the
# case-insensitive ones match in the original, about twice as fast. (Outside ASCII, case-
# insensitive matching is not lower-casing: "ſ" matches "s", and "İ" lowers to two characters.)
_VERB_LOWER = re.compile(_VERB.pattern)
_ACCORDING_LOWER = re.compile(_ACCORDING.pattern)
# first and second person in one scan: which groups match tells which persons occur
_PERSON = re.compile(
    r"\b(?:(?P<first>i|me|my|mine|we|us|our|ours)|(?P<second>you|your|yours))\b", re.IGNORECASE
)
_PERSON_LOWER = re.compile(_PERSON.pattern)
_PRONOUN = re.compile(_PRONOUNS)
_TITLE = re.compile(_TITLES)

FEATURES: tuple[str, ...] = (
    "quote:any",
    "quote:opens",
    "quote:closes",
    "quote:unbalanced",
    "quote:share",
    "quote:mostly_quoted",
    "frame:verb",
    "frame:subject_verb",
    "frame:verb_subject",
    "frame:according_to",
    "frame:after_quote",
    "speaker:name",
    "speaker:official",
    "speaker:pronoun",
    "speaker:none",
    "voice:first_outside",
    "voice:first_inside",
    "voice:second_outside",
    "voice:second_inside",
    "question",
)


def quoted_spans_of(text: str) -> list[tuple[int, int]]:
    """(start, end) of the quoted parts of ``text`` (quotation marks included), in order."""
    spans = [m.span() for m in _QUOTED.finditer(text)]
    if spans:
        return spans
    stripped = text.lstrip()
    if not stripped:
        return []
    lead = len(text) - len(stripped)
    # a quotation that runs over several sentences: this one opens it and goes on, or
    # continues it and closes it
    if stripped[0] in '"“‘«':
        return [(lead, len(text.rstrip()))]
    closing = max(text.rfind(c) for c in '"”»')
    if closing > lead:
        return [(lead, closing + 1)]
    return []


def _speaker_kind(words: str) -> str:
    """The kind of speaker a few words next to a speech verb name."""
    tokens = _WORD.findall(words)
    if not tokens:
        return "none"
    lowered = [t.lower() for t in tokens]
    if _PRONOUN.fullmatch(lowered[-1]) or _PRONOUN.fullmatch(lowered[0]):
        return "pronoun"
    if any(_TITLE.fullmatch(t) for t in lowered):
        return "official"
    if any(t[0].isupper() for t in tokens):
        return "name"
    return "none"


# Speaker words next to a speech verb: names and titles (capitalised), pronouns, the project's
# official/source nouns, the determiners in front of them, and the auxiliaries of the verb.
_SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you", "it"})
_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "its", "their", "our", "my"})
_AUXILIARIES = frozenset({"has", "have", "had", "was", "were", "is", "are", "also", "later"})
_FUNCTION = frozenset(
    {"but", "and", "or", "so", "yet", "then", "now", "as", "if", "while", "when", "because"}
)
_SPACED_WORD = re.compile(r"\w[\w'’-]*")
_IN_WORD = re.compile(r"[\w'’-]")  # a character a _SPACED_WORD match can hold


def _names_someone(word: str) -> bool:
    """A capitalised word that can name a speaker: not a function word ("This", "Per", "But"),
    except an acronym ("US", "BBC")."""
    lower = word.lower()
    if len(word) > 1 and word.isupper():
        return True
    return word[:1].isupper() and lower not in ENGLISH_STOP_WORDS and lower not in _FUNCTION


def _words_around(text: str, start: int, end: int, reach: int = 60) -> list[tuple[int, int, str]]:
    """The words (``_SPACED_WORD`` matches) of ``text`` within about ``reach`` characters of
    ``start:end``: the ones a scan of the whole text finds there, with at least five on each
    side of the span (or all of them), which is all :func:`speaker_span` looks at."""
    pos, stop = max(0, start - reach), min(len(text), end + reach)
    # a window edge inside a run of word characters would cut a word
    while pos > 0 and _IN_WORD.match(text, pos - 1):
        pos -= 1
    while stop < len(text) and _IN_WORD.match(text, stop):
        stop += 1
    words = [(m.start(), m.end(), m.group()) for m in _SPACED_WORD.finditer(text, pos, stop)]
    before = sum(1 for w in words if w[0] < start)
    after = sum(1 for w in words if w[1] > end)
    if (pos and before < 5) or (stop < len(text) and after < 5):
        return [(m.start(), m.end(), m.group()) for m in _SPACED_WORD.finditer(text)]
    return words


def speaker_span(text: str, start: int, end: int, *, before: bool = True) -> tuple[int, int]:
    """``(start, end)`` of a speech verb at ``text[start:end]`` widened over its speaker ("Mr
    Blair has said", "said the spokesman", "analysts told"): at most four words, joined by
    single spaces to the verb; the verb's own span when no speaker stands next to it (pure).
    ``before=False``: look only after it ("according to the ministry")."""
    words = _words_around(text, start, end)
    here = next((i for i, (a, b, _) in enumerate(words) if a == start), None)
    last = next((i for i, (a, b, _) in enumerate(words) if b == end), None)
    if here is None or last is None:
        return start, end
    new_start = start
    found = False
    i = here - 1 if before else -1
    while i >= 0 and here - i <= 4 and text[words[i][1] : words[i + 1][0]] == " ":
        word = words[i][2]
        lower = word.lower()
        if lower in _AUXILIARIES and not found and i == here - 1:
            i -= 1  # "has said": the auxiliary belongs to the frame, the speaker comes before
            continue
        if lower in _SPEAKER_PRONOUNS and not found:
            new_start, found = words[i][0], True
            break
        if _names_someone(word) or _TITLE.fullmatch(lower):
            new_start, found = words[i][0], True
        elif lower in _DETERMINERS and found:
            new_start = words[i][0]
            break
        else:
            break
        i -= 1
    if found:
        return new_start, end
    # "said the spokesman", "says Prof Reddy": the speaker after the verb
    new_end = end
    j = last + 1
    while j < len(words) and j - last <= 4 and text[words[j - 1][1] : words[j][0]] == " ":
        word = words[j][2].rstrip(".")
        lower = word.lower()
        if lower in _DETERMINERS and not found:
            j += 1
            continue
        if _names_someone(word) or _TITLE.fullmatch(lower):
            new_end, found = words[j][0] + len(word), True
        else:
            break
        j += 1
    return (start, new_end) if found else (start, end)


def _persons(text: str, fast: bool = True) -> list[str]:
    """Which of "first" and "second" person pronouns occur in ``text`` (one scan at most)."""
    seen: list[str] = []
    if fast and text.isascii():
        matches = _PERSON_LOWER.finditer(text.lower())
    else:
        matches = _PERSON.finditer(text)
    for m in matches:
        person = m.lastgroup
        if person is not None and person not in seen:
            seen.append(person)
            if len(seen) == 2:
                break
    return sorted(seen)


def _key(text: str) -> str:
    """A sentence as a plain ``str`` (an ``InContext`` is read as its text)."""
    return text if type(text) is str else str(text)


def structure_of(text: str) -> dict[str, float]:
    """The non-zero structural features of one sentence (pure)."""
    key = _key(text)
    found = _last_batch.get(key)
    # a copy out, so no caller can change what the batch's table holds
    return dict(found if found is not None else _structure_of(key))


# Each sentence is read twice when the context features are on, in the same batch: as itself
# (SpeechStructure) and as the next sentence's neighbour (models.context). The last batch's
# structures are kept for the second read, and nothing older: a corpus that repeats itself is
# not read faster than one that does not.
_last_batch: dict[str, dict[str, float]] = {}
_KEPT_AT_MOST = 16_384


def _structure_of(text: str, fast: bool = True) -> dict[str, float]:
    """``fast=False``: every scan case-insensitive on the text itself (the reference)."""
    out: dict[str, float] = {}
    stripped = text.strip()
    if not stripped:
        return out
    words = _WORD.findall(stripped)
    quoted_spans = quoted_spans_of(stripped)
    inside_words = sum(len(_WORD.findall(stripped[s:e])) for s, e in quoted_spans)
    marks = sum(stripped.count(c) for c in '"“”«»')
    if marks or quoted_spans:
        out["quote:any"] = 1.0
    if stripped[0] in OPENING:
        out["quote:opens"] = 1.0
    tail = stripped.rstrip(".,!?;: ")
    if stripped[-1] in CLOSING or (tail and tail[-1] in CLOSING):
        out["quote:closes"] = 1.0
    if stripped.count('"') % 2 or stripped.count("“") != stripped.count("”"):
        out["quote:unbalanced"] = 1.0
    if words:
        share = inside_words / len(words)
        if share:
            out["quote:share"] = share
        if share > 0.5:
            out["quote:mostly_quoted"] = 1.0
    if fast and stripped.isascii():
        lowered = stripped.lower()  # same length: the matches' offsets index ``stripped``
        verb = _VERB_LOWER.search(lowered)
        according = _ACCORDING_LOWER.search(lowered) if "according to" in lowered else None
    else:
        verb = _VERB.search(stripped)
        according = _ACCORDING.search(stripped)
    if verb:
        out["frame:verb"] = 1.0
        before = stripped[max(0, verb.start() - 40) : verb.start()]
        after = stripped[verb.end() : verb.end() + 40]
        before_words = _WORD.findall(before)[-3:]
        after_words = _WORD.findall(after)[:3]
        if before_words and not before.rstrip().endswith((",", '"', "”")):
            out["frame:subject_verb"] = 1.0
            out[f"speaker:{_speaker_kind(' '.join(before_words))}"] = 1.0
        elif after_words:
            out["frame:verb_subject"] = 1.0
            out[f"speaker:{_speaker_kind(' '.join(after_words))}"] = 1.0
        else:
            out["speaker:none"] = 1.0
        if before.rstrip().endswith((",", '"', "”", "’")) and quoted_spans:
            out["frame:after_quote"] = 1.0
    if according:
        out["frame:according_to"] = 1.0
        following = _WORD.findall(stripped[according.end() : according.end() + 40])[:3]
        out[f"speaker:{_speaker_kind(' '.join(following))}"] = 1.0
    outside = stripped
    for s, e in reversed(quoted_spans):
        outside = outside[:s] + " " * (e - s) + outside[e:]
    inside = " ".join(stripped[s:e] for s, e in quoted_spans)
    for where, part in (("outside", outside), ("inside", inside)):
        for person in _persons(part, fast):
            out[f"voice:{person}_{where}"] = 1.0
    if stripped.rstrip(CLOSING + " ").endswith("?"):
        out["question"] = 1.0
    return out


def feature_matrix(per_row: Iterable[Mapping[str, float]], names: tuple[str, ...]) -> sp.csr_matrix:
    """One CSR row per item of ``per_row`` (feature name -> value), columns in ``names`` order."""
    index = {name: i for i, name in enumerate(names)}
    rows: list[int] = []
    cols: list[int] = []
    data: list[float] = []
    n = 0
    for n, features in enumerate(per_row, start=1):
        for name, value in features.items():
            rows.append(n - 1)
            cols.append(index[name])
            data.append(value)
    values = np.asarray(data, dtype=np.float64)
    return sp.csr_matrix((values, (rows, cols)), shape=(n, len(names)))


class SpeechStructure(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Sparse columns for :data:`FEATURES` (stateless: ``fit`` learns nothing)."""

    def fit(self, X: Iterable[str], y: Any = None) -> SpeechStructure:
        self.n_features_out_ = len(FEATURES)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        global _last_batch
        batch: dict[str, dict[str, float]] = {}
        rows = []
        for text in X:
            key = _key(text)
            found = batch.get(key)
            if found is None:
                found = batch[key] = _structure_of(key)
            rows.append(found)
        # one assignment: another thread sees the old table or this one; a batch larger than a
        # tagger's (fitting on a whole training set) is not kept, its neighbours are read again
        _last_batch = batch if len(batch) <= _KEPT_AT_MOST else {}
        return feature_matrix(rows, FEATURES)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.asarray(FEATURES, dtype=object)
