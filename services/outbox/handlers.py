"""What the federation does with each kind of co-op outbox event.

A handler runs in the relay's federation transaction, together with the inbox row
that marks the event as applied, so it applies exactly once.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

from core import audit
from core.db import db
from core.jobs import enqueue_after_commit

Handler = Callable[[int, dict], None]
HANDLERS: dict[str, Handler] = {}
# Shared services that handle co-op events register here when first needed.
# The app refuses to start if one of them does not exist (core.registry).
HANDLER_MODULES = ("services.pool.handlers", "services.stats.handlers",
                   "services.mail.meetings")


@functools.cache
def load_handler_modules() -> None:
    """Import every shared service's handlers, so each has registered before a relay."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)


def handles(event_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``event_type``."""

    def register(func: Handler) -> Handler:
        HANDLERS[event_type] = func
        return func

    return register


@handles("coop.seeded")
def _coop_seeded(coop_id: int, payload: dict) -> None:
    audit.record(db.session, "coop.store_seeded", coop_id=coop_id,
                 member_classes=payload.get("member_classes"))


@handles("member.invited")
def _member_invited(coop_id: int, payload: dict) -> None:
    invitation_id = int(payload["invitation_id"])
    enqueue_after_commit(db.session, "services.mail.tasks:send_invitation", coop_id,
                         invitation_id, queue="default", job_id=f"invite-{coop_id}-{invitation_id}")
