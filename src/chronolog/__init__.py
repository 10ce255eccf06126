"""chronolog keeps a team's dated Markdown log honest."""

__version__ = "0.1.0"
