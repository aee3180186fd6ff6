"""A data card for a pulled labelled dataset: the numbers come from its files, the words from a template."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from claimkit.datafiles import atomic_file
from claimkit.errors import InputError
from claimkit.split import SPLIT_COLUMN, topic_of

from .agreement import agreement_report, cohen_kappa
from .interface import GUIDELINE

CARD_NAME = "DATA_CARD.md"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputError(f"{path}: missing; give a folder written by `claimkit annotate pull`")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: missing; give a folder written by `claimkit annotate pull`")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def guideline_version(path: Path = GUIDELINE) -> str:
    """The version line of the guideline, e.g. "1.1 (2026-11-29)"."""
    match = re.search(r"Guideline version:\s*(.+)", path.read_text(encoding="utf-8"))
    return match.group(1).strip() if match else "unknown"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _votes(annotations: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """sentence_id -> {annotator: label}, ordinary votes only (ground truth is a decision)."""
    table: dict[str, dict[str, str]] = {}
    for a in annotations:
        if a.get("label") and not a.get("ground_truth"):
            table.setdefault(a["sentence_id"], {})[a["annotator"]] = a["label"]
    return table


def _agreement_row(name: str, table: dict[str, dict[str, str]], labels: list[str]) -> list[Any]:
    double = {sid: votes for sid, votes in table.items() if len(votes) >= 2}
    if not double:
        return [name, 0, "n/a", "n/a", "n/a"]
    report = agreement_report(double, labels)
    pairs = [p for p in report["pairs"] if p["n_items"]]
    agreeing = sum(len(set(v.values())) == 1 for v in double.values())
    kappas = ", ".join(f"{p['cohen_kappa']:.3f}" for p in pairs if p["cohen_kappa"] is not None)
    alpha = report["krippendorff_alpha"]
    return [
        name,
        len(double),
        f"{agreeing / len(double):.3f}",
        kappas or "n/a",
        "n/a" if alpha is None else f"{alpha:.3f}",
    ]


def _label_kappas(table: dict[str, dict[str, str]], labels: list[str]) -> list[list[Any]]:
    """One-vs-rest Cohen's kappa per label over the doubly-labelled sentences (first two votes)."""
    pairs = [list(v.values())[:2] for v in table.values() if len(v) >= 2]
    rows = []
    for lab in labels:
        a = [lab if x == lab else "other" for x, _ in pairs]
        b = [lab if y == lab else "other" for _, y in pairs]
        kappa = cohen_kappa(a, b, [lab, "other"])
        rows.append(
            [
                lab,
                sum(x == lab or y == lab for x, y in pairs),
                "n/a" if kappa is None else f"{kappa:.3f}",
            ]
        )
    return rows


