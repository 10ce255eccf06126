"""`chronolog backlinks backfill`: create the backlinks of a log that already exists.

It runs with the app's credentials (the same environment as the server), reads the log(s)
at the head of the default branch and brings every in-scope target's comment up to date,
exactly as a push adding the whole log would. It can be interrupted and run again: the
markers make it idempotent, and targets already up to date cost no write. Writes are paced
by the GitHub facade to stay inside GitHub's secondary rate limits (80 content-creating
requests a minute, 500 an hour), and a rate-limit answer is waited out as long as its
`Retry-After` says, up to an hour.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from contextlib import AsyncExitStack
from typing import TextIO

from chronolog.app.backlinks.comments import Outcome, Targets, sync_target
from chronolog.app.backlinks.push import read_config_at, read_text
from chronolog.app.github import GitHubApp, GitHubError, Installation, Repo, RetryPolicy
from chronolog.app.registration import command_credentials, missing_credentials_help
from chronolog.app.settings import SettingsError, load_settings
from chronolog.app.store import Store, create_engine
from chronolog.backlinks import Action, EntryLink, LogSource, Status, backlink_scope, index_log
from chronolog.config import ConfigError, RepoConfig
from chronolog.detect import is_log_file, is_markdown_path
from chronolog.references import Reference, web_host

# Without --path, at most this many Markdown files are read to find the logs.
MAX_CANDIDATES = 200
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
BACKFILL_MAX_WAIT = 3600.0  # seconds


def run_backfill(repo: str, path: str | None, dry_run: bool) -> int:
    """The CLI entry point; returns the process exit code.

    0: every target is up to date or was skipped for a reason given; 1: some writes
    failed (run again); 2: missing credentials or the app is not installed; 130: interrupted.
    """
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"chronolog: {error}", file=sys.stderr)
        return EXIT_USAGE
    store = Store(create_engine(settings.database_url))
    try:
        store.create_tables()
        credentials = command_credentials(settings, store)
    finally:
        store.engine.dispose()
    if credentials is None:
        print(missing_credentials_help(settings, "the backfill"), file=sys.stderr)
        return EXIT_USAGE
    # A command someone waits for: rate limits and the write budget are waited out (up to
    # an hour each time) rather than ending the run.
    app = GitHubApp(
        credentials.app_id,
        credentials.private_key,
        settings.api_url,
        retry=RetryPolicy(max_wait=BACKFILL_MAX_WAIT, rate_limit_attempts=5),
    )
    owner, _, name = repo.partition("/")
    try:
        return asyncio.run(backfill(app, Repo(owner, name), path, dry_run=dry_run))
    except KeyboardInterrupt:
        print(
            "\ninterrupted: the comments written so far stay; run the same command again "
            "to continue",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


async def backfill(
    app: GitHubApp,
    repo: Repo,
    path: str | None,
    *,
    dry_run: bool,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Bring the backlinks of `repo`'s log at `path` (or of every log found) up to date."""
    waited = app.waited
    try:
        installation_id = await app.repository_installation(repo)
    except GitHubError as error:
        print(f"chronolog: cannot reach GitHub: {error}", file=err)
        return EXIT_FAILED
    if installation_id is None:
        print(
            f"chronolog: the app is not installed on {repo.full_name}; install it there first",
            file=err,
        )
        return EXIT_USAGE
    async with app.installation(installation_id) as gh, AsyncExitStack() as stack:
        try:
            repository = await gh.get_repo(repo)
            branch = str(repository["default_branch"])
            head = await gh.branch_head(repo, branch)
            if head is None:
                raise GitHubError(404, f"branch {branch} not found")
            sha = head
            try:
                config = await read_config_at(gh, repo, sha)
            except ConfigError as error:
                print(f"chronolog: {error}", file=err)
                return EXIT_USAGE
            if not config.backlinks.enabled:
                print("backlinks are disabled in .github/chronolog.yml: nothing to do", file=err)
                return EXIT_OK
            paths = [path] if path else await logs_in_tree(gh, repo, sha, config, err)
        except GitHubError as error:
            print(f"chronolog: GitHub failed: {error}", file=err)
            return EXIT_FAILED

        host = web_host(str(repository["html_url"]))
        scope = backlink_scope(repo.full_name, config.backlinks.owners, config.backlinks.repos)
        work: list[tuple[LogSource, Reference, tuple[EntryLink, ...]]] = []
        for log_path in paths:
            text = await read_text(gh, repo, log_path, sha)
            if text is None:
                print(f"chronolog: {log_path} not found (or not UTF-8) at {branch}", file=err)
                return EXIT_USAGE
            index = index_log(text, host, repo.full_name, scope)
            source = LogSource(host, repo.full_name, log_path, branch, sha)
            work += [(source, target, index[target]) for target in sorted(index)]
        print(
            f"{len(work)} issues and pull requests in scope ({scope.describe()}) "
            f"referenced by {', '.join(paths) or 'no log'} at {branch} ({sha[:7]})",
            file=err,
        )

        login = await app.bot_login()
        if login is None:  # any bot's comment would pass for the app's: write nothing
            print("chronolog: could not read the app's login (GET /app failed)", file=err)
            return EXIT_FAILED
        targets = Targets(app, scope, stack, {repo.full_name: (installation_id, gh)})
        progress = Progress(len(work), err)
        outcomes: list[Outcome] = []
        for source, target, links in work:
            try:
                outcome = await sync_target(
                    source, target, links, targets, bot_login=login, dry_run=dry_run
                )
            except GitHubError as error:
                outcome = Outcome(target, Status.FAILED, detail=str(error))
            outcomes.append(outcome)
            if dry_run or outcome.status is not Status.LINK:
                progress.clear()
                print(describe(outcome, dry_run=dry_run), file=out if dry_run else err)
            progress.advance(str(target))
        progress.clear()
    print(summarise(outcomes, dry_run=dry_run, waited=app.waited - waited), file=err)
    return EXIT_FAILED if any(o.status is Status.FAILED for o in outcomes) else EXIT_OK


