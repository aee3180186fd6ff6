"""The model backend: the protocol Label Studio speaks (in-process HTTP), and the whole loop
against the real Label Studio (connect, suggestions, training, health during training)."""

from __future__ import annotations

import ast
import json
import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from annotate import client, interface, studio
from annotate.backend import Backend, connect_backend, create_app, make_server, read_config
from annotate.push import push
from claimkit.errors import InputError
from claimkit.labels import LABELS

ROOT = Path(__file__).resolve().parents[1]
SPANS_CONFIG = """<View>
  <Text name="sentence" value="$body"/>
  <Labels name="cues" toName="sentence"><Label value="hedge"/><Label value="attribution"/></Labels>
  <Choices name="stance" toName="sentence"><Choice value="speculative"/><Choice value="confirmed"/></Choices>
</View>"""
SENTENCES = [
    "North Korea could reportedly deploy troops to Kursk, officials said.",
    "The bank raised interest rates to 4.75% on Thursday.",
]


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    b = Backend(tmp_path_factory.mktemp("backend"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def http(backend):
    with TestClient(create_app(backend)) as c:
        yield c


def test_read_config_finds_the_choices_and_their_text():
    ours = read_config(interface.label_config())
    assert (ours.from_name, ours.to_name, ours.data_key) == ("label", "text", "text")
    assert ours.choices == LABELS and ours.spans is None
    other = read_config(SPANS_CONFIG)
    assert (other.from_name, other.data_key, other.spans) == ("stance", "body", "cues")
    assert other.span_labels == ("hedge", "attribution")
    for bad, why in [("<View/>", "no <Choices"), ("<View", "not XML")]:
        with pytest.raises(InputError, match=why):
            read_config(bad)


def test_predict_answers_one_result_per_task_in_the_configs_names(http, backend):
    tasks = [{"id": i, "data": {"text": s}} for i, s in enumerate(SENTENCES)]
    reply = http.post("/predict", json={"tasks": tasks, "label_config": interface.label_config()})
    assert reply.status_code == 200
    body = reply.json()
    assert len(body["results"]) == 2 and body["model_version"] == backend.tagger.model_version
    expected = backend.tagger.predict(SENTENCES)
    for result, pred in zip(body["results"], expected, strict=True):
        (choice,) = result["result"]
        assert choice["from_name"] == "label" and choice["to_name"] == "text"
        assert choice["value"]["choices"] == [pred.label]
        assert result["score"] == round(pred.probabilities[pred.label], 4)


def test_cues_become_spans_where_the_config_has_labels_for_them(http):
    tasks = [{"id": 1, "data": {"body": SENTENCES[0]}}]
    (result,) = http.post("/predict", json={"tasks": tasks, "label_config": SPANS_CONFIG}).json()[
        "results"
    ]
    spans = [r for r in result["result"] if r["type"] == "labels"]
    assert spans and all(r["from_name"] == "cues" for r in spans)
    for r in spans:
        v = r["value"]
        assert SENTENCES[0][v["start"] : v["end"]] == v["text"]
        assert v["labels"][0] in ("hedge", "attribution")
    # a choice the model's label is not among is left out, the score stays
    assert all(
        r["value"].get("choices", ["speculative"])[0] in ("speculative", "confirmed")
        for r in result["result"]
    )


@pytest.mark.parametrize(
    ("path", "payload", "reason"),
    [
        ("/predict", b"{not json", "not JSON"),
        ("/predict", b"[1, 2]", "JSON object"),
        ("/predict", json.dumps({"tasks": []}).encode(), "non-empty list"),
        (
            "/predict",
            json.dumps(
                {"tasks": [{"data": {}}], "label_config": interface.label_config()}
            ).encode(),
            "no text field 'text'",
        ),
        (
            "/webhook",
            json.dumps({"action": "START_TRAINING", "project": {"id": 99}}).encode(),
            "not set up",
        ),
    ],
)
def test_malformed_requests_get_a_4xx_with_one_line(http, path, payload, reason):
    reply = http.post(path, content=payload, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert reason in reply.json()["error"] and "\n" not in reply.json()["error"]


def test_health_versions_setup_and_ignored_events(http, backend):
    assert http.get("/health").json()["status"] == "UP"
    assert http.get("/versions").json()["versions"] == [backend.tagger.model_version]
    setup = {
        "project": "7.1700000000",
        "schema": interface.label_config(),
        "hostname": "http://127.0.0.1:1",
        "access_token": "t",
    }
    assert http.post("/setup", json=setup).json() == {"model_version": backend.tagger.model_version}
    assert backend.projects["7"] == {"hostname": "http://127.0.0.1:1", "token": "t"}
    assert (
        http.post("/webhook", json={"action": "ANNOTATION_CREATED"}).json()["status"] == "ignored"
    )
    assert http.post("/job_status", json={"job": "nope"}).status_code == 410


def test_a_failed_training_is_reported_and_keeps_the_serving_model(http, backend):
    # the project is "set up" at a closed port: the pull inside training fails
    before = backend.tagger
    job = http.post(
        "/webhook", json={"action": "START_TRAINING", "project": {"id": 7, "title": "p"}}
    )
    assert job.status_code == 201
    job_id = job.json()["job"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = http.post("/job_status", json={"job": job_id}).json()
        if state["job_status"] not in ("queued", "started"):
            break
        time.sleep(0.5)
    assert state["job_status"] == "failed" and state["error"]
    assert "127.0.0.1:1" in state["error"] and backend.tagger is before


# ------------------------------------------------------------------ the real Label Studio
def banned_defaults() -> list[str]:
    """The default banned subnets in the installed Label Studio's own source."""
    import label_studio

    source = Path(label_studio.__file__).parent / "core" / "utils" / "io.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and getattr(node.targets[0], "id", "") == "default_banned_subnets"
        ):
            return list(ast.literal_eval(node.value))
    raise AssertionError("default_banned_subnets not found")


@pytest.mark.studio
def test_the_started_server_opens_only_the_loopback_range(studio_server):
    environ = Path(f"/proc/{studio_server.pid}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().split("=", 1) for item in environ if b"=" in item)
    assert env["SSRF_PROTECTION_ENABLED"] == "true" and env["ML_BLOCK_LOCAL_IP"] == "true"
    assert env["USE_DEFAULT_BANNED_SUBNETS"] == "false"
    banned = env["USER_ADDITIONAL_BANNED_SUBNETS"].split(",")
    assert sorted(banned) == sorted(s for s in banned_defaults() if s != "127.0.0.0/8")


@pytest.fixture
def running_backend(tmp_path):
    port = studio.free_port()
    backend = Backend(tmp_path / "backend", grid="quick", url=f"http://127.0.0.1:{port}")
    server = make_server(backend, port=port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://{server.config.host}:{server.config.port}"
    yield url, backend
    server.should_exit = True
    thread.join(timeout=10)
    backend.close()


def predictions_of(admin, task_id: int) -> list:
    return list(admin.ls.tasks.get(task_id).predictions or [])


@pytest.mark.studio
def test_connect_suggest_train_and_switch(studio_server, seed_dataset, running_backend, tmp_path):
    url, backend = running_backend
    dd = studio_server.data_dir
    title = "backend loop"
    push(seed_dataset, title, data_dir=dd, progress=False, limit=20)
    backend_id = connect_backend(title, url, data_dir=dd)
    assert connect_backend(title, url, data_dir=dd) == backend_id  # connecting twice keeps one
    admin = client.connect(data_dir=dd)
    project = admin.get_project(title)
    assert project.id and str(project.id) in backend.projects  # Label Studio called /setup
    # Label Studio sends every event of the project to the backend (what --train-every counts)
    hooks = admin.ls.webhooks.list(project=project.id)
    assert any(h.url == url + "/webhook" and h.send_for_all_actions for h in hooks)
    # the project shows the backend's version: the Data Manager scores count its predictions
    assert admin.ls.projects.get(project.id).model_version == backend.tagger.model_version

    # a task imported after the backend was connected gets its suggestion when asked for
    push(seed_dataset, title, data_dir=dd, progress=False)  # the rest of the seed sentences
    tasks = sorted(admin.iter_tasks(project.id), key=lambda t: t.id)
    newest = tasks[-1].id
    admin.ls.actions.create(
        id="retrieve_tasks_predictions",
        project=project.id,
        selected_items={"all": False, "included": [newest]},
    )
    (first,) = predictions_of(admin, newest)
    assert first.model_version == backend.tagger.model_version
    assert first.result[0]["value"]["choices"][0] in LABELS and 0 < first.score <= 1

    # the maintainers' labels on every seed sentence, then "Start training" through the API
    ids = {str((t.data or {}).get("sentence_id")) for t in tasks}
    labels = tmp_path / "labels.jsonl"
    rows = [json.loads(line) for line in (ROOT / "data" / "labels" / "maintainers.jsonl").open()]
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows if r["sentence_id"] in ids))
    push(
        seed_dataset,
        title,
        with_labels=labels,
        annotator="ann@example.org",
        data_dir=dd,
        progress=False,
    )
    old_version = backend.tagger.model_version
    admin.ls.ml.train(backend_id)
    slow = []
    deadline = time.monotonic() + 600
    with httpx.Client() as http:
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            assert http.get(url + "/health", timeout=1.0).status_code == 200  # Label Studio's 1 s
            slow.append(time.perf_counter() - t0)
            jobs = list(backend.jobs.values())
            if jobs and jobs[-1].job_status not in ("queued", "started"):
                break
            time.sleep(0.25)
    (job,) = backend.jobs.values()
    assert job.job_status == "finished", job.error
    assert len(slow) > 3  # health was asked while training ran
    new_version = backend.tagger.model_version
    assert new_version != old_version and backend.versions == [old_version, new_version]
    assert (Path(backend.workdir) / "models" / "v1" / "MODEL_CARD.md").is_file()

    # later suggestions come from the new model
    admin.ls.actions.create(
        id="retrieve_tasks_predictions",
        project=project.id,
        selected_items={"all": False, "included": [newest]},
    )
    versions = {p.model_version for p in predictions_of(admin, newest)}
    assert new_version in versions
    assert admin.ls.projects.get(project.id).model_version == new_version, job.error
    ordered = admin.ls.tasks.list(project=project.id, fields="all", page_size=5)
    assert any(getattr(t, "predictions_score", None) is not None for t in ordered)
    assert os.environ.get("LABEL_STUDIO_URL") is None  # the test spoke to its own server only


def test_requests_during_a_model_switch_each_get_one_whole_model(backend, http):
    """Predict calls racing a switch: each answer carries one model version, for all its tasks,
    and the labels are that model's."""
    from models.tagger import Tagger

    first = backend.tagger
    other = Tagger(first.pipeline, name="switched", sha256="f" * 64)  # same pipeline, new version
    tasks = [{"id": i, "data": {"text": s}} for i, s in enumerate(SENTENCES * 20)]
    answers: list[dict] = []

    def ask() -> None:
        for _ in range(5):
            body = {"tasks": tasks, "label_config": interface.label_config()}
            answers.append(http.post("/predict", json=body).json())

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(50):
        backend.tagger = other if backend.tagger is first else first
        time.sleep(0.005)
    for t in threads:
        t.join()
    backend.tagger = first
    assert len(answers) == 15
    for answer in answers:
        versions = {r["model_version"] for r in answer["results"]}
        assert versions == {answer["model_version"]}
        assert answer["model_version"] in (first.model_version, other.model_version)


@pytest.mark.studio
def test_studio_start_with_backend_and_push_connect_backend(studio_server, seed_dataset):
    dd = studio_server.data_dir
    with pytest.raises(InputError, match="no model backend runs"):  # checked before any import
        push(
            seed_dataset, "with backend", data_dir=dd, limit=3, progress=False, connect_backend=True
        )
    admin = client.connect(data_dir=dd)
    assert "with backend" not in {p.title for p in admin.ls.projects.list()}
    state = studio.start_backend(dd, port=studio.free_port())
    try:
        assert (
            studio.health(state.backend_url)
            and studio.read_state(dd).backend_pid == state.backend_pid
        )
        assert studio.start_backend(dd).backend_pid == state.backend_pid  # reused
        result = push(
            seed_dataset, "with backend", data_dir=dd, limit=3, progress=False, connect_backend=True
        )
        assert result.notes[-1].startswith(f"model backend {state.backend_url} connected")
        project = admin.get_project("with backend")
        (model,) = admin.ls.ml.list(project=project.id)
        assert model.url == state.backend_url
    finally:
        assert studio.stop_backend(dd)
    assert not studio.backend_alive(state.backend_pid) and not studio.health(state.backend_url)
    assert not studio.stop_backend(dd)


def test_studio_stop_stops_the_backend_too(tmp_path):
    """`stop` ends the backend even when the server itself is already gone."""
    folder = tmp_path / "studio"
    folder.mkdir()
    studio._write_state(
        studio.ServerState(
            data_dir=str(folder),
            url="http://127.0.0.1:1",
            port=1,
            pid=None,
            username="u",
            password="p",
            token="t",
            log=str(folder / "log"),
        )
    )
    state = studio.start_backend(folder, port=studio.free_port())
    assert studio.health(state.backend_url)
    assert studio.stop(folder) is None  # no server ran
    assert (
        not studio.backend_alive(state.backend_pid)
        and studio.read_state(folder).backend_pid is None
    )


def test_web_pages_and_non_json_bodies_are_refused(http, backend):
    setup = {"project": "8.1", "hostname": "http://127.0.0.1:2", "access_token": "x"}
    page = http.post("/setup", json=setup, headers={"Origin": "http://evil.example"})
    assert page.status_code == 403 and "web pages" in page.json()["error"]
    form = http.post("/setup", content=json.dumps(setup), headers={"Content-Type": "text/plain"})
    assert form.status_code == 415
    assert "8" not in backend.projects  # nothing was recorded


def test_a_restarted_backend_keeps_its_projects_and_serves_its_newest_model(tmp_path, backend):
    folder = tmp_path / "b"
    first = Backend(folder)
    first.setup({"project": "3.1700000000", "hostname": "http://127.0.0.1:5", "access_token": "k"})
    assert (folder / "projects.json").stat().st_mode & 0o777 == 0o600  # it holds tokens
    # a model folder the backend trained earlier (here: the shipped one, copied as v2)
    import shutil

    from models.artifact import DEFAULT_MODEL_DIR

    shutil.copytree(DEFAULT_MODEL_DIR, folder / "models" / "v2")
    (folder / "models" / "v5").mkdir()  # a folder without a manifest is not a model
    again = Backend(folder)
    assert again.projects == {"3": {"hostname": "http://127.0.0.1:5", "token": "k"}}
    assert again.tagger.path == folder / "models" / "v2"
    from annotate.backend import _versions_in

    assert _versions_in(folder / "models") == [2, 5]  # the next training writes v6


def test_every_n_annotations_start_a_training(tmp_path):
    every = Backend(tmp_path / "every", train_every=2)
    never = Backend(tmp_path / "never")
    for b in (every, never):
        b.setup({"project": "4.1", "hostname": "http://127.0.0.1:1", "access_token": "t"})
    event = {"action": "ANNOTATION_CREATED", "project": {"id": 4, "title": "p"}}
    with TestClient(create_app(every)) as http:
        assert http.post("/webhook", json=event).json()["status"] == "counted"
        second = http.post("/webhook", json={**event, "action": "ANNOTATION_UPDATED"})
        assert second.status_code == 201 and second.json()["job"] == "train-1"
        assert every.new_labels == {"4": 0}
    with TestClient(create_app(never)) as http:
        for _ in range(3):
            assert http.post("/webhook", json=event).json()["status"] == "counted"
        assert never.jobs == {}
    every.close()
    with pytest.raises(InputError, match="--train-every -1"):
        Backend(tmp_path / "bad", train_every=-1)
