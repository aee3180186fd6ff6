"""Safe model loading: the sha256 is checked against manifest.json, and a skops file is loaded only
with the allowed types; an old pickle needs --trust-pickle."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path

import joblib
import pytest
import skops.io

from claimkit.errors import ModelError


@pytest.fixture
def model_dir(tmp_path: Path, write_model_dir: Callable[..., Path]) -> Path:
    return write_model_dir(tmp_path / "seed-model")


def _never_unpickle(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the artifact was deserialised before it was verified")

    monkeypatch.setattr(joblib, "load", refuse)
    monkeypatch.setattr(skops.io, "loads", refuse)


def test_load_a_verified_folder(model_dir: Path) -> None:
    import models

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same scikit-learn: no warning at all
        tagger = models.load(model_dir)
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert tagger.sha256 == manifest["sha256"]
    assert list(tagger.labels) == manifest["labels"]
    assert tagger.name == "seed-model"
    assert tagger.model_version == f"seed-model-{manifest['sha256'][:12]}"
    [s] = tagger.predict(["Moscow has reportedly amassed soldiers."])
    assert s.label in tagger.labels


def test_tampered_artifact_is_refused_before_unpickling(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models

    with (model_dir / "model.skops").open("ab") as f:
        f.write(b"\0")
    _never_unpickle(monkeypatch)
    with pytest.raises(ModelError, match="sha256 .* does not match .*refusing to load"):
        models.load(model_dir)


def test_swapped_artifact_is_refused(
    model_dir: Path, tmp_path: Path, write_model_dir: Callable[..., Path]
) -> None:
    import models

    other = write_model_dir(tmp_path / "other", C=0.5)
    (model_dir / "model.skops").write_bytes((other / "model.skops").read_bytes())
    with pytest.raises(ModelError, match="does not match"):
        models.load(model_dir)


def test_missing_manifest_is_refused(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import models

    (model_dir / "manifest.json").unlink()
    _never_unpickle(monkeypatch)
    with pytest.raises(ModelError, match="no manifest.json.*refusing"):
        models.load(model_dir)
    # Pointing at the artifact itself does not bypass the check.
    with pytest.raises(ModelError, match="no manifest.json"):
        models.load(model_dir / "model.skops")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sha256": None}, "'sha256' is missing"),
        ({"artifact": "../model.skops"}, "must be a file name in the model folder"),
        ({"artifact": "/etc/passwd"}, "must be a file name in the model folder"),
        ({"artifact": "gone.skops"}, "does not exist"),
        ({"labels": ["a", "b"]}, "do not match the classifier's classes"),
    ],
)
def test_bad_manifests_are_refused(model_dir: Path, change: dict, message: str) -> None:
    import models

    path = model_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(change)
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=message):
        models.load(model_dir)


def test_unreadable_manifest_is_refused(model_dir: Path) -> None:
    import models

    (model_dir / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a readable JSON manifest"):
        models.load(model_dir)


def test_other_scikit_learn_version_warns_clearly(model_dir: Path) -> None:
    import models
    from models.artifact import ModelVersionWarning

    path = model_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["versions"]["scikit-learn"] = "1.5.0"
    path.write_text(json.dumps(manifest))
    with pytest.warns(
        ModelVersionWarning, match=r"trained with scikit-learn 1\.5\.0 but .* installed"
    ):
        tagger = models.load(model_dir)
    assert tagger.predict(["Moscow has reportedly amassed soldiers."])


def test_missing_folder_and_missing_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models
    from models import artifact

    with pytest.raises(ModelError, match="no such model folder"):
        models.load(tmp_path / "nowhere")
    monkeypatch.setattr(artifact, "DEFAULT_MODEL_DIR", tmp_path / "default")
    with pytest.raises(ModelError, match="no default model is shipped"):
        models.load()


def test_the_shipped_default_model_loads_and_verifies() -> None:
    import models

    tagger = models.load()
    assert set(tagger.labels) == {"opinion", "speculative", "attributed", "confirmed"}
    [s] = tagger.predict(["North Korea could reportedly deploy troops"])
    assert {"could", "reportedly"} <= {c.text for c in s.cues}


def _repoint(folder: Path, artifact: str, data: bytes) -> None:
    """Put ``data`` in the folder under ``artifact`` with a manifest whose sha256 matches it."""
    import hashlib

    (folder / artifact).write_bytes(data)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(artifact=artifact, sha256=hashlib.sha256(data).hexdigest())
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_a_file_with_a_disallowed_type_is_refused_even_with_a_matching_hash(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    import models
    from models.artifact import load_model

    pipeline = load_model(model_dir).pipeline
    # a "feature" step that would call os.system on every input
    crafted = Pipeline([("run", FunctionTransformer(os.system)), *pipeline.steps])
    _repoint(model_dir, "model.skops", skops.io.dumps(crafted))
    _never_unpickle(monkeypatch)
    with pytest.raises(ModelError, match=r"holds types claimkit does not load \(.*system.*\)"):
        models.load(model_dir)


def test_an_old_pickle_loads_only_when_trusted(model_dir: Path) -> None:
    import io

    import models
    from models.artifact import load_model

    pipeline = load_model(model_dir).pipeline
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer)
    _repoint(model_dir, "model.joblib", buffer.getvalue())
    with pytest.raises(ModelError, match="a pickle file, which can run code.*--trust-pickle"):
        models.load(model_dir)
    with pytest.warns(UserWarning, match="loading a pickle because --trust-pickle was given"):
        tagger = models.load(model_dir, trust_pickle=True)
    assert tagger.predict(["He said it was fine."])[0].label in tagger.labels


def test_the_same_model_gives_the_same_bytes_in_another_process(model_dir: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys, hashlib; from models.artifact import load_model, dumps; "
        "print(hashlib.sha256(dumps(load_model(sys.argv[1]).pipeline)).hexdigest())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script, str(model_dir)], capture_output=True, text=True
        ).stdout.strip()
        for _ in range(2)
    }
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert runs == {manifest["sha256"]}