async def logs_in_tree(
    gh: Installation, repo: Repo, sha: str, config: RepoConfig, err: TextIO
) -> list[str]:
    """The logs at `sha`: files named by `logs:` in the config, else Markdown files that
    look like logs (at most `MAX_CANDIDATES` are read)."""
    tree = await gh.get_tree(repo, sha)
    files = [str(item["path"]) for item in tree.get("tree") or () if item.get("type") == "blob"]
    if tree.get("truncated"):
        print("the repository is too large to list in full: pass --path", file=err)
    named = [path for path in files if config.matches_log_path(path)]
    if config.logs:
        return named
    candidates = [path for path in files if is_markdown_path(path)]
    if len(candidates) > MAX_CANDIDATES:
        print(
            f"{len(candidates)} Markdown files; only the first {MAX_CANDIDATES} are examined: "
            "pass --path or list the logs under `logs:` in .github/chronolog.yml",
            file=err,
        )
    logs = []
    for path in candidates[:MAX_CANDIDATES]:
        text = await read_text(gh, repo, path, sha)
        if is_log_file(config, path, text):
            logs.append(path)
    return logs


def describe(outcome: Outcome, *, dry_run: bool) -> str:
    """One line about one target, as the backfill prints it."""
    if outcome.status is not Status.LINK:
        detail = f" ({outcome.detail})" if outcome.detail else ""
        return f"{outcome.target}: skipped, {outcome.status.value}{detail}"
    changes = [a.value for a in outcome.actions if a is not Action.UNCHANGED]
    if not changes:
        return f"{outcome.target}: up to date"
    return f"{outcome.target}: {'would ' if dry_run else ''}{', '.join(changes)}"


def summarise(outcomes: list[Outcome], *, dry_run: bool, waited: float) -> str:
    """The closing line: how many comments were (or would be) written, skipped, failed."""
    actions = Counter(a for o in outcomes if o.status is Status.LINK for a in o.actions)
    skipped = Counter(o.status for o in outcomes if o.status not in (Status.LINK, Status.FAILED))
    failed = sum(1 for o in outcomes if o.status is Status.FAILED)
    verb = "would be " if dry_run else ""
    parts = [
        f"{actions[Action.CREATE]} {verb}created",
        f"{actions[Action.UPDATE]} {verb}updated",
        f"{actions[Action.DELETE]} {verb}deleted",
        f"{actions[Action.UNCHANGED]} up to date",
    ]
    if skipped:
        reasons = ", ".join(f"{count} {status.name.lower()}" for status, count in skipped.items())
        parts.append(f"{sum(skipped.values())} skipped ({reasons})")
    parts.append(f"{failed} failed" + (": run again to retry them" if failed else ""))
    text = f"{len(outcomes)} targets: " + ", ".join(parts)
    if waited:
        text += f"; waited {waited:.0f} s for GitHub's rate limits"
    return text


class Progress:
    """A one-line progress bar on a terminal; silent when `stream` is not one."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.enabled = stream.isatty() and total > 0

    def advance(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:40]:<40}")
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * (self.WIDTH + 55) + "\r")
            self.stream.flush()
