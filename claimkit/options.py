"""Command-line options that several commands share, each defined once (argparse)."""

from __future__ import annotations

import argparse

from claimkit.readers import DEFAULT_MAX_ARTICLE_BYTES


def megabytes(value: float) -> int | None:
    """--max-article-size in MB as bytes; 0 means no limit."""
    return None if value == 0 else int(value * 1_000_000)


def add_max_article_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-article-size",
        type=float,
        default=DEFAULT_MAX_ARTICLE_BYTES / 1_000_000,
        metavar="MB",
        help=f"skip an article with more text than this (default: {DEFAULT_MAX_ARTICLE_BYTES / 1e6:g} MB; "
        "0: no limit)",
    )


def add_trust_pickle(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="also load an old model.joblib (a pickle, which can run code when loaded); only for "
        "model folders you trust",
    )
