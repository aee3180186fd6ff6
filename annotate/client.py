"""Connect to Label Studio: where (args, env, local server), auth, retries, one-line errors."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from claimkit.errors import StudioError

from . import interface, studio

T = TypeVar("T")

RETRIES = 4  # attempts after the first on transient errors
BACKOFF = 0.5  # seconds, doubled each attempt (with jitter)
TIMEOUT = 120.0  # per request; exports of large projects take a while
TRANSIENT_STATUS = {408, 429, 502, 503, 504}


@dataclass(frozen=True)
class Connection:
    """Where the server is and how to authenticate; `local` is set for the embedded server."""

    url: str
    api_key: str
    local: studio.ServerState | None = None

    @property
    def source(self) -> str:
        return "local server" if self.local else self.url


def resolve_connection(
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> Connection:
    """--url/--api-key, else LABEL_STUDIO_URL/LABEL_STUDIO_API_KEY, else the local server's state."""
    url = url or os.environ.get("LABEL_STUDIO_URL") or None
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY") or None
    if url:
        if not api_key:
            raise StudioError(
                f"no API key for {url}: pass --api-key or set LABEL_STUDIO_API_KEY "
                "(Label Studio: Account & Settings > Personal Access Token)"
            )
        return Connection(url.rstrip("/"), api_key)
    running, state = studio.status(data_dir)
    if state is None or not running:
        where = studio.data_dir_of(data_dir)
        raise StudioError(
            f"no Label Studio server: run `claimkit studio start` (data dir {where}) "
            "or pass --url and --api-key"
        )
    return Connection(state.url, api_key or state.token, local=state)


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        errors = body.get("validation_errors")
        if errors:
            return str(errors)[:300]
        return str(body.get("detail") or body)[:300]
    if isinstance(body, str) and body.lstrip().startswith("<"):
        return "HTML error page"
    return str(body)[:300] if body else type(exc).__name__


def studio_error(
    exc: BaseException, conn: Connection | None = None, what: str = "", attempts: int = 1
) -> StudioError:
    """A one-line StudioError for an SDK/httpx exception."""
    import httpx

    where = conn.url if conn else "Label Studio"
    doing = f" while {what}" if what else ""
    if isinstance(exc, StudioError):
        return exc
    if isinstance(exc, httpx.ConnectError):
        hint = "run `claimkit studio start`" if conn is None or conn.local else "check --url"
        return StudioError(f"cannot reach Label Studio at {where}{doing}: is it running? ({hint})")
    if isinstance(exc, httpx.TimeoutException):
        return StudioError(f"Label Studio at {where} timed out{doing} after {attempts} attempt(s)")
    if isinstance(exc, httpx.HTTPError):
        return StudioError(f"HTTP error talking to {where}{doing}: {exc}")
    status = getattr(exc, "status_code", None)
    detail = _detail(exc)
    if status == 401 or (status is None and "api_key" in detail):
        if "legacy token" in detail:
            return StudioError(
                f"{where} refuses legacy API tokens: use a Personal Access Token (Account & Settings) "
                "or enable legacy tokens under Organization > API Tokens Settings"
            )
        if status is None:
            return StudioError("no API key: pass --api-key or set LABEL_STUDIO_API_KEY")
        return StudioError(
            f"{where} rejected the API key ({detail}): the token is wrong or expired; "
            "pass a valid --api-key / LABEL_STUDIO_API_KEY"
        )
    if status == 403:
        return StudioError(f"{where} denied access{doing} ({detail}): the user lacks permission")
    if status == 404:
        return StudioError(f"not found on {where}{doing} ({detail})")
    if status is not None:
        return StudioError(f"Label Studio answered {status}{doing}: {detail}")
    return StudioError(f"Label Studio error{doing}: {detail}")


def is_transient(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TimeoutException | httpx.RemoteProtocolError | httpx.ReadError):
        return True
    if isinstance(exc, httpx.ConnectError):
        return False  # refused at once: a stopped server; waiting would only delay the message
    return getattr(exc, "status_code", None) in TRANSIENT_STATUS


