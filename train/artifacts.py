"""Write a model folder: model.skops + manifest.json + MODEL_CARD.md, atomically, never over another model.

The model file itself is written by ``models.artifact.dump``, the one reader and writer of it."""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import claimkit
from claimkit.datafiles import atomic_dir, check_output
from claimkit.labels import LABELS
from models.artifact import ARTIFACT, dump
from train.data import LabelledData
from train.search import Scored, SearchResult

MANIFEST = "manifest.json"
CARD = "MODEL_CARD.md"


def check_out(out: str | Path, force: bool, inputs: Sequence[str | Path] = ()) -> Path:
    """Refuse to write over an existing path unless ``force``; called before training starts too."""
    return check_output(out, inputs=inputs, folder=True, force=force, replace_own=False)


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    import numpy
    import sklearn
    import skops

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "skops": skops.__version__,
        "claimkit": claimkit.__version__,
    }


def _json_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def _fold_summary(scored: Scored) -> dict[str, Any]:
    return {"mean": scored.mean, "std": scored.std, "folds": scored.fold_scores}


def cv_summary(result: SearchResult, data: LabelledData, grid_name: str) -> dict[str, Any]:
    """The "cv" block of the manifest (also what the model card and the CLI report show)."""
    return {
        "scheme": "StratifiedGroupKFold (shuffled, seeded): a group never on both sides of a split",
        "group_column": data.columns.get("group") or None,
        "folds": result.n_folds,
        "seed": result.seed,
        "metric": "macro_f1",
        "grid": grid_name,
        "n_candidates": len(result.candidates),
        "macro_f1": _fold_summary(result.best),
        "per_label": result.per_label(),
        "confusion": {"labels": result.labels, "matrix": result.confusion()},
        "baselines": {
            name: (_fold_summary(scored) if scored else None)
            for name, scored in result.baselines.items()
        },
        "ablation": result.ablation(),
    }


def build_manifest(
    result: SearchResult,
    data: LabelledData,
    *,
    name: str,
    sha256: str,
    grid_name: str,
    held_out: dict[str, Any] | None = None,
) -> dict[str, Any]:
    manifest = {
        "name": name,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "artifact": ARTIFACT,
        "sha256": sha256,
        "labels": result.labels,
        "params": _json_params(result.best.params),
        "versions": versions(),
        "data": {
            "source": data.source,
            "columns": data.columns,
            "fingerprint": data.fingerprint,
            "n_sentences": len(data),
            "n_articles": data.n_groups,
            "label_counts": data.label_counts,
        },
        "cv": cv_summary(result, data, grid_name),
    }
    if held_out:
        manifest["held_out"] = held_out
    return manifest


