"""A data card for a pulled labelled dataset: the numbers come from its files, the words from a template."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from claimkit.datafiles import atomic_file
from claimkit.errors import InputError

GUIDELINE = Path(__file__).with_name("guideline.md")
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
    return {
        "n_sentences": len(sentences),
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
