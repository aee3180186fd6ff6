"""The embedded local Label Studio server: start, stop, status.

Data (SQLite, uploads, exports, the SECRET_KEY in ``.env``) live in one folder of the working directory,
default ``.claimkit/studio/``; ``claimkit-server.json`` in it records URL, PID, login and API token.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from claimkit.datafiles import atomic_file
from claimkit.errors import StudioError

DEFAULT_DATA_DIR = Path(".claimkit") / "studio"
DEFAULT_PORT = 8080
BACKEND_PORT = 9090  # claimkit's model backend; the port of Label Studio's own ML examples
STATE_FILE = "claimkit-server.json"
LOG_FILE = "server.log"
ADMIN_EMAIL = "admin@claimkit.local"
HOST = "127.0.0.1"
# The first start runs all migrations (~30-40 s on 2 cores); restarts take ~5 s.
START_TIMEOUT = 240.0


@dataclass
class ServerState:
    """What `studio start` recorded about the local server."""

    data_dir: str
    url: str
    port: int
    pid: int | None
    username: str
    password: str
    token: str
    log: str
    started: float = 0.0
    reused: bool = field(default=False, compare=False)
    # the model backend started with it (`studio start --with-backend`), if any
    backend_pid: int | None = None
    backend_url: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("reused")
        return data


def data_dir_of(data_dir: str | os.PathLike[str] | None) -> Path:
    """The server's data folder as an absolute path (default `.claimkit/studio/` in the CWD)."""
    return Path(data_dir if data_dir is not None else DEFAULT_DATA_DIR).expanduser().resolve()


def state_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    return data_dir_of(data_dir) / STATE_FILE


def read_state(data_dir: str | os.PathLike[str] | None = None) -> ServerState | None:
    """The recorded state, or None when the server was never started in this folder."""
    path = state_path(data_dir)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerState(**data)
    except (ValueError, TypeError) as exc:
        raise StudioError(
            f"{path} is damaged ({exc}): delete it and run `claimkit studio start`"
        ) from exc


def _write_state(state: ServerState) -> None:
    # private: it holds the admin password and token
    with atomic_file(Path(state.data_dir) / STATE_FILE, permissions=0o600) as handle:
        handle.write(json.dumps(state.as_json(), indent=2) + "\n")


def label_studio_executable() -> Path:
    """The `label-studio` script of the server extra, next to this Python interpreter."""
    exe = Path(sys.executable).parent / "label-studio"
    if not exe.is_file():
        raise StudioError(
            "the Label Studio server is not installed in this environment "
            f"({exe} not found): pip install 'claimkit[server]'"
        )
    return exe


# Label Studio's default banned subnets (label_studio/core/utils/io.py, validate_ip, 1.23.2)
# less exactly 127.0.0.0/8: the server claimkit starts may reach a model backend on the
# loopback address (and that backend's webhook), nothing else reserved. A test checks this list
# against the installed server's own.
BANNED_EXCEPT_LOOPBACK = (
    "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,169.254.0.0/16,172.16.0.0/12,192.0.0.0/24,"
    "192.0.2.0/24,192.88.99.0/24,192.168.0.0/16,198.18.0.0/15,198.51.100.0/24,203.0.113.0/24,"
    "224.0.0.0/4,233.252.0.0/24,240.0.0.0/4,255.255.255.255/32,::/128,::1/128,::ffff:0:0/96,"
    "::ffff:0:0:0/96,64:ff9b::/96,64:ff9b:1::/48,100::/64,2001:0000::/32,2001:20::/28,"
    "2001:db8::/32,2002::/16,fc00::/7,fe80::/10,ff00::/8"
)


