"""The Label Studio labelling interface: label config XML and instructions HTML from the guideline."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from claimkit.errors import StudioError
from claimkit.labels import LABELS

FROM_NAME = "label"  # the Choices control
TO_NAME = "text"  # the sentence
GUIDELINE = Path(__file__).with_name("guideline.md")
# Task data fields every task carries (the config references the first three).
DATA_FIELDS = ("text", "context_before", "context_after")

_DIM = "color: #8a8a8a; font-size: 0.92em; font-style: italic;"


def label_config(labels: Sequence[str] = LABELS) -> str:
    """Sentence in the middle, its neighbours dimmed above/below, one single-choice label with hotkeys."""
    choices = "\n".join(
        f"    <Choice value={quoteattr(label)} hotkey={quoteattr(str(i))}/>"
        for i, label in enumerate(labels, start=1)
    )
    return f"""<View>
  <View style="{_DIM}">
    <Text name="context_before" value="$context_before"/>
  </View>
  <View style="padding: 0.4em 0.6em; margin: 0.3em 0; border-left: 4px solid #4a7bd0; font-size: 1.1em;">
    <Text name="{TO_NAME}" value="$text"/>
  </View>
  <View style="{_DIM}">
    <Text name="context_after" value="$context_after"/>
  </View>
  <Header value="Label the highlighted sentence" size="5"/>
  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single" showInline="true" required="true">
{choices}
  </Choices>
</View>
"""


def choice_result(label: str) -> list[dict[str, Any]]:
    """The `result` of an annotation/prediction that picks `label`."""
    return [
        {
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "choices",
            "value": {"choices": [label]},
        }
    ]


def check_project_labels(title: str, parsed_label_config: Mapping[str, Any] | None) -> None:
    """Refuse a project whose labelling interface has other labels than claimkit's."""
    control = (parsed_label_config or {}).get(FROM_NAME) or {}
    found = list(control.get("labels") or [])
    if control.get("type") != "Choices" or sorted(found) != sorted(LABELS):
        raise StudioError(
            f"project {title!r} has a different labelling interface (choices {found or 'none'}, "
            f"claimkit needs {list(LABELS)}): use another --project title"
        )


_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])"), r"<em>\1</em>"),
]


def _inline(text: str) -> str:
    out = html.escape(text, quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def markdown_to_html(text: str) -> str:
    """A small Markdown subset (headings, paragraphs, lists, quotes, code, emphasis) as safe HTML."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush() -> None:
        nonlocal list_tag
        if para:
            blocks.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if items:
            blocks.append(f"<{list_tag}>" + "".join(items) + f"</{list_tag}>")
            items.clear()
            list_tag = ""

    for raw in text.splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^\s*[-*+]\s+(.*)$", line)
        number = re.match(r"^\s*\d+[.)]\s+(.*)$", line)
        if not line.strip() or re.match(r"^\s*(-{3,}|\*{3,})\s*$", line):
            flush()
        elif heading:
            flush()
            level = min(len(heading.group(1)) + 1, 6)  # h1 is the page's own title
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or number:
            tag = "ul" if bullet else "ol"
            if para or (items and tag != list_tag):
                flush()
            list_tag = tag
            items.append("<li>" + _inline((bullet or number).group(1)) + "</li>")  # type: ignore[union-attr]
        elif line.startswith(">"):
            flush()
            blocks.append("<blockquote>" + _inline(line.lstrip("> ")) + "</blockquote>")
        elif items and raw.startswith((" ", "\t")):
            items[-1] = items[-1][: -len("</li>")] + " " + _inline(line.strip()) + "</li>"
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return "\n".join(blocks)


def instructions_html(guideline: Path | None = None) -> str:
    """The project's instructions: the guideline as HTML (read at run time; a fallback if absent)."""
    path = guideline or GUIDELINE
    if path.is_file():
        return markdown_to_html(path.read_text(encoding="utf-8"))
    items = "".join(f"<li><code>{i}</code> {label}</li>" for i, label in enumerate(LABELS, 1))
    return (
        "<p>Label the highlighted sentence (neighbouring sentences are shown dimmed for context). "
        "When several labels apply, the first in this list wins:</p>"
        f"<ol>{items}</ol>"
    )
