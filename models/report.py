"""Render tagged articles: a coloured terminal table, JSON / JSON Lines, one self-contained HTML page.

Every renderer streams: it writes each article as it arrives, so memory does not grow with the
number of articles.

JSON schema (``--format json``; ``claimkit.predictions/1``)::

    {"schema": "claimkit.predictions/1",
     "model": {"name": str, "model_version": str, "sha256": str, "labels": [str, ...]},
     "articles": [Article, ...]}

``--format jsonl`` writes one ``Article`` per line, each with ``"schema"`` and ``"model_version"``
added. An ``Article`` is::

    {"article_id": str, "title": str, "source": str,
     "text": str,                         # the text the offsets index
     "summary": {"n_sentences": int, "counts": {label: int}, "shares": {label: float},
                 "n_hedged": int, "hedging_ratio": float},
     "sentences": [{"text": str, "start": int, "end": int,   # text == article.text[start:end]
                    "label": str, "probabilities": {label: float},   # sums to 1
                    "hedged": bool,
                    "cues": [{"text": str, "start": int, "end": int,  # offsets into article.text
                              "weight": float,      # coefficient x feature value, summed
                              "kind": str,          # hedge, attribution, evaluation, obligation, question
                              "features": [str]}]}]}  # model features behind the cue
"""

from __future__ import annotations

import contextlib
import html
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from claimkit.datafiles import atomic_file, check_output
from claimkit.errors import InputError, check_choice
from claimkit.labels import ordered_labels
from claimkit.readers import DEFAULT_MAX_ARTICLE_BYTES, Problem, read_articles
from models import load

if TYPE_CHECKING:
    from models.tagger import ArticleTags, SentencePrediction, Tagger

SCHEMA = "claimkit.predictions/1"
SHOWN_CUES = 3  # cues emphasised per sentence in the table and HTML (JSON has them all)
CUE_KIND_ORDER = ("hedge", "attribution", "evaluation", "obligation", "question")
Format = Literal["table", "json", "jsonl", "html"]

