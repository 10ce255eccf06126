"""chronolog keeps a team's dated Markdown log honest."""

# The one place the version is written: pyproject.toml reads it (setuptools' dynamic
# version), and so do `chronolog --version` and SARIF's help links. Between releases it is
# the next release's `.dev0`; docs/releasing.md says when it changes.
__version__ = "0.2.0.dev0"
