"""Take docs/screenshots/labelling.png: the labelling interface in headless Chromium.

    python docs/screenshots/take_labelling_screenshot.py [--data-dir DIR] [--out PNG]

Starts (or reuses) a local Label Studio, pushes the seed sentences to a project, logs in with the
admin's web session, and drives Chromium over the DevTools protocol (websocket-client, dev extra):
set the session cookies, open a task, wait for the UI, capture. Needs `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


class DevTools:
    """A minimal Chrome DevTools Protocol client over one websocket."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.ids = itertools.count(1)

    def send(self, method: str, **params: object) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})


def shoot(chromium: str, state: Any, pages: list[tuple[str, Path]], wait: float) -> None:
    """Log in as the server's admin in headless Chromium and capture each (url, png) page."""
    from annotate import client

    session = client.web_login(state.url, state.username, state.password)
    cookies = [
        {"name": name, "value": value, "domain": "127.0.0.1", "path": "/"}
        for name, value in session.cookies.items()
    ]
    session.close()
    profile = Path(tempfile.mkdtemp(prefix="shot-")) / "chrome"
    proc = subprocess.Popen(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,860",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as resp:
            page = next(p for p in json.load(resp) if p["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.send("Network.enable")
        tools.send("Network.setCookies", cookies=cookies)
        tools.send("Page.enable")
        for url, out in pages:
            tools.send("Page.navigate", url=url)
            time.sleep(wait)
            shot = tools.send("Page.captureScreenshot", format="png")
            out.write_bytes(base64.b64decode(shot["data"]))
            print(f"wrote {out} ({url})")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def capture(description: str, out: Path, pick: Callable[[str, Path], tuple[int, int]]) -> int:
    """Parse the screenshot options, serve Label Studio, let ``pick(data_dir, workdir)`` fill a
    project and name ``(project id, task id)``, and capture that task."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-dir", help="Label Studio data dir (default: a temp one)")
    parser.add_argument("--out", default=str(out))
    parser.add_argument("--wait", type=float, default=12.0, help="seconds for the UI to render")
    args = parser.parse_args()

    from annotate import studio

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium not found: apt-get install -y chromium")
    work = Path(tempfile.mkdtemp(prefix="shot-"))
    data_dir = args.data_dir or str(work / "studio")
    with studio.serving(data_dir, keep=bool(args.data_dir)) as state:
        project_id, task_id = pick(data_dir, work)
        url = f"{state.url}/projects/{project_id}/data?tab=1&task={task_id}"
        shoot(chromium, state, [(url, Path(args.out))], args.wait)
    return 0


def _seed_task(data_dir: str, work: Path) -> tuple[int, int]:
    from annotate import client
    from annotate.push import push
    from claimkit.ingest import ingest

    ingest([ROOT / "data" / "articles" / "seeds"], work / "sentences", progress=False)
    title = "claimkit screenshot"
    push(work / "sentences", title, data_dir=data_dir, progress=False)
    admin = client.connect(data_dir=data_dir)
    project = admin.get_project(title)
    tasks = sorted(admin.iter_tasks(project.id), key=lambda t: t.id)
    # a sentence with context on both sides reads best
    task = next(t for t in tasks if t.data["context_before"] and t.data["context_after"])
    return project.id, task.id


def main() -> int:
    return capture(__doc__.splitlines()[0], Path(__file__).with_name("labelling.png"), _seed_task)


if __name__ == "__main__":
    sys.exit(main())