class Studio:
    """A connected Label Studio client with retries and error mapping."""

    def __init__(self, conn: Connection, timeout: float = TIMEOUT, retries: int = RETRIES):
        from label_studio_sdk import LabelStudio

        self.conn = conn
        self.retries = retries
        # SDK retries are off: it also retries POSTs on 500/409, and we retry imports ourselves
        # only after checking what the server already has.
        self.ls = LabelStudio(
            base_url=conn.url, api_key=conn.api_key, timeout=timeout, max_retries=0
        )

    def call(
        self,
        what: str,
        fn: Callable[..., T],
        *args: Any,
        before_retry: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> T:
        """fn(*args, **kwargs), retried with backoff on transient errors; errors become StudioError."""
        for attempt in range(self.retries + 1):
            try:
                return fn(*args, **kwargs)
            except StudioError:
                raise
            except Exception as exc:
                if attempt == self.retries or not is_transient(exc):
                    raise studio_error(exc, self.conn, what, attempt + 1) from exc
                time.sleep(BACKOFF * 2**attempt * (0.75 + random.random() / 2))
                if before_retry is not None:
                    before_retry()
        raise AssertionError("unreachable")

    def whoami(self) -> Any:
        return self.call("checking the API key", self.ls.users.whoami)

    # -- projects ----------------------------------------------------------------------------
    def find_project(self, title: str) -> Any | None:
        """The project with exactly this title, or None; two with the same title is an error."""
        listed: list[Any] = self.call(
            "listing projects", lambda: list(self.ls.projects.list(title=title))
        )
        found = [p for p in listed if p.title == title]
        if len(found) > 1:
            ids = ", ".join(str(p.id) for p in found)
            raise StudioError(f"{len(found)} projects are titled {title!r} (ids {ids}): rename one")
        return found[0] if found else None

    def get_project(
        self, title: str, check: Callable[[str, Any], None] = interface.check_project_labels
    ) -> Any:
        """An existing claimkit project by title (interface checked by ``check``), or an error."""
        project = self.find_project(title)
        if project is None:
            raise StudioError(
                f"no project titled {title!r} on {self.conn.url}: check --project "
                "or create it with `claimkit annotate push`"
            )
        full = self.call("reading the project", self.ls.projects.get, id=project.id)
        check(title, full.parsed_label_config)
        return full

    def ensure_project(
        self,
        title: str,
        description: str = "",
        label_config: str | None = None,
        *,
        check: Callable[[str, Any], None] = interface.check_project_labels,
        guideline: Path | None = None,
    ) -> tuple[Any, bool]:
        """(project, created): find by title (interface checked by ``check``) or create with
        claimkit's interface (or `label_config`) and the guideline as its instructions."""
        if self.find_project(title) is not None:
            return self.get_project(title, check), False
        project = self.call(
            "creating the project",
            self.ls.projects.create,
            title=title,
            description=description,
            label_config=label_config or interface.label_config(),
            expert_instruction=interface.instructions_html(guideline),
            show_instruction=True,
            show_skip_button=True,
        )
        return project, True

    def iter_tasks(
        self, project_id: int, include: str = "id,data", page_size: int = 2000
    ) -> Iterator[Any]:
        """All tasks of a project, `include` fields only (much faster than the default 'all')."""

        def fetch(page: int) -> list[Any]:
            pager: Any = self.ls.tasks.list(
                project=project_id, include=include, page=page, page_size=page_size
            )
            return list(pager.items or [])

        page = 1
        while True:
            try:
                batch = self.call("listing tasks", fetch, page)
            except StudioError as exc:
                if "Invalid page" in str(exc) or "not found" in str(exc):
                    return  # the page past the end answers 404
                raise
            yield from batch or []
            if not batch or len(batch) < page_size:
                return
            page += 1

    # -- users -------------------------------------------------------------------------------
    def users(self) -> dict[int, str]:
        """Organization members: id -> email."""
        return {
            u.id: u.email for u in self.call("listing users", lambda: list(self.ls.users.list()))
        }

    def ensure_user(self, email: str, password: str | None = None) -> int:
        """The id of the member `email`; on a local server a missing user is created by sign-up."""
        for uid, known in self.users().items():
            if known.lower() == email.lower():
                return uid
        if self.conn.local is None:
            raise StudioError(
                f"annotator {email!r} is not a member of {self.conn.url}: invite them first "
                "(Organization > Add People) or pick an existing --annotator"
            )
        signup(self.conn.url, email, password or _random_password())
        for uid, known in self.users().items():
            if known.lower() == email.lower():
                return uid
        raise StudioError(f"could not create the Label Studio user {email!r} on {self.conn.url}")


def _random_password() -> str:
    import secrets

    return secrets.token_urlsafe(12)


def _form_post(url: str, path: str, form: dict[str, str]) -> Any:
    """GET then POST a Django form with its CSRF token; returns the logged-in httpx client."""
    import httpx

    client = httpx.Client(base_url=url, timeout=30.0, follow_redirects=False)
    try:
        client.get(path)
        token = client.cookies.get("csrftoken") or ""
        resp = client.post(
            path,
            data={**form, "csrfmiddlewaretoken": token},
            headers={"Referer": url + path},
        )
    except httpx.HTTPError as exc:
        client.close()
        raise studio_error(exc) from exc
    if resp.status_code != 302:
        client.close()
        raise StudioError(
            f"Label Studio refused {path} for {form.get('email')!r} ({resp.status_code})"
        )
    return client


def signup(url: str, email: str, password: str) -> None:
    """Create a user through the open sign-up form (the API's users.create sets no password)."""
    _form_post(url, "/user/signup/", {"email": email, "password": password}).close()


def web_login(url: str, email: str, password: str) -> Any:
    """An httpx client logged in to the web UI (cookies: sessionid, csrftoken)."""
    return _form_post(url, "/user/login/", {"email": email, "password": password})


def personal_token(url: str, email: str, password: str) -> str:
    """A Personal Access Token for a user, via web login (used to act as another annotator)."""
    client = web_login(url, email, password)
    try:
        headers = {"X-CSRFToken": client.cookies.get("csrftoken") or "", "Referer": url + "/"}
        resp = client.post("/api/token/", headers=headers)
        if resp.status_code != 201:
            raise StudioError(
                f"could not make a token for {email!r} ({resp.status_code}: {resp.text[:200]})"
            )
        return str(resp.json()["token"])
    finally:
        client.close()


def connect(
    url: str | None = None,
    api_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    check: bool = True,
) -> Studio:
    """A checked client (the token is verified at once, so a bad one fails with a clear line)."""
    client = Studio(resolve_connection(url, api_key, data_dir))
    if check:
        client.whoami()
    return client
