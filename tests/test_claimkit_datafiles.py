"""What claimkit never does to your files: each careless or hostile case ends in a one-line error,
exit code 2, and every file that was there before is byte-identical afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claimkit.cli import main
from claimkit.datafiles import MARKER, atomic_dir, atomic_file, check_output, clean_stale_temps
from claimkit.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp folder holding a copy of the seed articles in arts/ and a notes.txt; the cwd."""
    shutil.copytree(SEEDS, tmp_path / "arts")
    (tmp_path / "notes.txt").write_text("my notes\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.strip()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "-q", "arts", "--out", "arts"], "--out arts: overlaps the input arts"),
        (["ingest", "-q", "arts/", "--out", "."], "--out .: that is the current folder"),
        (["ingest", "-q", "arts", "--out", "notes.txt"], "--out notes.txt: is an existing file"),
        (["ingest", "-q", "arts", "--out", "notes.txt/sub"], "notes.txt is a file"),
        (["ingest", "-q", "arts/seeds-copy", "--out", "arts"], "overlaps the input"),
        (["ingest", "-q", "arts", "--out", "o", "--jsonl", "arts"], "--jsonl arts: overlaps"),
        (["ingest", "-q", "arts", "--out", "o", "--jsonl", "o/s.jsonl"], "is inside --out"),
        (["ingest", "-q", "arts", "--out", "o", "--jsonl", "."], "--jsonl .: that is the current"),
        (["predict", "arts", "--out", "arts"], "--out arts: overlaps the input"),
        (["predict", "arts", "--out", "."], "--out .: that is the current folder"),
        (["predict", "arts", "--out", "notes.txt/r.html"], "notes.txt is a file"),
    ],
)
def test_outputs_that_would_destroy_files_are_refused(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (workdir / "arts" / "seeds-copy").mkdir()
    before = snapshot(workdir)
    code, err = run(args, capsys)
    assert code == 2 and message in err and err.count("\n") == 0
    assert snapshot(workdir) == before


def test_force_never_overrides_an_input(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(workdir)
    code, err = run(["ingest", "-q", "arts", "--out", "arts", "--force"], capsys)
    assert code == 2 and "overlaps the input" in err
    assert snapshot(workdir) == before


def test_a_folder_claimkit_did_not_write_needs_force(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "mine").mkdir()
    (workdir / "mine" / "thesis.tex").write_text("chapter 1")
    code, err = run(["ingest", "-q", "arts", "--out", "mine"], capsys)
    assert code == 2 and "pass --force" in err
    assert (workdir / "mine" / "thesis.tex").read_text() == "chapter 1"
    assert run(["ingest", "-q", "arts", "--out", "mine", "--force"], capsys)[0] == 0
    assert (workdir / "mine" / MARKER).exists() and not (workdir / "mine" / "thesis.tex").exists()


def test_a_folder_claimkit_wrote_is_replaced_without_force(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["ingest", "-q", "arts", "--out", "o", "--jsonl", "o.jsonl"], capsys)[0] == 0
    assert run(["ingest", "-q", "arts", "--out", "o", "--jsonl", "o.jsonl"], capsys)[0] == 0
    assert sorted(p.name for p in workdir.iterdir()) == ["arts", "notes.txt", "o", "o.jsonl"]


def test_predict_into_a_folder_is_refused_and_nothing_is_written(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "reports").mkdir()
    code, err = run(["predict", "arts", "--format", "html", "--out", "reports"], capsys)
    assert code == 2 and "--out reports: is a folder; give a file name" in err
    assert list((workdir / "reports").iterdir()) == []


def test_ingest_jsonl_into_a_folder_writes_neither_output(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "sub").mkdir()
    code, err = run(["ingest", "-q", "arts", "--out", "o", "--jsonl", "sub"], capsys)
    assert code == 2 and "--jsonl sub: is a folder" in err
    assert not (workdir / "o").exists()


def test_a_failure_while_writing_publishes_neither_output(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(["ingest", "-q", "arts", "--out", "o", "--jsonl", "o.jsonl"], capsys)[0] == 0
    before = snapshot(workdir)
    import datasets

    def disk_full(self: object, path: str, **kwargs: object) -> None:
        Path(path, "half.arrow").write_text("partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datasets.Dataset, "save_to_disk", disk_full)
    with pytest.raises(OSError):
        main(
            [
                "ingest",
                "-q",
                str(SEEDS / "metro-putin-north-korean-troops.txt"),
                "--out",
                "o",
                "--jsonl",
                "o.jsonl",
            ]
        )
    assert snapshot(workdir) == before  # neither the dataset nor the JSONL changed, no temp left
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]


KILLED_INGEST = """
import sys, os, signal
import datasets
from claimkit.ingest import ingest
real = datasets.Dataset.save_to_disk
def killed(self, path, **kw):
    real(self, path, **kw)
    os.kill(os.getpid(), signal.SIGKILL)  # killed after the temp files were written
datasets.Dataset.save_to_disk = killed
ingest([sys.argv[1]], "o", jsonl="o.jsonl", progress=False)
"""


def test_temp_files_of_a_killed_run_are_cleaned_by_the_next(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proc = subprocess.run([sys.executable, "-c", KILLED_INGEST, "arts"], cwd=workdir)
    assert proc.returncode == -9
    leftovers = [p.name for p in workdir.iterdir() if p.name.startswith(".")]
    assert leftovers and not (workdir / "o").exists() and not (workdir / "o.jsonl").exists()
    assert run(["ingest", "-q", "arts", "--out", "o", "--jsonl", "o.jsonl"], capsys)[0] == 0
    assert not [p for p in workdir.iterdir() if p.name.startswith(".")]


def test_temps_of_a_live_writer_and_other_files_are_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "out"
    mine = tmp_path / f".out.tmp-{os.getpid()}-abcd1234"
    dead = tmp_path / ".out.tmp-999999999-abcd1234"
    users = tmp_path / ".out.old-backup"  # a user's own hidden folder with a similar name
    for folder in (mine, dead, users):
        folder.mkdir()
    assert clean_stale_temps(target) == 1
    assert mine.exists() and users.exists() and not dead.exists()
    # glob characters in the output's name are literal
    bracket = tmp_path / f".data1.tmp-{os.getpid()}-abcd1234"
    bracket.mkdir()
    assert clean_stale_temps(tmp_path / "data[1]") == 0 and bracket.exists()


def test_check_output_rules_on_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("x")
    with pytest.raises(InputError, match="overlaps"):
        check_output("in", inputs=["in/a.txt"], folder=True, force=True)  # holds an input
    with pytest.raises(InputError, match="overlaps"):
        check_output("in/a.txt", inputs=["in/a.txt"], folder=False, force=True)
    assert check_output("fresh/new", inputs=["in"], folder=True) == Path("fresh/new")
    with atomic_dir("model") as folder:
        (folder / "x").write_text("1")
    with pytest.raises(InputError, match="pass --force"):
        check_output("model", folder=True, replace_own=False)  # train: never without --force
    with atomic_file("report.html") as handle:
        handle.write("<p>")
    assert check_output("report.html", folder=False) == Path("report.html")


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", "stdin: nothing was read"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "stdin: looks like a binary file"),
        (b"caf\xe9 is open.", "stdin: not UTF-8 text"),
    ],
    ids=["empty", "binary", "latin-1"],
)
def test_bad_stdin_keeps_the_previous_report(workdir: Path, stdin: bytes, message: str) -> None:
    claimkit = [sys.executable, "-m", "claimkit.cli"]
    good = subprocess.run(
        [*claimkit, "predict", "-", "--format", "html", "--out", "r.html"],
        input=(SEEDS / "metro-putin-north-korean-troops.txt").read_bytes(),
        capture_output=True,
        cwd=workdir,
    )
    assert good.returncode == 0
    before = (workdir / "r.html").read_bytes()
    bad = subprocess.run(
        [*claimkit, "predict", "-", "--format", "html", "--out", "r.html"],
        input=stdin,
        capture_output=True,
        cwd=workdir,
    )
    err = bad.stderr.decode()
    assert bad.returncode == 2 and message in err and "Traceback" not in err
    assert (workdir / "r.html").read_bytes() == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_read(
    workdir: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    text = (SEEDS / "metro-putin-north-korean-troops.txt").read_text(encoding="utf-8")
    (workdir / "bom").mkdir()
    (workdir / "bom" / "article.txt").write_bytes(text.encode(encoding))
    (workdir / "plain").mkdir()
    (workdir / "plain" / "article.txt").write_text(text, encoding="utf-8")
    assert run(["ingest", "-q", "bom", "--out", "a", "--jsonl", "a.jsonl"], capsys)[0] == 0
    assert run(["ingest", "-q", "plain", "--out", "b", "--jsonl", "b.jsonl"], capsys)[0] == 0
    assert (workdir / "a.jsonl").read_text().replace("bom/", "plain/") == (
        workdir / "b.jsonl"
    ).read_text()


def test_an_absurdly_large_article_is_a_clear_error(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "dump.txt").write_text("A sentence. " * 200_000)  # 2.4 MB on one line
    code, err = run(["ingest", "-q", "dump.txt", "--out", "o", "--max-article-size", "1"], capsys)
    assert code == 2 and "more than 1 MB of text for one article" in err
    assert not (workdir / "o").exists()
    assert (
        run(["ingest", "-q", "dump.txt", "--out", "o", "--max-article-size", "3"], capsys)[0] == 0
    )


def test_a_killed_training_leaves_no_workers(tmp_path: Path) -> None:
    # train.search.follow_parent, run in a grandchild whose parent is then killed
    script = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", (
    "import os, time; from train.search import follow_parent; "
    f"follow_parent({os.getpid()}); print(os.getpid(), flush=True); time.sleep(120)")],
    stdout=subprocess.PIPE, text=True)