def save_model(
    result: SearchResult,
    data: LabelledData,
    out: str | Path,
    *,
    force: bool = False,
    name: str | None = None,
    grid_name: str = "default",
    held_out: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the folder through a temp folder renamed into place; returns the manifest.

    ``held_out``: scores of the final model on sets it never saw (report only), for the card.
    """
    path = check_out(out, force, [data.source])
    with atomic_dir(path) as tmp:
        sha256 = dump(result.pipeline, tmp / ARTIFACT)
        manifest = build_manifest(
            result,
            data,
            name=name or path.resolve().name,
            sha256=sha256,
            grid_name=grid_name,
            held_out=held_out,
        )
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (tmp / CARD).write_text(model_card(manifest), encoding="utf-8")
    return manifest


# ---------------------------------------------------------------- rendering (card + CLI report)


def _f(x: float) -> str:
    return f"{x:.3f}"


def scores_table(cv: dict[str, Any]) -> list[str]:
    """Markdown rows: the model and the baselines, macro-F1 mean ± std over the folds."""
    names = {"majority": "baseline: majority class", "rules": "baseline: cue-lexicon rules"}
    systems = [("model (selected parameters)", cv["macro_f1"])]
    systems += [(names.get(key, key), summary) for key, summary in cv["baselines"].items()]
    rows = ["| system | macro-F1 (mean ± std over folds) | per fold |", "|---|---|---|"]
    for label, summary in systems:
        if summary is None:
            rows.append(f"| {label} | n/a (no label of the data is one the lexicon points to) | |")
        else:
            folds = " ".join(_f(x) for x in summary["folds"])
            rows.append(f"| {label} | {_f(summary['mean'])} ± {_f(summary['std'])} | {folds} |")
    return rows


def per_label_table(per_label: dict[str, dict[str, float]]) -> list[str]:
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, m in per_label.items():
        rows.append(
            f"| {label} | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | {int(m['support'])} |"
        )
    return rows


def confusion_table(labels: list[str], matrix: list[list[int]]) -> list[str]:
    rows = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, matrix, strict=True):
        rows.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    return rows


def ablation_lines(ablation: dict[str, dict[str, float]]) -> list[str]:
    names = {
        "chars": "character n-grams",
        "cues": "cue-lexicon features",
        "structure": "speech-structure features",
        "quote_views": "words inside / outside quotation marks",
        "context": "context (the sentence before)",
        "context_after": "context (the sentence after)",
    }
    return [
        f"- {names.get(flag, flag)}: best CV macro-F1 with {_f(v['with'])}, without {_f(v['without'])}"
        for flag, v in ablation.items()
    ]


def _intended_use(labels: list[str]) -> list[str]:
    if set(labels) <= set(LABELS):
        return [
            "Tag each sentence of an English news article with how its main claim is presented "
            f"({', '.join(labels)}) and point at the words that carry the hedging, so a reader or an "
            "annotator sees at a glance how sure an article is. An aid for reading and for "
            "pre-labelling in Label Studio, not a fact-checker: it judges the wording, not the truth."
        ]
    return [
        f"Classify sentences into the training data's own labels ({', '.join(labels)}), for text like "
        "the training data. It judges the wording, not the truth of a claim."
    ]


def model_card(manifest: dict[str, Any]) -> str:
    cv = manifest["cv"]
    data = manifest["data"]
    params = ", ".join(f"{k}={v}" for k, v in manifest["params"].items())
    counts = ", ".join(f"{k} {v}" for k, v in data["label_counts"].items())
    lines = [
        f"# Model card: {manifest['name']}",
        "",
        f"TF-IDF + logistic regression (class-weighted) sentence classifier, trained by `claimkit train` "
        f"on {manifest['created']}. Artifact `{manifest['artifact']}`, sha256 `{manifest['sha256']}`.",
        "",
        "## Intended use",
        "",
        *_intended_use(manifest["labels"]),
        "",
        "## Training data",
        "",
        f"- source: `{data['source']}`; {data['n_sentences']} sentences from {data['n_articles']} "
        f"articles (groups in column `{cv['group_column']}`)",
        f"- labels: {counts}",
        f"- fingerprint (sha256 over sorted id, text, label): `{data['fingerprint']}`",
        "",
        "## Evaluation (cross-validation grouped by article)",
        "",
        f"{cv['folds']}-fold {cv['scheme']}, seed {cv['seed']}; every number below is from sentences of "
        "articles the model did not see in that fold. Baselines are scored in the same folds.",
        "",
        *scores_table(cv),
        "",
        "Per label (out-of-fold predictions of all folds pooled):",
        "",
        *per_label_table(cv["per_label"]),
        "",
        "Confusion matrix (rows: true label, columns: predicted):",
        "",
        *confusion_table(cv["confusion"]["labels"], cv["confusion"]["matrix"]),
        "",
        f"Model selection: {cv['n_candidates']} candidates (grid `{cv['grid']}`), best mean macro-F1 kept, "
        f"then refit on all data. Chosen parameters: {params}.",
    ]
    if cv.get("ablation"):
        lines += [
            "",
            "Feature-set ablation (best candidate with vs without):",
            "",
            *ablation_lines(cv["ablation"]),
        ]
    for set_name, scores in (manifest.get("held_out") or {}).items():
        low, high = scores["macro_f1_ci95"]
        lines += [
            "",
            f"## Held-out evaluation: {set_name}",
            "",
            f"{scores['source']}: {scores['n_sentences']} sentences from {scores['n_articles']} "
            "articles the model never saw in training, model selection or tuning; scored once, "
            "after the model was fixed, for this report.",
            "",
            f"macro-F1 **{scores['macro_f1']:.3f}** (95% bootstrap interval over articles "
            f"{low:.3f}-{high:.3f})",
            "",
            *per_label_table(scores["per_label"]),
        ]
    versions_line = ", ".join(f"{k} {v}" for k, v in manifest["versions"].items())
    lines += [
        "",
        "## Limits",
        "",
        "- The CV score of the selected parameters is slightly optimistic: the same folds chose the "
        "parameters (small grid, so the bias is small). Expect a little less on new articles.",
        f"- Trained on {data['n_sentences']} sentences from {data['n_articles']} articles: text unlike them "
        "(other topics, outlets, periods, languages, genres such as transcripts) will score lower.",
        "- Bag-of-words: it sees which words occur, not who says what to whom. Quoted opinions, hedges in "
        "subordinate clauses and quotations that run over several sentences are typical mistakes; a "
        "sentence is judged without its neighbours.",
        "- It can be no more reliable than its labels: see the data card of the training data for who "
        "labelled it, how, and how well annotators agreed.",
        "- Probabilities are not calibrated; use them to rank, not as frequencies.",
        "",
        f"Trained with {versions_line}. The model file is a skops archive: loading it runs no code, and claimkit refuses any type outside scikit-learn, numpy and its own cue features.",
        "",
    ]
    return "\n".join(lines)
