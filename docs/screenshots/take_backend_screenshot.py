"""Take docs/screenshots/backend.png and backend-sorted.png: a task with the model backend's
suggestion, and the Data Manager sorted by prediction score (least sure first).

    python docs/screenshots/take_backend_screenshot.py --data-dir DIR [--project TITLE]

Uses a running local Label Studio (`claimkit studio start --data-dir DIR`) whose project is
connected to a running `claimkit studio backend --connect TITLE`; asks the backend for every
task's suggestion (the Data Manager's "Retrieve predictions" action), then drives headless
Chromium as take_labelling_screenshot.py does. Needs `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from take_labelling_screenshot import DevTools  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, help="the running Label Studio's data dir")
    parser.add_argument("--project", default="claimkit sentences")
    parser.add_argument("--out", default=str(Path(__file__).parent))
    parser.add_argument("--wait", type=float, default=12.0, help="seconds for the UI to render")
    args = parser.parse_args()

    from annotate import client, studio

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium not found: apt-get install -y chromium")
    state = studio.read_state(args.data_dir)
    if state is None:
        sys.exit(f"no Label Studio recorded in {args.data_dir}")
    admin = client.connect(data_dir=args.data_dir)
    project = admin.get_project(args.project)
    admin.ls.actions.create(
        id="retrieve_tasks_predictions",
        project=project.id,
        selected_items={"all": True, "excluded": []},
    )
    tasks = sorted(admin.iter_tasks(project.id), key=lambda t: t.id)
    task = next(t for t in tasks if t.data["context_before"] and t.data["context_after"])
    # a Data Manager tab ordered by the prediction score, least sure first
    view = admin.ls.views.create(
        project=project.id,
        data={"title": "least sure first", "ordering": ["tasks:predictions_score"]},
    )
    session = client.web_login(state.url, state.username, state.password)
    cookies = [
        {"name": name, "value": value, "domain": "127.0.0.1", "path": "/"}
        for name, value in session.cookies.items()
    ]
    session.close()
    work = Path(tempfile.mkdtemp(prefix="shot-"))
    proc = subprocess.Popen(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1400,860",
            f"--user-data-dir={work / 'chrome'}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = work / "chrome" / "DevToolsActivePort"
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
        for name, url in (
            ("backend.png", f"{state.url}/projects/{project.id}/data?tab={view.id}&task={task.id}"),
            ("backend-sorted.png", f"{state.url}/projects/{project.id}/data?tab={view.id}"),
        ):
            tools.send("Page.navigate", url=url)
            time.sleep(args.wait)
            shot = tools.send("Page.captureScreenshot", format="png")
            out = Path(args.out) / name
            out.write_bytes(base64.b64decode(shot["data"]))
            print(f"wrote {out} ({url})")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
