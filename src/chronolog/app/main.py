"""Start the server: `chronolog serve` calls `run_server`; `python -m chronolog.app.main` too."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from chronolog import __version__
from chronolog.app.logs import configure_logging, default_format
from chronolog.app.server import create_app
from chronolog.app.settings import SettingsError, load_settings

log = logging.getLogger(__name__)

# Seconds a thread may hold the GIL while another waits for it (bench/README.md: the
# webhooks' p99 while checks run, side by side with 5 ms).
SWITCH_INTERVAL = 0.001


def run_server(host: str | None = None, port: int | None = None) -> int:
    """Serve until interrupted. `host`/`port` override HOST/PORT. Returns the exit code:
    2 when a setting is malformed (each problem is printed), else 0."""
    try:
        settings = load_settings()
    except SettingsError as error:
        for problem in error.problems:
            print(f"chronolog: {problem}", file=sys.stderr)
        return 2
    # One configuration for chronolog, uvicorn and DBOS; uvicorn is told not to make its own.
    configure_logging(settings.log_level, settings.log_format or default_format())
    # The checks compute in threads of this process; each time the event loop that answers
    # webhooks wants the GIL back, it waits for a computing thread to let go of it, up to
    # the switch interval (5 ms by default; an answer needs the GIL a dozen times).
    sys.setswitchinterval(SWITCH_INTERVAL)
    app = create_app(settings)
    log.info(
        "chronolog %s listening on %s:%s", __version__, host or settings.host, port or settings.port
    )
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        log_level=settings.log_level.lower(),
        # One line per webhook costs the event loop that answers them; chronolog logs each
        # delivery itself. At DEBUG, uvicorn's access log is on too.
        access_log=settings.log_level == "DEBUG",
        proxy_headers=True,
        server_header=False,
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m chronolog.app.main")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    return run_server(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
