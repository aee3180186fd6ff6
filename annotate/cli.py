"""`claimkit studio start|stop|status` and `claimkit annotate push|pull|review|card`. Handlers
import their library lazily (why: `claimkit.options`)."""

from __future__ import annotations

import argparse
from typing import Any

from claimkit.options import (
    FORMATTER,
    add_choice,
    add_command,
    add_connection,
    add_data_dir,
    add_folds,
    add_force,
    add_model,
    add_quiet,
    add_seed,
    call,
)

BACKEND_EPILOG = """\
example:
  claimkit studio start
  claimkit studio backend --connect 'claimkit sentences'
Label Studio then shows the model under the project's Settings > Model."""
REVIEW_EPILOG = """\
examples:
  claimkit annotate review data/labelled --top 50
  claimkit annotate pull --project 'claimkit review' --out out/reviewed
  claimkit annotate review data/labelled --to-file review-tasks.json"""


# -- studio ----------------------------------------------------------------------------------------
def _studio_start(args: argparse.Namespace) -> int:
    from annotate import studio

    state = studio.start(args.data_dir, port=args.port)
    verb = "already running" if state.reused else "started"
    print(f"Label Studio {verb} at {state.url} (pid {state.pid}, data {state.data_dir})")
    print(f"login:    {state.username} / {state.password}")
    print(f"token:    {state.token}")
    if args.with_backend:
        state = studio.start_backend(args.data_dir, port=args.backend_port)
        print(f"model:    {state.backend_url} (pid {state.backend_pid}; connect a project with")
        print("          `claimkit annotate push DATASET --connect-backend`)")
    print(f"stop it:  claimkit studio stop{_dd(args)}")
    return 0


def _studio_stop(args: argparse.Namespace) -> int:
    from annotate import studio

    state = studio.stop(args.data_dir)
    if state is None:
        print(f"no Label Studio running for {studio.data_dir_of(args.data_dir)}")
        return 1
    print(f"stopped Label Studio at {state.url} (pid {state.pid})")
    return 0


def _studio_status(args: argparse.Namespace) -> int:
    from annotate import studio

    running, state = studio.status(args.data_dir)
    if state is None or not running:
        print(
            f"not running (data dir {studio.data_dir_of(args.data_dir)}); start: claimkit studio start"
        )
        return 1
    print(f"running at {state.url} (pid {state.pid}, data {state.data_dir})")
    print(f"login:    {state.username} / {state.password}")
    print(f"token:    {state.token}")
    if studio.backend_alive(state.backend_pid):
        print(f"model:    {state.backend_url} (pid {state.backend_pid})")
    return 0


def _studio_backend(args: argparse.Namespace) -> int:
    """Serve the model to Label Studio (an ML backend) and retrain it on request.

    Answer Label Studio's ML backend protocol on 127.0.0.1: suggestions (a label, its
    probability as the score to sort by, and cue spans) for tasks an annotator opens or the Data
    Manager asks for, and training on "Start training" (pull the project's labels, train as
    `claimkit train` does, switch to the new model only if it trained). With --connect, the
    backend is added to that project's Settings > Model. Runs until Ctrl-C.
    """
    from annotate.backend import serve

    def ready(url: str, backend_id: int | None) -> None:
        where = (
            f"; connected to project {args.connect_to!r} (model id {backend_id})"
            if backend_id
            else ""
        )
        print(f"claimkit backend at {url}{where}; stop it with Ctrl-C", flush=True)

    call(serve, args, on_ready=ready)
    return 0


def _dd(args: argparse.Namespace) -> str:
    return f" --data-dir {args.data_dir}" if args.data_dir else ""


# -- annotate --------------------------------------------------------------------------------------
def _add_task(parser: argparse.ArgumentParser) -> None:
    from annotate.cuetask import CUE_PROJECT
    from annotate.push import DEFAULT_PROJECT, Task

    add_choice(
        parser,
        "--task",
        Task,
        "sentences: one label per sentence; cues: mark the spans that carry a labelled "
        "sentence's label (annotate/cue-guideline.md)",
        default="sentences",
    )
    parser.add_argument(
        "--project",
        help=f"project title (default: {DEFAULT_PROJECT!r}, with --task cues {CUE_PROJECT!r})",
    )


def _push(args: argparse.Namespace) -> int:
    """Create/find the project and import the sentences it lacks.

    Create (or find by title) the labelling project and import the sentences of DATASET that are
    not in it yet (by sentence_id), in batches. Safe to re-run, also after an interrupt.
    """
    from annotate.push import push

    print(call(push, args).summary())
    return 0


