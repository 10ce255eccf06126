"""Lift chronolog's write pacing in a benchmarked `chronolog serve` (bench/bench_app.py).

Python imports `sitecustomize` at start-up from the first folder on its path that holds
one; the benchmark puts this folder first in PYTHONPATH when it asks for an unpaced server.
The pacing keeps writes under GitHub's content-creation limits (80 a minute, 500 an hour):
with it, a burst of 1,000 deliveries takes hours by design, and the figures would measure
the budget rather than chronolog. Nothing else changes.
"""

from chronolog.app.github import policy

_original_init = policy.WritePacing.__init__


def _unpaced_init(self: policy.WritePacing, *args: object, **kwargs: object) -> None:
    kwargs["per_minute"] = 10**9
    kwargs["per_hour"] = 10**9
    _original_init(self, *args[2:], **kwargs)  # type: ignore[arg-type]


policy.WritePacing.__init__ = _unpaced_init  # type: ignore[method-assign]
