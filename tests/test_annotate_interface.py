"""Label config, instructions HTML, label check, connection resolution and retries (no server)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pytest

from annotate import client, interface
from claimkit.errors import StudioError
from claimkit.labels import LABELS


def test_label_config_is_xml_with_four_hotkeyed_choices():
    root = ET.fromstring(interface.label_config())
    choices = root.find(".//Choices")
    assert (
        choices is not None
        and choices.get("choice") == "single"
        and choices.get("toName") == "text"
    )
    assert [(c.get("value"), c.get("hotkey")) for c in choices] == [
        (lab, str(i)) for i, lab in enumerate(LABELS, 1)
    ]
    names = {t.get("name") for t in root.iter("Text")}
    assert names == {"text", "context_before", "context_after"}


def test_markdown_to_html():
    html = interface.markdown_to_html(
        "# Title\n\nSome **bold** <b>text</b>\nwraps.\n\n- one\n- `two`\n\n1. first\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    ).replace("\n", "")
    assert "<h2>Title</h2>" in html  # the page's title is the only h1
    assert "<p>Some <strong>bold</strong> &lt;b&gt;text&lt;/b&gt;wraps.</p>" in html  # no raw HTML
    assert "<ul><li>one</li><li><code>two</code></li></ul>" in html
    assert "<ol><li>first</li></ol>" in html
    assert "<td>1</td><td>2</td>" in html


def test_instructions_from_the_guideline():
    html = interface.instructions_html()
    assert html.startswith("<") and all(label in html for label in LABELS)


def test_project_with_other_labels_is_refused():
    interface.check_project_labels("ok", {"label": {"type": "Choices", "labels": list(LABELS)}})
    with pytest.raises(StudioError, match="different labelling interface"):
        interface.check_project_labels("p", {"label": {"type": "Choices", "labels": ["yes", "no"]}})
    with pytest.raises(StudioError, match="different labelling interface"):
        interface.check_project_labels(
            "p", {"sentiment": {"type": "Choices", "labels": list(LABELS)}}
        )


def test_connection_needs_a_key_or_a_server(tmp_path, monkeypatch):
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    with pytest.raises(StudioError, match="no API key"):
        client.resolve_connection(url="http://h:1")
    with pytest.raises(StudioError, match="claimkit studio start"):
        client.resolve_connection(data_dir=tmp_path)
    monkeypatch.setenv("LABEL_STUDIO_URL", "http://h:2/")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "k")
    assert client.resolve_connection(data_dir=tmp_path) == client.Connection("http://h:2", "k")


def test_transient_errors_are_retried_then_fail_clearly(monkeypatch):
    monkeypatch.setattr(client, "BACKOFF", 0.0)
    studio = client.Studio(client.Connection("http://127.0.0.1:9", "k"), retries=3)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ReadTimeout("slow")
        return "ok"

    assert studio.call("testing", flaky) == "ok" and len(calls) == 3

    def always():
        raise httpx.ReadTimeout("slow")

    with pytest.raises(StudioError, match="timed out while testing after 4 attempt"):
        studio.call("testing", always)


def test_unreachable_server_is_one_line():
    studio = client.Studio(client.Connection("http://127.0.0.1:9", "k"))
    with pytest.raises(StudioError, match=r"cannot reach Label Studio at http://127.0.0.1:9"):
        studio.whoami()