def _pull(args: argparse.Namespace) -> int:
    """Export the annotations and write the labelled dataset.

    Export every annotation (or read a Label Studio JSON export with --from-file), resolve one
    gold label per sentence, measure agreement, and write OUT atomically: dataset/,
    sentences.jsonl, annotations.jsonl, review.jsonl, agreement.json, provenance.json,
    export.json.
    """
    from annotate.pull import pull

    print(call(pull, args).summary())
    return 0


def _review(args: argparse.Namespace) -> int:
    """Find likely label errors and push them to Label Studio for review.

    Score every labelled sentence with out-of-fold probabilities (cross-validation grouped by
    article, fixed seed), rank the sentences whose given label the model doubts most, write the
    whole ranking, and push the top N to a review project that shows the current label and the
    model's suggestion (the current label pre-selected). Safe to re-run: sentences already in
    the project are not added again. `annotate pull --project TITLE` takes the answers.
    """
    from annotate.review import review

    print(call(review, args).summary())
    return 0


def _card(args: argparse.Namespace) -> int:
    """Write DATA_CARD.md for a pulled dataset from a template.

    Fill a Markdown template's {placeholders} (counts, label table, agreement, per-article
    table, ...) from the files `annotate pull` wrote, and save DATA_CARD.md there.
    """
    from annotate.datacard import write_card

    print(f"written: {call(write_card, args)}")
    return 0


def register(subparsers: Any) -> None:
    """Add the `studio` and `annotate` commands."""
    from annotate.push import BATCH_SIZE, Select

    studio_p = subparsers.add_parser(
        "studio",
        help="run a local Label Studio server",
        description="Run Label Studio on 127.0.0.1 with its data in a folder of the working directory "
        "(needs: pip install 'claimkit[server]'). The first start creates the admin user and an API "
        "token, with no prompts; both are printed and kept in <data-dir>/claimkit-server.json.",
        formatter_class=FORMATTER,
    )
    studio_sub = studio_p.add_subparsers(dest="studio_command", metavar="ACTION", required=True)
    for name, func, text in (
        (
            "start",
            _studio_start,
            "start the server (or reuse the running one) and print URL, login, token",
        ),
        ("stop", _studio_stop, "stop the server by its recorded PID"),
        ("status", _studio_status, "say whether the server runs (exit 0) or not (exit 1)"),
    ):
        sub = studio_sub.add_parser(name, help=text, description=text)
        add_data_dir(sub)
        if name == "start":
            sub.add_argument(
                "--port", type=int, help="port (default: 8080 if free, else a free one)"
            )
            sub.add_argument(
                "--with-backend",
                action="store_true",
                help="also start the model backend (`claimkit studio backend`) in the background; "
                "`studio stop` stops both",
            )
            sub.add_argument(
                "--backend-port",
                type=int,
                help="the backend's port (default: 9090 if free, else a free one)",
            )
        sub.set_defaults(func=func)
    _register_backend(studio_sub)

    annotate_p = subparsers.add_parser(
        "annotate",
        help="push sentences to Label Studio, pull labels back",
        description="Send sentences to Label Studio as tasks and bring the labels back as a dataset.",
        formatter_class=FORMATTER,
    )
    sub = annotate_p.add_subparsers(dest="annotate_command", metavar="ACTION", required=True)

    push_p = add_command(
        sub,
        "push",
        _push,
        epilog="examples:\n"
        "  claimkit annotate push out/sentences\n"
        "  claimkit annotate push out/sentences --predictions models/default --select uncertain --limit 50\n"
        "  claimkit annotate push out/sentences --with-labels old.jsonl --annotator ann@example.com\n"
        "  claimkit annotate push out/sentences --to-file tasks.json",
    )
    push_p.add_argument("dataset", help="sentence dataset written by `claimkit ingest`")
    _add_task(push_p)
    push_p.add_argument(
        "--predictions",
        metavar="MODEL_DIR",
        help="attach this model's label + score as pre-annotations",
    )
    add_choice(
        push_p, "--select", Select, "which sentences --limit keeps (uncertain: least sure first)"
    )
    push_p.add_argument("--limit", type=int, help="push at most N new sentences")
    add_seed(push_p, "--select random")
    push_p.add_argument(
        "--with-labels",
        metavar="FILE",
        help="JSONL/CSV with sentence_id,label to import as annotations",
    )
    push_p.add_argument(
        "--annotator", metavar="EMAIL", help="who the --with-labels annotations are credited to"
    )
    push_p.add_argument(
        "--ground-truth",
        action="store_true",
        help="mark the --with-labels annotations as ground truth (an adjudicator's decision: "
        "`annotate pull` takes them as the gold label)",
    )
    push_p.add_argument(
        "--to-file", metavar="FILE", help="write a Label Studio import file instead of pushing"
    )
    push_p.add_argument(
        "--batch-size",
        type=int,
        default=BATCH_SIZE,
        help=f"tasks per request (default {BATCH_SIZE})",
    )
    push_p.add_argument(
        "--connect-backend",
        action="store_true",
        help="connect the model backend started by `claimkit studio start --with-backend` to "
        "the project (Settings > Model), so tasks get its suggestions",
    )
    add_quiet(push_p)
    add_connection(push_p)

    pull_p = add_command(sub, "pull", _pull)
    _add_task(pull_p)
    pull_p.add_argument(
        "--out",
        required=True,
        help="output folder (replaced atomically; a folder claimkit did not write is refused)",
    )
    add_force(pull_p, "replace an --out folder claimkit did not write")
    pull_p.add_argument(
        "--split",
        dest="split_file",
        metavar="SPLIT_JSON",
        help="mark each sentence's split (train/test) from a split file such as data/split.json; "
        "train, search and review then leave the test split out",
    )
    pull_p.add_argument(
        "--from-file",
        metavar="EXPORT_JSON",
        help="a Label Studio JSON export instead of the server",
    )
    pull_p.add_argument(
        "--full",
        action="store_true",
        help="export every task; by default a pull into a folder that holds an earlier pull of "
        "the same project fetches only the tasks changed since (same result, less waiting)",
    )
    add_quiet(pull_p)
    add_connection(pull_p)

    _register_review(sub)

    card_p = add_command(
        sub,
        "card",
        _card,
        epilog="example:\n  claimkit annotate card data/labelled --template data/labels/DATA_CARD.template.md",
    )
    card_p.add_argument("folder", help="a folder written by `claimkit annotate pull`")
    card_p.add_argument("--template", required=True, help="Markdown template with {placeholders}")