def server_env(data_dir: Path, state: ServerState | None = None) -> dict[str, str]:
    """Environment for any `label-studio` call: data in `data_dir`, no outbound calls."""
    env = dict(os.environ)
    # get_env(NAME) also reads bare NAME: a stray USERNAME/PASSWORD/PORT/HOST must not leak in.
    for name in ("USERNAME", "PASSWORD", "PORT", "HOST", "USER_TOKEN", "DATA_DIR"):
        env.pop(name, None)
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LATEST_VERSION_CHECK="false",
        COLLECT_ANALYTICS="false",
        # Read only when the organization is created, i.e. on the very first start.
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        # SSRF protection stays on; only 127.0.0.0/8 leaves the banned list (a local backend)
        SSRF_PROTECTION_ENABLED="true",
        ML_BLOCK_LOCAL_IP="true",
        USE_DEFAULT_BANNED_SUBNETS="false",
        USER_ADDITIONAL_BANNED_SUBNETS=BANNED_EXCEPT_LOOPBACK,
    )
    if state is not None:
        env.update(
            LABEL_STUDIO_USERNAME=state.username,
            LABEL_STUDIO_PASSWORD=state.password,
            LABEL_STUDIO_USER_TOKEN=state.token,
        )
    return env


def health(url: str, timeout: float = 2.0) -> bool:
    """True when the server at `url` answers /health."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def pid_alive(
    pid: int | None, marks: tuple[bytes, ...] = (b"label-studio", b"label_studio")
) -> bool:
    """True when `pid` runs a process whose command line holds one of ``marks`` (a server, by
    default), not a recycled PID of something else."""
    if not pid:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    return any(mark in cmdline for mark in marks)


def backend_alive(pid: int | None) -> bool:
    """True when `pid` is a running `claimkit studio backend`."""
    return pid_alive(pid, (b"studio\x00backend",))


def port_free(port: int) -> bool:
    """Whether the server could listen on ``port`` now.

    The server binds with SO_REUSEADDR, so connections of a just-stopped server in TIME_WAIT do
    not block it; without the flag here a restart moved to a random port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def status(data_dir: str | os.PathLike[str] | None = None) -> tuple[bool, ServerState | None]:
    """(running, state): running means the recorded PID lives and /health answers."""
    state = read_state(data_dir)
    if state is None:
        return False, None
    return (pid_alive(state.pid) and health(state.url)), state


def start(
    data_dir: str | os.PathLike[str] | None = None,
    port: int | None = None,
    timeout: float = START_TIMEOUT,
) -> ServerState:
    """Start the local server (or reuse the running one) and wait until it answers."""
    folder = data_dir_of(data_dir)
    running, old = status(folder)
    if running and old is not None:
        old.reused = True
        return old
    exe = label_studio_executable()
    folder.mkdir(parents=True, exist_ok=True)
    if port is None:
        port = old.port if old and port_free(old.port) else DEFAULT_PORT
        if not port_free(port):
            port = free_port()
    elif not port_free(port):
        raise StudioError(f"port {port} on {HOST} is in use: pass another --port or omit it")
    state = ServerState(
        data_dir=str(folder),
        url=f"http://{HOST}:{port}",
        port=port,
        pid=None,
        # Credentials are made once per data folder and kept: the database holds the same ones.
        username=old.username if old else ADMIN_EMAIL,
        password=old.password if old else secrets.token_urlsafe(12),
        token=old.token if old else secrets.token_hex(20),
        log=str(folder / LOG_FILE),
        # a backend still running from before stays known, so `stop` still stops it
        backend_pid=old.backend_pid if old and backend_alive(old.backend_pid) else None,
        backend_url=old.backend_url if old and backend_alive(old.backend_pid) else "",
    )
    cmd = [str(exe), "start", "--no-browser", "--internal-host", HOST, "--port", str(port)]
    cmd += ["--data-dir", str(folder)]
    with open(state.log, "ab") as log:
        proc = subprocess.Popen(
            cmd,
            env=server_env(folder, state),
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the CLI; its own group so Ctrl-C here leaves it be
        )
    state.pid = proc.pid
    state.started = time.time()
    _write_state(state)
    _wait_until_up(proc, state.url, timeout, "Label Studio", state.log)
    return state


