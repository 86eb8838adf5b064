"""Outbox handlers of the statistics service (imported by the relay, see HANDLER_MODULES)."""

from __future__ import annotations

from services.outbox.handlers import handles
from services.stats import rollups
from tenants.stats.service import EVENT


@handles(EVENT)
def _rollup(coop_id: int, payload: dict) -> None:
    rollups.store_week(coop_id, payload)
