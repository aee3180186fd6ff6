"""Label-error review: pure ranking, planted errors in the bundled data, and a real Label Studio round."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from annotate.review import (
    REVIEW_MODEL_VERSION,
    rank_suspects,
    review,
    review_label_config,
)
from claimkit.errors import DataError, InputError, StudioError
from claimkit.labels import LABELS
from train.oof import out_of_fold_probabilities

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "labelled" / "sentences.jsonl"
CLASSES = ["attributed", "confirmed", "opinion", "speculative"]


# -- pure ranking ----------------------------------------------------------------------------------
TABLE = [  # given label, probabilities in CLASSES order
    ("confirmed", [0.10, 0.80, 0.05, 0.05]),  # 0: model agrees
    ("opinion", [0.70, 0.10, 0.15, 0.05]),  # 1: given 0.15, best other attributed 0.70
    ("speculative", [0.30, 0.30, 0.30, 0.10]),  # 2: given 0.10, other 0.30 (tie: attributed first)
    ("attributed", [0.05, 0.05, 0.85, 0.05]),  # 3: given 0.05, other 0.85
    ("confirmed", [0.40, 0.15, 0.40, 0.05]),  # 4: given 0.15 like row 1, smaller margin
]


def test_rank_by_confidence_lowest_given_probability_first():
    labels = [label for label, _ in TABLE]
    ranked = rank_suspects(labels, [p for _, p in TABLE], CLASSES)
    # 3 (0.05) < 2 (0.10) < 1 and 4 (both 0.15: the larger margin, row 1, first) < 0
    assert [s.index for s in ranked] == [3, 2, 1, 4, 0]
    top = ranked[0]
    assert (top.label, top.suggestion) == ("attributed", "opinion")
    assert top.label_probability == pytest.approx(0.05)
    assert top.suggestion_probability == pytest.approx(0.85)
    assert top.margin == pytest.approx(0.80)
    assert ranked[1].suggestion == "attributed"  # three-way tie of others: first class wins


def test_rank_by_margin():
    labels = [label for label, _ in TABLE]
    ranked = rank_suspects(labels, [p for _, p in TABLE], CLASSES, score="margin")
    # margins: 0 -0.70, 1 0.55, 2 0.20, 3 0.80, 4 0.25
    assert [s.index for s in ranked] == [3, 1, 4, 2, 0]
    assert [round(s.margin, 2) for s in ranked] == [0.80, 0.55, 0.25, 0.20, -0.70]


def test_rank_ties_keep_row_order_and_unseen_label_counts_as_zero():
    probs = [[0.25, 0.25, 0.25, 0.25]] * 3
    ranked = rank_suspects(["opinion", "opinion", "opinion"], probs, CLASSES)
    assert [s.index for s in ranked] == [0, 1, 2]
    # a label the folds never trained on gets probability 0 and ranks first
    ranked = rank_suspects(
        ["confirmed", "rumour"], [[0.2, 0.5, 0.2, 0.1], [0.1, 0.6, 0.2, 0.1]], CLASSES
    )
    assert ranked[0].index == 1 and ranked[0].label_probability == 0.0
    assert ranked[0].suggestion == "confirmed"


def test_rank_refuses_bad_input():
    with pytest.raises(InputError, match="--score 'loss'"):
        rank_suspects(["opinion"], [[0.1, 0.2, 0.3, 0.4]], CLASSES, score="loss")
    with pytest.raises(ValueError, match="2 labels but 1"):
        rank_suspects(["opinion", "opinion"], [[0.1, 0.2, 0.3, 0.4]], CLASSES)


# -- planted errors in a copy of the bundled dataset -----------------------------------------------
def plant(rows: list[dict], n: int, seed: int) -> set[str]:
    """Flip `n` gold labels to another label (in place); the flipped sentence ids."""
    rng = random.Random(seed)
    chosen = rng.sample(range(len(rows)), n)
    for i in chosen:
        rows[i]["label"] = rng.choice([lab for lab in LABELS if lab != rows[i]["label"]])
    return {rows[i]["sentence_id"] for i in chosen}


@pytest.fixture(scope="module")
def bundled_rows() -> list[dict]:
    """The training-split rows of the first release's 63 articles (about the size the planted-error
    bars were measured on), without the split column."""
    first = {
        line.strip()
        for line in (ROOT / "data" / "labels" / "first-release-articles.txt")
        .read_text()
        .splitlines()
        if line.strip() and not line.startswith("#")
    }
    rows = [json.loads(line) for line in BUNDLED.open(encoding="utf-8")]
    return [
        {k: v for k, v in r.items() if k != "split"}
        for r in rows
        if r["article_id"] in first and r["split"] == "train"
    ]


def test_planted_errors_rank_in_top_2n(bundled_rows, tmp_path):
    """The issue's bar: at least half of N planted errors in the top 2N, read from the written ranking.

    N = 100 (9% of the ~1,160 sentences). The model's out-of-fold accuracy on the clean data is
    about 0.6, so hundreds of sentences are honest model mistakes that compete with planted ones;
    at N = 40 the recall in the top 2N is lower (see the next test).
    """
    rows = [dict(r) for r in bundled_rows]
    planted = plant(rows, 100, seed=7)
    copy = tmp_path / "planted.jsonl"
    copy.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ranking_file = tmp_path / "ranking.jsonl"
    result = review(
        copy, top=200, out=ranking_file, to_file=tmp_path / "tasks.json", progress=False
    )
    ranking = [json.loads(line) for line in ranking_file.open(encoding="utf-8")]
    assert len(ranking) == len(rows) == result.n_sentences
    assert [r["rank"] for r in ranking] == list(range(1, len(rows) + 1))
    found = planted & {r["sentence_id"] for r in ranking[:200]}
    assert len(found) >= 50, f"only {len(found)} of 100 planted errors in the top 200"
    # every ranking record carries the flipped (given) label, not the original one
    given = {r["sentence_id"]: r["label"] for r in rows}
    assert all(r["label"] == given[r["sentence_id"]] for r in ranking)
    # the import file holds the top 200 in rank order, current label pre-selected
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert [t["data"]["sentence_id"] for t in tasks] == [r["sentence_id"] for r in ranking[:200]]
    first = tasks[0]
    assert first["data"]["current_label"] == ranking[0]["label"]
    assert first["data"]["suggestion"] == ranking[0]["suggestion"] != ranking[0]["label"]
    assert first["predictions"][0]["result"][0]["value"]["choices"] == [ranking[0]["label"]]
    assert first["predictions"][0]["model_version"] == REVIEW_MODEL_VERSION
    config = Path(result.config_file or "").read_text()
    assert "$current_label" in config and "$suggestion_note" in config


def test_forty_planted_errors_found_far_above_chance_by_both_scores(bundled_rows):
    """With N = 40 the top 80 holds more planted errors than chance would (80/1161 of 40 = 2.8),
    ranked by the given label's probability and by margin alike. (Measured over five plantings on
    the 1.2 labels: 11-18 of them in the top 80 by confidence, 5-13 by margin.)"""
    rows = [dict(r) for r in bundled_rows]
    planted = plant(rows, 40, seed=0)
    labels = [r["label"] for r in rows]
    classes, proba = out_of_fold_probabilities(
        [r["text"] for r in rows], labels, [r["article_id"] for r in rows]
    )
    assert classes == CLASSES and proba.shape == (len(rows), 4)
    assert proba.sum(axis=1) == pytest.approx([1.0] * len(rows))
    hits = {}
    for score in ("confidence", "margin"):
        top = rank_suspects(labels, proba, classes, score)[:80]
        hits[score] = sum(rows[s.index]["sentence_id"] in planted for s in top)
    assert hits["confidence"] >= 10 and hits["margin"] >= 5, hits


def test_review_refuses_bad_input(tmp_path, bundled_rows):
    with pytest.raises(InputError, match="no such labelled dataset"):
        review(tmp_path / "missing", to_file=tmp_path / "t.json", progress=False)
    with pytest.raises(InputError, match="--top 0"):
        review(BUNDLED, top=0, to_file=tmp_path / "t.json", progress=False)
    other = tmp_path / "binary.jsonl"
    other.write_text(
        "".join(
            json.dumps({**r, "label": "hedged" if r["label"] != "confirmed" else "plain"}) + "\n"
            for r in bundled_rows[:200]
        )
    )
    with pytest.raises(DataError, match="is not one of"):
        review(other, to_file=tmp_path / "t.json", progress=False)
    assert not (tmp_path / "t.json").exists()


def test_cli_error_is_one_line(tmp_path, capsys):
    from claimkit.cli import main

    code = main(["annotate", "review", str(tmp_path / "missing"), "--to-file", "x.json"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("claimkit: error:") and err.count("\n") == 1


def test_review_config_uses_the_labelling_control():
    from annotate import interface

    config = review_label_config()
    assert f'<Choices name="{interface.FROM_NAME}" toName="{interface.TO_NAME}"' in config
    assert all(f'value="{label}"' in config for label in LABELS)


# -- a real Label Studio ---------------------------------------------------------------------------
@pytest.mark.studio
def test_review_push_annotate_pull(studio_server, tmp_path):
    from annotate import client, interface
    from annotate.pull import pull

    dd = studio_server.data_dir
    title = "review test"
    first = review(
        BUNDLED, top=5, project=title, out=tmp_path / "r.jsonl", data_dir=dd, progress=False
    )
    assert first.created and first.n_imported == 5
    again = review(
        BUNDLED, top=5, project=title, out=tmp_path / "r.jsonl", data_dir=dd, progress=False
    )
    assert (again.created, again.n_imported, again.n_already) == (False, 0, 5)

    admin = client.connect(data_dir=dd)
    project = admin.get_project(title)
    assert "$current_label" in project.label_config
    tasks = list(admin.iter_tasks(project.id, include="id,data,predictions"))
    top = {r["sentence_id"]: r for r in first.top}
    assert {t.data["sentence_id"] for t in tasks} == set(top)
    for t in tasks:
        rec = top[t.data["sentence_id"]]
        assert t.data["current_label"] == rec["label"]
        assert t.data["suggestion"] == rec["suggestion"]
        assert t.data["suggestion_probability"] == pytest.approx(rec["suggestion_probability"])
        pred = t.predictions[0]
        pred = pred if isinstance(pred, dict) else pred.dict()
        assert pred["result"][0]["value"]["choices"] == [rec["label"]]

    # the reviewer takes the suggestion on one task and keeps the current label on another
    changed, kept = sorted(tasks, key=lambda t: t.data["review_rank"])[:2]
    for task, value in (
        (changed, changed.data["suggestion"]),
        (kept, kept.data["current_label"]),
    ):
        admin.call(
            "reviewing",
            admin.ls.annotations.create,
            id=task.id,
            result=interface.choice_result(value),
        )
    out = tmp_path / "reviewed"
    res = pull(out, title, data_dir=dd)
    gold = {r["sentence_id"]: r["label"] for r in map(json.loads, (out / "sentences.jsonl").open())}
    assert gold == {
        changed.data["sentence_id"]: changed.data["suggestion"],
        kept.data["sentence_id"]: kept.data["current_label"],
    }
    assert res.counts["tasks"] == 5 and res.counts["gold"] == 2

    # a project with the plain labelling interface is not taken as a review project
    admin.ensure_project("plain for review")
    with pytest.raises(StudioError, match="not a review project"):
        review(
            BUNDLED,
            top=1,
            project="plain for review",
            out=tmp_path / "r2.jsonl",
            data_dir=dd,
            progress=False,
        )


def test_review_never_ranks_the_test_split(bundled_rows, tmp_path):
    rows = [dict(r) for r in bundled_rows]
    test_articles = sorted({r["article_id"] for r in rows})[::5]
    for r in rows:
        r["split"] = "test" if r["article_id"] in test_articles else "train"
    copy = tmp_path / "split.jsonl"
    copy.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ranking_file = tmp_path / "ranking.jsonl"
    review(copy, top=20, out=ranking_file, to_file=tmp_path / "tasks.json", progress=False)
    ranked = [json.loads(line) for line in ranking_file.open(encoding="utf-8")]
    test_ids = {r["sentence_id"] for r in rows if r["split"] == "test"}
    assert test_ids and len(ranked) == len(rows) - len(test_ids)
    assert not test_ids & {r["sentence_id"] for r in ranked}
