"""Domain exceptions. Services raise these; one handler per interface turns them into responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "error"

    def __init__(self, message: str = "", **detail):
        super().__init__(message or self.__class__.__doc__)
        self.message = message or (self.__class__.__doc__ or "").strip()
        self.detail = detail


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
