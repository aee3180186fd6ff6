"""Atomic writes and loading tables (a `datasets` folder, Parquet, CSV or JSONL)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimkit.errors import InputError

if TYPE_CHECKING:
    import datasets


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_dir(out: str | Path) -> Iterator[Path]:
    """Yield a temp folder beside ``out``; on success it replaces ``out`` in one rename.

    An exception (or a kill) leaves ``out`` as it was: the half-written folder is
    a hidden temp folder that is removed (or, after a kill, ignored).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "w") -> Iterator[Any]:
    """Open a temp file beside ``path``; it becomes ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result should look like any new file
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> None:
    """Write records as JSON lines, atomically."""
    with atomic_file(path) as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def _dataset_folder(path: Path) -> Path | None:
    for candidate in (path, path / "dataset"):
        if (candidate / "dataset_info.json").exists() or (candidate / "state.json").exists():
            return candidate
    return None


def load_table(path: str | Path) -> datasets.Dataset:
    """Load a `datasets` folder (or a folder holding one in ``dataset/``), Parquet, CSV or JSONL."""
    import datasets
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or directory")
    if path.is_dir():
        folder = _dataset_folder(path)
        if folder is None:
            raise InputError(
                f"{path}: not a dataset folder (no dataset_info.json); give the folder that "
                "`claimkit ingest` or `claimkit annotate pull` wrote, or a .parquet/.csv/.jsonl file"
            )
        return datasets.load_from_disk(str(folder))
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pd.read_parquet(path)
        elif suffix == ".csv":
            frame = pd.read_csv(path, keep_default_na=False)
        elif suffix in (".jsonl", ".json"):
            frame = pd.read_json(path, lines=suffix == ".jsonl", dtype=False)
        else:
            raise InputError(
                f"{path}: unknown table format {suffix!r}; use a dataset folder, .parquet, .csv or .jsonl"
            )
    except InputError:
        raise
    except (ValueError, OSError) as err:
        raise InputError(
            f"{path}: cannot read as {suffix[1:]} ({str(err).splitlines()[0][:120]})"
        ) from None
    return datasets.Dataset.from_pandas(frame, preserve_index=False)
