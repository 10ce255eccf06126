"""The per-repository config, `.github/chronolog.yml`, read from the default branch.

Every mistake is an error that names its line, so that the check run can annotate the
config file: an unknown key would otherwise silently switch nothing off.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from chronolog.check import select_rules
from chronolog.diff import FilterMode
from chronolog.globs import glob_regex
from chronolog.model import Severity
from chronolog.parse import LogDecodeError, decode_log
from chronolog.rule import Rule
from chronolog.rules import RULES_BY_NAME, newest_first
from chronolog.rules.newest_first import Order
from chronolog.yaml_nodes import is_mapping, is_null, is_scalar, is_sequence, kind, line_of

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node

CONFIG_PATH = ".github/chronolog.yml"
DEFAULT_CHECK_NAME = "chronolog"
OFF = "off"
SEVERITY_NAMES = (*(severity.value for severity in Severity), OFF)

# GitHub's owner and repository name syntax, as `owner` and `owner/name`.
OWNER_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_OWNER = OWNER_PATTERN
_OWNER_RE = re.compile(rf"{_OWNER}")
_REPO_RE = re.compile(rf"{_OWNER}/[A-Za-z0-9._-]+")


class ConfigError(ValueError):
    """What is wrong with the config and on which line (1-based) of the file."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(f"{CONFIG_PATH}, line {line}: {message}")
        self.message = message
        self.line = line


@dataclass(frozen=True)
class BacklinksConfig:
    """Where backlinks may be posted; empty `owners` and `repos` = the log repository's owner."""

    enabled: bool = True
    owners: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()


DEFAULT_HANDOVER_DAYS = 14  # `chronolog report --handover-days` too


@dataclass(frozen=True)
class ReportConfig:
    """The report issue (`report:`): its title, and the days the handover list covers."""

    issue_title: str
    handover_days: int = DEFAULT_HANDOVER_DAYS


MAX_TITLE = 256  # GitHub's limit for an issue title
# A config is a few dozen lines; GitHub allows 100 MB files, which PyYAML would take
# minutes to read. A bigger file is one problem, on line 1, and is not parsed.
MAX_CONFIG_BYTES = 256 * 1024


@dataclass(frozen=True)
class RepoConfig:
    """The settings of one repository; `RepoConfig()` is what an absent or empty file means."""

    logs: tuple[str, ...] = ()  # paths or globs; empty = detect logs by their headings
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    check_name: str = DEFAULT_CHECK_NAME
    backlinks: BacklinksConfig = field(default_factory=BacklinksConfig)
    order: Order = Order.NEWEST_FIRST  # which way the logs run; `newest-first` follows it
    annotations: FilterMode = FilterMode.ADDED  # which findings the check run annotates
    report: ReportConfig | None = None  # None: no report issue

    def matches_log_path(self, path: str) -> bool | None:
        """Whether `logs:` names `path`; None when `logs:` is not configured."""
        if not self.logs:
            return None
        return any(glob_regex(pattern).fullmatch(path) for pattern in self.logs)

    def rules(
        self, select: Iterable[str] | None = None, ignore: Iterable[str] = ()
    ) -> tuple[Rule, ...]:
        """The rules to run, with their options: all of them (or `select`, which replaces
        the config's own), minus those set to `off` and those in `ignore`.

        Raises `UnknownRuleError` for a name in `select` or `ignore` that is no rule.
        """
        chosen = select_rules(self.select if select is None else select, (*self.ignore, *ignore))
        ordered = newest_first.rule_for(self.order)
        return tuple(ordered if rule.name == ordered.name else rule for rule in chosen)


def parse_config(text: str) -> RepoConfig:
    """Read `.github/chronolog.yml`. An empty file (or only comments) means the defaults.

    Raises `ConfigError` naming the line for invalid YAML, unknown keys, unknown rules,
    unknown severities and values of the wrong type (the first, when there are several).
    """
    config, problems = _read_config(text)
    if problems:
        raise problems[0]
    return config


def parse_config_file(data: bytes) -> RepoConfig:
    """The config in the bytes of a repository's `.github/chronolog.yml`.

    Raises `ConfigError` when it is invalid, not UTF-8 (with the byte offset), or over
    `MAX_CONFIG_BYTES`.
    """
    if (too_big := config_size_problem(data)) is not None:
        raise too_big
    try:
        text = decode_log(data, CONFIG_PATH)
    except LogDecodeError as error:
        raise ConfigError(str(error)) from None
    return parse_config(text)


def config_size_problem(data: bytes) -> ConfigError | None:
    """The problem of a config file over `MAX_CONFIG_BYTES`, or None."""
    if len(data) <= MAX_CONFIG_BYTES:
        return None
    return ConfigError(
        f"the file is {len(data):,} bytes, over the limit of {MAX_CONFIG_BYTES:,} bytes "
        f"({MAX_CONFIG_BYTES // 1024} KB); it was not read"
    )


