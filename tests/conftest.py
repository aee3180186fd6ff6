"""Shared fixtures: the seed sentence dataset, one real Label Studio server per test session,
the hand-labelled seed sentences and a model-folder writer for the model tests."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "articles" / "seeds"


@pytest.fixture(scope="session")
def seed_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled seed articles ingested into a sentence dataset folder."""
    from claimkit.ingest import ingest

    out = tmp_path_factory.mktemp("seeds") / "sentences"
    ingest([SEEDS], out, progress=False)
    return out


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A local Label Studio (temp data dir, free port, 127.0.0.1), started once and stopped at the end."""
    from annotate import studio

    if not (Path(sys.executable).parent / "label-studio").is_file():
        pytest.skip("Label Studio is not installed: pip install 'claimkit[server]'")
    # the tests talk to this server only, never to one named in the environment
    for name in ("LABEL_STUDIO_URL", "LABEL_STUDIO_API_KEY"):
        os.environ.pop(name, None)
    data_dir = tmp_path_factory.mktemp("studio")
    with studio.serving(data_dir) as state:
        yield state


# Hand-labelled sentences (one guideline label each) that the model tests fit small pipelines on.
SEED_SENTENCES = (
    ("North Korea could deploy up to 100,000 soldiers to help the Kremlin.", "speculative"),
    ("Moscow has reportedly amassed some 50,000 soldiers in the region.", "speculative"),
    ("The former Netherlands Prime Minister said soldiers had been sent to Kursk.", "attributed"),
    ("NATO chief Mark Rutte confirmed the deployment of soldiers to Russia.", "attributed"),
    ("Putin and Kim signed a security pact back in June of this year.", "confirmed"),
    (
        "Ukrainian forces made an ambitious cross-border incursion into Kursk in August.",
        "confirmed",
    ),
    ("The development, while worrying, is not surprising.", "opinion"),
    ("The war has eaten into both economies, but the human toll is truly staggering.", "opinion"),
)


@pytest.fixture(scope="session")
def seed_sentences() -> tuple[tuple[str, str], ...]:
    """The hand-labelled (text, label) pairs the model tests train on."""
    return SEED_SENTENCES


@pytest.fixture(scope="session")
def write_model_dir(
    seed_sentences: tuple[tuple[str, str], ...],
) -> Callable[..., Path]:
    """A function ``(folder, **params) -> folder`` writing a model folder fitted on the seeds."""

    def write(folder: Path, **params: object) -> Path:
        """A model folder as the contract describes it (model.skops, as `train` writes)."""
        import json

        import sklearn

        from models.artifact import dump
        from models.features import build_pipeline

        texts, labels = zip(*seed_sentences, strict=True)
        pipeline = build_pipeline(**params).fit(list(texts), list(labels))
        folder.mkdir(parents=True, exist_ok=True)
        sha256 = dump(pipeline, folder / "model.skops")
        manifest = {
            "name": folder.name,
            "created": "2026-11-29T14:00:00Z",
            "artifact": "model.skops",
            "sha256": sha256,
            "labels": [str(c) for c in pipeline[-1].classes_],
            "params": {},
            "versions": {"scikit-learn": sklearn.__version__},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return folder

    return write
