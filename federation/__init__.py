"""The Flask host: app factory, accounts, federation-level pages and the ``coopfed`` CLI."""
