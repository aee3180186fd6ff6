"""Load a labelled dataset for training or evaluation, with user-chosen column names."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from claimkit.context import InContext
from claimkit.datafiles import load_table
from claimkit.errors import DataError, InputError
from claimkit.labels import LABELS
from claimkit.split import SPLIT_COLUMN

SplitChoice = Literal["train", "test", "all"]

DEFAULT_TEXT_COLUMN = "text"
DEFAULT_LABEL_COLUMN = "label"
DEFAULT_GROUP_COLUMN = "article_id"
DEFAULT_ID_COLUMN = "sentence_id"
# The sentence before each one, when the data has it (`claimkit ingest` and `annotate pull`
# write it): the model's context features read it; data without it trains without context.
CONTEXT_COLUMN = "context_before"
NEXT_COLUMN = "context_after"


@dataclass(frozen=True)
class LabelledData:
    """Parallel lists of one labelled dataset (row order kept)."""

    source: str
    texts: list[str]
    labels: list[str]
    groups: list[str]
    ids: list[str]
    columns: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def label_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.labels).items()))

    @property
    def n_groups(self) -> int:
        return len(set(self.groups))

    @property
    def fingerprint(self) -> str:
        """sha256 over the sorted (id, text, label) triples: row order does not matter."""
        digest = hashlib.sha256()
        rows = sorted(zip(self.ids, self.texts, self.labels, strict=True))
        for row in rows:
            digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()

    def subset(self, index: Any) -> LabelledData:
        idx = list(index)
        return LabelledData(
            source=self.source,
            texts=[self.texts[i] for i in idx],
            labels=[self.labels[i] for i in idx],
            groups=[self.groups[i] for i in idx],
            ids=[self.ids[i] for i in idx],
            columns=dict(self.columns),
            notes=list(self.notes),
        )


def _column(table: Any, name: str, option: str, source: str) -> list[Any]:
    columns = list(table.column_names)
    if name not in columns:
        raise DataError(
            f"{source}: no column {name!r} (columns: {', '.join(columns) or 'none'}); "
            f"pass {option} to name the right one"
        )
    return list(table[name])


def load_labelled(
    path: str | Path,
    *,
    text_column: str = DEFAULT_TEXT_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
    group_column: str | None = DEFAULT_GROUP_COLUMN,
    id_column: str | None = DEFAULT_ID_COLUMN,
    split: SplitChoice = "all",
    labels: Sequence[str] | None = None,
) -> LabelledData:
    """Read ``path`` and check it has usable text and label columns.

    ``group_column=None`` makes every row its own group. When ``id_column`` is absent from the
    data, row ids are derived from the text and group (the fingerprint then still identifies it).
    Labels are kept as strings; they are whatever the data holds (binary or custom sets work).
    ``split``: with a ``split`` column, keep only that side ("all": every row). ``labels``: the
    declared scheme; by default the guideline's four labels when the data uses any of them, so a
    typo ("confrimed") is an error, while a wholly custom label set is taken as it is. Rows whose
    id repeats are kept once, with a note.
    """
    source = str(path)
    table = load_table(path)
    notes: list[str] = []
    if split != "all" and SPLIT_COLUMN in table.column_names:
        keep = [i for i, side in enumerate(table[SPLIT_COLUMN]) if side == split]
        left_out = len(table) - len(keep)
        table = table.select(keep)
        if left_out:
            notes.append(
                f"left out {left_out} rows not in the {split} split (column {SPLIT_COLUMN!r})"
            )
    n = len(table)
    if n == 0:
        raise DataError(f"{source}: the dataset is empty (0 rows); label some sentences first")
    texts_raw = _column(table, text_column, "--text-column", source)
    labels_raw = _column(table, label_column, "--label-column", source)
    groups_raw = (
        _column(table, group_column, "--group-column", source) if group_column else list(range(n))
    )
    if id_column and id_column in table.column_names:
        ids = [str(v) for v in table[id_column]]
    else:
        ids = [
            hashlib.sha1(f"{g}\n{t}".encode()).hexdigest()
            for g, t in zip(groups_raw, texts_raw, strict=True)
        ]

    befores, afters = (
        [None if v is None else str(v) for v in table[column]]
        if column in table.column_names
        else [None] * n
        for column in (CONTEXT_COLUMN, NEXT_COLUMN)
    )
    texts: list[str] = []
    gold: list[str] = []
    for row, (text, label, before, after) in enumerate(
        zip(texts_raw, labels_raw, befores, afters, strict=True)
    ):
        if not isinstance(text, str) or not text.strip():
            raise DataError(
                f"{source}: row {row} ({ids[row]}) has an empty {text_column!r}; drop or fix it"
            )
        if label is None or (isinstance(label, str) and not label.strip()):
            raise DataError(
                f"{source}: row {row} ({ids[row]}) has no {label_column!r}; label it or drop it"
            )
        texts.append(text if before is None else InContext(text, before, after))
        gold.append(str(label).strip())
    _check_scheme(gold, labels, source, label_column)
    groups = [str(g) for g in groups_raw]
    first_of: dict[str, int] = {}
    for row, row_id in enumerate(ids):
        first_of.setdefault(row_id, row)
    if len(first_of) < len(ids):
        conflicting = [
            row_id for row, row_id in enumerate(ids) if gold[first_of[row_id]] != gold[row]
        ]
        if conflicting:
            raise DataError(
                f"{source}: {id_column or 'row'} {conflicting[0]!r} appears with different labels "
                f"({len(set(conflicting))} ids in all); keep one label per sentence"
            )
        keep_rows = sorted(first_of.values())
        notes.append(
            f"warning: {len(ids) - len(keep_rows)} duplicated rows (same {id_column or 'text and group'}) "
            "were left out; each sentence is used once"
        )
        texts, gold, groups, ids = (
            [column[i] for i in keep_rows] for column in (texts, gold, groups, ids)
        )
    return LabelledData(
        source=source,
        texts=texts,
        labels=gold,
        groups=groups,
        ids=ids,
        notes=notes,
        columns={
            "text": text_column,
            "label": label_column,
            "group": group_column or "",
            "id": id_column or "",
        },
    )


def load_test_split(path: str | Path, **columns: Any) -> LabelledData | None:
    """The test-split rows of ``path``, or None when it has no ``split`` column or no test rows."""
    table = load_table(path)
    if SPLIT_COLUMN not in table.column_names or "test" not in set(table[SPLIT_COLUMN]):
        return None
    return load_labelled(path, split="test", **columns)


def _check_scheme(
    gold: Sequence[str], declared: Sequence[str] | None, source: str, label_column: str
) -> None:
    found = Counter(gold)
    scheme = list(declared) if declared else (list(LABELS) if set(found) & set(LABELS) else [])
    unknown = [(label, n) for label, n in found.items() if scheme and label not in scheme]
    if unknown:
        label, n = unknown[0]
        raise DataError(
            f"{source}: label {label!r} ({n} rows) in column {label_column!r} is not in the scheme "
            f"({', '.join(scheme)}); fix those rows, or pass --labels to declare your own label set"
        )


def check_trainable(data: LabelledData, folds: int) -> None:
    """Refuse data that grouped, stratified ``folds``-fold cross-validation cannot use."""
    label_column = data.columns.get("label", DEFAULT_LABEL_COLUMN)
    group_column = data.columns.get("group") or "(row)"
    counts = data.label_counts
    if len(counts) < 2:
        only = next(iter(counts), "")
        raise DataError(
            f"{data.source}: column {label_column!r} has a single label ({only!r}); training needs at least two"
        )
    if folds < 2:
        raise InputError(f"--folds must be at least 2 (got {folds})")
    # The suggested --folds must satisfy both checks below, so one retry is enough.
    workable = max(2, min(min(counts.values()), data.n_groups))
    rare = [(label, c) for label, c in counts.items() if c < folds]
    if rare:
        label, c = rare[0]
        raise DataError(
            f"{data.source}: label {label!r} in column {label_column!r} has {c} example(s), fewer than "
            f"the {folds} CV folds; add examples, merge or drop that label, or pass --folds {workable}"
        )
    if data.n_groups < folds:
        raise DataError(
            f"{data.source}: column {group_column!r} has {data.n_groups} distinct group(s), fewer than "
            f"the {folds} CV folds; pass --folds {workable} or add articles"
        )
