"""The labelling workflow against a real local Label Studio (one server per session)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from annotate import client, interface, studio
from annotate.pull import pull
from annotate.push import load_sentences, push
from claimkit.errors import InputError, StudioError
from claimkit.labels import LABELS

pytestmark = pytest.mark.studio

PASSWORD = "pw-claimkit-test-1"


@pytest.fixture(scope="module")
def admin(studio_server):
    return client.connect(data_dir=studio_server.data_dir)


def n_tasks(admin, title):
    project = admin.get_project(title)
    return [str(t.data["sentence_id"]) for t in admin.iter_tasks(project.id)]


def as_user(admin, email):
    admin.ensure_user(email, PASSWORD)
    token = client.personal_token(admin.conn.url, email, PASSWORD)
    return client.Studio(client.Connection(admin.conn.url, token))


def label(who, task_id, value=None, **extra):
    result = interface.choice_result(value) if value else []
    who.call(
        "annotating", who.ls.annotations.create, id=task_id, result=result, lead_time=1.5, **extra
    )


def test_server_status_and_reuse(studio_server):
    running, state = studio.status(studio_server.data_dir)
    assert running and state is not None and state.url == studio_server.url
    again = studio.start(studio_server.data_dir)
    assert again.reused and again.pid == studio_server.pid


def test_workflow_two_annotators_pull_and_from_file(studio_server, admin, seed_dataset, tmp_path):
    dd = studio_server.data_dir
    title = "workflow test"
    result = push(seed_dataset, title, data_dir=dd, progress=False)
    n = len(load_sentences(seed_dataset))
    assert result.created and result.n_imported == n
    project = admin.get_project(title)
    # the interface asks for exactly the guideline's labels, and shows the guideline itself
    assert project.parsed_label_config[interface.FROM_NAME]["labels"] == list(LABELS)
    assert "Guideline version: 1.2" in (project.expert_instruction or "")
    ids = sorted(t.id for t in admin.iter_tasks(project.id))
    t = ids[:8]
    ann1, ann2 = as_user(admin, "ann1@claimkit.test"), as_user(admin, "ann2@claimkit.test")
    plan = [  # (task, ann1, ann2)
        (t[0], "opinion", "opinion"),
        (t[1], "speculative", "speculative"),
        (t[2], "attributed", "attributed"),
        (t[3], "confirmed", "speculative"),  # tie
        (t[4], "confirmed", "confirmed"),
        (t[5], "attributed", "confirmed"),  # admin breaks it: majority attributed
        (t[7], "opinion", "attributed"),  # admin's ground truth decides: speculative
    ]
    for task_id, one, two in plan:
        label(ann1, task_id, one)
        label(ann2, task_id, two)
    label(admin, t[5], "attributed")
    label(admin, t[7], "speculative", ground_truth=True)
    label(ann1, t[6], was_cancelled=True)  # skipped

    out = tmp_path / "labelled"
    res = pull(out, title, data_dir=dd)
    sid = {task.id: task.data["sentence_id"] for task in admin.iter_tasks(project.id)}
    gold = {r["sentence_id"]: r["label"] for r in map(json.loads, (out / "sentences.jsonl").open())}
    assert gold == {
        sid[t[0]]: "opinion",
        sid[t[1]]: "speculative",
        sid[t[2]]: "attributed",
        sid[t[4]]: "confirmed",
        sid[t[5]]: "attributed",
        sid[t[7]]: "speculative",
    }
    review = [json.loads(line) for line in (out / "review.jsonl").open()]
    assert [(r["sentence_id"], r["status"], r["gold"]) for r in review] == [
        (sid[t[3]], "tie", None),
        *sorted(
            [(sid[t[5]], "majority", "attributed"), (sid[t[7]], "ground_truth", "speculative")]
        ),
    ]
    expected = {
        "tasks": n,
        "annotated": 7,
        "skipped": 1,
        "disagreed": 3,
        "unresolved": 1,
        "gold": 6,
    }
    assert {k: res.counts[k] for k in expected} == expected
    agreement = json.loads((out / "agreement.json").read_text())
    pair = next(
        p
        for p in agreement["pairs"]
        if p["annotators"] == ["ann1@claimkit.test", "ann2@claimkit.test"]
    )
    # po = 4/7, pe = 12/49 (see test_annotate_agreement.py) -> kappa = 16/37
    assert pair["n_items"] == 7 and pair["cohen_kappa"] == pytest.approx(16 / 37, abs=1e-6)
    assert agreement["krippendorff_alpha"] == pytest.approx(41 / 83, abs=1e-6)
    anns = [json.loads(line) for line in (out / "annotations.jsonl").open()]
    assert {a["annotator"] for a in anns} == {
        "ann1@claimkit.test",
        "ann2@claimkit.test",
        "admin@claimkit.local",
    }
    assert all(a["lead_time"] == 1.5 and a["created_at"] for a in anns)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["project"] == title and prov["exported_at"]

    # the raw export kept next to the dataset gives the same dataset through --from-file
    again = tmp_path / "from-file"
    pull(again, title, from_file=out / "export.json", data_dir=dd)
    for name in ("sentences.jsonl", "review.jsonl", "agreement.json", "annotations.jsonl"):
        assert (again / name).read_text() == (out / name).read_text(), name
    from claimkit.datafiles import load_table

    assert load_table(again).num_rows == 6


def test_push_twice_same_count_and_to_file_matches(studio_server, admin, seed_dataset, tmp_path):
    dd = studio_server.data_dir
    push(seed_dataset, "twice test", data_dir=dd, progress=False)
    second = push(seed_dataset, "twice test", data_dir=dd, progress=False)
    direct = n_tasks(admin, "twice test")
    assert second.n_imported == 0 and len(direct) == len(set(direct)) == second.n_input

    tasks_file = tmp_path / "tasks.json"
    push(seed_dataset, "unused", to_file=tasks_file)
    project, _ = admin.ensure_project("to-file test")
    admin.ls.projects.import_tasks(id=project.id, request=json.loads(tasks_file.read_text()))
    direct_data = {
        t.data["sentence_id"]: t.data for t in admin.iter_tasks(admin.get_project("twice test").id)
    }
    file_data = {t.data["sentence_id"]: t.data for t in admin.iter_tasks(project.id)}
    assert file_data == direct_data


KILLER = """
import os, signal, sys
from label_studio_sdk.projects.client import ProjectsClient
real = ProjectsClient.import_tasks
done = []
def killed_after_three(self, *a, **k):
    out = real(self, *a, **k)
    done.append(1)
    if len(done) == 3:  # the fault: killed right after the third batch was imported
        os.kill(os.getpid(), signal.SIGKILL)
    return out
