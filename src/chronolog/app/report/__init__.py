"""The report issue (issue 12), the part that talks to GitHub: `routes` (the `push`
handler) and `issue` (reading a push's logs and the app's issues, writing the one issue
per log). What the issue says, and whether to write it, is the core's
`chronolog.report_issue`."""
