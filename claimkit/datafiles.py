"""Atomic writes and loading tables (a `datasets` folder, Parquet, CSV or JSONL)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimkit.errors import InputError

if TYPE_CHECKING:
    import datasets


# A file inside every folder claimkit writes: such a folder may be replaced by the next run.
MARKER = ".claimkit-output"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_temps(path: Path) -> int:
    """Remove the hidden temp files and folders that a killed run left beside ``path``.

    Only names of exactly the form this module makes (``.NAME.tmp-PID-xxxxxxxx``) count, and
    those of a live process stay.
    """
    removed = 0
    if not path.parent.is_dir():
        return 0
    ours = re.compile(rf"\.{re.escape(path.name)}\.(?:tmp|old)-(\d+)-[a-z0-9_]{{8}}")
    for leftover in path.parent.iterdir():
        found = ours.fullmatch(leftover.name)
        if found is None or _pid_alive(int(found.group(1))):
            continue
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def _temp_prefix(path: Path, kind: str) -> str:
    return f".{path.name}.{kind}-{os.getpid()}-"


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_output(
    out: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    folder: bool,
    force: bool = False,
    replace_own: bool = True,
    option: str = "--out",
) -> Path:
    """Refuse an output path whose writing would destroy what the user did not ask to replace.

    Never (not even with ``force``): an input, a folder holding an input, a path inside an input
    folder, the current folder or one of its parents, or a path under an existing file. Without
    ``force``: a folder where a file is expected (or the reverse), and a non-empty folder that
    claimkit did not write (``replace_own=False``: any existing folder).
    """
    path = Path(out).expanduser()
    resolved = path.resolve()
    if str(out) in ("", ".", "..") or _is_within(Path.cwd().resolve(), resolved):
        raise InputError(
            f"{option} {out}: that is the current folder or one of its parents; name a new folder"
        )
    for raw in inputs:
        if str(raw) == "-":
            continue
        source = Path(raw).expanduser().resolve()
        if _is_within(source, resolved) or _is_within(resolved, source):
            raise InputError(
                f"{option} {out}: overlaps the input {raw}; write the output outside the inputs"
            )
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise InputError(
                f"{option} {out}: {parent} is a file, so nothing can be written under it; "
                "choose another path"
            )
    if not path.exists() and not path.is_symlink():
        return path
    if folder and not path.is_dir():
        raise InputError(
            f"{option} {out}: is an existing file, not a folder; choose a new folder name"
        )
    if not folder and path.is_dir():
        raise InputError(f"{option} {out}: is a folder; give a file name")
    if folder and not force:
        own = (path / MARKER).exists() and replace_own
        if not own and (any(path.iterdir()) or not replace_own):
            raise InputError(
                f"{option} {out}: already exists and holds files claimkit did not write; "
                "choose a new folder or pass --force to replace it"
                if replace_own
                else f"{option} {out}: already exists; choose a new folder or pass --force to replace it"
            )
    return path


@contextlib.contextmanager
def atomic_dir(out: str | Path) -> Iterator[Path]:
    """Yield a temp folder beside ``out``; on success it replaces ``out`` in one rename.

    An exception (or a kill) leaves ``out`` as it was; the half-written temp folder is removed
    now (or, after a kill, by the next run that writes ``out``). The folder gets a marker file
    so a later run may replace it.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(out)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(out, "tmp"), dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        (tmp / MARKER).write_text("written by claimkit; a later run may replace this folder\n")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=_temp_prefix(out, "old"), dir=out.parent))
            os.replace(out, old / out.name)
            try:
                os.replace(tmp, out)
            except OSError:
                os.replace(old / out.name, out)  # put the previous output back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "w", permissions: int | None = None) -> Iterator[Any]:
    """Open a temp file beside ``path``; it becomes ``path`` only if the block succeeds.

    ``permissions`` (e.g. 0o600 for a file holding a password) is set before any byte is written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path, "tmp"), dir=path.parent)
    # mkstemp makes 0600; the result keeps the mode of the file it replaces, or gets a new file's
    if permissions is not None:
        file_mode = permissions
    else:
        try:
            file_mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            file_mode = 0o666 & ~_umask()
    os.chmod(tmp, file_mode)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_lines(handle: Any, records: Iterable[dict[str, Any]]) -> None:
    """Write records to an open text file as JSON lines."""
    for record in records:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> None:
    """Write records as JSON lines, atomically."""
    with atomic_file(path) as handle:
        write_lines(handle, records)


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
