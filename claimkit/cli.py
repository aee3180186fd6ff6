"""The `claimkit` command: each subcommand parses its arguments and calls one library function.
Handlers import their library lazily (why: `claimkit.options`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from claimkit import __version__
from claimkit.errors import ClaimkitError
from claimkit.options import (
    FORMATTER,
    add_command,
    add_data_dir,
    add_force,
    add_max_article_size,
    add_quiet,
    call,
)

DESCRIPTION = """\
claimkit: see how sure a news article is.

Articles become sentences (ingest), people label them in Label Studio (studio, annotate),
a TF-IDF + logistic regression model learns the labels (train, evaluate), and the model
tags hedging in new articles (predict). `claimkit demo` runs the whole loop on the
bundled data.
"""

EXAMPLES = """\
examples:
  claimkit demo                                   # the whole loop on the bundled data
  claimkit ingest data/articles --out out/sentences
  claimkit studio start && claimkit annotate push out/sentences
  claimkit annotate pull --out out/labelled
  claimkit train --data out/labelled --out out/model
  claimkit predict data/examples --format html --out report.html
"""


def _ingest(args: argparse.Namespace) -> int:
    """Turn articles into a sentence dataset.

    Read articles (.txt, .html/.htm, .jsonl with id/title/text/url, or folders of them), drop
    web-page debris, split into sentences, and save a Hugging Face dataset folder.
    """
    from claimkit.ingest import ingest

    report = call(ingest, args)
    for problem in report.problems:
        print(f"claimkit: skipped {problem}", file=sys.stderr)
    print(report.summary())
    return 1 if report.problems else 0


def _add_ingest(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "ingest",
        _ingest,
        epilog="example: claimkit ingest data/articles --out out/sentences --jsonl out/sentences.jsonl\n"
        "exit codes: 0 all read; 1 some files skipped (listed on stderr); 2 nothing usable",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="article files or folders")
    parser.add_argument(
        "--out",
        required=True,
        help="folder to write the dataset to (replaced atomically; a folder claimkit did not "
        "write, an input or a folder holding one is refused)",
    )
    add_force(
        parser, "replace an existing --out folder that claimkit did not write (never an input)"
    )
    parser.add_argument("--jsonl", metavar="FILE", help="also write the sentences as JSON lines")
    parser.add_argument(
        "--presplit",
        action="store_true",
        help="each article record is already one sentence (e.g. a .jsonl of sentences): keep it "
        "whole, no splitting and no debris rules",
    )
    add_max_article_size(parser)
    add_quiet(parser)


def _demo(args: argparse.Namespace) -> int:
    """Run the whole loop on the bundled data.

    Start a local Label Studio, ingest data/articles, push with pre-annotations, load the
    maintainers' labels, pull, train, evaluate, tag an unseen article and write an HTML report.
    """
    from claimkit.demo import run_demo

    print(call(run_demo, args).summary())
    return 0


def _add_demo(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "demo", _demo)
    parser.add_argument(
        "--workdir", default="out/demo", help="where the demo writes (default: out/demo)"
    )
    parser.add_argument("--data", default="data", help="the bundled data folder (default: data)")
    add_data_dir(parser)
    parser.add_argument("--port", type=int, default=None, help="port for the local Label Studio")
    add_quiet(parser, "progress bars")
    parser.add_argument(
        "--keep-server", action="store_true", help="leave the server running at the end"
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="use only the first N articles (quick runs)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every subcommand."""
    import annotate.cli
    import models.cli
    import train.cli

    parser = argparse.ArgumentParser(
        prog="claimkit",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"claimkit {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_demo(subparsers)
    _add_ingest(subparsers)
    annotate.cli.register(subparsers)
    train.cli.register(subparsers)
    models.cli.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a subcommand; user errors print one line and exit 2."""
    # Nothing may be fetched from a hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except ClaimkitError as err:
        print(f"claimkit: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("claimkit: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`claimkit ... | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
