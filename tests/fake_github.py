"""The one fake of GitHub's REST API that every test uses.

`FakeGitHub` keeps GitHub's state in plain dicts (installations, repositories with files
per commit, pull requests, check runs, reviews, issues and comments) and answers the REST
endpoints chronolog calls with bodies shaped like GitHub's, errors included
(`{"message": ..., "documentation_url": ...}`). Every request is recorded in `requests`.

Use it with respx (`respx_mock.route(host="api.github.com").mock(side_effect=fake.handle)`)
or as a real HTTP server (`with serve(fake) as url:`) for end-to-end tests. `fail(...)`
makes the next matching requests answer with an error (or time out); `fail_at_random(...)`
answers a share of all requests with one (load benchmarks). The app's webhook
deliveries (`GET /app/hook/deliveries`, redelivery) are seeded with `add_hook_delivery`.
Webhook helpers at the bottom load real payloads from tests/fixtures/webhooks (as fresh
copies) and sign them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import difflib
import hashlib
import hmac
import itertools
import json
import random
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import WEBHOOKS

WEB = "https://github.com"
API = "https://api.github.com"
DOCS = "https://docs.github.com/rest"
EPOCH = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def blob_sha(content: bytes) -> str:
    """Git's blob id of `content`, as GitHub reports it in `sha` fields."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def github_patch(base: str | None, head: str | None) -> str:
    """The `patch` GitHub gives for one file: unified-diff hunks, no `---`/`+++` header."""
    old = [] if base is None else base.splitlines()
    new = [] if head is None else head.splitlines()
    lines = list(difflib.unified_diff(old, new, n=3, lineterm=""))
    return "\n".join(lines[2:])


def hunk_ranges(patch: str) -> list[tuple[int, int]]:
    """The new-side line ranges (inclusive) of each hunk of a patch."""
    ranges = []
    for match in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", patch, re.MULTILINE):
        start, count = int(match.group(1)), int(match.group(2) or 1)
        ranges.append((start, start + count - 1))
    return ranges


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Recorded:
    """One request as GitHub received it."""

    method: str
    path: str  # without the API prefix, e.g. /repos/o/r/check-runs
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    timeout: dict[str, Any] | None = None  # the client's timeouts, as httpx passed them

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int
    timeout: bool = False
    # GitHub did the work but the answer never arrived intact (a timeout on our side).
    carried_out: bool = False


@dataclass
class RandomFailure:
    rate: float  # the share of requests answered with it, 0 to 1
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    carried_out: bool  # writes are done before the error is answered


@dataclass
class FakeRepo:
    owner: str
    name: str
    id: int
    default_branch: str = "main"
    archived: bool = False
    installation_id: int | None = None
    refs: dict[str, str] = field(default_factory=dict)  # branch -> commit sha
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)  # commit sha -> files
    has_issues: bool = True  # False: issues are turned off, creating one answers 410

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def files_at(self, ref: str) -> dict[str, bytes] | None:
        return self.trees.get(self.refs.get(ref, ref))

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "node_id": f"R_{self.id}",
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "owner": {"login": self.owner, "id": self.id * 10, "type": "User"},
            "html_url": f"{WEB}/{self.full_name}",
            "url": f"{API}/repos/{self.full_name}",
            "default_branch": self.default_branch,
            "archived": self.archived,
            "has_issues": self.has_issues,
        }


@dataclass
class FakePull:
    number: int
    title: str
    author: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    head_repo: str  # full name; differs from the base repository for a fork
    maintainer_can_modify: bool = False
    state: str = "open"
    draft: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)


