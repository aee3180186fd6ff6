"""Check a cue-label file against the sample (run from the repository root).

    python data/cue-labels/check_spans.py FILE.jsonl

Each line: {"sentence_id": ..., "cues": [{"text": ..., "kind": ..., "occurrence": 1}, ...]}
("occurrence" is optional: which occurrence of the text in the sentence, counting from 1). The
file is read exactly as `claimkit annotate push --task cues --with-labels FILE` reads it: the
first problem is printed as one line (exit 1); otherwise the counts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from annotate.cuetask import read_cue_labels  # noqa: E402
from claimkit.errors import InputError  # noqa: E402

SAMPLE = Path(__file__).with_name("sample.jsonl")


def main(path: str) -> int:
    with SAMPLE.open(encoding="utf-8") as handle:
        texts = {row["sentence_id"]: row["text"] for row in map(json.loads, handle)}
    try:
        spans = read_cue_labels(path, texts)
    except InputError as exc:
        print(exc)
        return 1
    kinds = Counter(kind for marked in spans.values() for _, _, kind in marked)
    print(f"{len(spans)} sentences, cues by kind: {dict(kinds)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
