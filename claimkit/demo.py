"""`claimkit demo`: the whole loop on the bundled data, against a local Label Studio."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from annotate import studio
from annotate.pull import PullResult, pull
from annotate.push import push
from claimkit.datafiles import MARKER, atomic_file, check_output, load_table, write_jsonl
from claimkit.errors import InputError
from claimkit.ingest import ingest
from models import load
from models.artifact import DEFAULT_MODEL_DIR, read_manifest
from models.report import predict_paths, summary_line
from train.workflow import train_model

PROJECT = "claimkit demo"
MAINTAINER = "maintainers@claimkit.local"
STEPS = 9
T = TypeVar("T")


@dataclass
class DemoResult:
    """What the demo wrote and measured."""

    workdir: Path
    project_url: str = ""
    paths: dict[str, Path] = field(default_factory=dict)
    numbers: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        n = self.numbers
        lines = [
            "",
            f"claimkit demo finished in {self.seconds:.0f} s",
            f"  Label Studio project: {self.project_url}",
            f"  sentences: {n['sentences']} from {n['articles']} articles; "
            f"gold labels pulled: {n['gold']}; trained on the {n['train_sentences']} of the "
            f"training split ({n['label_counts']})",
            f"  fresh model, grouped {n['folds']}-fold CV macro-F1: {n['cv_macro_f1']:.3f} "
            f"± {n['cv_macro_f1_std']:.3f} (majority baseline {n['majority_f1']:.3f}, "
            f"cue-rule baseline {n['rules_f1']:.3f})",
            f"  shipped default model, CV macro-F1 from its manifest: {n['default_cv_macro_f1']:.3f}",
            f"  unseen example articles: {n['example_sentences']} sentences; the fresh and the "
            f"shipped model agree on {n['models_agree']:.0%} of them",
            "  written:",
            *[f"    {name:<10} {path}" for name, path in self.paths.items()],
        ]
        return "\n".join(lines)


def _step(number: int, text: str, work: Callable[[], T]) -> T:
    began = time.perf_counter()
    print(f"[{number}/{STEPS}] {text} ...", flush=True)
    value = work()
    print(f"      done in {time.perf_counter() - began:.1f} s", flush=True)
    return value


def _limited_articles(articles: Path, limit: int | None) -> list[Path]:
    """All articles, or the first ``limit`` in a fixed order (BBC ones, then the seeds)."""
    if limit is None:
        return [articles]
    return sorted(p for p in articles.rglob("*.txt"))[:limit]


def run_demo(
    workdir: str | Path = "out/demo",
    *,
    data: str | Path = "data",
    data_dir: str | Path | None = None,
    port: int | None = None,
    keep_server: bool = False,
    limit: int | None = None,
    progress: bool = True,
) -> DemoResult:
    """Ingest, push (with pre-annotations and the maintainers' labels), pull, train, evaluate, tag."""
    began = time.perf_counter()
    data = Path(data)
    articles, examples = data / "articles", data / "examples"
    labels = data / "labels" / "maintainers.jsonl"
    for needed in (articles, examples, labels):
        if not needed.exists():
            raise InputError(
                f"{needed}: not found; run `claimkit demo` from the claimkit checkout, or pass --data DIR"
            )
    workdir = check_output(workdir, inputs=[data], folder=True, option="--workdir")
    split = Path(data) / "split.json"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).touch()  # a later demo run may write here again
    result = DemoResult(workdir=workdir)
    paths = result.paths

    state = _step(
        1,
        "starting the local Label Studio (or reusing a running one)",
        lambda: studio.start(data_dir, port=port),
    )
    print(
        f"      Label Studio at {state.url} (login {state.username} / {state.password})", flush=True
    )
    try:
        paths["sentences"] = workdir / "sentences"
        report = _step(
            2,
            f"ingesting {articles}",
            lambda: ingest(
                _limited_articles(articles, limit), paths["sentences"], progress=progress
            ),
        )
        print("      " + report.summary().replace("\n", "\n      "), flush=True)

        pushed = _step(
            3,
            "pushing sentences with the default model's pre-annotations and the "
            "maintainers' labels",
            lambda: push(
                paths["sentences"],
                PROJECT,
                data_dir=data_dir,
                with_labels=_labels_for(labels, paths["sentences"], workdir),
                annotator=MAINTAINER,
                progress=progress,
                **_default_model_option(),
            ),
        )
        print("      " + pushed.summary().replace("\n", "\n      "), flush=True)
        result.project_url = f"{state.url}/projects/{pushed.project_id}/data"

        paths["labelled"] = workdir / "labelled"
        pulled = _step(
            4,
            "pulling the labels back",
            lambda: pull(
                paths["labelled"],
                PROJECT,
                data_dir=data_dir,
                # the test split stays out of the fresh model too
                split_file=split if split.is_file() else None,
            ),
        )
        assert isinstance(pulled, PullResult)  # a sentence-label pull, not a cue pull
        print("      " + pulled.summary().replace("\n", "\n      "), flush=True)

        paths["model"] = workdir / "model"
        trained = _step(
            5,
            "training a fresh model (grouped cross-validated grid search)",
            lambda: train_model(
                paths["labelled"], paths["model"], force=True, name="demo", progress=progress
            ),
        )
        print("      " + trained.render().replace("\n", "\n      "), flush=True)

        default_cv = read_manifest(DEFAULT_MODEL_DIR)["cv"]
        example_files = sorted(examples.glob("*.txt"))
        fresh, default = load(paths["model"]), load()

        def compare() -> tuple[list[str], list[str]]:
            texts = [p.read_text(encoding="utf-8") for p in example_files]
            ours = [s.label for text in texts for s in fresh.tag(text).sentences]
            theirs = [s.label for text in texts for s in default.tag(text).sentences]
            return ours, theirs

        ours, theirs = _step(
            6, "tagging the unseen example articles with the fresh and the shipped model", compare
        )
        print(
            f"      CV macro-F1: fresh {trained.manifest['cv']['macro_f1']['mean']:.3f}, "
            f"shipped {default_cv['macro_f1']['mean']:.3f}; same label on "
            f"{sum(a == b for a, b in zip(ours, theirs, strict=True))} of {len(ours)} sentences",
            flush=True,
        )

        paths["report"] = workdir / "report.html"
        _step(
            7,
            f"writing the HTML report for {examples}",
            lambda: predict_paths(
                [str(examples)],
                fmt="html",
                out=paths["report"],
                model=paths["model"],
                progress=False,
            ),
        )
        for path in example_files:
            tags = fresh.tag(path.read_text(encoding="utf-8"))
            print(f"      {path.name}: {summary_line(tags)}", flush=True)

        cv = trained.manifest["cv"]
        result.numbers = {
            "articles": report.articles,
            "sentences": report.sentences,
            "gold": pulled.counts["gold"],
            "label_counts": ", ".join(f"{k} {v}" for k, v in trained.data.label_counts.items()),
            "train_sentences": len(trained.data),
            "folds": cv["folds"],
            "cv_macro_f1": cv["macro_f1"]["mean"],
            "cv_macro_f1_std": cv["macro_f1"]["std"],
            "majority_f1": cv["baselines"]["majority"]["mean"],
            "rules_f1": cv["baselines"]["rules"]["mean"],
            "default_cv_macro_f1": default_cv["macro_f1"]["mean"],
            "example_sentences": len(ours),
            "models_agree": sum(a == b for a, b in zip(ours, theirs, strict=True))
            / max(1, len(ours)),
        }
        paths["summary"] = workdir / "summary.json"
        with atomic_file(paths["summary"]) as handle:
            handle.write(json.dumps(result.numbers, indent=1) + "\n")
    finally:
        if not state.reused and not keep_server:
            _step(8, "stopping the Label Studio this demo started", lambda: studio.stop(data_dir))
        else:
            print(f"[8/{STEPS}] leaving Label Studio running at {state.url}", flush=True)
    print(f"[9/{STEPS}] done", flush=True)
    result.seconds = time.perf_counter() - began
    return result


def _default_model_option() -> dict[str, Any]:
    """Pre-annotations come from the shipped default model."""
    return {"predictions": DEFAULT_MODEL_DIR}


def _labels_for(labels: Path, sentences: Path, workdir: Path) -> Path:
    """The maintainers' labels of the sentences this run ingested (all of them, or a slice)."""
    wanted = set(load_table(sentences)["sentence_id"])
    rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines() if line]
    subset = workdir / "maintainers-labels.jsonl"
    write_jsonl(subset, (r for r in rows if r["sentence_id"] in wanted))
    return subset