ProjectsClient.import_tasks = killed_after_three
from annotate.push import push
push(sys.argv[1], "killed test", data_dir=sys.argv[2], batch_size=10, progress=False)
"""


def test_killed_push_rerun_imports_each_sentence_once(studio_server, admin, seed_dataset):
    dd = studio_server.data_dir
    total = len(load_sentences(seed_dataset))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(KILLER), str(seed_dataset), dd], timeout=300
    )
    assert proc.returncode == -signal.SIGKILL
    half = n_tasks(admin, "killed test")
    assert len(half) == 30 < total
    rerun = push(seed_dataset, "killed test", data_dir=dd, progress=False)
    final = n_tasks(admin, "killed test")
    assert rerun.n_already == len(half)
    assert len(final) == len(set(final)) == total


def test_with_labels_added_once_per_annotator(studio_server, admin, seed_dataset, tmp_path):
    dd = studio_server.data_dir
    rows = load_sentences(seed_dataset)
    push(seed_dataset, "labels test", data_dir=dd, limit=5, progress=False)  # 5 tasks already there
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "sentence_id,label\n" + "".join(f"{r['sentence_id']},confirmed\n" for r in rows[:10])
    )
    for _ in range(2):  # the second run must not add anything
        push(
            seed_dataset,
            "labels test",
            data_dir=dd,
            with_labels=labels,
            annotator="migrated@claimkit.test",
            progress=False,
        )
    out = tmp_path / "out"
    res = pull(out, "labels test", data_dir=dd)
    anns = [json.loads(line) for line in (out / "annotations.jsonl").open()]
    assert len(anns) == 10 and {a["annotator"] for a in anns} == {"migrated@claimkit.test"}
    assert res.counts["tasks"] == len(rows) and res.label_counts["confirmed"] == 10


@pytest.fixture(scope="module")
def tiny_model(seed_dataset, tmp_path_factory):
    """A small model folder trained here (labels by a crude cue rule), loadable by `models.load`."""
    from models.artifact import dump

    features = pytest.importorskip("models.features")
    from claimkit.labels import LABELS

    texts = [r["text"] for r in load_sentences(seed_dataset)]
    cues = {"said": "attributed", "could": "speculative", "may": "speculative", "think": "opinion"}
    y = [next((lab for cue, lab in cues.items() if cue in t.lower()), "confirmed") for t in texts]
    y[:4] = list(LABELS)  # every class present
    pipeline = features.build_pipeline()
    pipeline.fit(texts, y)
    folder = tmp_path_factory.mktemp("model")
    sha256 = dump(pipeline, folder / "model.skops")
    import sklearn

    manifest = {
        "name": "tiny-test",
        "created": "2026-01-01T00:00:00Z",
        "artifact": "model.skops",
        "sha256": sha256,
        "labels": list(pipeline[-1].classes_),
        "params": {},
        "versions": {"scikit-learn": sklearn.__version__},
        "data": {},
        "cv": {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_predictions_and_uncertain_selection(studio_server, admin, seed_dataset, tiny_model):
    from models import load

    tagger = load(tiny_model)
    dd = studio_server.data_dir
    res = push(
        seed_dataset,
        "predictions test",
        data_dir=dd,
        select="uncertain",
        limit=7,
        predictions=tiny_model,
        progress=False,
    )
    assert (
        res.n_imported == 7 and res.n_predictions == 7 and res.model_version == tagger.model_version
    )
    project = admin.get_project("predictions test")
    tasks = list(admin.iter_tasks(project.id, include="id,data,predictions"))
    chosen = {t.data["sentence_id"] for t in tasks}
    rows = load_sentences(seed_dataset)
    sure = [max(p.probabilities.values()) for p in tagger.predict([r["text"] for r in rows])]
    expected = sorted(range(len(rows)), key=lambda i: (sure[i], rows[i]["sentence_id"]))[:7]
    assert chosen == {rows[i]["sentence_id"] for i in expected}
    for t in tasks:
        pred = t.predictions[0]
        pred = pred if isinstance(pred, dict) else pred.dict()
        assert pred["model_version"] == tagger.model_version
        assert pred["result"][0]["value"]["choices"][0] in tagger.labels
        assert 0 < pred["score"] <= 1


def test_errors_are_one_line(studio_server, admin, seed_dataset, tmp_path):
    dd = studio_server.data_dir
    url = studio_server.url
    with pytest.raises(StudioError, match="rejected the API key"):
        push(seed_dataset, "err test", url=url, api_key="not-a-token", progress=False)
    with pytest.raises(StudioError, match="cannot reach Label Studio"):
        pull(tmp_path / "o", url=f"http://127.0.0.1:{studio.free_port()}", api_key="x")
    with pytest.raises(StudioError, match="no project titled 'does not exist'"):
        pull(tmp_path / "o", "does not exist", data_dir=dd)
    with pytest.raises(InputError, match="no such sentence dataset"):
        push(tmp_path / "missing", data_dir=dd)
    admin.ls.projects.create(
        title="other labels",
        label_config='<View><Text name="text" value="$text"/><Choices name="label" toName="text">'
        '<Choice value="pos"/><Choice value="neg"/></Choices></View>',
    )
    with pytest.raises(StudioError, match="different labelling interface"):
        push(seed_dataset, "other labels", data_dir=dd, progress=False)
    # legacy tokens switched off for the organization (a PAT keeps working to switch them back)
    pat = client.Studio(
        client.Connection(
            url, client.personal_token(url, studio_server.username, studio_server.password)
        )
    )
    pat.ls.jwt_settings.update(api_token_ttl_days=30, legacy_api_tokens_enabled=False)
    try:
        with pytest.raises(StudioError, match="refuses legacy API tokens"):
            pull(tmp_path / "o", "other labels", data_dir=dd)
    finally:
        pat.ls.jwt_settings.update(api_token_ttl_days=30, legacy_api_tokens_enabled=True)
    assert not (tmp_path / "o").exists()


def test_cli_error_is_one_line_exit_2(studio_server, tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "claimkit.cli",
            "annotate",
            "pull",
            "--out",
            str(tmp_path / "o"),
            "--project",
            "nope",
            "--data-dir",
            studio_server.data_dir,
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith(
        "claimkit: error: no project"
    )


RACER = """
import sys, time
from pathlib import Path
from annotate import client
from annotate.push import push

