"""chronolog's GitHub App: a webhook server around the pure core.

`server.py` composes the Starlette app, `webhooks.py` verifies and accepts deliveries,
`handlers.py` is the one table of what runs on which event, `pull_request.py` and
`fix_action.py` are the work itself, the `github` package is all the talking to GitHub.
"""
