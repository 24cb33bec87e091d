"""Bring both databases to the current schema: Alembic for metadata, DDL for the data side."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from dataconnect.store.data import data_metadata
from dataconnect.store.engine import Engines, ensure_postgres_schemas

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(engines: Engines) -> None:
    if engines.dialect == "postgresql":
        ensure_postgres_schemas(engines.meta)
    cfg = alembic_config()
    # On SQLite the write lock is taken up front, so two processes upgrading at once take turns.
    with engines.meta.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    with engines.data.begin() as conn:
        data_metadata(engines.data_schema).create_all(conn, checkfirst=True)


def is_current(engines: Engines) -> bool:
    """Metadata at Alembic's head, and every fixed table of the data side there."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engines.meta.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() != head:
            return False
    wanted = data_metadata(engines.data_schema).tables.values()
    with engines.data.connect() as conn:
        found = inspect(conn)
        return all(found.has_table(t.name, schema=t.schema) for t in wanted)
