"""Renderers: table, JSON/JSONL, and the self-contained HTML report (checked in headless Chromium)."""

from __future__ import annotations

import html.parser
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from claimkit.readers import Article, read_articles
from models.report import SCHEMA, render, write_html

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"
HOSTILE_TITLE = "<script>alert(1)</script> \"Troops\" & 'rumours'"
HOSTILE_TEXT = (
    "North Korea could reportedly deploy troops <script>alert(1)</script> to Kursk.\n\n"
    'Officials said "it is a sign of desperation" <img src=x onerror="alert(2)">.\n'
    "An escape \x1b[31mRED\x1b[0m and a bidi \u202eoverride\u202c stay text."
)


@pytest.fixture(scope="module")
def tagger():
    import models
    from models.features import build_pipeline
    from models.tagger import Tagger

    if (ROOT / "models" / "default" / "manifest.json").is_file():
        return models.load()
    sentences = [
        ("North Korea could deploy up to 100,000 soldiers to help the Kremlin.", "speculative"),
        ("Moscow has reportedly amassed some 50,000 soldiers in the region.", "speculative"),
        ("The former Netherlands Prime Minister said soldiers had been sent.", "attributed"),
        ("NATO chief Mark Rutte confirmed the deployment of soldiers to Russia.", "attributed"),
        ("Putin and Kim signed a security pact back in June of this year.", "confirmed"),
        ("Ukrainian forces made an incursion into Kursk in August.", "confirmed"),
        ("The development, while worrying, is not surprising.", "opinion"),
        ("The human toll is truly staggering.", "opinion"),
    ]
    texts, labels = zip(*sentences, strict=True)
    return Tagger(build_pipeline().fit(list(texts), list(labels)), name="seed-test")


@pytest.fixture(scope="module")
def seed_results(tagger):
    articles = [a for a in read_articles([SEEDS]) if isinstance(a, Article)]
    assert len(articles) == 5
    return articles, list(tagger.tag_many(articles))


@pytest.fixture(scope="module")
def hostile(tagger):
    article = Article('evil"id<b>', HOSTILE_TITLE, HOSTILE_TEXT, 'https://example.org/?a=1&b="2"')
    return list(tagger.tag_many([article]))


def rendered(results, fmt, tagger, **kw) -> str:
    out = io.StringIO()
    render(iter(results), out, fmt, tagger=tagger, **kw)
    return out.getvalue()


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_article_text_titles_and_attributes(tagger, hostile):
    page = rendered(hostile, "html", tagger)
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = Tags()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    text = "".join(parser.text)
    # What the reader sees is the article's own text, quotes and all.
    assert "<script>alert(1)</script>" in text
    assert '"it is a sign of desperation"' in text
    assert HOSTILE_TITLE in text
    assert ("data-article-id", 'evil"id<b>') in parser.attrs
    assert 'data-article-id="evil&quot;id&lt;b&gt;"' in page
    # Nothing may run or load even if escaping were missed somewhere.
    assert "default-src 'none'" in page


def test_html_marks_cues_and_colours_sentences(tagger, seed_results):
    articles, results = seed_results
    page = rendered(results, "html", tagger)
    assert page.count("<article ") == len(articles)
    assert 'id="legend"' in page
    for label in tagger.labels:
        assert f'data-label="{label}"' in page
    n_sentences = sum(len(r.sentences) for r in results)
    assert page.count('<span class="s ') == n_sentences
    hedged = sum(1 for r in results for x in r.sentences if x.hedged)
    assert page.count('<mark class="cue k-') >= hedged // 2
    for kind in ("hedge", "attribution", "evaluation"):  # kinds as a style and a tooltip
        assert f'<mark class="cue k-{kind}" data-kind="{kind}" title="{kind} · weight' in page
    assert page.count('class="bar"') == len(articles)


def test_json_document_follows_the_schema(tagger, seed_results):
    articles, results = seed_results
    doc = json.loads(rendered(results, "json", tagger))
    assert doc["schema"] == SCHEMA
    assert doc["model"]["labels"] == list(tagger.labels)
    assert doc["model"]["model_version"] == tagger.model_version
    assert [a["article_id"] for a in doc["articles"]] == [a.article_id for a in articles]
    for art in doc["articles"]:
        assert set(art) == {"article_id", "title", "source", "text", "summary", "sentences"}
        assert art["summary"]["n_sentences"] == len(art["sentences"])
        for s in art["sentences"]:
            assert art["text"][s["start"] : s["end"]] == s["text"]
            assert abs(sum(s["probabilities"].values()) - 1) < 1e-5
            for c in s["cues"]:
                assert art["text"][c["start"] : c["end"]] == c["text"]
                assert c["weight"] > 0 and c["features"]


def test_jsonl_is_one_article_per_line(tagger, seed_results):
    articles, results = seed_results
    lines = rendered(results, "jsonl", tagger).splitlines()
    assert len(lines) == len(articles)
    for line in lines:
        row = json.loads(line)
        assert row["schema"] == SCHEMA and row["model_version"] == tagger.model_version


def test_empty_input_gives_valid_documents(tagger):
    assert json.loads(rendered([], "json", tagger))["articles"] == []
    assert rendered([], "jsonl", tagger) == ""
    assert "No articles." in rendered([], "html", tagger)


def test_table_shows_labels_cues_and_summary(tagger, hostile):
    plain = rendered(hostile, "table", tagger, color=False)
    assert "\x1b" not in plain and "\u202e" not in plain  # article text cannot drive the terminal
    assert "*could*" in plain or "*reportedly*" in plain
    assert "hedging ratio" in plain and "sentences" in plain
    first = hostile[0].sentences[0]
    assert first.label in plain.splitlines()[1]
    coloured = rendered(hostile, "table", tagger, color=True)
    assert "\x1b[1;4;38;5;" in coloured  # cues bold + underlined in the label's colour
    assert "\x1b[31m" not in coloured  # ... but never the article's own escape codes


# ------------------------------------------------------------------------ headless Chromium
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str:
    """Debian's chromium, which `make test` installs (`make browser`); tests never install it."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    if not found:
        pytest.skip("chromium is not installed: run `make browser` (Debian, as root)")
    return found


@pytest.mark.slow
def test_seed_report_in_headless_chromium(tagger, seed_results, tmp_path):
    chromium = find_chromium()
    articles, results = seed_results
    page = tmp_path / "report.html"
    with page.open("w", encoding="utf-8") as f:
        write_html(
            iter(results),
            f,
            model={"model_version": tagger.model_version, "labels": list(tagger.labels)},
        )
    shot = tmp_path / "report.png"
    common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    subprocess.run(
        [
            *common,
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            "--hide-scrollbars",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    parser = Tags()
    parser.feed(dom)
    assert parser.tags.count("article") == len(articles)
    assert 'id="legend"' in dom
    seen = "".join(parser.text)
    for label in tagger.labels:
        assert label in seen
    for r in results:  # every article's heading and its first sentence are on the page
        assert (r.title or r.article_id) in seen
        assert r.sentences[0].text in seen
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    keep = os.environ.get("CLAIMKIT_SCREENSHOT_OUT")
    if keep:  # CLAIMKIT_SCREENSHOT_OUT=docs/screenshots/report.png refreshes the README picture
        Path(keep).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, keep)
