"""`claimkit train` and `claimkit evaluate`: parse arguments, call one library function each.
Handlers import their library lazily (why: `claimkit.options`)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from claimkit.options import (
    add_choice,
    add_command,
    add_folds,
    add_force,
    add_model,
    add_quiet,
    add_seed,
    add_trust_pickle,
    call,
)
from train.data import SplitChoice
from train.grids import Grid

TRAIN_EPILOG = """\
examples:
  claimkit train --data data/labelled --out models/mine
  claimkit train --data my.csv --text-column sentence --label-column hedged --group-column doc --out out/binary

The data is a `datasets` folder (what `annotate pull` writes), .parquet, .csv or .jsonl. Labels are
whatever the label column holds (two or more). Sentences of one group (article) never fall on both
sides of a CV split. exit codes: 0 trained; 2 bad input (one line on stderr)."""

EVALUATE_EPILOG = """\
example:
  claimkit evaluate --model models/default --data data/labelled --errors 10
exit codes: 0 evaluated; 2 bad input (one line on stderr)."""


def _add_columns(parser: argparse.ArgumentParser, group: bool) -> None:
    parser.add_argument(
        "--text-column", default="text", help="column with the sentence (default: text)"
    )
    parser.add_argument(
        "--label-column", default="label", help="column with the gold label (default: label)"
    )
    if group:
        parser.add_argument(
            "--group-column",
            default="article_id",
            help="column grouping sentences for CV, e.g. the article (default: article_id)",
        )
    parser.add_argument(
        "--id-column",
        default="sentence_id",
        help="column with a stable row id, used in the data fingerprint (default: sentence_id; "
        "if absent, ids are derived from the text)",
    )


def _train(args: argparse.Namespace) -> int:
    """Train a TF-IDF + logistic regression model with grouped CV.

    Search a small grid by macro-F1 in cross-validation grouped by article, score the majority-
    class and cue-lexicon baselines in the same folds, refit the best on all data, and write DIR
    with model.skops, manifest.json and MODEL_CARD.md.
    """
    from train.workflow import train_model

    print(call(train_model, args).render())
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    """Score a model folder on a labelled set.

    Metrics table (precision/recall/F1 per label, macro-F1, accuracy), confusion matrix and,
    with --errors N, the N most confident mistakes.
    """
    from train.evaluate import evaluate

    result = call(evaluate, args)
    print(
        json.dumps(result.as_dict(), indent=2, ensure_ascii=False) if args.json else result.render()
    )
    return 0


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def register(subparsers: Any) -> None:
    """Add `train` and `evaluate` to the `claimkit` command."""
    train = add_command(subparsers, "train", _train, epilog=TRAIN_EPILOG)
    train.add_argument("--data", required=True, metavar="PATH", help="labelled dataset")
    train.add_argument("--out", required=True, metavar="DIR", help="new model folder to write")
    _add_columns(train, group=True)
    add_folds(train)
    add_seed(train, "the folds and the model")
    add_choice(
        train,
        "--grid",
        Grid,
        "default: 24 candidates (C, word n-grams, min_df, sublinear_tf), then the best one "
        "also with and without each optional feature set, to measure them; full: every feature "
        "set both ways (about 4x slower); quick: 2 candidates",
        default="default",
    )
    train.add_argument(
        "--labels",
        type=_comma_list,
        metavar="A,B,...",
        help="the label set the data must use (default: the guideline's four labels when the data "
        "uses any of them, else whatever labels the data holds); other labels are an error",
    )
    train.add_argument(
        "--report-on",
        action="append",
        metavar="PATH",
        help="a labelled set to score the finished model on for the model card (repeatable); "
        "it is never used to choose anything. The data's own test split (`split` column) is "
        "always reported",
    )
    train.add_argument("--name", help="model name in the manifest (default: the DIR name)")
    add_force(train, "replace DIR if it exists")
    train.add_argument(
        "--n-jobs", type=int, default=-1, help="parallel CV workers (default: all cores)"
    )
    add_quiet(train)

    ev = add_command(subparsers, "evaluate", _evaluate, epilog=EVALUATE_EPILOG)
    add_model(ev, required=True)
    ev.add_argument("--data", required=True, metavar="PATH", help="labelled dataset")
    _add_columns(ev, group=False)
    ev.add_argument(
        "--errors", type=int, default=0, metavar="N", help="list the N most confident mistakes"
    )
    add_choice(
        ev,
        "--split",
        SplitChoice,
        "with a split column (`annotate pull --split`), score only that side; the held-out "
        "numbers are --split test",
        default="all",
    )
    add_trust_pickle(ev)
    ev.add_argument("--json", action="store_true", help="print the result as JSON")
