"""claimkit as a Label Studio ML backend: suggestions while labelling, retraining on request.

The protocol is Label Studio 1.23's own (``label_studio/ml/api_connector.py``, ``ml/models.py``):

    GET  /health      {"status": "UP", ...}               (Label Studio waits 1 s)
    POST /setup       {"project", "schema", "hostname", "access_token"} -> {"model_version"}
    POST /predict     {"tasks", "label_config", "project"} -> {"results": [one per task]}
    POST /webhook     {"action": "START_TRAINING", "project": {...}} -> {"job"}; annotation events
                      are counted (``train_every``: every N start a training); others are ignored
    POST /job_status  {"job"} -> {"job_status": "queued" | "started" | "finished" | "failed", ...}
    GET  /versions    {"versions": [model_version, ...]}

Training pulls the project's gold labels with the same code as ``claimkit annotate pull``, trains
with the same workflow as ``claimkit train`` (grouped CV, manifest, model card) in a separate
process, into a new folder ``<workdir>/models/v<N>``; the backend switches to it only when it
trained and loaded without error. A request takes the model once, so every request is answered
by one complete model, also during a switch.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from claimkit.context import InContext
from claimkit.datafiles import atomic_file
from claimkit.errors import ClaimkitError, InputError
from models import load
from train.grids import Grid

from .client import connect
from .pull import pull
from .studio import BACKEND_PORT, HOST

if TYPE_CHECKING:
    from models import Tagger


@dataclass
class Control:
    """Where a labelling config wants the model's answer: the choice control and its text."""

    from_name: str
    to_name: str
    data_key: str
    choices: tuple[str, ...]
    spans: str | None = None  # a <Labels> control on the same text, for the cues
    span_labels: tuple[str, ...] = ()


def read_config(label_config: str) -> Control:
    """The first <Choices> control of ``label_config`` and the <Text> it labels (pure)."""
    try:
        root = ET.fromstring(label_config)
    except ET.ParseError as exc:
        raise InputError(f"label_config is not XML: {exc}") from None
    choices = next(root.iter("Choices"), None)
    if choices is None or not choices.get("name") or not choices.get("toName"):
        raise InputError("label_config has no <Choices name=... toName=...> control to predict")
    to_name = str(choices.get("toName"))
    text = next((t for t in root.iter("Text") if t.get("name") == to_name), None)
    value = (text.get("value") if text is not None else None) or ""
    if not value.startswith("$"):
        raise InputError(f"label_config: no <Text name={to_name!r} value=$field> for the choices")
    labels = next((c for c in root.iter("Labels") if c.get("toName") == to_name), None)
    return Control(
        from_name=str(choices.get("name")),
        to_name=to_name,
        data_key=value[1:],
        choices=tuple(str(c.get("value")) for c in choices.iter("Choice")),
        spans=labels.get("name") if labels is not None else None,
        span_labels=tuple(str(c.get("value")) for c in labels.iter("Label"))
        if labels is not None
        else (),
    )


def predictions(
    tagger: Tagger, tasks: list[dict[str, Any]], control: Control
) -> list[dict[str, Any]]:
    """One Label Studio prediction per task: the label as a choice, its probability as the score
    (sort the Data Manager by it, least sure first) and the cues as spans where the config has a
    <Labels> control whose values name cue kinds."""
    texts = []
    for n, task in enumerate(tasks):
        text = (task.get("data") or {}).get(control.data_key)
        if not isinstance(text, str):
            raise InputError(
                f"task {task.get('id', n)}: data has no text field {control.data_key!r}"
            )
        data = task.get("data") or {}
        before, after = data.get("context_before"), data.get("context_after")
        # claimkit's own tasks carry the neighbours: the model's context features read them
        texts.append(
            InContext(text, before, after if isinstance(after, str) else None)
            if isinstance(before, str)
            else text
        )
    out = []
    for pred in tagger.predict(texts, cues=control.spans is not None):
        result: list[dict[str, Any]] = []
        if pred.label in control.choices:
            result.append(
                {
                    "from_name": control.from_name,
                    "to_name": control.to_name,
                    "type": "choices",
                    "value": {"choices": [pred.label]},
                }
            )
        for cue in pred.cues:
            if control.spans and cue.kind in control.span_labels:
                result.append(
                    {
                        "from_name": control.spans,
                        "to_name": control.to_name,
                        "type": "labels",
                        "value": {
                            "start": cue.start,
                            "end": cue.end,
                            "text": cue.text,
                            "labels": [cue.kind],
                        },
                    }
                )
        out.append(
            {
                "result": result,
                "score": round(float(pred.probabilities[pred.label]), 4),
                "model_version": tagger.model_version,
            }
        )
    return out


