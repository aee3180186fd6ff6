"""The Label Studio labelling interface: label config XML and instructions HTML from the guideline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from markdown_it import MarkdownIt

from claimkit.errors import StudioError
from claimkit.labels import LABELS

FROM_NAME = "label"  # the Choices control
TO_NAME = "text"  # the sentence
GUIDELINE = Path(__file__).with_name("guideline.md")
# Task data fields every task carries (the config references the first three).
DATA_FIELDS = ("text", "context_before", "context_after")

_DIM = "color: #8a8a8a; font-size: 0.92em; font-style: italic;"
# The sentence highlighted between its dimmed neighbours (labelling and review interfaces).
SENTENCE_IN_CONTEXT = f"""  <View style="{_DIM}">
    <Text name="context_before" value="$context_before"/>
  </View>
  <View style="padding: 0.4em 0.6em; margin: 0.3em 0; border-left: 4px solid #4a7bd0; font-size: 1.1em;">
    <Text name="{TO_NAME}" value="$text"/>
  </View>
  <View style="{_DIM}">
    <Text name="context_after" value="$context_after"/>
  </View>"""


def label_config(labels: Sequence[str] = LABELS) -> str:
    """Sentence in the middle, its neighbours dimmed above/below, one single-choice label with hotkeys."""
    return f"""<View>
{SENTENCE_IN_CONTEXT}
  <Header value="Label the highlighted sentence" size="5"/>
{label_choices(labels)}
</View>
"""


def label_choices(labels: Sequence[str] = LABELS) -> str:
    """The single-choice label control, hotkeys 1..n (`pull` reads its answers by FROM_NAME)."""
    choices = "\n".join(
        f"    <Choice value={quoteattr(label)} hotkey={quoteattr(str(i))}/>"
        for i, label in enumerate(labels, start=1)
    )
    return f"""  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single" showInline="true" required="true">
{choices}
  </Choices>"""


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


def check_control(
    title: str,
    parsed_label_config: Mapping[str, Any] | None,
    name: str,
    kind: str,
    values: Sequence[str],
    problem: str,
) -> None:
    """Refuse a project whose control ``name`` is not a ``kind`` with exactly ``values``."""
    control = (parsed_label_config or {}).get(name) or {}
    found = list(control.get("labels") or [])
    if control.get("type") != kind or sorted(found) != sorted(values):
        raise StudioError(
            f"project {title!r} {problem} ({kind.lower()} {found or 'none'}, claimkit needs "
            f"{list(values)}): use another --project title"
        )


def check_project_labels(title: str, parsed_label_config: Mapping[str, Any] | None) -> None:
    """Refuse a project whose labelling interface has other labels than claimkit's."""
    problem = "has a different labelling interface"
    check_control(title, parsed_label_config, FROM_NAME, "Choices", LABELS, problem)


def markdown_to_html(text: str) -> str:
    """Markdown (CommonMark + tables) as HTML; raw HTML in the text is escaped, not passed on.

    Headings move one level down: the page's own title is the only h1.
    """
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return str(md.renderer.render(tokens, md.options, {}))


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
