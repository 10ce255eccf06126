"""The **Fix my lines** and **Fix whole log** buttons: `routes` (the handler of
`check_run.requested_action`) and `fix_action` (committing the safe fixes of a pull
request's logs)."""
