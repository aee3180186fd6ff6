"""The model file: written with skops (no pickle), loaded only with an explicit list of types.

``dumps``/``dump`` write a fitted pipeline as a skops zip, normalised so the same model gives
the same bytes (and sha256) in every process. ``load_model`` verifies the artifact's sha256
against ``manifest.json`` (which proves the two belong together), then refuses any object type
outside scikit-learn/numpy and :data:`TRUSTED_TYPES` (which keeps a crafted file from running
code, even when its hash matches). The bytes hashed are the bytes loaded. An old ``model.joblib``
(pickle) loads only with ``trust_pickle=True``, with a warning.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimkit.errors import ModelError

MANIFEST = "manifest.json"
ARTIFACT = "model.skops"
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")
DEFAULT_ARTIFACT = ARTIFACT
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
# The project's own estimators a model file may hold, besides what skops trusts by default
# (scikit-learn estimators, numpy and scipy containers, builtins).
TRUSTED_TYPES: tuple[str, ...] = (
    "models.lexicon.CueLexicon",
    "models.features.CompactTfidfVectorizer",
    "models.structure.SpeechStructure",
    "models.features.QuotePartVectorizer",
    "models.context.PreviousSentence",
    "models.context.NextSentence",
)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_OBJECT_ID = re.compile(r'"__id__": (\d+)')


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


def _without_memory_addresses(pipeline: Any) -> Any:
    """A copy whose serialised form depends only on the data and parameters.

    sklearn's text vectorizers keep ``_stop_words_id = id(stop_words)`` as a cache key; it is
    recomputed on first use.
    """
    import copy

    pipeline = copy.deepcopy(pipeline)
    union = getattr(pipeline, "named_steps", {}).get("features")
    for _, member in getattr(union, "transformer_list", []):
        if hasattr(member, "_stop_words_id"):
            del member._stop_words_id
    return pipeline


def _normalised(archive: bytes) -> bytes:
    """The skops zip with object ids renumbered, fixed timestamps and a fixed entry order.

    skops names arrays and shared objects by ``id()``, a memory address, so the same model gave
    different bytes in each process.
    """
    source = zipfile.ZipFile(io.BytesIO(archive))
    schema = source.read("schema.json").decode("utf-8")
    numbers: dict[str, str] = {}
    for found in _OBJECT_ID.finditer(schema):
        numbers.setdefault(found.group(1), str(len(numbers)))
    arrays = sorted(
        (n for n in source.namelist() if n != "schema.json"), key=lambda n: schema.index(f'"{n}"')
    )
    renamed = {name: f"{i:05d}{Path(name).suffix}" for i, name in enumerate(arrays)}
    for old, new in renamed.items():
        schema = schema.replace(f'"{old}"', f'"{new}"')
    schema = _OBJECT_ID.sub(lambda m: f'"__id__": {numbers[m.group(1)]}', schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        entries = [("schema.json", schema.encode("utf-8"))]
        entries += [(renamed[n], source.read(n)) for n in arrays]
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def dumps(pipeline: Any) -> bytes:
    """A fitted pipeline as skops bytes: no pickle, and the same bytes for the same model."""
    import skops.io

    return _normalised(skops.io.dumps(_without_memory_addresses(pipeline)))


def dump(pipeline: Any, path: str | Path) -> str:
    """Write ``pipeline`` to ``path`` (a ``.skops`` file); returns the file's sha256."""
    data = dumps(pipeline)
    Path(path).write_bytes(data)
    return sha256_bytes(data)


def read_manifest(folder: Path) -> dict[str, Any]:
    """Parse ``folder/manifest.json``; a missing or malformed manifest is a ModelError."""
    path = folder / MANIFEST
    if not path.is_file():
        raise ModelError(
            f"{path}: no manifest.json next to the model; refusing to load an unverified "
            "artifact. Use a model folder written by `claimkit train`."
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


def _deserialise(data: bytes, artifact: Path, trust_pickle: bool) -> Any:
    if artifact.suffix in PICKLE_SUFFIXES:
        if not trust_pickle:
            raise ModelError(
                f"{artifact}: a pickle file, which can run code when it is loaded; retrain with "
                "`claimkit train` (it writes model.skops), or pass --trust-pickle if you trust "
                "whoever wrote it"
            )
        warnings.warn(
            f"{artifact}: loading a pickle because --trust-pickle was given; retrain with "
            "`claimkit train` to get a model.skops file that cannot run code",
            UserWarning,
            stacklevel=4,
        )
        import joblib

        return joblib.load(io.BytesIO(data))
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(data=data)
    except Exception as exc:  # not a skops archive at all
        raise ModelError(
            f"{artifact}: not a skops model file ({type(exc).__name__}: {exc})"
        ) from exc
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelError(
            f"{artifact}: holds types claimkit does not load ({', '.join(refused)}); refusing it "
            "even though its sha256 matches the manifest"
        )
    return skops.io.loads(data, trusted=list(untrusted))


def load_model(path: str | Path | None = None, *, trust_pickle: bool = False) -> LoadedModel:
    """Verify and load a model folder (``None``: the default model shipped in the package).

    ``trust_pickle``: also load an old joblib/pickle artifact (it can run code), with a warning.
    """
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
    with warnings.catch_warnings():
        if warned:
            # We already said it once, with the fix; sklearn's own per-estimator warnings are noise.
            warnings.filterwarnings("ignore", message=r".*Trying to unpickle estimator.*")
        try:
            pipeline = _deserialise(data, artifact, trust_pickle)
        except ModelError:
            raise
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
