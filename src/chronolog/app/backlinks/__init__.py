"""Backlinks (issue 4), the part that talks to GitHub: `routes` (the `push` handler), `push`
(a push's changed logs, before and after), `comments` (where chronolog may comment, and
syncing one comment), `preview` (the check run's "On merge, chronolog will link back
from" section), `backfill` (`chronolog backlinks backfill`). What the comments say is the
core's `chronolog.backlinks`."""
