"""Shared fixtures: the seed sentence dataset and one real Label Studio server per test session."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
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
    state = studio.start(data_dir, port=studio.free_port())
    try:
        yield state
    finally:
        studio.stop(data_dir)