# Label Studio's webhook actions that mean a label was given or changed.
LABEL_EVENTS = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED")


@dataclass
class Job:
    """A training run and what became of it (fields named as /job_status answers them)."""

    job: str
    project: str
    job_status: str = "queued"  # queued | started | finished | failed
    error: str = ""
    model_version: str = ""
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _train_in_child(
    hostname: str, token: str, title: str, labelled: str, out: str, grid: str, error: str
) -> None:
    """Pull the project and train a model folder (a spawned process; a failure's one line goes
    to the file ``error`` and the exit code is 1)."""
    try:
        from train.workflow import train_model

        pull(labelled, title, url=hostname, api_key=token, force=True, progress=False)
        train_model(labelled, out, grid=grid, progress=False, n_jobs=1, name="studio-backend")  # type: ignore[arg-type]
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which reports it on
        Path(error).write_text(_one_line(exc), encoding="utf-8")
        raise SystemExit(1) from None


def _versions_in(folder: Path) -> list[int]:
    """The N of every ``vN`` folder in ``folder``, ascending."""
    return sorted(int(p.name[1:]) for p in folder.glob("v*") if p.name[1:].isdigit())


class Backend:
    """The serving model, its versions and the training jobs (thread-safe)."""

    def __init__(
        self,
        workdir: str | Path,
        model: str | Path | None = None,
        grid: Grid = "default",
        url: str = f"http://{HOST}:{BACKEND_PORT}",
        train_every: int = 0,
    ):
        if train_every < 0:
            raise InputError(f"--train-every {train_every}: use 0 (never) or a positive number")
        self.train_every = train_every
        self.new_labels: dict[str, int] = {}  # project id -> annotations since the last training
        self.workdir = Path(workdir)
        self.url = url  # where Label Studio reaches this backend
        self.models = self.workdir / "models"
        self.models.mkdir(parents=True, exist_ok=True)
        self.grid = grid
        # without --model, the newest model this backend trained, else the shipped one
        trained = [
            v
            for v in _versions_in(self.models)
            if (self.models / f"v{v}" / "manifest.json").is_file()
        ]
        if model is None and trained:
            model = self.models / f"v{trained[-1]}"
        self.tagger = load(model)  # replaced as a whole: a request reads it once
        self.versions = [self.tagger.model_version]
        # project id -> hostname, token (from /setup; kept so a restart can still train)
        self._projects_file = self.workdir / "projects.json"
        self.projects: dict[str, dict[str, str]] = {}
        with contextlib.suppress(OSError, ValueError):
            self.projects = json.loads(self._projects_file.read_text(encoding="utf-8"))
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._children: list[multiprocessing.process.BaseProcess] = []

    def close(self) -> None:
        """Stop a training run in progress (its half-written folder is the trainer's temp)."""
        for child in self._children:
            if child.is_alive():
                child.terminate()
                child.join(timeout=10)

    def setup(self, body: dict[str, Any]) -> dict[str, Any]:
        project = str(body.get("project") or "").split(".")[0]
        if body.get("hostname") and body.get("access_token") and project.isdigit():
            where = {"hostname": str(body["hostname"]), "token": str(body["access_token"])}
            if self.projects.get(project) != where:
                self.projects[project] = where
                with atomic_file(self._projects_file, permissions=0o600) as handle:
                    json.dump(self.projects, handle)  # holds tokens: private
        if body.get("schema"):
            read_config(str(body["schema"]))  # refuse a config with nothing to predict
        return {"model_version": self.tagger.model_version}

    def predict(self, body: dict[str, Any]) -> dict[str, Any]:
        tasks = body.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            raise InputError("'tasks' must be a non-empty list of tasks")
        control = read_config(str(body.get("label_config") or ""))
        tagger = self.tagger  # one model for the whole request
        return {
            "results": predictions(tagger, tasks, control),
            "model_version": tagger.model_version,
        }

    def count_annotation(self, project: dict[str, Any]) -> Job | None:
        """One more annotation created or changed in ``project``; with ``train_every`` N, the
        Nth since the last training starts one (None: nothing started)."""
        pid = str(project.get("id") or "")
        with self._lock:
            self.new_labels[pid] = self.new_labels.get(pid, 0) + 1
            due = self.train_every > 0 and self.new_labels[pid] >= self.train_every
            if due:
                self.new_labels[pid] = 0
        return self.start_training(project) if due and pid in self.projects else None

    def start_training(self, project: dict[str, Any]) -> Job:
        pid = str(project.get("id") or "")
        where = self.projects.get(pid)
        if where is None:
            raise InputError(
                f"project {pid or '?'}: not set up with this backend yet (Label Studio calls "
                "/setup when the backend is connected); reconnect the model in the project settings"
            )
        title = str(project.get("title") or "")
        with self._lock:
            running = [j for j in self.jobs.values() if j.job_status in ("queued", "started")]
            if running:
                return running[0]
            n = max(_versions_in(self.models), default=0) + 1
            job = Job(job=f"train-{n}", project=pid, job_status="started")
            self.jobs[job.job] = job
        out = self.models / f"v{n}"
        error = self.workdir / f"train-{n}.error"
        child = multiprocessing.get_context("spawn").Process(
            target=_train_in_child,
            args=(
                where["hostname"],
                where["token"],
                title,
                str(self.workdir / "labelled" / f"project-{pid}"),
                str(out),
                self.grid,
                str(error),
            ),
            daemon=True,
        )
        child.start()
        self._children = [c for c in self._children if c.is_alive()] + [child]
        threading.Thread(target=self._finish, args=(job, child, out, error), daemon=True).start()
        return job

    def _finish(
        self, job: Job, child: multiprocessing.process.BaseProcess, out: Path, error: Path
    ) -> None:
        child.join()
        try:
            if child.exitcode != 0:
                reason = error.read_text(encoding="utf-8") if error.is_file() else ""
                raise ClaimkitError(
                    reason or f"the training process ended with code {child.exitcode}"
                )
            tagger = load(out)
        except Exception as exc:  # noqa: BLE001 - any failure leaves the serving model as it was
            job.job_status, job.error = "failed", _one_line(exc)
        else:
            with self._lock:
                self.tagger = tagger
                self.versions.append(tagger.model_version)
            job.model_version = tagger.model_version
            where = self.projects.get(job.project, {})
            try:
                studio = connect(where.get("hostname"), where.get("token"))
                show_version(studio, int(job.project), self.url, tagger.model_version, create=False)
            except ClaimkitError as exc:  # serving goes on; the score column lags behind
                job.error = (
                    f"trained, but the project's model version was not updated: {_one_line(exc)}"
                )
            job.job_status = "finished"
        job.finished = time.time()
        with atomic_file(self.workdir / "jobs.json") as handle:
            json.dump([j.as_json() for j in self.jobs.values()], handle, indent=1)