def validate_config_text(text: str) -> tuple[ConfigError, ...]:
    """Every problem of a config file's text, in the order of its lines; empty when valid.

    One problem per top-level key at most (the first found under it), so a pull request
    that edits the config sees all of its mistakes at once. Invalid YAML is one problem.
    """
    return _read_config(text)[1]


def _read_config(text: str) -> tuple[RepoConfig, tuple[ConfigError, ...]]:
    """The config (the defaults where a key is wrong) and the problems found."""
    try:
        root = _yaml_root(text)
    except ConfigError as error:
        return RepoConfig(), (error,)
    if root is None or is_null(root):  # empty, only comments, or a bare `---`
        return RepoConfig(), ()
    if not is_mapping(root):
        problem = ConfigError(
            f"expected a mapping of settings ({', '.join(_TOP_LEVEL)}), not {kind(root)}",
            line_of(root),
        )
        return RepoConfig(), (problem,)

    settings: dict[str, Any] = {}
    problems: list[ConfigError] = []
    seen: set[str] = set()
    for key_node, value in root.value:
        try:
            key = _known_key(key_node, seen, known=tuple(_TOP_LEVEL))
            if not is_null(value):  # `rules:` with every line under it commented out
                settings.update(_TOP_LEVEL[key](value))
        except ConfigError as error:
            problems.append(error)
    return RepoConfig(**settings), tuple(problems)


