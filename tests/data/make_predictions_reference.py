"""Re-make predictions-reference.jsonl with the shipped default model (run from the repo root).

    python tests/data/make_predictions_reference.py

Keeps the file's articles (id + text) and writes what `Tagger.tag` gives for each now: labels,
probabilities and cues. Run it only when the default model changes; the test then guards the
fast paths (and the cue rules) against any later change in what a reader is shown.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import models  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "predictions-reference.jsonl"


def main() -> None:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines()
    articles = [json.loads(line) for line in lines[1:]]
    tagger = models.load()
    head = {
        "model_version": tagger.model_version,
        "made_by": "tests/data/make_predictions_reference.py with this model",
    }
    out = [json.dumps(head)]
    for article in articles:
        sentences = [s.to_dict() for s in tagger.tag(article["text"]).sentences]
        out.append(
            json.dumps(
                {"id": article["id"], "text": article["text"], "sentences": sentences},
                ensure_ascii=False,
            )
        )
    REFERENCE.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
