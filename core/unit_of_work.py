"""One unit of work per request: commit when the request went right, never because of a status.

A request's changes (on the federation session and on the co-op's session) are committed
by the boundary (``federation.app``) only when

- the view returned normally, and
- no ``DomainError`` was raised while it ran, unless the code that caught it said the
  refusal was expected (``exc.tolerate()``).

So a view that catches a refusal and redirects, or re-renders its form with status 200,
commits nothing that the refusing service had flushed. The HTTP status plays no part.

Jobs are not affected: outside a request the job wrapper commits or rolls back.
"""

from __future__ import annotations

from flask import g, has_request_context

_REFUSALS = "coopfed_refusals"
_FAILED = "coopfed_request_failed"


def note_refusal(exc: BaseException) -> None:
    """Remember that ``exc`` was raised in this request: its unit of work will roll back."""
    if has_request_context():
        g.setdefault(_REFUSALS, []).append(exc)


def tolerate(exc: BaseException) -> None:
    """Say that ``exc`` was expected and handled: it alone no longer spoils the request."""
    if has_request_context():
        refusals = g.get(_REFUSALS) or []
        g.setdefault(_REFUSALS, [])[:] = [seen for seen in refusals if seen is not exc]


def note_failure() -> None:
    """Remember that an exception escaped the view (or a before-request hook)."""
    if has_request_context():
        setattr(g, _FAILED, True)


def should_commit() -> bool:
    """Whether the boundary may commit this request's changes."""
    return not g.get(_FAILED, False) and not g.get(_REFUSALS)


def reset() -> None:
    """Forget this request's refusals and failure (the boundary calls it once it has decided)."""
    g.pop(_REFUSALS, None)
    g.pop(_FAILED, None)
