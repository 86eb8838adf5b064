"""Alembic trees: ``federation/`` for the shared store and ``tenant/`` for every co-op's store."""
