"""chronolog's GitHub App: a webhook server around the pure core.

`server.py` composes the Starlette app, `webhooks.py` verifies and stores deliveries,
`engine.py` runs them from the store, `router.py` is the one table of what runs on which
event, composed of each concern's `routes.py`: `checks/` (the pull-request check),
`fixes/` (the Fix my lines and Fix whole log buttons), `backlinks/` (pushes, the preview,
the backfill).
`context.py` is one delivery's context; the `github` package is all the talking to GitHub.
"""
