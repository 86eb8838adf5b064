"""Domain exceptions. Services raise these; one handler per interface turns them into responses."""

from __future__ import annotations

from core import unit_of_work


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    Raising one inside a request marks the request's unit of work rollback-only (see
    ``core.unit_of_work``): whatever the refusing service flushed is never committed, even
    when a view catches the error and redirects. Code that expects the error and carries
    on says so with ``exc.tolerate()``.
    """

    status = 400
    code = "error"

    def __init__(self, message: str = "", **detail):
        super().__init__(message or self.__class__.__doc__)
        self.message = message or (self.__class__.__doc__ or "").strip()
        self.detail = detail
        unit_of_work.note_refusal(self)

    def tolerate(self) -> DomainError:
        """This refusal was expected and handled: it does not spoil the request's changes."""
        unit_of_work.tolerate(self)
        return self


class ValidationError(DomainError):
    """The input was refused; ``errors`` maps each field to its messages."""

    status = 422
    code = "invalid"

    def __init__(self, errors: dict[str, list[str] | str], message: str = "Invalid input"):
        super().__init__(message)
        self.errors = {k: ([v] if isinstance(v, str) else list(v)) for k, v in errors.items()}

    def __str__(self) -> str:
        parts = [f"{field}: {'; '.join(msgs)}" for field, msgs in self.errors.items()]
        return "; ".join(parts)


class Unreadable(ValidationError):
    """The request's body could not be read at all: not JSON where JSON is expected, or
    broken JSON. Answered 400; a body that was read but holds wrong values is a
    ``ValidationError``, 422 (docs/architecture.md, "400 or 422")."""

    status = 400
    code = "unreadable"

    def __init__(self, message: str):
        super().__init__({"body": [message]}, message)


class NotFound(DomainError):
    """Not found."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The change conflicts with the current state."""

    status = 409
    code = "conflict"


class Forbidden(DomainError):
    """You may not do that."""

    status = 403
    code = "forbidden"


class Unavailable(DomainError):
    """Temporarily unavailable."""

    status = 503
    code = "unavailable"
