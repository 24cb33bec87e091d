"""Alembic migrations build exactly ``store.schema.metadata`` from an EMPTY database, on both
backends, and running them again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, insert, inspect, select, text

from dataconnect.store import migrate
from dataconnect.store import schema as s
from dataconnect.store.engine import DATA_SCHEMA, META_SCHEMA, Engines, build_engines
from dataconnect.store.schema import metadata

PARTIAL_UNIQUE_INDEXES = {
    # index name -> (table, the states it covers)
    "uq_group_runs_one_active": ("group_runs", {"queued", "running", "stopping"}),
    "uq_job_runs_one_active": ("job_runs", {"queued", "running"}),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engines]:
    """Engines on databases that hold nothing yet (a fresh SQLite file, a new PG database)."""
    if request.param == "postgres":
        url: str | None = request.getfixturevalue("empty_pg_url")
    else:
        url = None
    engines = build_engines(home=tmp_path / "home", database_url=url)
    yield engines
    engines.dispose()


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


def _head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def _meta_schema(engines: Engines) -> str | None:
    return META_SCHEMA if engines.dialect == "postgresql" else None


def _tables(engine: Engine, schema: str | None = None) -> set[str]:
    return set(inspect(engine).get_table_names(schema=schema))


def _indexes(engines: Engines) -> dict[str, str]:
    """Every index of the metadata database with its full definition, as the server has it."""
    with engines.meta.connect() as conn:
        if engines.dialect == "postgresql":
            rows = conn.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = :schema"),
                {"schema": META_SCHEMA},
            )
        else:
            rows = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            )
        return {name: definition for name, definition in rows}


def _revisions(engines: Engines) -> list[str]:
    with engines.meta.connect() as conn:
        return list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


# --- the empty database ----------------------------------------------------------------------


def test_an_empty_database_is_not_current_and_has_no_tables(empty: Engines) -> None:
    assert migrate.is_current(empty) is False
    assert _tables(empty.meta, _meta_schema(empty)) == set()


def test_there_is_a_single_head_revision() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(script.get_heads()) == 1
    assert _head() is not None


# --- upgrade gives exactly the metadata ------------------------------------------------------


def test_upgrading_an_empty_database_gives_exactly_the_metadata(empty: Engines) -> None:
    migrate.upgrade(empty)

    assert _diff(empty.meta) == []
    assert _tables(empty.meta, _meta_schema(empty)) == set(metadata.tables) | {"alembic_version"}
    assert migrate.is_current(empty) is True
    assert _revisions(empty) == [_head()]


def test_upgrade_creates_the_data_side_too(empty: Engines) -> None:
    migrate.upgrade(empty)

    assert "import_markers" in _tables(empty.data, empty.data_schema)
    if empty.dialect == "sqlite":
        # Two files: the account tables never share the metadata file's write lock.
        assert empty.data is not empty.meta
        assert "import_markers" not in _tables(empty.meta)
        assert _tables(empty.data) == {"import_markers", "import_results"}


@pytest.mark.postgres
def test_on_postgresql_everything_lives_in_the_two_schemas(
    empty_pg_url: str, tmp_path: Path
) -> None:
    engines = build_engines(home=tmp_path, database_url=empty_pg_url)
    try:
        migrate.upgrade(engines)
        assert _tables(engines.meta, META_SCHEMA) == set(metadata.tables) | {"alembic_version"}
        assert _tables(engines.meta, DATA_SCHEMA) == {"import_markers", "import_results"}
        assert _tables(engines.meta, "public") == set()
        with engines.meta.connect() as conn:
            # The metadata tables are found unqualified through the connection's search_path.
            assert conn.execute(text("SHOW search_path")).scalar_one() == META_SCHEMA
            assert conn.execute(select(func.count()).select_from(s.accounts)).scalar_one() == 0
    finally:
        engines.dispose()


def test_the_partial_unique_indexes_exist_with_their_where_clause(empty: Engines) -> None:
    """``compare_metadata`` does not look at WHERE clauses of partial indexes; check them here."""
    migrate.upgrade(empty)
    indexes = _indexes(empty)

    for name, (table, states) in PARTIAL_UNIQUE_INDEXES.items():
        definition = indexes[name]
        assert "UNIQUE" in definition.upper()
        assert table in definition
        where = definition[definition.upper().index("WHERE") :]
        assert {state for state in states if f"'{state}'" in where} == states
        others = {"succeeded", "failed", "stopped", "aborted"}
        assert not [state for state in others if f"'{state}'" in where]


# --- upgrading again -------------------------------------------------------------------------


def test_upgrading_twice_is_a_no_op(empty: Engines) -> None:
    migrate.upgrade(empty)
    tables = _tables(empty.meta, _meta_schema(empty))
    indexes = _indexes(empty)
    with empty.meta.begin() as conn:
        conn.execute(
            insert(s.accounts).values(
                name="Acme",
                name_key="acme",
                timezone="UTC",
                created_at=datetime.now(UTC),
                sftp_username="acme-1",
            )
        )

    migrate.upgrade(empty)

    assert migrate.is_current(empty) is True
    assert _revisions(empty) == [_head()]
    assert _tables(empty.meta, _meta_schema(empty)) == tables
    assert _indexes(empty) == indexes
    assert _diff(empty.meta) == []
    with empty.meta.connect() as conn:
        assert conn.execute(select(s.accounts.c.name)).scalars().all() == ["Acme"]


def test_is_current_is_false_before_and_true_after(empty: Engines) -> None:
    assert migrate.is_current(empty) is False
    migrate.upgrade(empty)
    assert migrate.is_current(empty) is True
    migrate.upgrade(empty)
    assert migrate.is_current(empty) is True


def test_a_database_at_an_older_revision_is_not_current(empty: Engines) -> None:
    migrate.upgrade(empty)
    with empty.meta.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    assert migrate.is_current(empty) is False


def test_a_data_database_missing_a_fixed_table_is_not_current_until_upgraded(
    empty: Engines,
) -> None:
    """A data database from before ``import_results`` existed gets it on upgrade."""
    migrate.upgrade(empty)
    schema = empty.data_schema
    with empty.data.begin() as conn:
        conn.execute(text(f"DROP TABLE {f'{schema}.' if schema else ''}import_results"))
    assert migrate.is_current(empty) is False

    migrate.upgrade(empty)

    assert migrate.is_current(empty) is True


def test_downgrading_to_base_and_upgrading_again_gives_the_metadata_again(empty: Engines) -> None:
    migrate.upgrade(empty)
    cfg = migrate.alembic_config()
    with empty.meta.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert _tables(empty.meta, _meta_schema(empty)) == {"alembic_version"}
    assert migrate.is_current(empty) is False

    migrate.upgrade(empty)

    assert _diff(empty.meta) == []
    assert migrate.is_current(empty) is True


def test_accounts_made_before_sftp_get_their_login_names(empty: Engines) -> None:
    if empty.dialect == "postgresql":
        migrate.ensure_postgres_schemas(empty.meta)
    cfg = migrate.alembic_config()
    with empty.meta.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        for name in ("Acme Corp.", "ÜBER!"):
            conn.execute(
                text(
                    "INSERT INTO accounts (name, name_key, timezone, created_at) "
                    "VALUES (:n, :k, 'UTC', :t)"
                ),
                {"n": name, "k": name.lower(), "t": datetime.now(UTC)},
            )

    migrate.upgrade(empty)

    with empty.meta.connect() as conn:
        names = conn.execute(select(s.accounts.c.sftp_username).order_by(s.accounts.c.id))
        assert names.scalars().all() == ["acme-corp-1", "ber-2"]