# Label colours: terminal (ANSI 256-colour foreground) and HTML (text tint, bar colour).
_KNOWN = {
    "opinion": (171, "#f3e3fb", "#9b3fc2"),
    "speculative": (214, "#fdeccf", "#d9861c"),
    "attributed": (75, "#dcecfb", "#2f7fc8"),
    "confirmed": (107, "#eef4e8", "#6f9a4d"),
}
_SPARE = [(203, "#fbe0e0", "#c94040"), (44, "#d9f3f3", "#238c8c"), (245, "#ececec", "#777777")]
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def label_style(labels: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    spare = iter(_SPARE * (len(labels) // len(_SPARE) + 1))
    return {label: _KNOWN.get(label) or next(spare) for label in labels}


def model_info(tagger: Tagger) -> dict[str, Any]:
    return {
        "name": tagger.name,
        "model_version": tagger.model_version,
        "sha256": tagger.sha256,
        "labels": list(tagger.labels),
    }


def cue_segments(
    sentence: SentencePrediction, limit: int = SHOWN_CUES
) -> list[tuple[str, bool, float, str]]:
    """Split a sentence into (text, is_cue, weight, kind) pieces for its ``limit`` strongest cues.

    Overlapping cues are merged for display (the heavier one's kind is kept).
    """
    base = sentence.start
    spans = sorted((c.start - base, c.end - base, c.weight, c.kind) for c in sentence.cues[:limit])
    merged: list[list[Any]] = []
    for s, e, w, kind in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
            if w > merged[-1][2]:
                merged[-1][2], merged[-1][3] = w, kind
        else:
            merged.append([s, e, w, kind])
    text = sentence.text
    out: list[tuple[str, bool, float, str]] = []
    at = 0
    for s, e, w, kind in merged:
        if s > at:
            out.append((text[at:s], False, 0.0, ""))
        out.append((text[s:e], True, w, kind))
        at = e
    if at < len(text):
        out.append((text[at:], False, 0.0, ""))
    return out


# ------------------------------------------------------------------------------------ table
def _clean_terminal(text: str) -> str:
    # Article text must not drive the terminal: drop control characters (ESC sequences,
    # bidi overrides), fold whitespace so one sentence is one line.
    return _SPACES.sub(" ", _CONTROL.sub(" ", text))


def write_table(
    results: Iterable[ArticleTags],
    out: IO[str],
    *,
    labels: Sequence[str],
    color: bool | None = None,
) -> None:
    """One line per sentence: label, probability, the sentence with its cues; colour on a terminal.

    ``color=None`` lets rich decide (a terminal, ``NO_COLOR``, ``FORCE_COLOR``).
    """
    # rich costs ~60 ms to import; only the table needs it, so `--help` and JSON do not pay
    from rich.console import Console
    from rich.text import Text

    class TableConsole(Console):
        def on_broken_pipe(self) -> None:
            # rich would exit(1); the reader leaving (`| head`) is the CLI's to handle (exit 0)
            self.quiet = True
            raise BrokenPipeError

    console = TableConsole(
        file=out,
        force_terminal=color,
        no_color=None if color is None else not color,
        color_system=None if color is False else ("256" if color else "auto"),
        soft_wrap=True,  # one sentence, one line: the terminal wraps, not rich
        highlight=False,
        markup=False,
        emoji=False,
    )
    plain = console.no_color or console.color_system is None
    styles = label_style(labels)
    width = max((len(x) for x in labels), default=10)
    for n, article in enumerate(results):
        if n:
            console.print()
        line = Text()
        line.append(
            f"━━ {_clean_terminal(article.title or article.article_id or 'article')}", "bold"
        )
        if article.source:
            line.append(f"  {_clean_terminal(article.source)}", "dim")
        console.print(line)
        for s in article.sentences:
            colour = f"color({styles[s.label][0] if s.label in styles else 250})"
            line = Text("  ")
            line.append(f"{s.label:<{width}}", colour)
            line.append(f" {s.probabilities.get(s.label, 0.0):.2f}", "dim")
            line.append("  ")
            for piece, is_cue, _, _ in cue_segments(s):
                piece = _clean_terminal(piece)
                if not is_cue:
                    line.append(piece)
                elif plain:
                    line.append(f"*{piece}*")
                else:
                    line.append(piece, f"bold underline {colour}")
            console.print(line)
        console.print(Text("  " + summary_line(article), "dim"))
        out.flush()


def summary_line(article: ArticleTags) -> str:
    sm = article.summary
    parts = [f"{sm.n_sentences} sentences", f"hedging ratio {sm.hedging_ratio:.0%}"]
    parts += [f"{k} {sm.counts[k]} ({sm.shares[k]:.0%})" for k in ordered_labels(list(sm.counts))]
    return " · ".join(parts)


# ------------------------------------------------------------------------------------ json
def write_json(results: Iterable[ArticleTags], out: IO[str], *, model: dict[str, Any]) -> None:
    head = json.dumps({"schema": SCHEMA, "model": model}, ensure_ascii=False)
    out.write(head[:-1] + ', "articles": [')
    for n, article in enumerate(results):
        out.write(("," if n else "") + "\n" + json.dumps(article.to_dict(), ensure_ascii=False))
    out.write("\n]}\n")


def write_jsonl(results: Iterable[ArticleTags], out: IO[str], *, model: dict[str, Any]) -> None:
    for article in results:
        row = {"schema": SCHEMA, "model_version": model["model_version"], **article.to_dict()}
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


# ------------------------------------------------------------------------------------ html
def _e(text: str) -> str:
    return html.escape(text, quote=True)


_CSS = """
:root{--ink:#1d232b;--muted:#5d6773;--line:#dde2e8}
*{box-sizing:border-box}
body{margin:0;font:16px/1.6 Georgia,'DejaVu Serif',serif;color:var(--ink);background:#f7f8fa}
header{padding:24px 40px 12px;background:#fff;border-bottom:1px solid var(--line)}
h1{margin:0 0 4px;font:600 24px/1.3 system-ui,'DejaVu Sans',sans-serif}
.meta,.summary,.legend{font:13px/1.5 system-ui,'DejaVu Sans',sans-serif;color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;margin-top:10px}
.legend .key{display:inline-flex;align-items:center;gap:6px}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px}
main{max-width:900px;margin:0 auto;padding:16px 24px 48px}
article{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 26px;margin:18px 0}
h2{margin:0 0 2px;font:600 19px/1.35 system-ui,'DejaVu Sans',sans-serif}
.bar{display:flex;height:12px;border-radius:6px;overflow:hidden;margin:10px 0 4px;background:#eee}
.bar span{display:block;height:100%}
.text p{margin:0 0 .8em}
.s{border-radius:3px;padding:1px 0;box-decoration-break:clone;-webkit-box-decoration-break:clone}
mark.cue{background:none;color:inherit;font-weight:700;text-decoration:underline 2px;
 text-underline-offset:3px}
mark.k-hedge{text-decoration-style:wavy}
mark.k-attribution{text-decoration-style:dotted}
mark.k-evaluation{text-decoration-style:double}
mark.k-obligation{text-decoration-style:dashed}
.gap{color:#9aa3ad}
"""


def write_html(
    results: Iterable[ArticleTags],
    out: IO[str],
    *,
    model: dict[str, Any],
    title: str = "claimkit: hedging report",
) -> None:
    labels = ordered_labels(model["labels"])
    styles = label_style(labels)
    cls = {label: f"l{i}" for i, label in enumerate(labels)}
    css = _CSS + "".join(
        f".{cls[k]}{{background:{bg}}} .{cls[k]} mark.cue{{text-decoration-color:{fg}}}"
        f" .b{cls[k]}{{background:{fg}}}\n"
        for k, (_, bg, fg) in styles.items()
    )
    out.write(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        # Nothing in the page may run or load: article text is data, never markup.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style></head>\n<body>\n<header>\n"
        f"<h1>{_e(title)}</h1>\n"
        f'<div class="meta">model {_e(model["model_version"])}</div>\n'
        '<div class="legend" id="legend" aria-label="legend">'
    )
    for k in labels:
        out.write(
            f'<span class="key" data-label="{_e(k)}"><span class="swatch b{cls[k]}"></span>'
            f"{_e(k)}</span>"
        )
    out.write(
        '<span class="key">cues, the words that carry the stance and pushed the model toward '
        "the sentence's label: "
        + " ".join(
            f'<mark class="cue k-{kind}" title="{kind}">{kind}</mark>' for kind in CUE_KIND_ORDER
        )
        + "</span></div>\n</header>\n<main>\n"
    )
    n = 0
    for n, article in enumerate(results, start=1):
        _html_article(out, article, n, labels, cls)
    if n == 0:
        out.write('<p class="meta">No articles.</p>\n')
    out.write("</main>\n</body></html>\n")


def _html_article(
    out: IO[str], article: ArticleTags, n: int, labels: Sequence[str], cls: dict[str, str]
) -> None:
    sm = article.summary
    heading = article.title or article.article_id or f"Article {n}"
    out.write(f'<article id="article-{n}" data-article-id="{_e(article.article_id)}">\n')
    out.write(f"<h2>{_e(heading)}</h2>\n")
    if article.source:
        out.write(f'<div class="meta">{_e(article.source)}</div>\n')
    bar = "".join(
        f'<span class="b{cls.get(k, "")}" style="width:{sm.shares.get(k, 0.0) * 100:.3f}%" '
        f'title="{_e(k)}: {sm.counts.get(k, 0)} ({sm.shares.get(k, 0.0):.0%})"></span>'
        for k in labels
        if sm.counts.get(k)
    )
    out.write(f'<div class="bar" role="img" aria-label="label shares">{bar}</div>\n')
    out.write(f'<div class="summary">{_e(summary_line(article))}</div>\n<div class="text"><p>')
    text = article.text
    at = 0
    for s in article.sentences:
        _html_gap(out, text[at : s.start] if text else " ")
        probs = " · ".join(f"{k} {v:.2f}" for k, v in s.probabilities.items())
        out.write(
            f'<span class="s {cls.get(s.label, "")}" data-label="{_e(s.label)}" '
            f'title="{_e(s.label)} ({_e(probs)})">'
        )
        for piece, is_cue, weight, kind in cue_segments(s):
            if is_cue:
                out.write(
                    f'<mark class="cue k-{_e(kind or "other")}" data-kind="{_e(kind)}" '
                    f'title="{_e(kind or "cue")} · weight {weight:.3f}">{_e(piece)}</mark>'
                )
            else:
                out.write(_e(piece))
        out.write("</span>")
        at = s.end
    if text:
        _html_gap(out, text[at:])
    out.write("</p></div>\n</article>\n")


def _html_gap(out: IO[str], gap: str) -> None:
    """Text between sentences: line breaks become paragraph breaks, debris is shown greyed."""
    lines = gap.split("\n")
    for i, line in enumerate(lines):
        if i == 1:  # one break however many newlines: no empty paragraphs
            out.write("</p><p>")
        if line.strip():
            out.write(f'<span class="gap">{_e(line)}</span>')
        elif line:
            out.write(" ")


# ------------------------------------------------------------------------------------ output
def render(
    results: Iterable[ArticleTags],
    out: IO[str],
    fmt: Format,
    *,
    tagger: Tagger,
    color: bool | None = None,
) -> None:
    """Write ``results`` to ``out`` in ``fmt`` (one of :data:`Format`)."""
    check_choice(fmt, Format, "--format")
    model = model_info(tagger)
    if fmt == "table":
        write_table(results, out, labels=tagger.labels, color=color)
    else:
        writers = {"json": write_json, "jsonl": write_jsonl, "html": write_html}
        writers[fmt](results, out, model=model)


@contextlib.contextmanager
def atomic_output(path: str | Path | None) -> Iterator[IO[str]]:
    """Standard output for ``None`` or ``"-"``, else a file that appears only when complete."""
    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_file(path) as stream:
        yield stream


def predict_paths(
    paths: Sequence[str],
    *,
    fmt: Format = "table",
    out: str | Path | None = None,
    model: str | Path | None = None,
    n_jobs: int | None = 1,
    scheduler: str | None = None,
    problems: list[Any] | None = None,
    progress: bool | None = None,
    max_article_bytes: int | None = DEFAULT_MAX_ARTICLE_BYTES,
    trust_pickle: bool = False,
) -> int:
    """``claimkit predict``: read articles from ``paths`` ("-": stdin), tag, render; returns count.

    Files that cannot be read are skipped and appended to ``problems`` (``claimkit.readers.Problem``);
    when nothing at all could be read, an ``InputError`` is raised and ``out`` is not touched.
    """
    import itertools

    from tqdm import tqdm

    check_choice(fmt, Format, "--format")
    if out is not None and str(out) != "-":
        check_output(out, inputs=paths, folder=False)
        if not Path(out).parent.is_dir():
            raise InputError(f"--out {out}: folder {Path(out).parent} does not exist")
    tagger = load(model, trust_pickle=trust_pickle)
    skipped = problems if problems is not None else []

    def articles() -> Iterator[Any]:
        for item in read_articles(paths, max_bytes=max_article_bytes):
            if isinstance(item, Problem):
                skipped.append(item)
            else:
                yield item

    # Look at the first article before opening the output: no output file when nothing is usable.
    stream_in = articles()
    first = list(itertools.islice(stream_in, 1))
    if not first:
        if len(skipped) == 1:
            raise InputError(f"no readable article: {skipped[0]}")
        detail = f" (first problem: {skipped[0]})" if skipped else ""
        raise InputError(f"no readable article in {' '.join(map(str, paths))}{detail}")
    results = tagger.tag_many(itertools.chain(first, stream_in), n_jobs=n_jobs, scheduler=scheduler)
    count = 0
    # disable=None hides the bar when stderr is not a terminal.
    disable = None if progress is None else not progress
    with tqdm(unit="article", file=sys.stderr, disable=disable, desc="tagging", leave=False) as bar:

        def counted(items: Iterable[ArticleTags]) -> Iterator[ArticleTags]:
            nonlocal count
            for item in items:
                count += 1
                bar.update()
                yield item

        with atomic_output(out) as stream:
            render(counted(results), stream, fmt, tagger=tagger)
    return count