class FakeGitHub:
    """GitHub's REST API over in-memory state. Not thread-safe beyond one lock per request."""

    def __init__(
        self,
        *,
        app_id: int = 1,
        app_slug: str = "chronolog",
        public_key: Any = None,
        prefix: str = "",
        token_lifetime: dt.timedelta = dt.timedelta(hours=1),
    ) -> None:
        self.app = {
            "id": app_id,
            "slug": app_slug,
            "name": "chronolog",
            "owner": {"login": "chronolog-dev", "id": 99, "type": "Organization"},
            "html_url": f"{WEB}/apps/{app_slug}",
            "description": "Keeps dated Markdown logs honest",
        }
        self.public_key = public_key  # verify app JWTs when given
        self.prefix = prefix  # "/api/v3" to act as GitHub Enterprise Server
        self.token_lifetime = token_lifetime
        self.installations: dict[int, dict[str, Any]] = {}
        self.repos: dict[str, FakeRepo] = {}
        self.pulls: dict[tuple[str, int], FakePull] = {}
        self.check_runs: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.review_comments: list[dict[str, Any]] = []
        self.issues: dict[tuple[str, int], dict[str, Any]] = {}
        self.issue_comments: dict[int, dict[str, Any]] = {}
        self.transferred: dict[tuple[str, int], tuple[str, int]] = {}  # old -> new issue
        # False: `GET /issues?creator=<app>[bot]` lists nothing, for code that must not
        # rely on GitHub filtering on a bot's login.
        self.creator_matches_bots = True
        self.commits: list[dict[str, Any]] = []  # made through PUT contents
        self.tokens: dict[str, tuple[int, dt.datetime]] = {}
        self.hook_deliveries: list[dict[str, Any]] = []  # oldest first
        self.redelivered: list[int] = []  # delivery ids asked to be redelivered
        # The status code a redelivery's new attempt records (the fake sends nothing: a
        # test delivers the webhook itself when it needs to).
        self.redelivery_status_code = 200
        # Called with the guid of each delivery asked for again (an end-to-end test sends
        # the webhook then, as GitHub would).
        self.on_redeliver: Callable[[str], None] | None = None
        # (method, path regex, seconds): how long the served fake waits before answering.
        self.latency: list[tuple[str, re.Pattern[str], float]] = []
        # Codes GitHub's redirect carries after a manifest registration -> (pem, secret).
        self.manifest_codes: dict[str, tuple[str, str]] = {}
        # The web side of a registration (github.com/settings/apps/new): the private key the
        # app registered through the form gets, and each manifest the form received.
        self.registration_pem: str | None = None
        self.registration_webhook_secret = "webhook secret of the registered app"
        self.registered_manifests: list[dict[str, Any]] = []
        self.requests: list[Recorded] = []
        self.failures: list[Failure] = []
        self.random_failures: list[RandomFailure] = []
        self.injected: Counter[int] = Counter()  # random failures answered, by status
        self._random = random.Random(0)
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., httpx.Response]]] = [
            (method, re.compile(f"^{pattern}$"), handler)
            for method, pattern, handler in (
                ("GET", r"/app", self._get_app),
                ("POST", r"/app-manifests/([^/]+)/conversions", self._convert_manifest),
                ("POST", r"/settings/apps/new", self._register_from_manifest),
                ("POST", r"/organizations/[^/]+/settings/apps/new", self._register_from_manifest),
                ("POST", r"/app/installations/(\d+)/access_tokens", self._create_token),
                ("GET", r"/app/hook/deliveries", self._list_deliveries),
                ("POST", r"/app/hook/deliveries/(\d+)/attempts", self._redeliver),
                ("GET", r"/repos/([^/]+)/([^/]+)", self._get_repo),
                ("GET", r"/repos/([^/]+)/([^/]+)/installation", self._get_repo_installation),
                ("GET", r"/repos/([^/]+)/([^/]+)/contents/(.+)", self._get_contents),
                ("PUT", r"/repos/([^/]+)/([^/]+)/contents/(.+)", self._put_contents),
                ("GET", r"/repos/([^/]+)/([^/]+)/pulls", self._list_pulls),
                ("GET", r"/repos/([^/]+)/([^/]+)/pulls/(\d+)", self._get_pull),
                ("GET", r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/files", self._list_pull_files),
                ("GET", r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/comments", self._list_review_comments),
                ("POST", r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews", self._create_review),
                ("GET", r"/repos/([^/]+)/([^/]+)/commits/([^/]+)/pulls", self._pulls_for_commit),
                ("GET", r"/repos/([^/]+)/([^/]+)/commits/([^/]+)/check-runs", self._list_runs),
                ("POST", r"/repos/([^/]+)/([^/]+)/check-runs", self._create_run),
                ("PATCH", r"/repos/([^/]+)/([^/]+)/check-runs/(\d+)", self._update_run),
                ("GET", r"/repos/([^/]+)/([^/]+)/issues", self._list_issues),
                ("POST", r"/repos/([^/]+)/([^/]+)/issues", self._create_issue),
                ("GET", r"/repos/([^/]+)/([^/]+)/issues/(\d+)", self._get_issue),
                ("PATCH", r"/repos/([^/]+)/([^/]+)/issues/(\d+)", self._update_issue),
                ("GET", r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", self._list_comments),
                ("POST", r"/repos/([^/]+)/([^/]+)/issues/(\d+)/comments", self._create_comment),
                ("PATCH", r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)", self._update_comment),
                ("DELETE", r"/repos/([^/]+)/([^/]+)/issues/comments/(\d+)", self._delete_comment),
                ("GET", r"/repos/([^/]+)/([^/]+)/compare/(.+)\.\.\.(.+)", self._compare),
                ("GET", r"/repos/([^/]+)/([^/]+)/branches/([^/]+)", self._get_branch),
                ("GET", r"/repos/([^/]+)/([^/]+)/git/trees/([^/]+)", self._get_tree),
            )
        ]

    # ---- building state -------------------------------------------------------------

    def add_installation(self, installation_id: int, account: str) -> dict[str, Any]:
        installation = {
            "id": installation_id,
            "account": {"login": account, "type": "Organization"},
            "app_id": self.app["id"],
            "app_slug": self.app["slug"],
            "repository_selection": "all",
            "html_url": f"{WEB}/organizations/{account}/settings/installations/{installation_id}",
        }
        self.installations[installation_id] = installation
        return installation

    def add_repo(
        self,
        full_name: str,
        *,
        repo_id: int | None = None,
        default_branch: str = "main",
        installation_id: int | None = None,
        archived: bool = False,
    ) -> FakeRepo:
        owner, name = full_name.split("/")
        repo = FakeRepo(
            owner,
            name,
            repo_id or next(self._ids),
            default_branch,
            archived,
            installation_id,
        )
        self.repos[full_name] = repo
        if installation_id is not None and installation_id not in self.installations:
            self.add_installation(installation_id, owner)
        return repo

    def set_files(self, full_name: str, ref: str, files: dict[str, str | bytes]) -> None:
        """Put `files` at commit `ref`; a branch name is pointed at a commit of its own."""
        repo = self.repos[full_name]
        encoded = {
            path: text if isinstance(text, bytes) else text.encode() for path, text in files.items()
        }
        if re.fullmatch(r"[0-9a-f]{40}", ref):
            repo.trees[ref] = encoded
        else:
            sha = hashlib.sha1(f"{full_name}:{ref}:{len(repo.trees)}".encode()).hexdigest()
            repo.trees[sha] = encoded
            repo.refs[ref] = sha

    def add_pull(
        self,
        full_name: str,
        number: int,
        *,
        base_files: dict[str, str],
        head_files: dict[str, str],
        base_sha: str,
        head_sha: str,
        author: str = "octocat",
        base_ref: str | None = None,
        head_ref: str = "changes",
        head_repo: str | None = None,
        maintainer_can_modify: bool = False,
        title: str = "Update the log",
        omit_patch: frozenset[str] = frozenset(),
    ) -> FakePull:
        """A pull request whose files list is computed from the two trees, GitHub-style."""
        repo = self.repos[full_name]
        base_ref = base_ref or repo.default_branch
        self.set_files(full_name, base_sha, dict(base_files))
        self.set_files(full_name, head_sha, dict(head_files))
        repo.refs.setdefault(base_ref, base_sha)
        repo.refs[head_ref] = head_sha
        pull = FakePull(
            number=number,
            title=title,
            author=author,
            base_ref=base_ref,
            base_sha=base_sha,
            head_ref=head_ref,
            head_sha=head_sha,
            head_repo=head_repo or full_name,
            maintainer_can_modify=maintainer_can_modify,
        )
        pull.files = self._pull_files(repo, base_files, head_files, head_sha, omit_patch)
        self.pulls[(full_name, number)] = pull
        self.issues[(full_name, number)] = self._issue(repo, number, title, author, is_pull=True)
        return pull

    def add_issue(
        self,
        full_name: str,
        number: int,
        *,
        title: str = "An issue",
        locked: bool = False,
        body: str | None = None,
        author: str = "octocat",
        state: str = "open",
    ) -> dict[str, Any]:
        issue = self._issue(self.repos[full_name], number, title, author, is_pull=False)
        issue.update(locked=locked, body=body, state=state)
        if author.endswith("[bot]"):
            issue["user"]["type"] = "Bot"
        self.issues[(full_name, number)] = issue
        return issue

    def issues_in(self, full_name: str) -> list[dict[str, Any]]:
        """The issues (not pull requests) of a repository, by number."""
        return [
            issue
            for (name, _), issue in sorted(self.issues.items(), key=lambda i: i[0][1])
            if name == full_name and "pull_request" not in issue
        ]

    def transfer_issue(
        self, full_name: str, number: int, new_full_name: str, new_number: int
    ) -> None:
        """Move an issue to another repository: its old address answers 301 from now on."""
        issue = self.issues.pop((full_name, number))
        new_repo = self.repos[new_full_name]
        moved = self._issue(new_repo, new_number, issue["title"], "octocat", is_pull=False)
        self.issues[(new_full_name, new_number)] = moved
        self.transferred[(full_name, number)] = (new_full_name, new_number)

    def comments_on(self, full_name: str, number: int) -> list[dict[str, Any]]:
        """The comments on an issue or pull request, oldest first."""
        return [
            comment
            for comment in self.issue_comments.values()
            if comment["_repo"] == full_name and comment["_issue"] == number
        ]

    def add_check_run(self, full_name: str, run: dict[str, Any]) -> dict[str, Any]:
        """Store a check run as GitHub sent it in a webhook (`check_run` of the payload)."""
        stored = {**run, "_repo": full_name, "_annotations": [], "_requests": []}
        stored["output"] = {k: run.get("output", {}).get(k) for k in ("title", "summary", "text")}
        self.check_runs.append(stored)
        return stored

    def add_hook_delivery(
        self,
        *,
        event: str = "pull_request",
        action: str | None = "opened",
        status_code: int = 200,
        delivered_at: dt.datetime | None = None,
        guid: str | None = None,
        redelivery: bool = False,
        installation_id: int | None = None,
        repository_id: int | None = None,
    ) -> dict[str, Any]:
        """One delivery of the app's webhook, shaped like `GET /app/hook/deliveries` items.

        `status` is "OK" for a 2xx, else GitHub's failure text ("Invalid HTTP Response:
        503", or "failed to connect" for `status_code=0`).
        """
        moment = delivered_at or dt.datetime.now(dt.UTC)
        if 200 <= status_code < 300:
            status = "OK"
        elif status_code == 0:
            status = "failed to connect"
        else:
            status = f"Invalid HTTP Response: {status_code}"
        delivery = {
            "id": next(self._ids),
            "guid": guid or str(uuid.uuid4()),
            "delivered_at": _iso(moment),
            "redelivery": redelivery,
            "duration": 0.27,
            "status": status,
            "status_code": status_code,
            "event": event,
            "action": action,
            "installation_id": installation_id,
            "repository_id": repository_id,
            "throttled_at": None,
        }
        self.hook_deliveries.append(delivery)
        return delivery

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        message: str | None = None,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        timeout: bool = False,
        carried_out: bool = False,
    ) -> None:
        """Answer the next `times` requests matching `method` and the `path` regex with an
        error, or with `timeout`, let them time out (httpx's `ReadTimeout`, as if GitHub
        never answered in the client's time). With `carried_out`, first do what they ask
        (as when GitHub did the work but the answer was lost)."""
        body: dict[str, Any] = {
            "message": message or httpx.codes.get_reason_phrase(status),
            "documentation_url": DOCS,
            "status": str(status),
        }
        if errors is not None:
            body["errors"] = errors
        self.failures.append(
            Failure(
                method,
                re.compile(f"^{path}$"),
                status,
                body,
                headers or {},
                times,
                timeout,
                carried_out,
            )
        )

    def slow(self, method: str, path: str, seconds: float) -> None:
        """When served over HTTP, wait `seconds` before answering `method` on `path` (regex)."""
        self.latency.append((method, re.compile(f"^{path}$"), seconds))

    def delay_for(self, method: str, path: str) -> float:
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :]
        return max(
            (
                seconds
                for m, pattern, seconds in self.latency
                if m == method and pattern.match(path)
            ),
            default=0.0,
        )

    def fail_at_random(
        self,
        rate: float,
        status: int,
        *,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        carried_out: bool = False,
        seed: int | None = None,
    ) -> None:
        """Answer a random `rate` (0 to 1) of all later requests with `status`, token
        exchanges included (for load benchmarks). Several calls add up: one draw per request
        picks at most one of them, so 0.2 of 502 and 0.05 of 403 fail a quarter of the
        requests. With `carried_out`, a write is done before its error is answered. `fail`
        takes precedence; `injected` counts what was answered."""
        if seed is not None:
            self._random.seed(seed)
        body = {
            "message": message or httpx.codes.get_reason_phrase(status),
            "documentation_url": DOCS,
            "status": str(status),
        }
        self.random_failures.append(RandomFailure(rate, status, body, headers or {}, carried_out))

    # ---- reading what happened -------------------------------------------------------

    def calls(self, route: str | None = None) -> list[Recorded]:
        """Recorded requests, optionally only those whose `METHOD /path` matches `route` (regex)."""
        if route is None:
            return list(self.requests)
        pattern = re.compile(f"^{route}$")
        return [r for r in self.requests if pattern.match(r.route)]

    def routes(self) -> list[str]:
        """`METHOD /path` of every request, the token exchanges left out."""
        return [r.route for r in self.requests if not r.path.endswith("/access_tokens")]

    def runs_for(self, full_name: str, head_sha: str | None = None) -> list[dict[str, Any]]:
        return [
            run
            for run in self.check_runs
            if run["_repo"] == full_name and (head_sha is None or run["head_sha"] == head_sha)
        ]

    # ---- the HTTP side ---------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as GitHub would."""
        with self._lock:
            return self._handle(request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :]
        body: Any = None
        if request.content:
            try:
                body = json.loads(request.content)
            except ValueError:
                body = request.content.decode(errors="replace")
        query = {key: values[-1] for key, values in parse_qs(request.url.query.decode()).items()}
        self.requests.append(
            Recorded(
                request.method,
                path,
                query,
                body,
                {k.lower(): v for k, v in request.headers.items()},
                request.extensions.get("timeout"),
            )
        )

        for failure in self.failures:
            if failure.times > 0 and failure.method == request.method and failure.path.match(path):
                failure.times -= 1
                if failure.carried_out:
                    self._answer(request, path, query, body)
                if failure.timeout:
                    raise httpx.ReadTimeout("timed out", request=request)
                return httpx.Response(failure.status, json=failure.body, headers=failure.headers)
        draw = self._random.random() if self.random_failures else 1.0
        for chance in self.random_failures:
            if draw < chance.rate:
                self.injected[chance.status] += 1
                if chance.carried_out and request.method != "GET":
                    self._answer(request, path, query, body)
                return httpx.Response(chance.status, json=chance.body, headers=chance.headers)
            draw -= chance.rate
        return self._answer(request, path, query, body)

    def _answer(
        self, request: httpx.Request, path: str, query: dict[str, str], body: Any
    ) -> httpx.Response:

        allowed = []
        for method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            if method != request.method:
                allowed.append(method)
                continue
            denied = self._authenticate(request, path)
            if denied is not None:
                return denied
            try:
                return handler(request, query, body, *match.groups())
            except _NotFound:
                return _error(404, "Not Found")
        if allowed:
            return _error(404, "Not Found")
        return _error(404, "Not Found")

    def _authenticate(self, request: httpx.Request, path: str) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, credential = header.partition(" ")
        if path.startswith("/app-manifests/"):
            return None  # the code is the credential
        if path.endswith("/settings/apps/new"):
            return None  # a web page: the person's browser session, not an API credential
        if path.startswith("/app") or re.fullmatch(r"/repos/[^/]+/[^/]+/installation", path):
            if scheme.lower() != "bearer":
                return _error(401, "A JSON web token could not be decoded")
            try:
                if self.public_key is not None:
                    claims = jwt.decode(credential, self.public_key, algorithms=["RS256"])
                else:
                    claims = jwt.decode(credential, options={"verify_signature": False})
            except jwt.PyJWTError:
                return _error(401, "A JSON web token could not be decoded")
            if str(claims.get("iss")) != str(self.app["id"]):
                return _error(401, "'Issuer' claim ('iss') must be an Integer")
            return None
        token = self.tokens.get(credential) if scheme.lower() == "token" else None
        if token is None or token[1] < dt.datetime.now(dt.UTC):
            return _error(401, "Bad credentials")
        return None

    # ---- endpoint handlers ------------------------------------------------------------

    def _repo(self, owner: str, name: str) -> FakeRepo:
        repo = self.repos.get(f"{owner}/{name}")
        if repo is None:
            raise _NotFound
        return repo

    def _pull(self, owner: str, name: str, number: str) -> FakePull:
        pull = self.pulls.get((f"{owner}/{name}", int(number)))
        if pull is None:
            raise _NotFound
        return pull

    def _get_app(self, request: httpx.Request, query: dict[str, str], body: Any) -> httpx.Response:
        return httpx.Response(
            200, json={**self.app, "installations_count": len(self.installations)}
        )

    def add_manifest_code(self, code: str, pem: str, webhook_secret: str) -> None:
        """Act as if a manifest was just registered and GitHub redirected with `code`: the
        conversion answers with this fake's app, `pem` (its key) and `webhook_secret`."""
        self.manifest_codes[code] = (pem, webhook_secret)

    def _register_from_manifest(
        self, request: httpx.Request, query: dict[str, str], body: Any
    ) -> httpx.Response:
        # GitHub's web form (not the API): the person confirms the app the posted `manifest`
        # describes, then GitHub redirects to its `redirect_url` with a one-time code and the
        # `state` the form's address carried. The fake skips the confirmation page.
        form = parse_qs(body if isinstance(body, str) else "")
        manifest = json.loads(form["manifest"][0])
        self.registered_manifests.append(manifest)
        code = uuid.uuid4().hex[:20]
        self.add_manifest_code(code, self.registration_pem or "", self.registration_webhook_secret)
        target = f"{manifest['redirect_url']}?{urlencode({'code': code, 'state': query['state']})}"
        return httpx.Response(302, headers={"location": target})

    def _convert_manifest(
        self, request: httpx.Request, query: dict[str, str], body: Any, code: str
    ) -> httpx.Response:
        # GitHub's "Create a GitHub App from a manifest": 201 with the app (`integration`)
        # plus client_id, client_secret, webhook_secret and pem; a code works once.
        if code not in self.manifest_codes:
            return _error(404, "Not Found")
        pem, secret = self.manifest_codes.pop(code)
        app = {
            **self.app,
            "node_id": f"A_{self.app['id']}",
            "external_url": "https://github.com/chronolog/chronolog",
            "created_at": _iso(EPOCH),
            "updated_at": _iso(EPOCH),
            "permissions": {
                "checks": "write",
                "contents": "write",
                "issues": "write",
                "metadata": "read",
                "pull_requests": "write",
            },
            "events": ["check_run", "check_suite", "pull_request", "push"],
            "client_id": "Iv1.8a61f9b3a7aba766",
            "client_secret": "1726be1638095a19edd134c77bde3aa2ece1e5d8",
            "webhook_secret": secret,
            "pem": pem,
        }
        return httpx.Response(201, json=app)

    def _create_token(
        self, request: httpx.Request, query: dict[str, str], body: Any, installation: str
    ) -> httpx.Response:
        if int(installation) not in self.installations:
            return _error(404, "Not Found")
        token = f"ghs_{uuid.uuid4().hex}"
        expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + self.token_lifetime
        self.tokens[token] = (int(installation), expires)
        return httpx.Response(
            201,
            json={
                "token": token,
                "expires_at": _iso(expires),
                "permissions": {"checks": "write", "contents": "write", "pull_requests": "write"},
                "repository_selection": "all",
            },
        )

    def _list_deliveries(
        self, request: httpx.Request, query: dict[str, str], body: Any
    ) -> httpx.Response:
        """Newest first, `per_page` (30 by default, at most 100) a page; the next page is
        linked with an opaque `cursor`, as GitHub does."""
        per_page = min(int(query.get("per_page", 30)), 100)
        items = sorted(
            self.hook_deliveries, key=lambda d: (d["delivered_at"], d["id"]), reverse=True
        )
        if query.get("status") in ("success", "failure"):
            ok = query["status"] == "success"
            items = [d for d in items if (d["status"] == "OK") == ok]
        cursor = query.get("cursor")
        if cursor is not None:
            after = [i for i, d in enumerate(items) if f"v1_{d['id']}" == cursor]
            if not after:
                return _error(422, "Invalid cursor")
            items = items[after[0] + 1 :]
        page = items[:per_page]
        headers = {}
        if len(items) > per_page:
            next_query = {**query, "per_page": str(per_page), "cursor": f"v1_{page[-1]['id']}"}
            url = request.url.copy_with(query=urlencode(next_query).encode())
            headers["link"] = f'<{url}>; rel="next"'
        return httpx.Response(200, json=page, headers=headers)

    def _redeliver(
        self, request: httpx.Request, query: dict[str, str], body: Any, delivery_id: str
    ) -> httpx.Response:
        """202 and a new attempt of the delivery: same `guid`, a new `id`, `redelivery`."""
        delivery = next((d for d in self.hook_deliveries if d["id"] == int(delivery_id)), None)
        if delivery is None:
            return _error(404, "Not Found")
        self.redelivered.append(delivery["id"])
        if self.on_redeliver is not None:
            self.on_redeliver(str(delivery["guid"]))
        self.add_hook_delivery(
            event=delivery["event"],
            action=delivery["action"],
            status_code=self.redelivery_status_code,
            guid=delivery["guid"],
            redelivery=True,
            installation_id=delivery["installation_id"],
            repository_id=delivery["repository_id"],
        )
        return httpx.Response(202, json={})

    def _get_repo(
        self, request: httpx.Request, query: dict[str, str], body: Any, owner: str, name: str
    ) -> httpx.Response:
        return httpx.Response(200, json=self._repo(owner, name).json())

    def _get_repo_installation(
        self, request: httpx.Request, query: dict[str, str], body: Any, owner: str, name: str
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        if repo.installation_id is None:
            return _error(404, "Not Found")
        return httpx.Response(200, json=self.installations[repo.installation_id])

    def _get_contents(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        path: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        path = httpx.URL(f"/{path}").path.lstrip("/")  # percent-decoded
        ref = query.get("ref", repo.default_branch)
        files = repo.files_at(ref)
        if files is None:
            return _error(404, f"No commit found for the ref {ref}")
        content = files.get(path)
        if content is None:
            return _error(404, "Not Found")
        if "raw" in request.headers.get("accept", ""):
            return httpx.Response(
                200,
                content=content,
                headers={"content-type": "application/vnd.github.raw+json; charset=utf-8"},
            )
        return httpx.Response(200, json=self._content_json(repo, path, content, ref))

    def _content_json(self, repo: FakeRepo, path: str, content: bytes, ref: str) -> dict[str, Any]:
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(content),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.encodebytes(content).decode(),
            "sha": blob_sha(content),
            "url": f"{API}/repos/{repo.full_name}/contents/{path}?ref={ref}",
            "html_url": f"{WEB}/{repo.full_name}/blob/{ref}/{path}",
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
        }

    def _put_contents(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        path: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        path = httpx.URL(f"/{path}").path.lstrip("/")
        missing = [key for key in ("message", "content") if key not in (body or {})]
        if missing:
            return _error(
                422, "Invalid request.\n\n" + ", ".join(f'"{k}" wasn\'t supplied.' for k in missing)
            )
        branch = body.get("branch", repo.default_branch)
        if branch not in repo.refs:
            return _error(404, f"Branch {branch} not found")
        files = dict(repo.trees[repo.refs[branch]])
        current = files.get(path)
        if current is not None and body.get("sha") != blob_sha(current):
            return _error(409, f"{path} does not match {body.get('sha')}")
        if current is None and body.get("sha"):
            return _error(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        new_content = base64.b64decode(body["content"])
        files[path] = new_content
        parent = repo.refs[branch]
        sha = hashlib.sha1(f"{parent}:{path}:{body['message']}".encode() + new_content).hexdigest()
        repo.trees[sha] = files
        repo.refs[branch] = sha
        for pull in self.pulls.values():
            if (
                pull.head_repo == repo.full_name
                and pull.head_ref == branch
                and pull.state == "open"
            ):
                pull.head_sha = sha
        commit = {
            "sha": sha,
            "message": body["message"],
            "html_url": f"{WEB}/{repo.full_name}/commit/{sha}",
            "parents": [{"sha": parent}],
        }
        self.commits.append({**commit, "_repo": repo.full_name, "branch": branch, "path": path})
        return httpx.Response(
            200,
            json={"content": self._content_json(repo, path, new_content, branch), "commit": commit},
        )

    def _pull_json(self, repo: FakeRepo, pull: FakePull) -> dict[str, Any]:
        head_repo = self.repos.get(pull.head_repo)
        return {
            "url": f"{API}/repos/{repo.full_name}/pulls/{pull.number}",
            "id": hash((repo.full_name, pull.number)) & 0xFFFFFFF,
            "number": pull.number,
            "html_url": f"{WEB}/{repo.full_name}/pull/{pull.number}",
            "state": pull.state,
            "draft": pull.draft,
            "title": pull.title,
            "user": {"login": pull.author, "id": 7, "type": "User"},
            "maintainer_can_modify": pull.maintainer_can_modify,
            "head": {
                "label": f"{pull.head_repo.split('/')[0]}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": pull.head_sha,
                "repo": head_repo.json() if head_repo else {"full_name": pull.head_repo},
            },
            "base": {
                "label": f"{repo.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": pull.base_sha,
                "repo": repo.json(),
            },
        }

    def _get_pull(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        return httpx.Response(
            200, json=self._pull_json(self._repo(owner, name), self._pull(owner, name, number))
        )

    def _pull_files(
        self,
        repo: FakeRepo,
        base: dict[str, str],
        head: dict[str, str],
        head_sha: str,
        omit_patch: frozenset[str],
    ) -> list[dict[str, Any]]:
        entries = []
        for path in sorted(set(base) | set(head)):
            old, new = base.get(path), head.get(path)
            if old == new:
                continue
            status = "added" if old is None else "removed" if new is None else "modified"
            patch = github_patch(old, new)
            additions = sum(1 for line in patch.splitlines() if line.startswith("+"))
            deletions = sum(1 for line in patch.splitlines() if line.startswith("-"))
            entry: dict[str, Any] = {
                "sha": blob_sha((new or "").encode()),
                "filename": path,
                "status": status,
                "additions": additions,
                "deletions": deletions,
                "changes": additions + deletions,
                "blob_url": f"{WEB}/{repo.full_name}/blob/{head_sha}/{path}",
                "raw_url": f"{WEB}/{repo.full_name}/raw/{head_sha}/{path}",
                "contents_url": f"{API}/repos/{repo.full_name}/contents/{path}?ref={head_sha}",
            }
            if path not in omit_patch:
                entry["patch"] = patch
            entries.append(entry)
        return entries

    def _page(
        self, request: httpx.Request, query: dict[str, str], items: list[Any]
    ) -> httpx.Response:
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            next_query = {**query, "page": str(page + 1), "per_page": str(per_page)}
            headers["link"] = (
                f'<{request.url.copy_with(query=urlencode(next_query).encode())}>; rel="next"'
            )
        return httpx.Response(200, json=chunk, headers=headers)

    def _list_pull_files(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        return self._page(request, query, self._pull(owner, name, number).files)

    def _list_review_comments(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        self._pull(owner, name, number)
        full_name = f"{owner}/{name}"
        items = [
            {k: v for k, v in c.items() if not k.startswith("_")}
            for c in self.review_comments
            if c["_repo"] == full_name and c["_pull"] == int(number)
        ]
        return self._page(request, query, items)

    def _create_review(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        pull = self._pull(owner, name, number)
        files = {entry["filename"]: entry for entry in pull.files}
        for comment in body.get("comments", []):
            entry = files.get(comment.get("path"))
            if entry is None or "patch" not in entry:
                return _error(422, "Unprocessable Entity", ["Path could not be resolved"])
            ranges = hunk_ranges(entry["patch"])
            line = comment.get("line")
            start = comment.get("start_line", line)
            hunk = next((r for r in ranges if r[0] <= line <= r[1]), None)
            if hunk is None:
                return _error(
                    422,
                    "Unprocessable Entity",
                    ["Pull request review thread line must be part of the diff"],
                )
            if not hunk[0] <= start <= hunk[1]:
                return _error(
                    422,
                    "Unprocessable Entity",
                    [
                        "Pull request review thread start line must be part of the same hunk "
                        "as the line."
                    ],
                )
            if start > line:
                return _error(
                    422,
                    "Unprocessable Entity",
                    ["Pull request review thread start line must precede the end line."],
                )
        review_id = next(self._ids)
        user = {"login": f"{self.app['slug']}[bot]", "id": 41898282, "type": "Bot"}
        review = {
            "id": review_id,
            "user": user,
            "body": body.get("body", ""),
            "state": "COMMENTED" if body.get("event") == "COMMENT" else "PENDING",
            "commit_id": body.get("commit_id", pull.head_sha),
            "html_url": f"{WEB}/{repo.full_name}/pull/{number}#pullrequestreview-{review_id}",
            "pull_request_url": f"{API}/repos/{repo.full_name}/pulls/{number}",
        }
        self.reviews.append(
            {**review, "_repo": repo.full_name, "_pull": int(number), "_request": body}
        )
        for comment in body.get("comments", []):
            comment_id = next(self._ids)
            self.review_comments.append(
                {
                    "id": comment_id,
                    "pull_request_review_id": review_id,
                    "path": comment["path"],
                    "line": comment["line"],
                    "start_line": comment.get("start_line"),
                    "side": comment.get("side", "RIGHT"),
                    "body": comment["body"],
                    "user": user,
                    "commit_id": review["commit_id"],
                    "html_url": f"{WEB}/{repo.full_name}/pull/{number}#discussion_r{comment_id}",
                    "_repo": repo.full_name,
                    "_pull": int(number),
                }
            )
        return httpx.Response(200, json=review)

    def _pulls_for_commit(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        sha: str,
    ) -> httpx.Response:
        # Like GitHub: a commit that exists only in a fork is in no pull request of the
        # base repository as far as this endpoint knows (it answers []).
        repo = self._repo(owner, name)
        found = [
            self._pull_json(repo, pull)
            for (full_name, _), pull in self.pulls.items()
            if full_name == repo.full_name
            and pull.head_sha == sha
            and pull.head_repo == repo.full_name
        ]
        return httpx.Response(200, json=found)

    def _list_pulls(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        state = query.get("state", "open")
        found = [
            self._pull_json(repo, pull)
            for (full_name, _), pull in sorted(self.pulls.items(), key=lambda item: -item[0][1])
            if full_name == repo.full_name and state in ("all", pull.state)
        ]
        return self._page(request, query, found)

    def _run_json(self, run: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in run.items() if not k.startswith("_")}
        public["output"] = {**run["output"], "annotations_count": len(run["_annotations"])}
        return public

    def _validate_run(self, body: dict[str, Any]) -> httpx.Response | None:
        output = body.get("output") or {}
        annotations = output.get("annotations") or []
        if len(annotations) > 50:
            return _error(
                422,
                "Invalid request.\n\nNo more than 50 items are allowed; "
                f"{len(annotations)} were supplied.",
            )
        for key in ("summary", "text"):
            if len(output.get(key) or "") > 65535:
                return _error(
                    422,
                    "Invalid request.\n\nOnly 65535 characters are allowed; "
                    f"{len(output[key])} were supplied.",
                )
        for annotation in annotations:
            if {"path", "start_line", "end_line", "annotation_level", "message"} - set(annotation):
                return _error(422, "Invalid request.\n\nAnnotation is missing required keys.")
        actions = body.get("actions") or []
        if len(actions) > 3 or any(
            len(a["label"]) > 20 or len(a["description"]) > 40 or len(a["identifier"]) > 20
            for a in actions
        ):
            return _error(422, "Invalid request.\n\nactions are invalid.")
        return None

    def _create_run(
        self, request: httpx.Request, query: dict[str, str], body: Any, owner: str, name: str
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        invalid = self._validate_run(body)
        if invalid is not None:
            return invalid
        run_id = next(self._ids)
        output = dict(body.get("output") or {})
        annotations = output.pop("annotations", None) or []
        now = _iso(dt.datetime.now(dt.UTC))
        completed = "conclusion" in body or body.get("status") == "completed"
        run = {
            "id": run_id,
            "name": body["name"],
            "head_sha": body["head_sha"],
            "status": "completed" if completed else body.get("status", "queued"),
            "conclusion": body.get("conclusion"),
            "started_at": body.get("started_at", now),
            "completed_at": body.get("completed_at", now) if completed else None,
            "output": {
                "title": output.get("title"),
                "summary": output.get("summary"),
                "text": output.get("text"),
            },
            "actions": body.get("actions", []),
            "html_url": f"{WEB}/{repo.full_name}/runs/{run_id}",
            "url": f"{API}/repos/{repo.full_name}/check-runs/{run_id}",
            "app": {"id": self.app["id"], "slug": self.app["slug"]},
            "pull_requests": [],
            "_repo": repo.full_name,
            "_annotations": list(annotations),
            "_requests": [body],
        }
        self.check_runs.append(run)
        return httpx.Response(201, json=self._run_json(run))

    def _update_run(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        run_id: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        run = next(
            (r for r in self.check_runs if r["id"] == int(run_id) and r["_repo"] == repo.full_name),
            None,
        )
        if run is None:
            return _error(404, "Not Found")
        invalid = self._validate_run(body)
        if invalid is not None:
            return invalid
        output = dict(body.get("output") or {})
        run["_annotations"].extend(output.pop("annotations", None) or [])
        run["output"].update({k: v for k, v in output.items() if k in ("title", "summary", "text")})
        for key in ("name", "conclusion", "actions", "status"):
            if key in body:
                run[key] = body[key]
        if "conclusion" in body:
            run["status"] = "completed"
        run["_requests"].append(body)
        return httpx.Response(200, json=self._run_json(run))

    def _list_runs(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        ref: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        runs = [
            r
            for r in reversed(self.check_runs)
            if r["_repo"] == repo.full_name
            and r["head_sha"] == repo.refs.get(ref, ref)
            and ("check_name" not in query or r["name"] == query["check_name"])
            and ("app_id" not in query or str(r["app"]["id"]) == query["app_id"])
        ]
        if query.get("filter", "latest") == "latest":
            seen: set[str] = set()
            runs = [r for r in runs if not (r["name"] in seen or seen.add(r["name"]))]  # type: ignore[func-returns-value]
        return httpx.Response(
            200, json={"total_count": len(runs), "check_runs": [self._run_json(r) for r in runs]}
        )

    def _issue(
        self, repo: FakeRepo, number: int, title: str, author: str, *, is_pull: bool
    ) -> dict[str, Any]:
        issue = {
            "id": next(self._ids),
            "number": number,
            "title": title,
            "state": "open",
            "state_reason": None,
            "locked": False,
            "body": None,
            "user": {"login": author, "type": "User"},
            "created_at": _iso(dt.datetime.now(dt.UTC)),
            "updated_at": _iso(dt.datetime.now(dt.UTC)),
            "closed_at": None,
            "html_url": f"{WEB}/{repo.full_name}/{'pull' if is_pull else 'issues'}/{number}",
            "url": f"{API}/repos/{repo.full_name}/issues/{number}",
            "repository_url": f"{API}/repos/{repo.full_name}",
        }
        if is_pull:
            issue["pull_request"] = {"url": f"{API}/repos/{repo.full_name}/pulls/{number}"}
        return issue

    def _get_issue(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        self._repo(owner, name)
        moved = self.transferred.get((f"{owner}/{name}", int(number)))
        if moved is not None:
            old = f"/repos/{owner}/{name}/issues/{number}"
            new = f"/repos/{moved[0]}/issues/{moved[1]}"
            location = str(request.url.copy_with(path=request.url.path.replace(old, new)))
            return httpx.Response(
                301,
                json={"message": "Moved Permanently", "url": location},
                headers={"location": location},
            )
        issue = self.issues.get((f"{owner}/{name}", int(number)))
        if issue is None:
            raise _NotFound
        return httpx.Response(200, json=issue)

    def _list_issues(
        self, request: httpx.Request, query: dict[str, str], body: Any, owner: str, name: str
    ) -> httpx.Response:
        """Issues and pull requests (as issues), newest first, as `state` (default open)
        and `creator` filter them."""
        repo = self._repo(owner, name)
        state = query.get("state", "open")
        creator = query.get("creator", "").lower()
        if creator.endswith("[bot]") and not self.creator_matches_bots:
            return self._page(request, query, [])
        items = [
            issue
            for (full_name, _), issue in sorted(self.issues.items(), key=lambda i: -i[0][1])
            if full_name == repo.full_name
            and state in ("all", issue["state"])
            and (not creator or issue["user"]["login"].lower() == creator)
        ]
        return self._page(request, query, items)

    def _create_issue(
        self, request: httpx.Request, query: dict[str, str], body: Any, owner: str, name: str
    ) -> httpx.Response:
        """An issue opened by the app's bot (every token the fake gives is an installation's)."""
        repo = self._repo(owner, name)
        if repo.archived:
            return _error(403, "Repository was archived so is read-only.")
        if not repo.has_issues:
            return _error(410, "Issues are disabled for this repo")
        invalid = self._invalid_issue(body, creating=True)
        if invalid is not None:
            return invalid
        number = 1 + max((n for (r, n) in self.issues if r == repo.full_name), default=0)
        issue = self._issue(repo, number, body["title"], f"{self.app['slug']}[bot]", is_pull=False)
        issue["user"]["type"] = "Bot"
        issue["body"] = body.get("body")
        self.issues[(repo.full_name, number)] = issue
        return httpx.Response(201, json=issue)

    def _update_issue(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        issue = self.issues.get((repo.full_name, int(number)))
        if issue is None:
            raise _NotFound
        if repo.archived:
            return _error(403, "Repository was archived so is read-only.")
        invalid = self._invalid_issue(body, creating=False)
        if invalid is not None:
            return invalid
        for key in ("title", "body", "state", "state_reason"):
            if key in body:
                issue[key] = body[key]
        issue["updated_at"] = _iso(dt.datetime.now(dt.UTC))
        return httpx.Response(200, json=issue)

    def _invalid_issue(self, body: Any, *, creating: bool) -> httpx.Response | None:
        """GitHub's 422 for a missing title or a body over 65,536 characters."""
        if not isinstance(body, dict) or (creating and not body.get("title")):
            return _error(
                422,
                'Invalid request.\n\n"title" wasn\'t supplied.',
            )
        if len(body.get("body") or "") > 65_536:
            return _error(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "Issue",
                        "code": "custom",
                        "field": "body",
                        "message": "body is too long (maximum is 65536 characters)",
                    }
                ],
            )
        return None

    def _list_comments(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        self._get_issue(request, query, body, owner, name, number)
        items = [
            {k: v for k, v in c.items() if not k.startswith("_")}
            for c in self.issue_comments.values()
            if c["_repo"] == f"{owner}/{name}" and c["_issue"] == int(number)
        ]
        return self._page(request, query, items)

    def _create_comment(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        number: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        issue = self.issues.get((repo.full_name, int(number)))
        if issue is None:
            raise _NotFound
        if repo.archived:
            return _error(403, "Repository was archived so is read-only.")
        if issue["locked"]:
            return _error(403, "Unable to create comment because issue is locked.")
        comment_id = next(self._ids)
        comment = {
            "id": comment_id,
            "body": body["body"],
            "user": {"login": f"{self.app['slug']}[bot]", "type": "Bot"},
            "html_url": f"{issue['html_url']}#issuecomment-{comment_id}",
            "url": f"{API}/repos/{repo.full_name}/issues/comments/{comment_id}",
            "issue_url": issue["url"],
            "created_at": _iso(dt.datetime.now(dt.UTC)),
            "updated_at": _iso(dt.datetime.now(dt.UTC)),
            "_repo": repo.full_name,
            "_issue": int(number),
        }
        self.issue_comments[comment_id] = comment
        return httpx.Response(201, json={k: v for k, v in comment.items() if not k.startswith("_")})

    def _update_comment(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        comment_id: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        comment = self.issue_comments.get(int(comment_id))
        if comment is None or comment["_repo"] != repo.full_name:
            raise _NotFound
        if repo.archived:
            return _error(403, "Repository was archived so is read-only.")
        comment["body"] = body["body"]
        comment["updated_at"] = _iso(dt.datetime.now(dt.UTC))
        return httpx.Response(200, json={k: v for k, v in comment.items() if not k.startswith("_")})

    def _delete_comment(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        comment_id: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        comment = self.issue_comments.get(int(comment_id))
        if comment is None or comment["_repo"] != repo.full_name:
            raise _NotFound
        del self.issue_comments[int(comment_id)]
        return httpx.Response(204)

    def _compare(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        base: str,
        head: str,
    ) -> httpx.Response:
        """The files that differ between two commits (this fake keeps no merge bases)."""
        repo = self._repo(owner, name)
        old, new = repo.files_at(base), repo.files_at(head)
        if old is None or new is None:
            return _error(404, "Not Found")
        files = [
            {
                "filename": path,
                "status": "added"
                if path not in old
                else "removed"
                if path not in new
                else "modified",
                "sha": blob_sha(new.get(path, b"")),
            }
            for path in sorted(set(old) | set(new))
            if old.get(path) != new.get(path)
        ]
        return httpx.Response(200, json={"status": "diverged", "files": files, "commits": []})

    def _get_branch(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        branch: str,
    ) -> httpx.Response:
        repo = self._repo(owner, name)
        if branch not in repo.refs:
            return _error(404, "Branch not found")
        commit = {"sha": repo.refs[branch]}
        return httpx.Response(200, json={"name": branch, "commit": commit, "protected": False})

    def _get_tree(
        self,
        request: httpx.Request,
        query: dict[str, str],
        body: Any,
        owner: str,
        name: str,
        ref: str,
    ) -> httpx.Response:
        """`GET /git/trees/{ref}`: every file (the fake's trees are flat and never truncated)."""
        repo = self._repo(owner, name)
        files = repo.files_at(ref)
        if files is None:
            return _error(404, "Not Found")
        tree = [
            {"path": path, "mode": "100644", "type": "blob", "sha": blob_sha(content)}
            for path, content in sorted(files.items())
        ]
        sha = repo.refs.get(ref, ref)
        return httpx.Response(200, json={"sha": sha, "tree": tree, "truncated": False})


class _NotFound(Exception):
    pass


def _error(status: int, message: str, errors: list[Any] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return httpx.Response(status, json=body)


# ---- serving the fake over real HTTP ---------------------------------------------------


def new_app_key(*, pkcs8: bool = False) -> tuple[rsa.RSAPrivateKey, str]:
    """A new RSA key for a fake app, and its PEM text (PKCS#1 as GitHub issues them, or
    PKCS#8 as `openssl pkey` converts them)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    form = (
        serialization.PrivateFormat.PKCS8
        if pkcs8
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    pem = key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()).decode()
    return key, pem


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(fake: FakeGitHub) -> Iterator[str]:
    """Serve `fake` on localhost in a thread; yields its base URL (the GITHUB_API_URL)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def endpoint(request: Request) -> Response:
        delay = fake.delay_for(request.method, request.url.path)
        if delay:
            await asyncio.sleep(delay)
        proxied = httpx.Request(
            request.method,
            str(request.url),
            headers=list(request.headers.items()),
            content=await request.body(),
        )
        answer = fake.handle(proxied)
        headers = {
            k: v
            for k, v in answer.headers.items()
            if k.lower() not in ("content-length", "content-encoding")
        }
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the fake GitHub server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}{fake.prefix}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# ---- webhooks ---------------------------------------------------------------------------


def load_webhook(name: str) -> dict[str, Any]:
    """A fresh copy of tests/fixtures/webhooks/`name`.json (modify it freely)."""
    data: dict[str, Any] = json.loads((WEBHOOKS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def sign(secret: str | bytes, body: bytes) -> str:
    """The `X-Hub-Signature-256` header GitHub sends for `body`."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook_headers(
    event: str, body: bytes, secret: str | bytes, delivery: str | None = None
) -> dict[str, str]:
    """The headers of a signed delivery of `body` as event `event`."""
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body),
        "User-Agent": "GitHub-Hookshot/abc1234",
        "Content-Type": "application/json",
    }


def event_name(fixture: str) -> str:
    """`pull_request.synchronize.fork` -> `pull_request`."""
    return fixture.split(".", 1)[0]


def add_pull_from_payload(
    fake: FakeGitHub,
    payload: dict[str, Any],
    *,
    base_files: dict[str, str],
    head_files: dict[str, str],
    default_files: dict[str, str] | None = None,
    omit_patch: frozenset[str] = frozenset(),
) -> FakePull:
    """Make the fake's repository, installation and pull request agree with a webhook payload.

    The pull request's base is the default branch; `default_files` (default: `base_files`)
    are its files, where chronolog reads `.github/chronolog.yml`.
    """
    pull = payload["pull_request"]
    repository = payload["repository"]
    installation = payload.get("installation", {}).get("id")
    full_name = repository["full_name"]
    if full_name not in fake.repos:
        fake.add_repo(
            full_name,
            repo_id=repository["id"],
            default_branch=repository["default_branch"],
            installation_id=installation,
        )
    if default_files is not None:
        fake.set_files(full_name, repository["default_branch"], default_files)
    created = fake.add_pull(
        full_name,
        pull["number"],
        base_files=base_files,
        head_files=head_files,
        base_sha=pull["base"]["sha"],
        head_sha=pull["head"]["sha"],
        author=pull["user"]["login"],
        base_ref=pull["base"]["ref"],
        head_ref=pull["head"]["ref"],
        head_repo=(pull["head"].get("repo") or {}).get("full_name", full_name),
        maintainer_can_modify=bool(pull.get("maintainer_can_modify")),
        title=pull.get("title", "Update the log"),
        omit_patch=omit_patch,
    )
    if default_files is None:
        fake.repos[full_name].refs[repository["default_branch"]] = pull["base"]["sha"]
    return created
