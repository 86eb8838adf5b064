"""Developer commands: ``coopfed db revision`` and ``coopfed config``.

``db revision`` writes the next migration of either Alembic tree, numbered and chained on
the tree's head, with the changes between the models and the head filled in by Alembic's
autogenerate. It compares against a scratch SQLite store brought to head, so it needs no
database server; read what it wrote (PostgreSQL-only details such as partial indexes,
roles and schemas are for a person to check) and keep the models and the migration in step
(``tests/tenants/test_migrate.py`` compares them on both stores).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine

from core.config import SETTINGS
from core.db import FEDERATION_SCHEMA, configure_sqlite

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "TOKEN")
URL_SUFFIX = "_URL"


def next_revision_id(script: ScriptDirectory) -> str:
    """The next four-digit revision id after the tree's single head."""
    heads = script.get_heads()
    if len(heads) != 1:
        raise click.ClickException(
            f"{script.dir} has {len(heads)} heads ({', '.join(heads) or 'none'}); "
            "merge them first (alembic merge) so the new revision has one parent")
    numbers = [int(r.revision) for r in script.walk_revisions() if r.revision.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


def write_revision(tree: str, message: str, *, autogenerate: bool = True,
                   root: Path = MIGRATIONS) -> Path:
    """Write the next revision of ``tree`` ("federation" or "tenant") under ``root``;
    returns its path."""
    path = root / tree
    config = Config()
    config.set_main_option("script_location", str(path))
    script = ScriptDirectory.from_config(config)
    rev_id = next_revision_id(script)
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "revision"
    with tempfile.TemporaryDirectory() as scratch:
        engine = configure_sqlite(create_engine(f"sqlite:///{scratch}/scratch.sqlite"))
        if tree == "federation":
            engine = engine.execution_options(schema_translate_map={FEDERATION_SCHEMA: None})
        try:
            with engine.begin() as conn:
                from tenants.migrate import upgrade_connection

                upgrade_connection(conn, str(path), None, from_disk=True)
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                written = command.revision(config, message=message, autogenerate=autogenerate,
                                           rev_id=rev_id, head="head")
        finally:
            engine.dispose()
    target = Path(written.path)
    wanted = target.with_name(f"{rev_id}_{slug}.py")
    if target != wanted:
        target.rename(wanted)
    return wanted


@click.group("db")
def db_group() -> None:
    """Migrations for developers (coopfed migrate applies them)."""


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the revision does (issue N).")
@click.option("--tenant", "tree", flag_value="tenant",
              help="A revision of every co-op's store (migrations/tenant).")
@click.option("--federation", "tree", flag_value="federation", default=True,
              help="A revision of the federation's store (the default).")
@click.option("--empty", is_flag=True, help="Write empty upgrade()/downgrade(), no comparison.")
def revision_command(message: str, tree: str, empty: bool) -> None:
    """Write the next migration, chained on the head, from the difference with the models."""
    path = write_revision(tree, message, autogenerate=not empty)
    click.echo(str(path))


def masked(name: str, value) -> str:
    """A setting's value as safe to print: secrets hidden, passwords taken out of URLs."""
    if value is None:
        return "(unset)"
    if any(word in name for word in SECRET_WORDS):
        return "(set, hidden)"
    text = str(value)
    if name.endswith(URL_SUFFIX) and "://" in text:
        parts = urlsplit(text)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            text = urlunsplit(parts._replace(netloc=netloc))
    return text


@click.command("config")
@with_appcontext
def config_command() -> None:
    """Print every declared setting's effective value, secrets masked, and its meaning."""
    config = current_app.config
    width = max(len(s.name) for s in SETTINGS) + len("COOPFED_")
    for setting in SETTINGS:
        value = masked(setting.name, config.get(setting.name))
        click.echo(f"{'COOPFED_' + setting.name:<{width}}  {value}")