barrier, me, other = Path(sys.argv[3]), sys.argv[4], sys.argv[5]
real = client.Studio.iter_tasks
calls = []
def listed_then_wait(self, *a, **k):
    tasks = list(real(self, *a, **k))
    if not calls:  # the idempotency check: both pushes have seen the project before either imports
        calls.append(1)
        (barrier / me).touch()
        while not (barrier / other).exists():
            time.sleep(0.05)
    return iter(tasks)
client.Studio.iter_tasks = listed_then_wait
result = push(sys.argv[1], "race test", data_dir=sys.argv[2], progress=False)
print(result.n_imported, result.n_duplicates_removed)
"""


def test_two_pushes_started_together_leave_each_sentence_once(
    studio_server, admin, seed_dataset, tmp_path
):
    dd = studio_server.data_dir
    admin.ensure_project("race test")
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(RACER),
                str(seed_dataset),
                dd,
                str(tmp_path),
                me,
                other,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for me, other in (("a", "b"), ("b", "a"))
    ]
    outputs = [p.communicate(timeout=300)[0].split() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    final = n_tasks(admin, "race test")
    total = len(load_sentences(seed_dataset))
    assert len(final) == len(set(final)) == total
    imported, removed = zip(*[(int(a), int(b)) for a, b in outputs], strict=True)
    assert sum(imported) == total  # each sentence counted by exactly one of the two pushes
    assert sum(removed) >= 1  # the race did happen: both imported, one cleaned up its copies


def test_restart_after_stop_keeps_the_port(studio_server, admin):
    # runs last in this module: the server comes back on the same URL for the other modules
    dd = studio_server.data_dir
    admin.find_project("race test")  # leaves connections of the old server in TIME_WAIT
    stopped = studio.stop(dd)
    assert stopped is not None
    again = studio.start(dd)
    assert again.port == stopped.port and again.url == studio_server.url


def test_incremental_pull_equals_a_full_pull(studio_server, admin, seed_dataset, tmp_path):
    """Edits, additions, deletions and skips between two pulls: fetching only what changed
    gives the same labelled dataset as exporting everything."""
    dd = studio_server.data_dir
    title = "incremental pull"
    push(seed_dataset, title, data_dir=dd, limit=30, progress=False)
    project = admin.get_project(title)
    tasks = sorted(admin.iter_tasks(project.id), key=lambda t: t.id)
    alice = as_user(admin, "alice.inc@claimkit.test")
    for t, value in zip(tasks[:12], LABELS * 3, strict=False):
        label(admin, t.id, value)
        label(alice, t.id, value)
    out = tmp_path / "labelled"
    first = pull(out, title, data_dir=dd, progress=False)
    assert first.notes[0] == "fetched: full: 30 tasks"

    # between the pulls: an edited label, a new annotation, a skip, a deleted task, new tasks
    edited = admin.ls.tasks.get(tasks[0].id).annotations[0]["id"]
    admin.ls.annotations.update(id=edited, result=interface.choice_result("confirmed"))
    label(admin, tasks[20].id, "opinion")
    label(alice, tasks[21].id, was_cancelled=True)
    admin.ls.tasks.delete(id=tasks[5].id)
    push(seed_dataset, title, data_dir=dd, limit=10, progress=False)  # 10 more sentences

    second = pull(out, title, data_dir=dd, progress=False)
    assert (
        second.notes[0]
        == "fetched: incremental: 13 of 39 tasks new or changed since the last pull, 1 deleted"
    )
    full = tmp_path / "full"
    again = pull(full, title, data_dir=dd, progress=False, full=True)
    assert again.notes[0] == "fetched: full: 39 tasks"
    for name in ("sentences.jsonl", "annotations.jsonl", "review.jsonl", "agreement.json"):
        assert (out / name).read_text() == (full / name).read_text(), name
    assert second.counts == again.counts and second.counts["tasks"] == 39
    assert json.loads((out / "export.json").read_bytes()) == json.loads(
        (full / "export.json").read_bytes()
    )
