"""Which revision an Alembic tree's code is at: read once per process, without a database.

Used by migrate-all (``tenants.migrate``) and by the registry, which answers 503 for a
co-op not at the head; it lives here so that neither has to import the other.
"""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.script import ScriptDirectory


@cache
def alembic_config(path: str) -> Config:
    """An Alembic config pointing at the tree in ``path``."""
    config = Config()
    config.set_main_option("script_location", path)
    return config


@cache
def script_directory(path: str) -> ScriptDirectory:
    """The Alembic script directory at ``path`` (read once per process)."""
    return ScriptDirectory.from_config(alembic_config(path))


def head(path: str) -> str:
    """The single head revision of the tree at ``path``, as this process first read it.

    That is the revision this process's models were written for. A long-running process
    (an RQ worker) can be older than the scripts on disk: see
    ``tenants.migrate.disk_head``.
    """
    revision = script_directory(path).get_current_head()
    if revision is None:
        raise RuntimeError(f"no migrations in {path}")
    return revision
