"""`claimkit predict`: formats, --out written atomically, stdin, skipped files, refused models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from claimkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"


@pytest.fixture(scope="module")
def model_dir(
    tmp_path_factory: pytest.TempPathFactory, write_model_dir: Callable[..., Path]
) -> Path:
    return write_model_dir(tmp_path_factory.mktemp("models") / "seed-model")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["predict", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_to_stdout(capsys, model_dir):
    code, out, err = run(
        capsys, str(SEEDS / "metro-putin-north-korean-troops.txt"), "--model", str(model_dir)
    )
    assert code == 0, err
    assert out.startswith("━━ metro-putin-north-korean-troops")
    assert "hedging ratio" in out and "\x1b[" not in out  # not a terminal: no colour codes


def test_jsonl_to_file_for_a_folder(capsys, model_dir, tmp_path):
    out_file = tmp_path / "predictions.jsonl"
    code, out, err = run(
        capsys, str(SEEDS), "--format", "jsonl", "--out", str(out_file), "--model", str(model_dir)
    )
    assert code == 0, err
    assert out == ""
    rows = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert sorted(r["article_id"] for r in rows) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert not list(tmp_path.glob(".*tmp"))  # no temp file left behind


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_other_formats_with_two_jobs(capsys, model_dir, tmp_path, fmt):
    out_file = tmp_path / f"report.{fmt}"
    code, _, err = run(
        capsys,
        str(SEEDS),
        "--format",
        fmt,
        "--out",
        str(out_file),
        "--n-jobs",
        "2",
        "--model",
        str(model_dir),
    )
    assert code == 0, err
    text = out_file.read_text()
    if fmt == "json":
        assert len(json.loads(text)["articles"]) == 5
    else:
        assert text.count("<article ") == 5 and 'id="legend"' in text


def test_stdin_is_one_article(model_dir):
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "claimkit.cli",
            "predict",
            "-",
            "--format",
            "json",
            "--model",
            str(model_dir),
        ],
        input="North Korea could reportedly deploy troops. Officials said so.",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [article] = json.loads(done.stdout)["articles"]
    assert article["article_id"] == "stdin" and len(article["sentences"]) == 2


def test_unreadable_inputs_are_skipped_and_reported(capsys, model_dir, tmp_path):
    (tmp_path / "empty.txt").write_text("")
    code, out, err = run(
        capsys,
        str(SEEDS / "metro-putin-north-korean-troops.txt"),
        str(tmp_path / "empty.txt"),
        str(tmp_path / "missing.txt"),
        "--model",
        str(model_dir),
    )
    assert code == 1
    assert "metro-putin" in out
    assert "skipped" in err and "empty.txt" in err and "missing.txt" in err


def test_nothing_readable_is_an_error_and_writes_nothing(capsys, model_dir, tmp_path):
    out_file = tmp_path / "report.html"
    code, out, err = run(
        capsys, str(tmp_path / "missing.txt"), "--out", str(out_file), "--model", str(model_dir)
    )
    assert code == 2 and out == ""
    assert err.startswith("claimkit: error: no readable article") and err.count("\n") == 1
    assert not out_file.exists()


def test_failed_run_keeps_the_previous_output(capsys, model_dir, tmp_path, monkeypatch):
    import models.report

    out_file = tmp_path / "report.json"
    out_file.write_text("previous")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(models.report, "write_json", boom)
    code, _, _ = run(
        capsys, str(SEEDS), "--format", "json", "--out", str(out_file), "--model", str(model_dir)
    )
    assert code == 130
    assert out_file.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_tampered_model_is_a_one_line_error(capsys, model_dir, tmp_path):
    bad = tmp_path / "bad-model"
    bad.mkdir()
    (bad / "manifest.json").write_text((model_dir / "manifest.json").read_text())
    (bad / "model.skops").write_bytes((model_dir / "model.skops").read_bytes() + b"x")
    code, out, err = run(capsys, str(SEEDS), "--model", str(bad))
    assert code == 2 and out == ""
    assert err.startswith("claimkit: error: ") and "does not match" in err and err.count("\n") == 1


def test_out_folder_must_exist(capsys, model_dir, tmp_path):
    code, _, err = run(
        capsys, str(SEEDS), "--out", str(tmp_path / "no" / "such.html"), "--model", str(model_dir)
    )
    assert code == 2 and "does not exist" in err


def test_scheduler_without_a_cluster_is_a_clear_error(capsys, model_dir):
    pytest.importorskip("distributed")
    os.environ["CLAIMKIT_DASK_TIMEOUT"] = "2s"
    try:
        code, _, err = run(
            capsys, str(SEEDS), "--scheduler", "tcp://127.0.0.1:1", "--model", str(model_dir)
        )
    finally:
        del os.environ["CLAIMKIT_DASK_TIMEOUT"]
    assert code == 2
    assert "cannot reach the dask scheduler at 'tcp://127.0.0.1:1'" in err


def test_a_closed_pipe_ends_quietly(model_dir):
    proc = subprocess.Popen(
        # More output than a pipe buffer holds, so the writer really meets the closed pipe.
        [
            sys.executable,
            "-m",
            "claimkit.cli",
            "predict",
            *[str(SEEDS)] * 8,
            "--model",
            str(model_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith("━━".encode())
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_out_file_gets_ordinary_permissions(capsys, model_dir, tmp_path):
    out_file = tmp_path / "report.html"
    old = os.umask(0o022)
    try:
        code, _, err = run(
            capsys,
            str(SEEDS),
            "--format",
            "html",
            "--out",
            str(out_file),
            "--model",
            str(model_dir),
        )
    finally:
        os.umask(old)
    assert code == 0, err
    assert out_file.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
