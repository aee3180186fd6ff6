"""Load a model folder safely: verify the artifact's sha256 against its manifest BEFORE unpickling.

joblib (pickle) runs code while it loads, so a model folder is only loaded when its
``manifest.json`` exists and names the exact sha256 of the artifact bytes. The bytes that are
hashed are the bytes that are loaded (read once, loaded from memory), so the file cannot be
swapped between the check and the load. Only load models you trust: the hash proves the artifact
matches its manifest, not that whoever wrote both is benign.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimkit.errors import ModelError

MANIFEST = "manifest.json"
DEFAULT_ARTIFACT = "model.joblib"
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"


class ModelVersionWarning(UserWarning):
    """The model was trained with another scikit-learn version than the one installed."""


@dataclass(frozen=True)
class LoadedModel:
    """A verified, unpickled model folder."""

    pipeline: Any
    manifest: dict[str, Any]
    path: Path
    sha256: str
    labels: tuple[str, ...] = field(default=())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(folder: Path) -> dict[str, Any]:
    """Parse ``folder/manifest.json``; a missing or malformed manifest is a ModelError."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelError(
            f"{path}: no manifest.json next to the model; refusing to load an unverified "
            "artifact (joblib runs code on load). Use a model folder written by `claimkit train`."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not a readable JSON manifest ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ModelError(f"{path}: the manifest must be a JSON object")
    sha = manifest.get("sha256")
    if not isinstance(sha, str) or len(sha) != 64:
        raise ModelError(f"{path}: field 'sha256' is missing or not a sha256 hex digest")
    return manifest


def _artifact_path(folder: Path, manifest: dict[str, Any]) -> Path:
    name = manifest.get("artifact", DEFAULT_ARTIFACT)
    # The manifest may only name a file inside the folder: no absolute paths, no "..".
    if not isinstance(name, str) or not name or Path(name).name != name or name in {".", ".."}:
        raise ModelError(
            f"{folder / MANIFEST}: field 'artifact' must be a file name in the model folder, "
            f"got {name!r}"
        )
    path = folder / name
    if not path.is_file():
        raise ModelError(f"{path}: the artifact named in the manifest does not exist")
    return path


def _check_versions(folder: Path, manifest: dict[str, Any]) -> bool:
    """Warn when the installed scikit-learn differs from the training one; True if warned."""
    import sklearn

    trained = (manifest.get("versions") or {}).get("scikit-learn")
    if trained and str(trained) != sklearn.__version__:
        warnings.warn(
            f"model {folder} was trained with scikit-learn {trained} but scikit-learn "
            f"{sklearn.__version__} is installed; predictions may differ or fail. "
            f"Retrain with `claimkit train` or install scikit-learn=={trained}.",
            ModelVersionWarning,
            stacklevel=3,
        )
        return True
    return False


def load_model(path: str | Path | None = None) -> LoadedModel:
    """Verify and load a model folder (``None``: the default model shipped in the package)."""
    folder = Path(path) if path is not None else DEFAULT_MODEL_DIR
    if folder.is_file() and folder.name != MANIFEST:
        # Accept the artifact path itself; the manifest must still sit next to it.
        folder = folder.parent
    elif folder.name == MANIFEST:
        folder = folder.parent
    if not folder.is_dir():
        if path is None:
            raise ModelError(
                f"{folder}: no default model is shipped in this installation; "
                "pass a model folder (e.g. `--model DIR`) written by `claimkit train`"
            )
        raise ModelError(f"{folder}: no such model folder")
    manifest = read_manifest(folder)
    artifact = _artifact_path(folder, manifest)
    data = artifact.read_bytes()
    digest = sha256_bytes(data)
    if digest != manifest["sha256"].lower():
        raise ModelError(
            f"{artifact}: sha256 {digest[:12]}… does not match the manifest's "
            f"{manifest['sha256'][:12]}…; the artifact was changed after training, refusing to load"
        )
    warned = _check_versions(folder, manifest)

    import joblib

    with warnings.catch_warnings():
        if warned:
            # We already said it once, with the fix; sklearn's own per-estimator warnings are noise.
            warnings.filterwarnings("ignore", message=r".*Trying to unpickle estimator.*")
        try:
            pipeline = joblib.load(io.BytesIO(data))
        except Exception as exc:  # a verified but unloadable artifact: name it, say why
            raise ModelError(
                f"{artifact}: could not be loaded ({type(exc).__name__}: {exc})"
            ) from exc

    labels = _validate(pipeline, manifest, artifact)
    return LoadedModel(
        pipeline=pipeline, manifest=manifest, path=folder, sha256=digest, labels=labels
    )


def _validate(pipeline: Any, manifest: dict[str, Any], artifact: Path) -> tuple[str, ...]:
    steps = getattr(pipeline, "steps", None)
    if not steps or len(steps) < 2 or not hasattr(steps[-1][1], "predict_proba"):
        raise ModelError(
            f"{artifact}: expected a fitted sklearn Pipeline ending in a probabilistic classifier, "
            f"got {type(pipeline).__name__}"
        )
    clf = steps[-1][1]
    if not hasattr(clf, "coef_") or not hasattr(clf, "classes_"):
        raise ModelError(f"{artifact}: the classifier is not fitted or has no coefficients")
    labels = tuple(str(c) for c in clf.classes_)
    declared = manifest.get("labels")
    if declared is not None and tuple(str(x) for x in declared) != labels:
        raise ModelError(
            f"{artifact.parent / MANIFEST}: 'labels' {list(declared)} do not match the "
            f"classifier's classes {list(labels)}"
        )
    return labels