def _yaml_root(text: str) -> Node | None:
    """The YAML document's root node; raises `ConfigError` for text that is not YAML."""
    # Imported here: a repository without a config never pays for PyYAML (about 20 ms).
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        root: Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        detail = error.problem or str(error)
        if error.context and error.problem:
            context = error.context
            if context.startswith("while") and error.context_mark is not None:
                context += f" that starts on line {error.context_mark.line + 1}"
            detail = f"{error.problem} ({context})"
        raise ConfigError(f"not valid YAML: {detail}", line) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML: {error}") from None
    except RecursionError:
        raise ConfigError("not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    return root


def _logs(node: Node) -> dict[str, Any]:
    items = [node] if is_scalar(node) else _items(node, "logs")
    return {"logs": tuple(_glob(item) for item in items)}


def _glob(node: Node) -> str:
    """A `logs:` entry, checked now so that a bad one fails here and not on every PR."""
    pattern = _text(node, "logs")
    try:
        glob_regex(pattern)
    except re.error as error:
        raise ConfigError(
            f"`logs`: `{pattern}` is not a valid glob ({error})", line_of(node)
        ) from None
    return pattern


def _rules(node: Node) -> dict[str, Any]:
    if not is_mapping(node):
        raise ConfigError(
            f"`rules` maps rule names to a severity ({'|'.join(SEVERITY_NAMES)}), not {kind(node)}",
            line_of(node),
        )
    severities: dict[str, Severity] = {}
    off: list[str] = []
    for name, value in _pairs(node, known=tuple(RULES_BY_NAME), what="rule"):
        # The raw scalar, not the constructed value: YAML 1.1 reads a bare `off` as False.
        level = value.value.strip().lower() if is_scalar(value) else None
        if level not in SEVERITY_NAMES:
            shown = value.value if is_scalar(value) else kind(value)
            raise ConfigError(
                f"unknown severity `{shown}` for rule `{name}`; "
                f"use one of {', '.join(SEVERITY_NAMES)}",
                line_of(value),
            )
        if level == OFF:
            off.append(name)
        else:
            severities[name] = Severity(level)
    return {"severities": severities, "ignore": tuple(off)}


def _check_name(node: Node) -> dict[str, Any]:
    name = _text(node, "check_name")
    if not name.strip() or "\n" in name:
        raise ConfigError("`check_name` must be a non-empty name on one line", line_of(node))
    return {"check_name": name.strip()}


def _backlinks(node: Node) -> dict[str, Any]:
    if is_scalar(node) and node.tag.endswith(":bool"):
        return {"backlinks": BacklinksConfig(enabled=_bool(node, "backlinks"))}
    if not is_mapping(node):
        raise ConfigError(
            f"`backlinks` is a mapping (enabled, owners, repos) or true/false, not {kind(node)}",
            line_of(node),
        )
    settings: dict[str, Any] = {}
    for key, value in _pairs(node, known=("enabled", "owners", "repos"), under="backlinks"):
        if is_null(value):
            continue
        if key == "enabled":
            settings["enabled"] = _bool(value, "backlinks.enabled")
        else:
            pattern, example = (
                (_OWNER_RE, "sourcegraph") if key == "owners" else (_REPO_RE, "other-org/infra")
            )
            names = []
            for item in _items(value, f"backlinks.{key}"):
                name = _text(item, f"backlinks.{key}").strip()
                if not pattern.fullmatch(name):
                    raise ConfigError(
                        f"`{name}` in `backlinks.{key}` is not a GitHub "
                        f"{'owner' if key == 'owners' else 'repository'} like `{example}`",
                        line_of(item),
                    )
                names.append(name)
            settings[key] = tuple(names)
    return {"backlinks": BacklinksConfig(**settings)}


_Choice = TypeVar("_Choice", bound=StrEnum)


def _choice(node: Node, key: str, choices: type[_Choice]) -> _Choice:
    """The value of `key`, one of the enum's values; anything else names them all."""
    value = _text(node, key).strip()
    try:
        return choices(value)
    except ValueError:
        *others, last = [choice.value for choice in choices]
        raise ConfigError(
            f"unknown {key} `{value}`; use {', '.join(others)} or {last}", line_of(node)
        ) from None


def _report(node: Node) -> dict[str, Any]:
    if not is_mapping(node):
        raise ConfigError(
            f"`report` is a mapping (issue_title, handover_days), not {kind(node)}", line_of(node)
        )
    settings: dict[str, Any] = {}
    for key, value in _pairs(node, known=("issue_title", "handover_days"), under="report"):
        text = _text(value, f"report.{key}").strip()
        if key == "issue_title" and (not text or "\n" in text or len(text) > MAX_TITLE):
            message = f"a title on one line of 1 to {MAX_TITLE} characters, not {kind(value)}"
        elif key == "handover_days" and not (text.isdigit() and 1 <= int(text) <= 366):
            message = f"a whole number of days from 1 to 366, not {kind(value)}"
        else:
            settings[key] = text if key == "issue_title" else int(text)
            continue
        raise ConfigError(f"`report.{key}` must be {message}", line_of(value))
    if "issue_title" not in settings:
        raise ConfigError(
            "`report` needs an `issue_title`, e.g. `Support log report`", line_of(node)
        )
    return {"report": ReportConfig(**settings)}


_TOP_LEVEL: dict[str, Callable[[Node], dict[str, Any]]] = {
    "logs": _logs,
    "order": lambda node: {"order": _choice(node, "order", Order)},
    "rules": _rules,
    "check_name": _check_name,
    "backlinks": _backlinks,
    "annotations": lambda node: {"annotations": _choice(node, "annotations", FilterMode)},
    "report": _report,
}
CONFIG_KEYS = tuple(_TOP_LEVEL)


def _pairs(
    node: MappingNode, *, known: tuple[str, ...], what: str = "key", under: str | None = None
) -> list[tuple[str, Node]]:
    """The (key, value node) pairs of a mapping; unknown or repeated keys are errors."""
    seen: set[str] = set()
    return [
        (_known_key(key_node, seen, known=known, what=what, under=under), value_node)
        for key_node, value_node in node.value
    ]


def _known_key(
    key_node: Node,
    seen: set[str],
    *,
    known: tuple[str, ...],
    what: str = "key",
    under: str | None = None,
) -> str:
    """The key of a mapping entry, added to `seen`; unknown or repeated keys are errors."""
    key = key_node.value if is_scalar(key_node) else None
    if key is None or key not in known:
        shown = key if key is not None else kind(key_node)
        where = f" under `{under}`" if under else ""
        close = difflib.get_close_matches(str(shown), known, n=1)
        hints = [f"did you mean `{close[0]}`?"] if close else []
        if what == "rule" or not close:
            hints.append(f"{'The' if close else 'the'} {what}s are: {', '.join(known)}")
        message = f"unknown {what} `{shown}`{where}; {' '.join(hints)}"
        raise ConfigError(message, line_of(key_node))
    if key in seen:
        raise ConfigError(f"`{key}` is set twice", line_of(key_node))
    seen.add(key)
    return str(key)


def _items(node: Node, name: str) -> list[Node]:
    if not is_sequence(node):
        raise ConfigError(f"`{name}` must be a list, not {kind(node)}", line_of(node))
    return list(node.value)


def _text(node: Node, name: str) -> str:
    if not is_scalar(node) or is_null(node):
        raise ConfigError(f"`{name}` must be text, not {kind(node)}", line_of(node))
    return str(node.value)


def _bool(node: Node, name: str) -> bool:
    if is_scalar(node) and node.tag.endswith(":bool"):
        return node.value.lower() in ("true", "yes", "on", "y")
    raise ConfigError(f"`{name}` must be true or false, not {kind(node)}", line_of(node))
