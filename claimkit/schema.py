"""The columns of a sentence record, defined once: ingest writes them, push sends them to Label
Studio as task data, pull rebuilds them, and the labelled dataset adds the label columns."""

from __future__ import annotations

from typing import Any

# name -> the value a record without that field gets (a task made outside claimkit)
SENTENCE_FIELDS: dict[str, Any] = {
    "sentence_id": "",
    "article_id": "",
    "index": -1,
    "text": "",
    "start": -1,
    "end": -1,
    "context_before": "",
    "context_after": "",
    "title": "",
    "source": "",
}
SENTENCE_COLUMNS: tuple[str, ...] = tuple(SENTENCE_FIELDS)
LABEL_COLUMN = "label"