class _Refused(ClaimkitError):
    """A request refused with ``status`` (not a bad body: 403, 415)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def create_app(backend: Backend) -> Starlette:
    """The HTTP face of ``backend`` (Starlette; errors in the request are a 4xx with one line)."""

    async def body_of(request: Request) -> dict[str, Any]:
        # Label Studio's server calls with JSON and no Origin; a web page cannot send JSON here
        # without a CORS preflight this app never grants, so a page cannot drive /setup or
        # training (the backend has no login of its own)
        if request.headers.get("origin"):
            raise _Refused(403, "requests from web pages are refused; Label Studio calls this")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise _Refused(415, "send the request body as application/json")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InputError("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise InputError("the request body must be a JSON object")
        return body

    async def health(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "UP",
                "model_class": "claimkit",
                "model_version": backend.tagger.model_version,
            }
        )

    async def setup(request: Request) -> JSONResponse:
        return JSONResponse(backend.setup(await body_of(request)))

    async def predict(request: Request) -> JSONResponse:
        body = await body_of(request)
        return JSONResponse(await run_in_threadpool(backend.predict, body))

    async def webhook(request: Request) -> JSONResponse:
        body = await body_of(request)
        action = body.get("action")
        project = body.get("project")
        if action in LABEL_EVENTS and isinstance(project, dict):
            job = backend.count_annotation(project)
            if job is not None:
                return JSONResponse(job.as_json(), status_code=201)
            return JSONResponse({"status": "counted", "action": action})
        if action != "START_TRAINING":
            return JSONResponse({"status": "ignored", "action": action})
        if not isinstance(project, dict):
            raise InputError("START_TRAINING needs the project object")
        job = backend.start_training(project)
        return JSONResponse(job.as_json(), status_code=201)

    async def job_status(request: Request) -> JSONResponse:
        body = await body_of(request)
        job = backend.jobs.get(str(body.get("job")))
        if job is None:
            return JSONResponse({"job_status": "removed"}, status_code=410)
        return JSONResponse(job.as_json())

    async def versions(request: Request) -> JSONResponse:
        return JSONResponse({"versions": list(backend.versions)})

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        status = exc.status if isinstance(exc, _Refused) else 400
        return JSONResponse({"error": _one_line(exc)}, status_code=status)

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/", health, methods=["GET"]),
            Route("/setup", setup, methods=["POST"]),
            Route("/predict", predict, methods=["POST"]),
            Route("/webhook", webhook, methods=["POST"]),
            Route("/job_status", job_status, methods=["POST"]),
            Route("/versions", versions, methods=["GET"]),
        ],
        exception_handlers={ClaimkitError: refused},
    )


def make_server(backend: Backend, host: str = HOST, port: int = BACKEND_PORT) -> Any:
    """A uvicorn server for ``backend`` (not started: ``server.run()``)."""
    import uvicorn

    config = uvicorn.Config(create_app(backend), host=host, port=port, log_level="warning")
    return uvicorn.Server(config)


def serve(
    workdir: str | Path = ".claimkit/backend",
    *,
    model: str | Path | None = None,
    port: int = BACKEND_PORT,
    host: str = HOST,
    grid: Grid = "default",
    train_every: int = 0,
    connect_to: str | None = None,
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | Path | None = None,
    on_ready: Any = None,
) -> None:
    """Run the backend until interrupted. With ``connect_to``, connect it to that Label Studio
    project once it answers (Label Studio calls /health and /setup then)."""
    backend = Backend(workdir, model, grid, url=f"http://{host}:{port}", train_every=train_every)
    server = make_server(backend, host, port)

    def when_up() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        backend_id = None
        if connect_to is not None:
            try:
                backend_id = connect_backend(
                    connect_to, backend.url, url=url, api_key=api_key, data_dir=data_dir
                )
            except ClaimkitError as exc:
                print(f"claimkit: error: {exc}", flush=True)
                server.should_exit = True
                return
        if on_ready is not None:
            on_ready(backend.url, backend_id)

    threading.Thread(target=when_up, daemon=True).start()
    try:
        server.run()
    finally:
        backend.close()


def connect_backend(
    project: str,
    backend_url: str,
    *,
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> int:
    """Connect the backend at ``backend_url`` to the Label Studio project titled ``project``
    (Settings > Model, through the API); an existing connection to that URL is kept. Returns
    the ML backend's id in Label Studio."""
    studio = connect(url, api_key, data_dir)
    proj = studio.get_project(project)
    try:
        version = str(
            httpx.get(backend_url.rstrip("/") + "/health", timeout=5).json()["model_version"]
        )
    except (httpx.HTTPError, ValueError, KeyError):
        raise InputError(f"no claimkit backend answers at {backend_url}: start it first") from None
    backend_id = show_version(studio, proj.id, backend_url, version)
    assert backend_id is not None
    return backend_id