def _wait_until_up(
    proc: subprocess.Popen[bytes],
    url: str,
    timeout: float,
    what: str,
    log: str,
    alive: Any = pid_alive,
) -> None:
    """Return once ``url`` answers /health; a process that exits or never answers is an error
    (and one that never answers is stopped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StudioError(
                f"{what} exited with code {proc.returncode} while starting: see {log}"
                f" ({_last_line(log)})"
            )
        if health(url, timeout=1.0):
            return
        time.sleep(0.2)
    _terminate(proc.pid, alive=alive)
    raise StudioError(f"{what} did not answer on {url} within {timeout:.0f} s: see {log}")


def _last_line(path: str) -> str:
    with contextlib.suppress(OSError):
        lines = [ln for ln in Path(path).read_text(errors="replace").splitlines() if ln.strip()]
        if lines:
            return lines[-1].strip()[:200]
    return "no output"


def _terminate(pid: int, timeout: float = 15.0, alive: Any = pid_alive) -> None:
    # SIGTERM: SIGINT is ignored by a server started in the background by a non-interactive shell.
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our own child
        if not alive(pid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def start_backend(
    data_dir: str | os.PathLike[str] | None = None,
    port: int | None = None,
    timeout: float = 120.0,
) -> ServerState:
    """Start the model backend (`claimkit studio backend`) beside the server of ``data_dir``,
    in the background, or reuse the one running; its PID and URL go into the server's state."""
    state = read_state(data_dir)
    if state is None:
        raise StudioError(
            f"no Label Studio in {data_dir_of(data_dir)}: run `claimkit studio start`"
        )
    if backend_alive(state.backend_pid):
        # running: reuse it once it answers (never start a second one and forget the first)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if health(state.backend_url, timeout=1.0):
                return state
            time.sleep(0.2)
        raise StudioError(
            f"the model backend (pid {state.backend_pid}) does not answer on "
            f"{state.backend_url}: see {Path(state.data_dir) / 'backend.log'}, or stop it with "
            "`claimkit studio stop`"
        )
    port = port or (BACKEND_PORT if port_free(BACKEND_PORT) else free_port())
    if not port_free(port):
        raise StudioError(f"port {port} on {HOST} is in use: pass another --backend-port")
    folder = Path(state.data_dir)
    cmd = [sys.executable, "-m", "claimkit.cli", "studio", "backend", "--data-dir", str(folder)]
    cmd += ["--port", str(port), "--workdir", str(folder / "backend")]
    with open(folder / "backend.log", "ab") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    state.backend_pid, state.backend_url = proc.pid, f"http://{HOST}:{port}"
    _write_state(state)
    log_path = str(folder / "backend.log")
    _wait_until_up(proc, state.backend_url, timeout, "the model backend", log_path, backend_alive)
    return state


def stop_backend(data_dir: str | os.PathLike[str] | None = None) -> bool:
    """Stop the model backend recorded in ``data_dir``; True if one was running."""
    state = read_state(data_dir)
    if state is None or not state.backend_pid:
        return False
    running = backend_alive(state.backend_pid)
    if running:
        _terminate(state.backend_pid, alive=backend_alive)
    state.backend_pid = None
    _write_state(state)
    return running


def stop(data_dir: str | os.PathLike[str] | None = None) -> ServerState | None:
    """Stop the server recorded in `data_dir` (and its model backend) by PID; returns its state
    (None if none ran)."""
    stop_backend(data_dir)
    state = read_state(data_dir)
    if state is None or not pid_alive(state.pid):
        if state is not None and state.pid:
            state.pid = None
            _write_state(state)
        return None
    assert state.pid is not None
    _terminate(state.pid)
    # a worker of the server may hold the listening socket a moment longer; stopped means the
    # port is free again, so the next start gets the same URL
    deadline = time.monotonic() + 10
    while not port_free(state.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    stopped = ServerState(**state.as_json())
    state.pid = None
    _write_state(state)
    return stopped


@contextlib.contextmanager
def serving(
    data_dir: str | os.PathLike[str] | None = None, *, keep: bool = False
) -> Iterator[ServerState]:
    """A server for the block (tests, benchmarks, scripts): on a free port, stopped afterwards;
    with ``keep``, the server of ``data_dir`` is reused (or started on its usual port) and left running."""
    state = start(data_dir, port=None if keep else free_port())
    try:
        yield state
    finally:
        if not keep:
            stop(data_dir)