def _register_backend(studio_sub: Any) -> None:
    from annotate.studio import BACKEND_PORT
    from train.grids import Grid

    backend_p = add_command(studio_sub, "backend", _studio_backend, epilog=BACKEND_EPILOG)
    backend_p.add_argument(
        "--port", type=int, default=BACKEND_PORT, help=f"port (default: {BACKEND_PORT})"
    )
    add_model(backend_p, what=", served first")
    backend_p.add_argument(
        "--workdir",
        default=".claimkit/backend",
        help="where retrained models and pulled labels go (default: .claimkit/backend)",
    )
    add_choice(backend_p, "--grid", Grid, "the grid retraining searches", default="default")
    backend_p.add_argument(
        "--train-every",
        type=int,
        default=0,
        metavar="N",
        help="also retrain after every N annotations created or changed in a project "
        "(default: 0, only on Start training)",
    )
    backend_p.add_argument(
        "--connect",
        dest="connect_to",
        metavar="PROJECT",
        help="connect the backend to this project (by title) once it answers",
    )
    add_connection(backend_p)


def _register_review(sub: Any) -> None:
    """`annotate review`: rank likely label errors and push the top N as a review batch."""
    from annotate.review import DEFAULT_RANKING, DEFAULT_REVIEW_PROJECT, DEFAULT_TOP, Score

    review_p = add_command(sub, "review", _review, epilog=REVIEW_EPILOG)
    review_p.add_argument("dataset", help="labelled dataset written by `claimkit annotate pull`")
    review_p.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        help=f"push the N most suspect (default {DEFAULT_TOP})",
    )
    review_p.add_argument(
        "--project",
        default=DEFAULT_REVIEW_PROJECT,
        help=f"review project title (default: {DEFAULT_REVIEW_PROJECT!r})",
    )
    review_p.add_argument(
        "--out",
        default=DEFAULT_RANKING,
        metavar="FILE",
        help=f"where to write the full ranking, JSONL (default: {DEFAULT_RANKING})",
    )
    review_p.add_argument(
        "--to-file",
        metavar="FILE",
        help="write a Label Studio import file (and FILE's .label_config.xml) instead of pushing",
    )
    add_choice(
        review_p,
        "--score",
        Score,
        "confidence: lowest probability of the given label first; margin: best "
        "other label's probability minus the given label's",
        default="confidence",
    )
    add_folds(review_p)
    add_seed(review_p, "the folds")
    add_quiet(review_p, "progress output")
    add_connection(review_p)
