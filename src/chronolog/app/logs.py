"""One log configuration for chronolog, uvicorn and DBOS: `configure_logging`.

`LOG_FORMAT=json` writes one JSON object per line (the default when stderr is not a
terminal: a container, a service manager); `text` writes readable lines (the default on a
terminal). Every line written while a delivery is processed carries its fields (`delivery`,
`event`, `action`, `repo`, `pr`, `head_sha`), from a context variable that the engine and
`observe_delivery` set: a line needs no arguments to say which delivery it is about.
Access lines for `/healthz`, `/readyz` and `/metrics` are dropped: probes would drown the rest.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.config
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

LogFormat = Literal["json", "text"]

# The fields of the delivery being processed, for every line logged meanwhile.
_delivery: contextvars.ContextVar[Mapping[str, object]] = contextvars.ContextVar(
    "chronolog_delivery", default=MappingProxyType({})
)
# Paths whose access lines are not logged.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"


def default_format(stream: Any = None) -> LogFormat:
    """`text` on a terminal, `json` elsewhere."""
    isatty = getattr(stream or sys.stderr, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def bind_delivery(**fields: object) -> None:
    """Add `fields` to every line logged from here on in this context (this delivery's
    task); None values are left out."""
    merged = {**_delivery.get(), **{k: v for k, v in fields.items() if v is not None}}
    _delivery.set(merged)


def delivery_fields() -> Mapping[str, object]:
    return _delivery.get()


class DeliveryFilter(logging.Filter):
    """Puts the current delivery's fields on each record (`record.delivery_fields`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = dict(_delivery.get())
        extra = getattr(record, "fields", None)
        if isinstance(extra, Mapping):
            fields.update(extra)
        record.delivery_fields = fields
        record.context = "".join(f" {k}={v}" for k, v in fields.items())
        return True


class QuietProbes(logging.Filter):
    """Drops uvicorn's access lines for the probe and metrics paths."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access: (client, method, path, http version, status)
        if isinstance(args, tuple) and len(args) == 5:
            path = str(args[2]).split("?", 1)[0]
            return path not in QUIET_PATHS
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the delivery's fields, and
    the exception when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "delivery_fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str, log_format: LogFormat) -> dict[str, Any]:
    """The `logging.config.dictConfig` for chronolog, uvicorn and DBOS: one handler on the
    root logger; the others propagate to it at `level`."""
    formatter: dict[str, Any] = {"()": JsonFormatter} if log_format == "json" else {"format": TEXT}
    propagate = {"handlers": [], "level": level, "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"delivery": {"()": DeliveryFilter}, "quiet": {"()": QuietProbes}},
        "formatters": {"chronolog": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "chronolog",
                "filters": ["delivery"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            "uvicorn": propagate,
            "uvicorn.error": propagate,
            "uvicorn.access": {**propagate, "filters": ["quiet"]},
            # DBOS adds its own console handler unless "dbos" has one; it stays quiet
            # below WARNING, as the engine asks.
            "dbos": {**propagate, "level": "WARNING"},
        },
    }


def configure_logging(level: str, log_format: LogFormat) -> None:
    logging.config.dictConfig(logging_config(level, log_format))
    # `dictConfig` gives "dbos" no handler of its own, and DBOS adds one (with its own
    # format, not propagating) when it finds none: a handler that does nothing but pass on.
    dbos = logging.getLogger("dbos")
    if not dbos.handlers:
        dbos.addHandler(_Propagate())


class _Propagate(logging.NullHandler):
    """A handler that keeps DBOS from installing its console handler; records still
    propagate to the root's."""