def show_version(
    studio: Any, project_id: int, backend_url: str, version: str, create: bool = True
) -> int | None:
    """Connect (or find) the backend at ``backend_url`` in the project, titled with the model
    version it serves, and make that the project's model version: Label Studio names a live
    model by its title, and the Data Manager's "Prediction score" (and sorting by it) counts
    only the predictions of the project's model version."""
    backend_id = None
    for existing in studio.call(
        "listing the project's models", studio.ls.ml.list, project=project_id
    ):
        if str(existing.url).rstrip("/") == backend_url.rstrip("/"):
            backend_id = int(existing.id)
            if existing.title != version:
                # URL and project go along: Label Studio 1.23 answers 500 to a PATCH without them
                studio.call(
                    "renaming the model",
                    studio.ls.ml.update,
                    id=backend_id,
                    url=str(existing.url),
                    project=project_id,
                    title=version,
                )
    if backend_id is None and not create:
        return None  # connected under another URL (say, localhost): leave it as the user made it
    if backend_id is None:
        created = studio.call(
            f"connecting the model backend {backend_url} to project {project_id}",
            studio.ls.ml.create,
            project=project_id,
            url=backend_url,
            title=version,
            description="claimkit: TF-IDF + logistic regression, retrained on this project's labels",
            is_interactive=False,
        )
        backend_id = int(created.id)
    studio.call(
        "setting the project's model version",
        studio.ls.projects.update,
        id=project_id,
        model_version=version,
    )
    return backend_id
