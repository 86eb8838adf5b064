"""The co-op of the current request (or job), and its session.

Views and services call ``tenant_session()``; it is bound to the co-op named in the
URL, so no query has to remember to filter by co-op. The request boundary commits it.
"""

from __future__ import annotations

from flask import current_app, g

from tenants.store import TenantRef, TenantSession, TenantStore

STORE = "coopfed.store"


def store() -> TenantStore:
    """The app's tenant store."""
    return current_app.extensions[STORE]


def bind_tenant(ref: TenantRef) -> None:
    """Make ``ref`` the co-op of this request or job context."""
    if getattr(g, "coopfed_tenant", None) not in (None, ref):
        raise RuntimeError("a context serves one co-op only")
    g.coopfed_tenant = ref


def current_tenant() -> TenantRef:
    """The co-op this context serves; raises if none is bound."""
    ref = getattr(g, "coopfed_tenant", None)
    if ref is None:
        raise RuntimeError("no co-op is bound to this context")
    return ref


def tenant_session() -> TenantSession:
    """The current co-op's session, opened on first use and committed by the boundary."""
    session = getattr(g, "coopfed_tenant_session", None)
    if session is None:
        session = store().session(current_tenant())
        g.coopfed_tenant_session = session
    return session


def finish_tenant_session(commit: bool) -> None:
    """Commit or roll back the context's co-op session, then close it (the boundary's job)."""
    session = g.pop("coopfed_tenant_session", None)
    if session is None:
        return
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
