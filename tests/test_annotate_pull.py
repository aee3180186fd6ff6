"""Parsing exports, resolving and writing the labelled output (no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate import pull as pull_mod
from annotate.interface import choice_result
from annotate.pull import parse_export, pull, rebuild, write_labelled
from claimkit.errors import InputError

DATA = Path(__file__).with_name("data")
USERS = {1: "admin@x.org", 2: "ann1@x.org", 3: "ann2@x.org"}


def ann(uid, label=None, *, cancelled=False, truth=False, when="2026-11-22T10:00:00Z"):
    return {
        "id": uid * 100,
        "completed_by": uid,
        "result": choice_result(label) if label else [],
        "was_cancelled": cancelled,
        "ground_truth": truth,
        "created_at": when,
        "updated_at": when,
        "lead_time": 2.5,
    }


def task(n, *anns):
    data = {
        "text": f"Sentence {n}.",
        "sentence_id": f"s{n}",
        "article_id": "a",
        "index": n,
        "context_before": "",
        "context_after": "",
        "start": 0,
        "end": 10,
        "title": "T",
        "source": "x",
    }
    return {"id": n, "data": data, "annotations": list(anns), "predictions": []}


EXPORT = [
    task(0, ann(2, "opinion"), ann(3, "opinion")),
    task(1, ann(2, "confirmed"), ann(3, "speculative")),  # tie
    task(2, ann(2, "attributed"), ann(3, "confirmed"), ann(1, "attributed")),  # majority
    task(3, ann(2, cancelled=True)),  # skipped
    task(
        4, ann(2, "opinion"), ann(3, "attributed"), ann(1, "speculative", truth=True)
    ),  # ground truth
    task(5),  # not annotated
]


def test_gold_review_and_counts(tmp_path: Path):
    result = write_labelled(tmp_path / "out", json.dumps(EXPORT).encode(), USERS)
    rows = [json.loads(line) for line in (tmp_path / "out" / "sentences.jsonl").open()]
    assert {r["sentence_id"]: r["label"] for r in rows} == {
        "s0": "opinion",
        "s2": "attributed",
        "s4": "speculative",
    }
    assert rows[0]["annotators"] == ["ann1@x.org", "ann2@x.org"] and rows[0]["n_annotations"] == 2
    review = [json.loads(line) for line in (tmp_path / "out" / "review.jsonl").open()]
    assert [(r["sentence_id"], r["status"], r["gold"]) for r in review] == [
        ("s1", "tie", None),
        ("s2", "majority", "attributed"),
        ("s4", "ground_truth", "speculative"),
    ]
    c = result.counts
    assert (
        c["tasks"],
        c["annotated"],
        c["skipped"],
        c["agreed"],
        c["disagreed"],
        c["unresolved"],
        c["gold"],
    ) == (6, 4, 1, 1, 3, 1, 3)
    anns = [json.loads(line) for line in (tmp_path / "out" / "annotations.jsonl").open()]
    assert len(anns) == 11 and sum(a["cancelled"] for a in anns) == 1
    assert anns[0]["lead_time"] == 2.5 and anns[0]["annotator"] == "ann1@x.org"
    for name in ("dataset", "agreement.json", "provenance.json", "export.json"):
        assert (tmp_path / "out" / name).exists()


def test_ids_without_users_and_dict_completed_by():
    parsed = parse_export(
        [
            task(
                0,
                ann(7, "opinion"),
                {**ann(8, "opinion"), "completed_by": {"id": 8, "email": "e@x"}},
            )
        ]
    )
    assert sorted(a.annotator for a in parsed.annotations) == ["e@x", "user-7"]


def test_json_min_rows_parse_like_json():
    rows = [
        {
            "text": "Sentence 0.",
            "sentence_id": "s0",
            "id": 0,
            "label": "opinion",
            "annotator": 2,
            "annotation_id": 1,
            "created_at": "t",
            "updated_at": "t",
            "lead_time": None,
        },
        {
            "text": "Sentence 0.",
            "sentence_id": "s0",
            "id": 0,
            "label": "confirmed",
            "annotator": 3,
            "annotation_id": 2,
            "created_at": "t",
            "updated_at": "t",
            "lead_time": 1.0,
        },
        {
            "text": "Sentence 1.",
            "sentence_id": "s1",
            "id": 1,
            "annotator": None,
            "annotation_id": None,
        },
    ]
    parsed = parse_export(rows, USERS)
    assert parsed.format == "JSON_MIN" and set(parsed.sentences) == {"s0", "s1"}
    assert [(a.annotator, a.label) for a in parsed.annotations] == [
        ("ann1@x.org", "opinion"),
        ("ann2@x.org", "confirmed"),
    ]


def test_failed_pull_leaves_old_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "out"
    write_labelled(out, json.dumps(EXPORT).encode(), USERS)
    before = (out / "sentences.jsonl").read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pull_mod, "_jsonl", boom)
    with pytest.raises(OSError):
        write_labelled(out, json.dumps(EXPORT[:1]).encode(), USERS)
    assert (out / "sentences.jsonl").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp folder left behind


def test_rebuild_from_stored_export_uses_stored_users(tmp_path: Path):
    write_labelled(tmp_path / "a", json.dumps(EXPORT).encode(), USERS)
    rebuild(tmp_path / "a" / "export.json", tmp_path / "b")
    for name in ("sentences.jsonl", "review.jsonl", "agreement.json"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()


def test_bad_files(tmp_path: Path):
    bad = tmp_path / "export.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        rebuild(bad, tmp_path / "o")
    bad.write_text('{"a": 1}')
    with pytest.raises(InputError, match="list of tasks"):
        rebuild(bad, tmp_path / "o")
    with pytest.raises(InputError, match="no such export"):
        rebuild(tmp_path / "missing.json", tmp_path / "o")


def test_tasks_without_labels_are_a_clear_error_and_write_nothing(tmp_path: Path):
    unlabelled = json.dumps([task(0), task(1, ann(2, cancelled=True))]).encode()
    with pytest.raises(InputError, match="none of the 2 tasks has a usable label yet"):
        write_labelled(tmp_path / "out", unlabelled, USERS)
    assert not (tmp_path / "out").exists()


def test_duplicate_tasks_of_one_sentence_are_counted_once_and_reported(tmp_path: Path):
    copy = task(0, ann(3, "opinion"))
    copy["id"] = 99
    result = write_labelled(tmp_path / "out", json.dumps([*EXPORT, copy]).encode(), USERS)
    assert result.counts["tasks"] == len(EXPORT)
    assert result.counts["duplicate_tasks"] == 1
    assert any(
        "1 sentence ids are in more than one task (1 extra tasks)" in n for n in result.notes
    )


def test_split_file_marks_each_row(tmp_path: Path):
    split = tmp_path / "split.json"
    split.write_text(json.dumps({"test_articles": ["a"]}))
    from claimkit.split import read_test_articles

    result = write_labelled(
        tmp_path / "out",
        json.dumps(EXPORT).encode(),
        USERS,
        test_articles=read_test_articles(split),
    )
    rows = [json.loads(x) for x in (tmp_path / "out" / "sentences.jsonl").read_text().splitlines()]
    assert rows and {r["split"] for r in rows} == {"test"}
    assert result.counts["test_split"] == len(rows)


def test_a_skip_marked_as_ground_truth_removes_the_sentence(tmp_path: Path):
    skipped = {**ann(1, cancelled=True, truth=True), "id": 7}
    export = [task(0, ann(2, "confirmed"), skipped), task(1, ann(2, "opinion"))]
    result = write_labelled(tmp_path / "out", json.dumps(export).encode(), USERS)
    rows = [json.loads(x) for x in (tmp_path / "out" / "sentences.jsonl").read_text().splitlines()]
    assert [r["sentence_id"] for r in rows] == ["s1"]
    assert result.counts["skipped"] == 1 and result.counts["gold"] == 1


def test_the_latest_ground_truth_decides_even_after_a_skip(tmp_path: Path):
    skipped = {**ann(1, cancelled=True, truth=True, when="2026-11-22T10:00:00Z"), "id": 7}
    relabelled = {**ann(1, "opinion", truth=True, when="2026-11-23T10:00:00Z"), "id": 8}
    result = write_labelled(
        tmp_path / "out",
        json.dumps([task(0, ann(2, "confirmed"), skipped, relabelled)]).encode(),
        USERS,
    )
    rows = [json.loads(x) for x in (tmp_path / "out" / "sentences.jsonl").read_text().splitlines()]
    assert [r["label"] for r in rows] == ["opinion"] and result.counts["skipped"] == 0


def test_the_split_file_is_an_input_pull_never_writes_over(tmp_path: Path):
    from annotate.pull import pull

    (tmp_path / "labelled").mkdir()
    split = tmp_path / "labelled" / "split.json"
    split.write_text(json.dumps({"test_articles": []}))
    (tmp_path / "export.json").write_text(json.dumps(EXPORT))
    with pytest.raises(InputError, match="overlaps the input"):
        pull(
            tmp_path / "labelled", from_file=tmp_path / "export.json", split_file=split, force=True
        )
    assert split.exists()


def test_a_real_label_studio_export_pulls_offline(tmp_path):
    """tests/data/label-studio-export.json: six seed sentences exported by Label Studio 1.23.2
    after `annotate push --with-labels` by two annotators (user 2, user 3; user 2 skipped one)
    and one adjudicator's ground truth (user 4) on the sentence they disagreed on."""
    out = tmp_path / "labelled"
    result = pull(out, from_file=DATA / "label-studio-export.json", data_dir=tmp_path / "none")
    counts = result.counts
    assert {k: counts[k] for k in ("tasks", "gold", "agreed", "disagreed", "skipped")} == {
        "tasks": 6,
        "gold": 4,
        "agreed": 3,
        "disagreed": 1,
        "skipped": 1,
    }
    rows = [json.loads(line) for line in (out / "sentences.jsonl").open(encoding="utf-8")]
    assert [(r["label"], r["annotators"]) for r in rows] == [
        ("attributed", ["user-2", "user-3"]),
        ("speculative", ["user-2", "user-3", "user-4"]),  # the ground truth decides
        ("confirmed", ["user-2", "user-3"]),
        ("opinion", ["user-2", "user-3"]),
    ]
    assert rows[1]["text"].startswith("A senior Ukrainian military intelligence official")
    assert any("user-<id>" in note for note in result.notes)  # no server to name them
