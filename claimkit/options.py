"""Command-line options that several commands share, each defined once (argparse), and the one
way a command hands what it parsed to its library function (`call`).

Choices come from the library's ``Literal`` types and are checked by the library only
(`claimkit.errors.check_choice`), so the API and the CLI refuse a bad value with the same line.
Each command's handler imports its library function when it runs: `claimkit --help` stays
~0.2 s, where importing the libraries (scikit-learn, datasets) costs ~2 s (`python -X importtime`).
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, get_args

from claimkit.readers import DEFAULT_MAX_ARTICLE_BYTES

T = TypeVar("T")
FORMATTER = argparse.RawDescriptionHelpFormatter


def call(fn: Callable[..., T], args: argparse.Namespace, **given: Any) -> T:
    """``fn`` called with the parsed options its parameters name (``progress`` is ``not --quiet``)."""
    params = inspect.signature(fn).parameters
    kwargs = {name: getattr(args, name) for name in params if hasattr(args, name)}
    if "progress" in params and hasattr(args, "quiet"):
        kwargs["progress"] = not args.quiet
    kwargs.update(given)
    return fn(**kwargs)


def add_choice(
    parser: argparse.ArgumentParser | Any,
    flag: str,
    allowed: object,
    help: str,
    default: str | None = None,
    dest: str | None = None,
) -> None:
    """An option whose values are the ``Literal`` type ``allowed`` (shown in --help)."""
    choices = get_args(allowed)
    shown = f" (default: {default})" if default is not None else ""
    parser.add_argument(
        flag,
        default=default,
        dest=dest or flag.lstrip("-").replace("-", "_"),
        metavar="{" + ",".join(choices) + "}",
        help=help + shown,
    )


def add_quiet(parser: argparse.ArgumentParser, what: str = "progress bar") -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help=f"no {what}")


def add_force(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--force", action="store_true", help=help)


def add_seed(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--seed", type=int, default=0, help=f"seed for {what} (default: 0)")


def add_folds(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--folds", type=int, default=5, help="CV folds, grouped by article (default: 5)"
    )


def add_data_dir(parser: argparse.ArgumentParser | Any) -> None:
    parser.add_argument(
        "--data-dir", help="local Label Studio data folder (default: .claimkit/studio)"
    )


def add_connection(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "server (default: the local server of `claimkit studio start`)"
    )
    group.add_argument("--url", help="Label Studio URL (env LABEL_STUDIO_URL)")
    group.add_argument(
        "--api-key", help="API token or Personal Access Token (env LABEL_STUDIO_API_KEY)"
    )
    add_data_dir(group)


def megabytes(value: str) -> int | None:
    """--max-article-size in MB as bytes; 0 means no limit."""
    try:
        size = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of megabytes") from None
    return None if size == 0 else int(size * 1_000_000)


def add_max_article_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-article-size",
        type=megabytes,
        dest="max_article_bytes",
        default=DEFAULT_MAX_ARTICLE_BYTES,
        metavar="MB",
        help=f"skip an article with more text than this (default: {DEFAULT_MAX_ARTICLE_BYTES / 1e6:g} MB; "
        "0: no limit)",
    )


def add_model(parser: argparse.ArgumentParser, *, required: bool = False, what: str = "") -> None:
    """--model DIR: a model folder written by `claimkit train`."""
    default = "" if required else " (default: the model shipped with claimkit)"
    parser.add_argument(
        "--model",
        required=required,
        metavar="DIR",
        help=f"model folder written by `claimkit train`{what}{default}",
    )


def add_trust_pickle(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust-pickle",
        action="store_true",
        help="also load an old model.joblib (a pickle, which can run code when loaded); only for "
        "model folders you trust",
    )


def add_command(
    subparsers: Any, name: str, func: Callable[[argparse.Namespace], int], epilog: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand running ``func``; its docstring is the help (first line) and description."""
    summary, _, description = inspect.cleandoc(func.__doc__ or name).partition("\n\n")
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary.rstrip("."),
        description=description or summary,
        epilog=epilog,
        formatter_class=FORMATTER,
    )
    parser.set_defaults(func=func)
    return parser
