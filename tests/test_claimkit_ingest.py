"""Ingest: records, offsets, stable ids, bad input, atomic output."""

from __future__ import annotations

import codecs
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from claimkit.cli import main
from claimkit.datafiles import load_table
from claimkit.ingest import collect, ingest, sentences_of
from claimkit.readers import Article, read_articles

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "data" / "articles"
SEEDS = ARTICLES / "seeds"

SEED_COUNTS = {
    "independent-putin-north-korea-backfire": 19,
    "nypost-north-korea-100000-soldiers": 17,
    "metro-putin-north-korean-troops": 31,
    "blog-russia-enlists-north-korean-soldiers": 47,
    "newscomau-north-korean-troops-poorly-trained": 51,
}


@pytest.fixture(scope="module")
def bundled() -> list[dict]:
    records, report = collect([ARTICLES], progress=False)
    assert not report.problems
    return records


def test_per_seed_sentence_counts_after_cleaning(bundled: list[dict]) -> None:
    counts = Counter(r["article_id"] for r in bundled)
    assert {k: counts[k] for k in SEED_COUNTS} == SEED_COUNTS


def test_offsets_round_trip_for_every_bundled_sentence(bundled: list[dict]) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in ARTICLES.rglob("*.txt")}
    for r in bundled:
        assert texts[r["article_id"]][r["start"] : r["end"]] == r["text"]


def test_records_have_context_and_order(bundled: list[dict]) -> None:
    metro = [r for r in bundled if r["article_id"] == "metro-putin-north-korean-troops"]
    assert [r["index"] for r in metro] == list(range(len(metro)))
    assert metro[0]["context_before"] == "" and metro[-1]["context_after"] == ""
    assert (
        metro[1]["context_before"] == metro[0]["text"]
        and metro[1]["context_after"] == metro[2]["text"]
    )
    assert (
        metro[0]["title"]
        == "Why Putin has called up North Korean troops to the Ukrainian frontline"
    )


def test_duplicate_sentences_inside_an_article_are_kept_once(bundled: list[dict]) -> None:
    keys = [(r["article_id"], r["text"]) for r in bundled]
    assert len(keys) == len(set(keys))
    independent = [
        r["text"] for r in bundled if r["article_id"] == "independent-putin-north-korea-backfire"
    ]
    assert (
        independent.count(
            "Why desperate Vladimir Putin borrowing soldiers from North Korea could actually backfire"
        )
        == 1
    )


