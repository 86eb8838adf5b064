"""Alembic environment of the federation's store.

coopfed runs this tree itself (``coopfed migrate``); this file serves ``alembic``
commands run by developers through ``coopfed db revision``, which passes an open
connection in ``config.attributes["connection"]``.
"""

from alembic import context

from core.db import FEDERATION_SCHEMA, is_sqlite
from federation.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table_schema=None if is_sqlite(connection.engine) else FEDERATION_SCHEMA,
    include_schemas=True,
    render_as_batch=is_sqlite(connection.engine),
)
with context.begin_transaction():
    context.run_migrations()
