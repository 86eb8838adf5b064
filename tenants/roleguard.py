"""Defence in depth on PostgreSQL: inside a co-op's transaction, no statement may change role.

Each co-op transaction begins ``SET LOCAL ROLE <co-op role>``, so its SQL reaches only
that co-op's schema. But the application's login is a member of every co-op role (it
has to switch into them), so a statement that ran ``RESET ROLE`` or ``SET LOCAL ROLE``
to another co-op's role would reach that co-op, or the federation schema, with its
password and token hashes. Nothing in coopfed issues such SQL; it could only arrive
through SQL injection, of which none is known. PostgreSQL cannot make SET ROLE one-way
(a security-definer function may not change role), so the connection itself refuses:
from the co-op's ``SET LOCAL ROLE`` to the end of its transaction, any statement that
could change the role (SET/RESET ROLE, SESSION AUTHORIZATION, set_config, or the
dynamic SQL that could hide one: DO blocks, EXECUTE, CREATE/ALTER of functions) is
refused before it reaches the server. See deploy/README.md, "Role switching".
"""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

IN_COOP = "coopfed.in_coop_role"

SWITCHING = re.compile(
    r"""\bRESET\b
      | \bSET\s+(?:LOCAL\s+|SESSION\s+)?ROLE\b\s*(?:TO\b|=\s*['"\w]|NONE\b|["\w]+\s*(?:;|$))
      | \bSESSION\s+AUTHORIZATION\b
      | \bset_config\s*\(
      | \bDO\s*(?:LANGUAGE\s+\w+\s*)?\$
      | \bEXECUTE\b
      | \b(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE|ROLE|USER)\b
      | \bCALL\b
    """, re.IGNORECASE | re.VERBOSE)


class RoleSwitchRefused(PermissionError):
    """A statement inside a co-op's transaction tried to change (or hide a change of) role."""


def entered(connection: Connection, role: str) -> None:
    """Mark ``connection`` as inside ``role``'s transaction (after its SET LOCAL ROLE)."""
    connection.info[IN_COOP] = role


def _left(connection: Connection) -> None:
    connection.info.pop(IN_COOP, None)


# Words one of which every refused statement contains: a cheap test first, so the regular
# expression runs only on the rare statement that has one.
HINTS = ("role", "reset", "authorization", "set_config", "execute", "$", "call",
         "function", "procedure", "user")


def _check(connection: Connection, _cursor, statement: str, _params, _context,
           _executemany) -> None:
    role = connection.info.get(IN_COOP)
    if role is None:
        return
    lowered = statement.lower()
    if any(hint in lowered for hint in HINTS) and SWITCHING.search(statement):
        raise RoleSwitchRefused(
            f"refused inside the transaction of {role}: the statement could change role")


def install(engine: Engine) -> None:
    """Guard every connection of ``engine`` (the application's PostgreSQL engine), once."""
    if event.contains(engine, "before_cursor_execute", _check):
        return
    event.listen(engine, "before_cursor_execute", _check)
    event.listen(engine, "commit", _left)
    event.listen(engine, "rollback", _left)
    event.listen(engine, "engine_connect", _left)  # a pooled connection starts clean