print(child.stdout.readline().strip(), flush=True)
time.sleep(120)
"""
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30  # the worker polls its parent twice a second
    while time.monotonic() < deadline and _running(worker):
        time.sleep(0.1)
    assert not _running(worker)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_a_closed_pipe_after_any_command_ends_quietly(workdir: Path) -> None:
    run = subprocess.run(
        [
            "bash",
            "-c",
            f"{sys.executable} -m claimkit.cli ingest -q arts --out o | head -c 0; "
            'echo "exit ${PIPESTATUS[0]}" >&2',
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr
    assert run.stderr.strip().endswith("exit 0")


def test_pulling_a_project_without_labels_is_one_line_and_writes_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    tasks = [
        {"id": i, "data": {"text": f"Sentence {i}.", "sentence_id": f"s{i}"}, "annotations": []}
        for i in range(3)
    ]
    (workdir / "export.json").write_text(json.dumps(tasks))
    before = snapshot(workdir)
    code, err = run(
        [
            "annotate",
            "pull",
            "--from-file",
            "export.json",
            "--out",
            "labelled",
            "--url",
            "http://127.0.0.1:9",
        ],
        capsys,
    )
    assert code == 2 and "none of the 3 tasks has a usable label yet" in err and "\n" not in err
    assert snapshot(workdir) == before
