"""Bring both databases to the current schema: Alembic for metadata, DDL for the data side."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, select, text

from dataconnect.store import schema
from dataconnect.store.data import CHANGE_SEQ, data_metadata, physical_name, quote
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
            tables = [
                physical_name(r.account_id, r.name)
                for r in conn.execute(
                    select(schema.data_tables.c.account_id, schema.data_tables.c.name)
                )
            ]
    with engines.data.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            data_metadata(engines.data_schema).create_all(conn, checkfirst=True)
            _upgrade_data(conn, engines.data_schema, tables)


def _upgrade_data(conn: Connection, data_schema: str | None, tables: list[str]) -> None:
    """What the data database's fixed tables and the accounts' tables (``tables``: their
    physical names) gained since they were made; Alembic keeps the metadata database only.

    One transaction: the change sequence of exports' ``changed_since_last_run`` (the markers'
    ``table_key`` and ``seq``, every table's ``_CHANGE_SEQ``). Tables made since have them.
    """
    found = inspect(conn)
    markers = {c["name"] for c in found.get_columns("import_markers", schema=data_schema)}
    if "seq" in markers:
        return
    prefix = f"{quote(data_schema)}." if data_schema else ""
    conn.execute(text(f"ALTER TABLE {prefix}import_markers ADD COLUMN table_key VARCHAR(80)"))
    conn.execute(text(f"ALTER TABLE {prefix}import_markers ADD COLUMN seq BIGINT"))
    conn.execute(
        text(
            "CREATE UNIQUE INDEX ix_import_markers_table_key_seq "
            f"ON {prefix}import_markers (table_key, seq)"
        )
    )
    for name in tables:
        if not found.has_table(name, schema=data_schema):
            continue
        columns = {c["name"] for c in found.get_columns(name, schema=data_schema)}
        if CHANGE_SEQ not in columns:
            conn.execute(
                text(f"ALTER TABLE {prefix}{quote(name)} ADD COLUMN {quote(CHANGE_SEQ)} BIGINT")
            )


def is_current(engines: Engines) -> bool:
    """Metadata at Alembic's head, and every fixed table of the data side there."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engines.meta.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() != head:
            return False
    wanted = data_metadata(engines.data_schema).tables.values()
    with engines.data.connect() as conn:
        found = inspect(conn)
        if not all(found.has_table(t.name, schema=t.schema) for t in wanted):
            return False
        markers = found.get_columns("import_markers", schema=engines.data_schema)
        return any(c["name"] == "seq" for c in markers)
