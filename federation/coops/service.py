"""Creating a co-op on someone's behalf: one entry point for the CLI, demo and wizard."""

from __future__ import annotations

from dataclasses import dataclass

from federation.accounts.service import get_or_create_account
from tenants import provisioning
from tenants.registry.models import Coop


@dataclass
class CoopRequested:
    """A co-op that is queued for provisioning, and its first admin's one-time password."""

    coop: Coop
    admin_password: str | None


def check_create_coop(data: dict, *, actor_account_id: int | None = None,
                      admin_name: str | None = None) -> CoopRequested:
    """Validate ``data``, find or create the first admin's account, and queue provisioning.

    Nothing is written unless every field is valid; the caller owns the transaction.
    """
    values = provisioning.validate_request(data)
    account, password = get_or_create_account(values["admin_email"], admin_name,
                                              values.get("default_locale", "en"))
    coop = provisioning.request_coop(values, admin_account_id=account.id,
                                     actor_account_id=actor_account_id)
    return CoopRequested(coop, password)
