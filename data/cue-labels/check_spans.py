"""Check a cue-label file against the sample (run from the repository root).

    python data/cue-labels/check_spans.py FILE.jsonl

Each line: {"sentence_id": ..., "cues": [{"text": ..., "kind": ..., "occurrence": 1}, ...]}
("occurrence" is optional: which occurrence of the text in the sentence, counting from 1).
Prints one line per problem and exits 1 if there is any; prints the counts otherwise.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KINDS = ("hedge", "attribution", "evaluation", "obligation", "question")
SAMPLE = Path(__file__).with_name("sample.jsonl")


def locate(text: str, cue: dict, where: str) -> tuple[int, int]:
    """(start, end) of the cue's text in the sentence; ValueError naming the problem."""
    span = cue.get("text")
    if not isinstance(span, str) or not span.strip():
        raise ValueError(f"{where}: cue without text")
    if cue.get("kind") not in KINDS:
        raise ValueError(f"{where}: kind {cue.get('kind')!r} is not one of {', '.join(KINDS)}")
    occurrence = int(cue.get("occurrence", 1))
    start = -1
    for _ in range(occurrence):
        start = text.find(span, start + 1)
        if start < 0:
            raise ValueError(f"{where}: {span!r} (occurrence {occurrence}) is not in the sentence")
    return start, start + len(span)


def main(path: str) -> int:
    sample = {}
    for line in SAMPLE.open(encoding="utf-8"):
        row = json.loads(line)
        sample[row["sentence_id"]] = row
    problems, kinds, seen = [], Counter(), set()
    with open(path, encoding="utf-8") as handle:
        lines = handle.readlines()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"line {n}: not JSON ({e})")
            continue
        sid = row.get("sentence_id")
        if sid not in sample:
            problems.append(f"line {n}: sentence_id {sid!r} is not in the sample")
            continue
        if sid in seen:
            problems.append(f"line {n}: sentence_id {sid} twice")
        seen.add(sid)
        spans = []
        for k, cue in enumerate(row.get("cues", [])):
            try:
                spans.append(locate(sample[sid]["text"], cue, f"line {n} ({sid}) cue {k + 1}"))
                kinds[cue["kind"]] += 1
            except ValueError as e:
                problems.append(str(e))
        spans.sort()
        for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                problems.append(f"line {n} ({sid}): cues overlap at {s2}")
    for p in problems:
        print(p)
    print(f"{len(seen)} sentences, cues by kind: {dict(kinds)}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
