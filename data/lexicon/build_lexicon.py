"""Build ``models/cue-lexicon.json`` from general, licensed word lists (run from the repo root).

The sources are fetched once by hand with the registries' own clients, never at run time::

    pip download --no-deps vaderSentiment==3.3.2 textblob==0.20.1 -d SOURCES
    (cd SOURCES && npm pack hedges@2.0.1 weasels@2.0.1)
    python data/lexicon/build_lexicon.py SOURCES

Rules (the same for every source; nothing is picked by hand from a source list):

- ``claimkit``'s own lists (attribution verbs, hedging phrases, modals, obligations, stance
  adverbs, the question mark, quotation marks) come first: a phrase they hold is theirs.
- ``hedges`` (words/hedges, MIT) -> category ``hedge``.
- evaluative words: VADER (vaderSentiment, MIT) single words with |mean valence| >= 2.0 that
  TextBlob's part-of-speech lexicon (Brill's, used only to select) tags first as an adjective or
  adverb (valence alone also marks topics: "war", "award"), and
  Pattern's subjectivity lexicon as shipped by TextBlob (lexicon PDDL, TextBlob MIT) adjectives
  with mean subjectivity >= 0.7 and |mean polarity| >= 0.4 -> ``evaluative``.
- ``weasels`` (words/weasels, MIT) adverbs in -ly (intensifiers: "extremely", "largely")
  -> ``evaluative``.
- Source entries that are English stop words (scikit-learn's list), not alphabetic words, or
  shorter than three letters are left out: function words are not cues by themselves.
- A phrase that occurs in the seed articles and in no other bundled sentence of the training
  split is left out: no entry is there because of the five seed articles alone (and the test
  split, only reported, keeps none in).
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import sys
import tarfile
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from pathlib import Path

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from models.lexicon import CATEGORY_LABELS, CUE_KINDS, CueLexicon, _normalise

OUT = Path("models/cue-lexicon.json")
# Selection thresholds (see the rules above).
VADER_MIN_VALENCE = 2.0
SUBJECTIVITY_MIN = 0.7
POLARITY_MIN = 0.4
LICENCES = Path("models/cue-lexicon-LICENSES.txt")
# where each source archive keeps its licence text
LICENCE_FILES = {
    "hedges": "package/license",
    "weasels": "package/license",
    "vader": "vaderSentiment-3.3.2.dist-info/LICENSE.txt",
    "textblob": "textblob-0.20.1.dist-info/licenses/LICENSE",
}
PDDL = (
    "Pattern's subjectivity lexicon (textblob/en/en-sentiment.xml) is released under the Open "
    "Data Commons Public Domain Dedication and License (PDDL) 1.0, as its header states: "
    "https://opendatacommons.org/licenses/pddl/1-0/"
)
SENTENCES = Path("data/labelled/sentences.jsonl")
SEEDS = "data/articles/seeds/"

# claimkit's own lists, written for the guideline's labels (annotate/guideline.md).
OWN: dict[str, tuple[str, ...]] = {
    "attribution": (
        "said",
        "says",
        "say",
        "saying",
        "told",
        "tells",
        "claimed",
        "claims",
        "claim",
        "according to",
        "confirmed",
        "confirms",
        "reported",
        "reports",
        "warned",
        "warns",
        "stated",
        "states",
        "announced",
        "announces",
        "added",
        "insisted",
        "insists",
        "denied",
        "denies",
        "revealed",
        "reveals",
        "explained",
        "accused",
        "argued",
        "argues",
        "acknowledged",
        "admitted",
        "noted",
        "wrote",
        "writes",
        "urged",
        "called for",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "a source",
        "in a statement",
        "quoted",
        "asked",
        "replied",
        "responded",
        "told the bbc",
        "in an interview",
    ),
    "hedge": (
        "reportedly",
        "allegedly",
        "apparently",
        "possibly",
        "probably",
        "perhaps",
        "maybe",
        "likely",
        "unlikely",
        "would likely",
        "appear to",
        "appears to",
        "believed",
        "believes",
        "it is believed",
        "thought to",
        "is thought",
        "are thought",
        "expected to",
        "is expected",
        "are expected",
        "estimated",
        "rumoured",
        "rumored",
        "unconfirmed",
        "unclear",
        "uncertain",
        "speculation",
        "remains to be seen",
        "potentially",
        "may have",
        "could have",
        "might have",
        "understood to",
        "is understood",
        "reports suggest",
        "indicates",
        "predicted",
        "predict",
        "forecast",
        "projected",
        "is set to",
        "are set to",
        "plans to",
        "hopes to",
        "is due to",
        # not "if": measured on the training split (benchmarks/bench_choices.py), a bare "if"
        # as a hedge lowered both the CV score and the cue precision
    ),
    "modal": ("could", "may", "might", "would", "will"),
    "obligation": (
        "should",
        "shouldn't",
        "should not",
        "must",
        "mustn't",
        "must not",
        "ought to",
        "need to",
        "needs to",
        "has to",
        "have to",
    ),
    "evaluative": (
        "clearly",
        "obviously",
        "absolutely",
        "frankly",
        "of course",
        "sadly",
        "unfortunately",
        "fortunately",
        "a sign of",
        "truly",
        "simply",
    ),
    "question": ("?",),
    "quote": ('"',),  # curly quotation marks match it too
}

SOURCES = {
    "claimkit": {
        "name": "claimkit's own lists (data/lexicon/build_lexicon.py)",
        "licence": "MIT (this project)",
    },
    "hedges": {
        "name": "hedges 2.0.1 (npm, github.com/words/hedges), Titus Wormer",
        "licence": "MIT",
        "file": "hedges-2.0.1.tgz",
    },
    "weasels": {
        "name": "weasels 2.0.1 (npm, github.com/words/weasels), Titus Wormer",
        "licence": "MIT",
        "file": "weasels-2.0.1.tgz",
    },
    "vader": {
        "name": "vaderSentiment 3.3.2 (PyPI) vader_lexicon.txt, C.J. Hutto",
        "licence": "MIT",
        "file": "vaderSentiment-3.3.2-py2.py3-none-any.whl",
    },
    "textblob": {
        "name": "textblob 0.20.1 (PyPI) en/en-sentiment.xml: Pattern's subjectivity lexicon, "
        "Tom De Smedt and Walter Daelemans",
        "licence": "lexicon PDDL (as its header says); TextBlob MIT",
        "file": "textblob-0.20.1-py3-none-any.whl",
    },
}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?(?: [a-z]+(?:'[a-z]+)?)*")


def _js_list(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("package/index.js")
        assert member is not None
        text = member.read().decode("utf-8")
    return re.findall(r"^\s*'((?:[^'\\]|\\.)*)',?$", text, flags=re.MULTILINE)


def _vader(archive: Path, modifiers: set[str]) -> list[str]:
    with zipfile.ZipFile(archive) as z:
        lines = z.read("vaderSentiment/vader_lexicon.txt").decode("utf-8").splitlines()
    out = []
    for line in lines:
        word, mean = line.split("\t")[:2]
        if abs(float(mean)) >= VADER_MIN_VALENCE and word in modifiers:
            out.append(word)
    return out


def _modifiers(archive: Path) -> set[str]:
    """Words whose first part-of-speech tag in TextBlob's tagger lexicon (Brill's) is an
    adjective or adverb: VADER's valence is about topics too ("war", "award"); an evaluation
    is carried by how something is described."""
    with zipfile.ZipFile(archive) as z:
        lines = z.read("textblob/en/en-lexicon.txt").decode("utf-8").splitlines()
    out = set()
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and not line.startswith(";") and parts[1].startswith(("JJ", "RB")):
            out.add(parts[0])
    return out


def _textblob(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as z:
        root = ET.fromstring(z.read("textblob/en/en-sentiment.xml"))
    senses: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for word in root.iter("word"):
        if word.get("pos", "").startswith("JJ"):
            senses[word.get("form", "")].append(
                (float(word.get("polarity", 0)), float(word.get("subjectivity", 0)))
            )
    return [
        form
        for form, values in senses.items()
        if statistics.fmean(s for _, s in values) >= SUBJECTIVITY_MIN
        and abs(statistics.fmean(p for p, _ in values)) >= POLARITY_MIN
    ]


def _usable(phrase: str) -> bool:
    return bool(_WORD.fullmatch(phrase)) and phrase not in ENGLISH_STOP_WORDS and len(phrase) >= 3


def build(sources_dir: Path) -> dict:
    listed: list[tuple[str, str, str]] = [  # (phrase, category, source) in precedence order
        (p, c, "claimkit") for c, phrases in OWN.items() for p in phrases
    ]
    listed += [(p, "hedge", "hedges") for p in _js_list(sources_dir / SOURCES["hedges"]["file"])]
    modifiers = _modifiers(sources_dir / SOURCES["textblob"]["file"])
    listed += [
        (p, "evaluative", "vader")
        for p in _vader(sources_dir / SOURCES["vader"]["file"], modifiers)
    ]
    listed += [
        (p, "evaluative", "textblob") for p in _textblob(sources_dir / SOURCES["textblob"]["file"])
    ]
    listed += [
        (p, "evaluative", "weasels")
        for p in _js_list(sources_dir / SOURCES["weasels"]["file"])
        if p.endswith("ly")
    ]
    entries: dict[str, tuple[str, str]] = {}
    for phrase, category, source in listed:
        key = _normalise(phrase)
        if key in entries or (source != "claimkit" and not _usable(key)):
            continue
        entries[key] = (category, source)
    # where each phrase occurs: seed articles vs the rest of the bundled sentences
    lexicon = CueLexicon(
        {c: tuple(k for k, (cat, _) in entries.items() if cat == c) for c in CATEGORY_LABELS}
    )
    seen_in: dict[str, set[str]] = defaultdict(set)
    for line in SENTENCES.open(encoding="utf-8"):
        row = json.loads(line)
        if row.get("split") == "test" and not row["source"].startswith(SEEDS):
            continue  # the test split is only reported: it justifies no entry
        where = "seed" if row["source"].startswith(SEEDS) else "other"
        for name, _, _ in lexicon.find(row["text"]):
            seen_in[name.split(":", 1)[1]].add(where)
    seed_only = sorted(k for k, w in seen_in.items() if w == {"seed"})
    kept = [
        {"phrase": k, "category": c, "source": s}
        for k, (c, s) in entries.items()
        if k not in seed_only
    ]
    for source in SOURCES.values():
        if "file" in source:
            data = (sources_dir / source["file"]).read_bytes()
            source["sha256"] = hashlib.sha256(data).hexdigest()
    return {
        "about": "claimkit's cue lexicon, built by data/lexicon/build_lexicon.py (see its rules);"
        " licences in models/cue-lexicon-LICENSES.txt",
        "categories": {
            c: {"label": CATEGORY_LABELS[c], "kind": CUE_KINDS[c]} for c in CATEGORY_LABELS
        },
        "sources": SOURCES,
        "left_out_seed_only": seed_only,
        "entries": kept,
    }


def licences(sources_dir: Path) -> str:
    """The licence text of every source, as shipped in its archive."""
    parts = []
    for name, member in LICENCE_FILES.items():
        archive = sources_dir / SOURCES[name]["file"]
        if archive.suffix == ".tgz":
            with tarfile.open(archive) as tar:
                handle = tar.extractfile(member)
                assert handle is not None
                text = handle.read().decode("utf-8")
        else:
            with zipfile.ZipFile(archive) as z:
                text = z.read(member).decode("utf-8")
        parts.append(f"== {SOURCES[name]['name']} ==\n\n{text.strip()}\n")
    parts.append(f"== Pattern subjectivity lexicon ==\n\n{PDDL}\n")
    return "\n".join(parts)


def main(sources_dir: str) -> None:
    built = build(Path(sources_dir))
    LICENCES.write_text(licences(Path(sources_dir)), encoding="utf-8")
    text = json.dumps(built, ensure_ascii=False, indent=1) + "\n"
    OUT.write_text(text, encoding="utf-8")
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for e in built["entries"]:
        counts[(e["category"], e["source"])] += 1
    for (category, source), n in sorted(counts.items()):
        print(f"{category:12} {source:9} {n:5}")
    print(f"left out (seed articles only): {built['left_out_seed_only']}")


if __name__ == "__main__":
    main(sys.argv[1])
