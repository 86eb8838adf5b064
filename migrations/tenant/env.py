"""Alembic environment of a co-op's store (see ``tenants.migrate`` for how coopfed runs it).

Developers reach it through ``coopfed db revision --tenant``, which passes a connection to
a scratch co-op store in ``config.attributes["connection"]``.
"""

from alembic import context

from core.db import is_sqlite
from tenants.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=is_sqlite(connection.engine),
)
with context.begin_transaction():
    context.run_migrations()
