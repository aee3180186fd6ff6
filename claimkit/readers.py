"""Reading articles from .txt, .html/.htm and .jsonl files, directories of them, or stdin."""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from claimkit.errors import InputError

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
# Far above any news article (the longest bundled one is ~30 KB) and still split in seconds;
# beyond it a file is more likely a dump or a mistake than one article.
DEFAULT_MAX_ARTICLE_BYTES = 20_000_000


def _check_size(where: str, size: int, limit: int | None) -> None:
    if limit is not None and size > limit:
        raise InputError(
            f"{where}: more than {limit / 1e6:g} MB of text for one article (--max-article-size); "
            "split it into articles, or raise the limit"
        )


@dataclass(frozen=True)
class Article:
    """One article: a stable id, a title (may be empty), its text and where it came from."""

    article_id: str
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Problem:
    """A file (or line of a file) that could not be read, and why, in words a user can act on."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decode(path: Path | str, data: bytes) -> str:
    if not data.strip():
        if str(path) == "stdin":
            raise InputError("stdin: nothing was read; pipe an article's text in")
        raise InputError(f"{path}: the file is empty; remove it or give it the article text")
    if data.startswith(_UTF16_BOMS):  # Windows tools write UTF-16 with a byte-order mark
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(
                f"{path}: starts like UTF-16 text but does not decode as it; convert it to UTF-8"
            ) from None
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{path}: looks like a binary file, not text; give .txt, .html or .jsonl articles"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "convert it to UTF-8, e.g. with iconv"
        ) from None


def parse_html(html: str, source: str) -> tuple[str, str]:
    """Main text and title of an HTML page, extracted with trafilatura."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, favor_precision=True
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise InputError(f"{source}: no article text found in this HTML page")
    title = (getattr(doc, "title", None) or "").strip()
    return text, title


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of a JSON Lines file, read line by line: memory stays flat however
    large the file (UTF-16 files, rare, are decoded whole)."""
    with path.open("rb") as handle:
        head = handle.read(8192)
        if head.startswith(_UTF16_BOMS) or not head.strip():
            yield from enumerate(_decode(path, head + handle.read()).splitlines(), start=1)
            return
        if b"\x00" in head:
            _decode(path, head)  # the binary-file error
        handle.seek(0)
        offset = 0
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw, offset = raw[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise InputError(
                    f"{path}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset "
                    f"{offset + err.start}); convert it to UTF-8, e.g. with iconv"
                ) from None
            offset += len(raw)
            yield number, line


def _jsonl_articles(path: Path, max_bytes: int | None) -> Iterator[Article | Problem]:
    for number, line in _jsonl_lines(path):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            yield Problem(where, f"not valid JSON ({err.msg}); each line must be one JSON object")
            continue
        if not isinstance(record, dict):
            yield Problem(
                where, "each line must be a JSON object with id and text (title and url optional)"
            )
            continue
        missing = [
            k
            for k in ("id", "text")
            if not isinstance(record.get(k), (str, int)) or record.get(k) == ""
        ]
        if missing:
            yield Problem(
                where,
                f"missing or empty field {missing[0]!r}; each line needs id and text (title and url optional)",
            )
            continue
        if not isinstance(record["text"], str) or not record["text"].strip():
            yield Problem(where, "field 'text' must be a non-empty string")
            continue
        try:
            _check_size(where, len(record["text"].encode("utf-8")), max_bytes)
        except InputError as err:
            yield Problem(where, str(err).removeprefix(f"{where}: "))
            continue
        yield Article(
            article_id=str(record["id"]),
            title=str(record.get("title") or ""),
            text=record["text"],
            source=str(record.get("url") or where),
        )


def read_file(
    path: Path, max_bytes: int | None = DEFAULT_MAX_ARTICLE_BYTES
) -> Iterator[Article | Problem]:
    """The articles in one file; problems are yielded, not raised, so a batch can go on."""
    suffix = path.suffix.lower()
    try:
        if suffix not in SUFFIXES:
            raise InputError(
                f"{path}: unknown extension {suffix or '(none)'!r}; use .txt, .html, .htm or .jsonl"
            )
        try:
            if suffix in JSONL_SUFFIXES:
                yield from _jsonl_articles(path, max_bytes)
                return
            data = path.read_bytes()
        except OSError as err:
            raise InputError(f"{path}: cannot read ({err.strerror})") from None
        _check_size(str(path), len(data), max_bytes)
        text = _decode(path, data)
        if suffix in HTML_SUFFIXES:
            text, title = parse_html(text, str(path))
        else:
            title = ""  # a plain-text article's title is its first sentence, found by ingest
        yield Article(article_id=path.stem, title=title, text=text, source=str(path))
    except InputError as err:
        yield Problem(str(path), str(err).removeprefix(f"{path}: "))


def expand(paths: Iterable[str | Path]) -> Iterator[Path | Problem]:
    """Files named by ``paths``; directories give their article files, sorted, recursively."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not files:
                yield Problem(
                    str(path), "no .txt, .html, .htm or .jsonl articles in this directory"
                )
            yield from files
        elif path.exists():
            yield path
        else:
            yield Problem(str(path), "no such file or directory")


def read_articles(
    paths: Iterable[str | Path],
    stdin_name: str = "stdin",
    max_bytes: int | None = DEFAULT_MAX_ARTICLE_BYTES,
) -> Iterator[Article | Problem]:
    """Every article under ``paths`` ("-" reads one plain-text article from stdin), in order.

    An article over ``max_bytes`` is a problem, not read (None: no limit).
    """
    for raw in paths:
        if str(raw) == "-":
            try:
                # one byte past the limit is enough to know it is over
                data = sys.stdin.buffer.read(max_bytes + 1 if max_bytes is not None else -1)
                _check_size("stdin", len(data), max_bytes)
                text = _decode("stdin", data)
            except InputError as err:
                yield Problem("stdin", str(err).removeprefix("stdin: "))
                continue
            yield Article(stdin_name, "", text, "-")
            continue
        for item in expand([raw]):
            if isinstance(item, Problem):
                yield item
            else:
                yield from read_file(item, max_bytes)
