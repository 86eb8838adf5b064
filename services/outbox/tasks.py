"""Jobs of the outbox: relay one co-op's events, and the periodic sweep."""

from __future__ import annotations

from services.outbox import service


def relay_coop_outbox(coop_id: int) -> int:
    """Job: deliver a co-op's outbox events to the federation."""
    return service.relay(int(coop_id))


def sweep() -> dict[str, int]:
    """Job: re-queue provisioning left stuck and relays left undelivered."""
    return service.sweep()
