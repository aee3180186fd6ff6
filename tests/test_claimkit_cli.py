"""The `claimkit` command's wiring: every command line the README documents parses, reaches its
library function with arguments that bind to its signature, and uses allowed choice values.

The library function itself is not run (each has its own tests); `call` is replaced by a recorder.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import re
import shlex
import typing
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from claimkit import cli, options
from claimkit.errors import InputError, check_choice

README = Path(__file__).resolve().parents[1] / "README.md"
# Commands that talk to the server directly rather than through one library call.
DIRECT = {"studio"}


def readme_commands(text: str) -> list[str]:
    """The `claimkit ...` command lines in the README's fenced code blocks."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        block = block.replace("\\\n", " ")
        lines = block.splitlines()
        prompted = [line[2:] for line in lines if line.startswith("$ ")]
        for line in prompted or lines:
            for part in re.split(r"&&|\|", line.split(" #")[0]):
                part = part.strip()
                if part.startswith("claimkit "):
                    commands.append(part.split("<")[0].strip())
    return commands


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def test_the_readme_documents_every_command():
    firsts = {shlex.split(c)[1] for c in COMMANDS}
    assert firsts >= {"demo", "ingest", "studio", "annotate", "train", "evaluate", "predict"}
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_is_wired(command):
    argv = shlex.split(command)[1:]
    args = cli.build_parser().parse_args(argv)
    assert callable(args.func)
    if argv[0] in DIRECT:
        return
    seen: list[tuple[Any, dict[str, Any]]] = []

    def record(fn: Any, parsed: argparse.Namespace, **given: Any) -> Any:
        seen.append((fn, {**_kwargs(fn, parsed), **given}))
        return mock.MagicMock(problems=[])

    with _patched_call_sites(record):
        args.func(args)
    assert len(seen) == 1, "each command calls one library function"
    fn, kwargs = seen[0]
    inspect.signature(fn).bind(**kwargs)  # every forwarded option is a parameter
    hints = typing.get_type_hints(fn)
    for name, value in kwargs.items():
        allowed = hints.get(name)
        literal = [a for a in typing.get_args(allowed) if typing.get_origin(a) is typing.Literal]
        if typing.get_origin(allowed) is typing.Literal:
            literal = [allowed]
        if literal and value is not None:
            check_choice(value, literal[0], name)


def _kwargs(fn: Any, parsed: argparse.Namespace) -> dict[str, Any]:
    params = inspect.signature(fn).parameters
    kwargs = {n: getattr(parsed, n) for n in params if hasattr(parsed, n)}
    if "progress" in params and hasattr(parsed, "quiet"):
        kwargs["progress"] = not parsed.quiet
    return kwargs


def _patched_call_sites(record: Any) -> contextlib.ExitStack:
    """Each CLI module imported `call` by name: replace it in each."""
    import annotate.cli
    import models.cli
    import train.cli

    stack = contextlib.ExitStack()
    for module in (cli, annotate.cli, models.cli, train.cli):
        stack.enter_context(mock.patch.object(module, "call", record))
    return stack


def test_call_forwards_the_options_a_function_names():
    def lib(path: str, *, top: int = 1, progress: bool = True, other: str = "x") -> tuple:
        return path, top, progress, other

    parsed = argparse.Namespace(path="a", top=3, quiet=True, unrelated=1)
    assert options.call(lib, parsed) == ("a", 3, False, "x")
    assert options.call(lib, parsed, other="y") == ("a", 3, False, "y")


def test_a_bad_choice_is_refused_by_the_library_with_one_line(capsys):
    code = cli.main(["predict", "data/articles/seeds", "--format", "pdf"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == "claimkit: error: --format 'pdf': use one of table, json, jsonl, html"
    with pytest.raises(InputError, match="--grid 'huge'"):
        check_choice("huge", typing.Literal["default", "full", "quick"], "--grid")


def test_help_shows_the_choices_from_the_library():
    text = cli.build_parser().format_help()
    assert "predict" in text and "annotate" in text
    parser = cli.build_parser()
    sub = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert "{table,json,jsonl,html}" in sub["predict"].format_help()
    assert "{default,full,quick}" in sub["train"].format_help()
