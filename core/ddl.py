"""Database-side rules that SQLAlchemy cannot declare: append-only tables."""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

PG_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION public.coopfed_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'table %% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$
"""


def append_only_sql(dialect: str, table: str, schema: str | None = None) -> list[str]:
    """Statements that make ``table`` refuse UPDATE and DELETE (used by models and migrations).

    ``schema`` qualifies the table on PostgreSQL; co-op stores leave it out and rely on
    the migration's search_path.
    """
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "
        f"{schema + '.' if schema else ''}{table} "
        "FOR EACH ROW EXECUTE FUNCTION public.coopfed_append_only()"
    ]


def make_append_only(table: Table) -> None:
    """Attach the append-only triggers to ``table`` whenever it is created from the models."""
    for dialect in ("sqlite", "postgresql"):
        schema = table.schema if dialect == "postgresql" else None
        for statement in append_only_sql(dialect, table.name, schema):
            event.listen(table, "after_create",
                         DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))
