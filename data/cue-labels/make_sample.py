"""Choose the hedged sentences for cue annotation (run from the repository root).

Sentences whose gold label is not ``confirmed``, drawn at random (fixed seed) from each split of
``data/labelled/sentences.jsonl``: 500 of the training split, 240 of the test split; 120 of them
(60 + 60) also get a blind second pass. Writes ``sample.jsonl`` and ``second-pass.txt``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20261202
SIZES = {"train": 500, "test": 240}
SECOND_PASS = {"train": 60, "test": 60}


def main() -> None:
    with open("data/labelled/sentences.jsonl", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    rng = random.Random(SEED)
    chosen, second = [], []
    for split, size in SIZES.items():
        pool = [r for r in rows if r["split"] == split and r["label"] != "confirmed"]
        picked = sorted(rng.sample(pool, size), key=lambda r: (r["article_id"], r["index"]))
        chosen += picked
        second += sorted(r["sentence_id"] for r in rng.sample(picked, SECOND_PASS[split]))
    keep = ("sentence_id", "article_id", "index", "split", "label", "text")
    keep += ("context_before", "context_after")
    with open(HERE / "sample.jsonl", "w", encoding="utf-8") as out:
        for r in chosen:
            out.write(json.dumps({k: r[k] for k in keep}, ensure_ascii=False) + "\n")
    (HERE / "second-pass.txt").write_text("\n".join(second) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