def test_ids_are_stable_across_runs_and_processes(bundled: list[dict], tmp_path: Path) -> None:
    code = (
        "import json,sys; from claimkit.ingest import collect; "
        "r,_=collect([sys.argv[1]],progress=False); print(json.dumps([x['sentence_id'] for x in r]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ARTICLES)], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [r["sentence_id"] for r in bundled]
    assert len({r["sentence_id"] for r in bundled}) == len(bundled)


def test_ingest_writes_a_dataset_and_jsonl(tmp_path: Path) -> None:
    report = ingest([SEEDS], tmp_path / "ds", jsonl=tmp_path / "s.jsonl", progress=False)
    dataset = load_table(tmp_path / "ds")
    assert len(dataset) == report.sentences == sum(SEED_COUNTS.values())
    lines = (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["sentence_id"] for line in lines] == dataset["sentence_id"]
    assert report.debris["caption"] == 16 and report.debris["comment_box"] == 3


def test_jsonl_and_html_inputs(tmp_path: Path) -> None:
    text = (SEEDS / "independent-putin-north-korea-backfire.txt").read_text(encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "ind-1", "title": "T", "text": text, "url": "https://x"}) + "\n"
    )
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n")[2:8])
    (tmp_path / "b.html").write_text(
        f"<html><head><title>Putin backfire</title></head><body><nav>Home World</nav><article><h1>Why desperate</h1>{paragraphs}</article></body></html>"
    )
    items = list(read_articles([tmp_path]))
    assert all(isinstance(i, Article) for i in items)
    by_id = {a.article_id: a for a in items}  # type: ignore[union-attr]
    assert by_id["ind-1"].source == "https://x" and by_id["ind-1"].title == "T"
    html_sentences = [r["text"] for r in sentences_of(by_id["b"]).records]  # type: ignore[arg-type]
    assert (
        "After weeks of speculation, NATO chief Mark Rutte confirmed the deployment of soldiers from Kim Jong-un’s army to Russia."
        in html_sentences
    )
    for r in sentences_of(by_id["b"]).records:  # type: ignore[arg-type]
        assert by_id["b"].text[r["start"] : r["end"]] == r["text"]  # type: ignore[union-attr]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda d: d / "missing.txt", "no such file or directory"),
        (
            lambda d: (d / "empty.txt").write_text("") and d / "empty.txt" or d / "empty.txt",
            "empty",
        ),
        (
            lambda d: (
                (d / "bin.txt").write_bytes(b"\x00\x01\x02PNG") and d / "bin.txt" or d / "bin.txt"
            ),
            "binary",
        ),
        (
            lambda d: (
                (d / "latin.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
                and d / "latin.txt"
                or d / "latin.txt"
            ),
            "not UTF-8",
        ),
        (
            lambda d: (d / "nothing").mkdir() or d / "nothing",
            "no .txt, .html, .htm or .jsonl articles",
        ),
        (
            lambda d: (d / "notes.docx").write_text("x") and d / "notes.docx" or d / "notes.docx",
            "unknown extension",
        ),
        (
            lambda d: (
                (d / "bad.jsonl").write_text('{"id": "a"}\n') and d / "bad.jsonl" or d / "bad.jsonl"
            ),
            "'text'",
        ),
    ],
    ids=["missing", "empty", "binary", "non-utf8", "empty-dir", "extension", "jsonl-field"],
)
def test_bad_input_is_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, expect: str
) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    code, err = run_cli(["ingest", str(path), "--out", str(tmp_path / "out"), "-q"], capsys)
    assert code == 2
    assert expect in err and str(path) in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_one_bad_file_in_a_batch_is_skipped_and_the_rest_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text(
        (SEEDS / "metro-putin-north-korean-troops.txt").read_text(encoding="utf-8")
    )
    (tmp_path / "in" / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00bad")
    code, err = run_cli(
        ["ingest", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "-q"], capsys
    )
    assert code == 1 and "bad.txt" in err
    assert len(load_table(tmp_path / "out")) == SEED_COUNTS["metro-putin-north-korean-troops"]


def test_a_failed_run_leaves_the_previous_dataset_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest([SEEDS / "metro-putin-north-korean-troops.txt"], tmp_path / "out", progress=False)
    import datasets

    def explode(self, path, **kwargs):  # type: ignore[no-untyped-def]
        Path(path, "half-written.arrow").write_text("partial")
        raise OSError("disk full")

    monkeypatch.setattr(datasets.Dataset, "save_to_disk", explode)
    with pytest.raises(OSError):
        ingest([SEEDS], tmp_path / "out", progress=False)
    assert len(load_table(tmp_path / "out")) == SEED_COUNTS["metro-putin-north-korean-troops"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_jsonl_is_read_line_by_line(tmp_path: Path) -> None:
    """A JSON Lines file streams: the articles before a broken line are read, then the problem
    is reported with its byte offset (a whole-file decode would refuse every line)."""
    from claimkit.readers import Article, Problem, read_articles

    path = tmp_path / "big.jsonl"
    good = b'{"id": "a", "text": "Officials said the talks would resume."}\n'
    path.write_bytes(
        codecs.BOM_UTF8 + good + good.replace(b'"a"', b'"b"') + b'{"id": "c", "text": "caf\xe9"}\n'
    )
    items = list(read_articles([path]))
    assert [a.article_id for a in items if isinstance(a, Article)] == ["a", "b"]
    (problem,) = [p for p in items if isinstance(p, Problem)]
    broken_at = 3 + 2 * len(good) + len(b'{"id": "c", "text": "caf')
    assert f"byte 0xe9 at offset {broken_at}" in str(problem)
    # UTF-16 (with its byte-order mark) is still read, as a whole
    path.write_text(good.decode() * 2, encoding="utf-16")
    assert [a.article_id for a in read_articles([path]) if isinstance(a, Article)] == ["a", "a"]
