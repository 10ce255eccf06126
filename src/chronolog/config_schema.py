"""The JSON Schema of `.github/chronolog.yml`, built from what `chronolog.config` accepts.

Editors (VS Code's YAML extension, JetBrains) validate the file with it as it is typed.
`schema/chronolog.schema.json` in the repository is this function's output, and a test
keeps it so: regenerate it with `chronolog config schema > schema/chronolog.schema.json`.
`chronolog.config` stays the judge: the schema lists the canonical spellings only
(severities in lower case), where the reader also takes `OFF` or `Warning`.
"""

from __future__ import annotations

import json
from typing import Any

from chronolog.config import (
    CONFIG_KEYS,
    DEFAULT_CHECK_NAME,
    DEFAULT_HANDOVER_DAYS,
    MAX_TITLE,
    OWNER_PATTERN,
    SEVERITY_NAMES,
)
from chronolog.diff import FilterMode
from chronolog.output import PROJECT_URL
from chronolog.rules import ALL_RULES
from chronolog.rules.newest_first import Order

RAW_URL = PROJECT_URL.replace("https://github.com/", "https://raw.githubusercontent.com/")
SCHEMA_URL = f"{RAW_URL}/main/schema/chronolog.schema.json"


def config_schema() -> dict[str, Any]:
    """The schema as a JSON-ready mapping (JSON Schema draft-07, which editors support)."""
    glob = {"type": "string", "minLength": 1}
    properties: dict[str, Any] = {
        "logs": {
            "description": "The files chronolog checks: paths or globs from the repository "
            "root (`*`, `?`, `**`, `[abc]`). Without it, the app detects logs by their "
            "headings.",
            "oneOf": [glob, {"type": "array", "items": glob}, {"type": "null"}],
        },
        "order": {
            "description": "Which way the logs run; the `newest-first` rule and its fix follow it.",
            "enum": [order.value for order in Order],
            "default": Order.NEWEST_FIRST.value,
        },
        "rules": {
            "description": "Each rule's severity, or `off` to not run it.",
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                rule.name: {
                    "description": f"{rule.summary} Default: {rule.severity}.",
                    "enum": list(SEVERITY_NAMES),
                }
                for rule in ALL_RULES
            },
        },
        "check_name": {
            "description": "The check run's name (what branch protection requires).",
            "type": "string",
            "pattern": r"^[^\n]*\S[^\n]*$",
            "default": DEFAULT_CHECK_NAME,
        },
        "backlinks": {
            "description": "Where backlinks may be posted; `false` posts none.",
            "oneOf": [
                {"type": "boolean"},
                {"type": "null"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enabled": {"type": ["boolean", "null"], "default": True},
                        "owners": _names(
                            f"^{OWNER_PATTERN}$", "GitHub owners (users or organisations)"
                        ),
                        "repos": _names(
                            f"^{OWNER_PATTERN}/[A-Za-z0-9._-]+$",
                            "single repositories, `owner/name`",
                        ),
                    },
                },
            ],
        },
        "annotations": {
            "description": "Which findings the check run annotates (reviewdog's filter "
            "modes): `added`, those on lines the pull request added or changed; "
            "`diff_context`, any line inside the diff's hunks; `file`, every line of a "
            "changed log. The others are counted in the summary.",
            "enum": [mode.value for mode in FilterMode],
            "default": FilterMode.ADDED.value,
        },
        "report": {
            "description": "A report issue in the log's repository, updated on every push "
            "to the default branch that changes a log: the last 12 months and the handover "
            "list. Without it, no issue is written.",
            "type": ["object", "null"],
            "additionalProperties": False,
            "required": ["issue_title"],
            "properties": {
                "issue_title": {
                    "description": "The issue's title.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_TITLE,
                    "pattern": r"^[^\n]*\S[^\n]*$",
                },
                "handover_days": {
                    "description": "The days of entries whose open issues and pull requests "
                    "the handover lists.",
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 366,
                    "default": DEFAULT_HANDOVER_DAYS,
                },
            },
        },
    }
    assert list(properties) == list(CONFIG_KEYS), "the schema must describe every key"
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_URL,
        "title": "chronolog config (.github/chronolog.yml)",
        "description": f"See {PROJECT_URL}/blob/main/docs/config.md",
        "type": ["object", "null"],
        "additionalProperties": False,
        "properties": properties,
    }


def _names(pattern: str, what: str) -> dict[str, Any]:
    return {
        "description": f"Backlinks may go to these {what}.",
        "type": ["array", "null"],
        "items": {"type": "string", "pattern": pattern},
    }


def schema_text() -> str:
    """The schema as the text of `schema/chronolog.schema.json`."""
    return json.dumps(config_schema(), indent=2, ensure_ascii=False) + "\n"