def card_values(folder: str | Path) -> dict[str, Any]:
    """Every number the card shows, computed from the pulled files."""
    folder = Path(folder)
    sentences = _read_jsonl(folder / "sentences.jsonl")
    annotations = [a for a in _read_jsonl(folder / "annotations.jsonl") if not a.get("cancelled")]
    agreement = _read_json(folder / "agreement.json")
    provenance = _read_json(folder / "provenance.json")
    labels: list[str] = agreement["labels"]
    gold = Counter(s["label"] for s in sentences if s.get("label"))
    by_article: dict[str, Counter[str]] = {}
    for s in sentences:
        by_article.setdefault(s["article_id"], Counter())[s.get("label") or "(none)"] += 1
    per_annotator = Counter(a["annotator"] for a in annotations)
    ground_truth = sum(1 for a in annotations if a.get("ground_truth"))
    pair = (agreement.get("pairs") or [{}])[0]
    topic = {s["sentence_id"]: topic_of(s.get("source") or "") for s in sentences}
    split = {s["sentence_id"]: s.get(SPLIT_COLUMN, "all") for s in sentences}
    topics = sorted(set(topic.values()))
    splits = sorted(set(split.values()))
    votes = _votes(annotations)
    by_topic = Counter((topic[s["sentence_id"]], s.get("label")) for s in sentences)
    by_split = Counter((split[s["sentence_id"]], s.get("label")) for s in sentences)
    articles_of_topic = {
        t: {s["article_id"] for s in sentences if topic[s["sentence_id"]] == t} for t in topics
    }
    return {
        "split_table": _table(
            ["split", "articles", "sentences", *labels],
            [
                [
                    sp,
                    len({s["article_id"] for s in sentences if split[s["sentence_id"]] == sp}),
                    sum(by_split[(sp, lab)] for lab in labels),
                    *[by_split[(sp, lab)] for lab in labels],
                ]
                for sp in splits
            ],
        ),
        "topic_table": _table(
            ["topic (folder)", "articles", "sentences", *labels, "test-split sentences"],
            [
                [
                    t,
                    len(articles_of_topic[t]),
                    sum(by_topic[(t, lab)] for lab in labels),
                    *[by_topic[(t, lab)] for lab in labels],
                    sum(1 for sid, tt in topic.items() if tt == t and split[sid] == "test"),
                ]
                for t in topics
            ],
        ),
        "agreement_table": _table(
            [
                "sentences",
                "doubly labelled",
                "observed agreement",
                "Cohen's kappa",
                "Krippendorff's alpha",
            ],
            [_agreement_row("all", votes, labels)]
            + [
                _agreement_row(
                    f"split {sp}", {k: v for k, v in votes.items() if split.get(k) == sp}, labels
                )
                for sp in splits
                if len(splits) > 1
            ]
            + [
                _agreement_row(t, {k: v for k, v in votes.items() if topic.get(k) == t}, labels)
                for t in topics
                if len(topics) > 1
            ],
        ),
        "label_kappa_table": _table(
            [
                "label",
                "doubly-labelled sentences where either pass used it",
                "one-vs-rest Cohen's kappa",
            ],
            _label_kappas(votes, labels),
        ),
        "n_sentences": len(sentences),
        "n_tasks": (provenance.get("counts") or {}).get("tasks", len(sentences)),
        "n_skipped": (provenance.get("counts") or {}).get("skipped", 0),
        "n_articles": len(by_article),
        "n_gold": sum(gold.values()),
        "n_annotations": len(annotations),
        "n_ground_truth": ground_truth,
        "n_double": agreement.get("n_items_multiply_annotated", 0),
        "kappa": pair.get("cohen_kappa"),
        "observed": pair.get("observed_agreement"),
        "alpha": agreement.get("krippendorff_alpha"),
        "exported_at": provenance.get("exported_at", "unknown"),
        "export_sha256": provenance.get("export_sha256", "unknown"),
        "project": provenance.get("project", "unknown"),
        "guideline_version": guideline_version(),
        "label_table": _table(
            ["label", "sentences", "share"],
            [[lab, gold[lab], f"{gold[lab] / max(1, sum(gold.values())):.1%}"] for lab in labels],
        ),
        "annotator_table": _table(
            ["annotator", "annotations"], [[who, n] for who, n in sorted(per_annotator.items())]
        ),
        "per_label_table": _table(
            ["label", "specific agreement (agreeing pairs / pairs using the label)"],
            [[lab, agreement.get("per_label_agreement", {}).get(lab)] for lab in labels],
        ),
        "article_table": _table(
            ["article", "sentences", *labels],
            [
                [a, sum(c.values()), *[c[lab] for lab in labels]]
                for a, c in sorted(by_article.items())
            ],
        ),
    }


def render_card(folder: str | Path, template: str | Path) -> str:
    """The card text: ``template`` with ``{placeholders}`` filled from the folder's files."""
    template = Path(template)
    if not template.is_file():
        raise InputError(f"{template}: no such template file")
    try:
        return template.read_text(encoding="utf-8").format(**card_values(folder))
    except KeyError as err:
        raise InputError(f"{template}: unknown placeholder {{{err.args[0]}}}") from None


def write_card(folder: str | Path, template: str | Path) -> Path:
    """Write DATA_CARD.md into the pulled folder (atomically) and return its path."""
    out = Path(folder) / CARD_NAME
    text = render_card(folder, template)
    with atomic_file(out) as handle:
        handle.write(text)
    return out
