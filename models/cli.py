"""`claimkit predict`: tag hedging in articles and print a table, JSON(L) or an HTML report.
Handlers import their library lazily (why: `claimkit.options`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from claimkit.options import (
    add_choice,
    add_command,
    add_max_article_size,
    add_model,
    add_trust_pickle,
    call,
)
from models.report import Format

EPILOG = """\
examples:
  claimkit predict data/examples                          # coloured table in the terminal
  claimkit predict data/examples --format html --out report.html
  claimkit predict articles.jsonl --format jsonl --out predictions.jsonl --n-jobs -1
  cat article.txt | claimkit predict -                    # one plain-text article from stdin
  claimkit predict corpus/ --format jsonl --out p.jsonl --scheduler tcp://10.0.0.5:8786

exit codes: 0 all read; 1 some inputs skipped (listed on stderr); 2 error (nothing written)
A model folder is checked against the sha256 in its manifest.json, and its model.skops file is
loaded with an explicit list of allowed types (no pickle: loading runs no code). An old
model.joblib (pickle) loads only with --trust-pickle.
"""


def _predict(args: argparse.Namespace) -> int:
    """Tag hedging in articles (table, json, jsonl or an HTML report).

    Split articles into sentences, label each one with the model (opinion, speculative,
    attributed, confirmed), mark the cue words that drove the label, and summarise each article.
    Reads .txt, .html/.htm and .jsonl (id/title/text) files, folders of them, or '-' for one
    plain-text article on stdin.
    """
    from models.report import predict_paths

    problems: list[Any] = []
    call(predict_paths, args, problems=problems)
    for problem in problems:
        print(f"claimkit: skipped {problem}", file=sys.stderr)
    return 1 if problems else 0


def register(subparsers: Any) -> None:
    """Add the ``predict`` command."""
    parser = add_command(subparsers, "predict", _predict, epilog=EPILOG)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="article files or folders, or -")
    add_choice(parser, "--format", Format, "output format", default="table", dest="fmt")
    parser.add_argument(
        "--out", metavar="FILE", help="write here (atomically) instead of standard output"
    )
    add_model(parser)
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        metavar="N",
        help="parallel worker processes (-1: all cores; default: 1)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a dask.distributed cluster, e.g. tcp://host:8786 (needs claimkit[dask])",
    )
    add_max_article_size(parser)
    add_trust_pickle(parser)
