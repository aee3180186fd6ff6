"""The cue-annotation task: config, cue-label files, export parsing, agreement; and the round trip
through a real Label Studio."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from annotate import client, cuetask
from annotate.agreement import span_overlap
from annotate.pull import pull
from annotate.push import load_sentences, push
from claimkit.errors import InputError, StudioError

DATA = Path(__file__).parent / "data"
SENTENCES = DATA / "cue-sentences.jsonl"  # six bundled BBC sentences with their gold labels
LABELS = DATA / "cue-labels.jsonl"  # their cue spans, as the maintainers marked them


def texts() -> dict[str, str]:
    return {r["sentence_id"]: r["text"] for r in load_sentences(SENTENCES)}


def test_the_config_has_one_span_control_with_the_cue_kinds() -> None:
    root = ET.fromstring(cuetask.cue_config())
    [labels] = root.iter("Labels")
    assert labels.get("name") == cuetask.FROM_NAME and labels.get("toName") == "text"
    assert [c.get("value") for c in labels] == list(cuetask.CUE_KINDS)
    assert "$label" in cuetask.cue_config()  # the annotator sees the sentence's label


def test_cue_labels_by_offsets_or_by_text(tmp_path: Path) -> None:
    known = {"s1": "He said it could rise, he said."}
    path = tmp_path / "cues.jsonl"
    path.write_text(
        json.dumps(
            {
                "sentence_id": "s1",
                "cues": [
                    {"text": "could", "kind": "hedge"},
                    {"text": "he said", "kind": "attribution", "occurrence": 1},
                    {"start": 0, "end": 7, "kind": "attribution"},
                ],
            }
        )
        + "\n"
    )
    spans = cuetask.read_cue_labels(path, known)["s1"]
    assert [known["s1"][s:e] for s, e, _ in spans] == ["He said", "could", "he said"]


@pytest.mark.parametrize(
    ("cue", "message"),
    [
        ({"text": "might", "kind": "hedge"}, "'might' is not in the sentence"),
        ({"text": "could", "kind": "maybe"}, "kind 'maybe'"),
        ({"start": 5, "end": 99, "kind": "hedge"}, "outside the sentence"),
        ({"kind": "hedge"}, "needs start and end, or its text"),
        ({"text": "could", "kind": "hedge", "occurrence": 0}, "count from 1"),
        ({"text": "could", "kind": "hedge", "occurrence": "two"}, "'two' is not a whole number"),
        ({"start": "x", "end": 4, "kind": "hedge"}, "start 'x' is not a whole number"),
        ("could", "a cue is an object"),
    ],
)
def test_bad_cue_labels_name_the_line_and_the_problem(
    tmp_path: Path, cue: object, message: str
) -> None:
    path = tmp_path / "cues.jsonl"
    path.write_text(json.dumps({"sentence_id": "s1", "cues": [cue]}) + "\n")
    with pytest.raises(InputError, match=rf"cues.jsonl:1 cue 1: .*{message}"):
        cuetask.read_cue_labels(path, {"s1": "It could rise."})


def test_overlapping_cues_and_unknown_sentences_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cues.jsonl"
    both = [{"text": "could rise", "kind": "hedge"}, {"text": "rise", "kind": "hedge"}]
    path.write_text(json.dumps({"sentence_id": "s1", "cues": both}) + "\n")
    with pytest.raises(InputError, match="overlap"):
        cuetask.read_cue_labels(path, {"s1": "It could rise."})
    path.write_text(json.dumps({"sentence_id": "s9", "cues": []}) + "\n")
    with pytest.raises(InputError, match="'s9' is not among the pushed sentences"):
        cuetask.read_cue_labels(path, {"s1": "It could rise."})


def test_spans_round_trip_through_a_result() -> None:
    known = texts()
    for sid, spans in cuetask.read_cue_labels(LABELS, known).items():
        result = cuetask.span_result(known[sid], spans)
        assert cuetask.spans_of(result) == spans
        assert all(
            r["value"]["text"] == known[sid][s:e]
            for r, (s, e, _) in zip(result, spans, strict=True)
        )


def test_gold_prefers_ground_truth_then_the_first_annotation() -> None:
    def row(annotation_id: int, who: str, gt: bool, spans: list) -> dict:
        cues = [{"start": s, "end": e, "kind": k, "text": ""} for s, e, k in spans]
        return {
            "sentence_id": "s1", "article_id": "a", "label": "speculative", "text": "x" * 20,
            "context_before": "", "context_after": "", "annotation_id": annotation_id, "annotator": who,
            "ground_truth": gt, "cues": cues,
        }  # fmt: skip

    first = row(1, "a@x", False, [(0, 4, "hedge")])
    second = row(2, "b@x", False, [(2, 6, "hedge"), (10, 12, "evaluation")])
    assert cuetask.gold_cues([second, first])[0]["annotator"] == "a@x"
    decided = row(3, "c@x", True, [(10, 12, "evaluation")])
    assert cuetask.gold_cues([first, second, decided])[0]["annotator"] == "c@x"
    agreement = cuetask.cue_agreement([first, second])
    assert agreement["n_sentences_two_annotators"] == 1
    assert agreement["overlap_precision"] == 1.0 and agreement["overlap_recall"] == 0.5


def test_span_overlap_counts_each_side() -> None:
    predicted = [[(0, 5, "hedge"), (20, 25, "evaluation")], []]
    reference = [[(3, 9, "hedge"), (30, 35, "attribution")], [(0, 2, "question")]]
    loose = span_overlap(predicted, reference)
    assert (loose["precision"], loose["recall"]) == (0.5, pytest.approx(1 / 3, abs=1e-6))
    assert span_overlap(predicted, reference, same_kind=True)["precision"] == 0.5
    shifted = [[(3, 9, "evaluation")], [(0, 2, "question")]]
    assert span_overlap(shifted, reference, same_kind=True)["recall"] == pytest.approx(
        1 / 3, abs=1e-6
    )
    assert span_overlap([[]], [[]]) == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "n_predicted": 0, "n_reference": 0,
    }  # fmt: skip


# ------------------------------------------------------------------ against the real server
@pytest.mark.studio
def test_cue_push_and_pull_round_trip(studio_server, tmp_path: Path) -> None:
    dd = studio_server.data_dir
    result = push(
        SENTENCES,
        task="cues",
        with_labels=LABELS,
        annotator="maintainers@claimkit.test",
        data_dir=dd,
        progress=False,
    )
    assert result.project == cuetask.CUE_PROJECT and result.n_annotations == 6
    # a second annotator's spans on the existing tasks (a blind pass)
    second = tmp_path / "second.jsonl"
    second.write_text(
        "".join(
            json.dumps(
                {
                    "sentence_id": sid,
                    "cues": [{"start": s, "end": e, "kind": k} for s, e, k in spans],
                }
            )
            + "\n"
            for sid, spans in list(cuetask.read_cue_labels(LABELS, texts()).items())[:3]
        )
    )
    again = push(
        SENTENCES, task="cues", with_labels=second, annotator="blind@claimkit.test",
        data_dir=dd, progress=False,
    )  # fmt: skip
    assert again.n_imported == 0 and again.n_annotations_added == 3
    out = tmp_path / "cues"
    pulled = pull(out, task="cues", data_dir=dd, progress=False)
    assert pulled.n_sentences == 6 and pulled.n_annotations == 9
    gold = {r["sentence_id"]: r for r in map(json.loads, (out / "cues.jsonl").open())}
    expected = cuetask.read_cue_labels(LABELS, texts())
    for sid, spans in expected.items():
        row = gold[sid]
        assert [(c["start"], c["end"], c["kind"]) for c in row["cues"]] == spans
        assert all(row["text"][c["start"] : c["end"]] == c["text"] for c in row["cues"])
        assert row["annotator"] == "maintainers@claimkit.test" and row["label"]
    agreement = json.loads((out / "agreement.json").read_text())
    assert agreement["n_sentences_two_annotators"] == 3 and agreement["overlap_f1"] == 1.0
    # the sentence-label project title refuses the cue interface, and the other way round
    admin = client.connect(data_dir=dd)
    with pytest.raises(StudioError, match="not a cue-annotation project"):
        admin.get_project(cuetask.CUE_PROJECT, lambda t, c: cuetask.check_cue_project("x", {}))
    with pytest.raises(StudioError, match="different labelling interface"):
        admin.get_project(cuetask.CUE_PROJECT)
    # rebuilt offline from the stored export: the same spans
    offline = pull(tmp_path / "offline", task="cues", from_file=out / "export.json", progress=False)
    assert offline.n_spans == pulled.n_spans


def test_the_cue_task_needs_labelled_sentences(tmp_path: Path) -> None:
    unlabelled = tmp_path / "s.jsonl"
    unlabelled.write_text(json.dumps({"sentence_id": "s1", "text": "It could rise."}) + "\n")
    with pytest.raises(InputError, match="every row needs a 'label'"):
        push(unlabelled, task="cues", to_file=tmp_path / "tasks.json")
    with pytest.raises(InputError, match="--select, --predictions"):
        push(SENTENCES, task="cues", select="random", to_file=tmp_path / "t.json")


def test_to_file_writes_the_cue_interface_beside_the_tasks(tmp_path: Path) -> None:
    binary = tmp_path / "binary.jsonl"  # a binary scheme: 0 is a label
    binary.write_text(
        json.dumps({"sentence_id": "s1", "text": "It could rise.", "label": 0}) + "\n"
    )
    result = push(binary, task="cues", to_file=tmp_path / "tasks.json")
    config = tmp_path / "tasks.label_config.xml"
    assert config.read_text() == cuetask.cue_config() and str(config) in result.summary()
    [task] = json.loads((tmp_path / "tasks.json").read_text())
    assert task["data"]["label"] == 0 and task["data"]["text"] == "It could rise."


def test_a_cue_pull_refuses_a_split_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--split is for sentence labels"):
        pull(tmp_path / "out", task="cues", split_file="data/split.json")
