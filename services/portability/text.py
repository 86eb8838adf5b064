"""Messages in the reader's language: Welsh or English in a request, English on the command line.

Flask-Babel picks the language from the request (the person's choice), so outside a
request (the ``coopfed`` command, a job) the English text is used as it stands.
"""

from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def _(message: str, **values) -> str:
    """Translate ``message`` for the current person, or format it in English."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message
