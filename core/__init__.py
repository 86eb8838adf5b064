"""The small shared base of coopfed: settings, the federation database handle, errors and jobs.

Every other layer may import from here; this package imports from none of them.
"""

from core import messages as _messages

# Before any schema is defined, wherever it lives: marshmallow copies these when it builds one.
_messages.install()
