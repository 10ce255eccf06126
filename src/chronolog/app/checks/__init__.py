"""The pull-request check: `routes` (the handlers of `pull_request.*` and Re-run),
`pull_request` (one check, from reads to the published run), `pull_logs` (reading the config
and the changed logs), `check_run` (publishing a run), `config_cache`. The decisions
between the reads and writes are the core's `chronolog.pull`."""
