"""Engines for both databases, with the dialect settings each needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

META_SCHEMA = "dataconnect"
DATA_SCHEMA = "dataconnect_data"


@dataclass(frozen=True)
class Engines:
    """``meta`` holds jobs, groups and runs; ``data`` holds the accounts' tables.

    On SQLite they are two files, so a long import never blocks status updates; on PostgreSQL
    they are one database with two schemas.
    """

    meta: Engine
    data: Engine
    dialect: str  # "sqlite" | "postgresql"
    data_schema: str | None  # schema of account tables (PostgreSQL only)

    def dispose(self) -> None:
        self.meta.dispose()
        if self.data is not self.meta:
            self.data.dispose()


def postgres_url(url: str) -> str:
    """Use psycopg 3 whatever driver the URL names."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def build_engines(*, home: Path, database_url: str | None) -> Engines:
    if database_url and database_url.startswith("postgres"):
        return _postgres(database_url)
    if database_url and database_url.startswith("sqlite"):
        path = make_url(database_url).database
        if not path:
            raise ValueError("a SQLite URL needs a file path")
        meta_path = Path(path)
        data_path = meta_path.with_name(meta_path.stem + "-data" + meta_path.suffix)
        return _sqlite(meta_path, data_path)
    home.mkdir(parents=True, exist_ok=True)
    return _sqlite(home / "meta.db", home / "data.db")


def _sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # BEGIN IMMEDIATE takes the write lock at once: no deadlock upgrading a read lock later.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _sqlite(meta_path: Path, data_path: Path) -> Engines:
    return Engines(
        meta=_sqlite_engine(meta_path),
        data=_sqlite_engine(data_path),
        dialect="sqlite",
        data_schema=None,
    )


def _postgres(url: str) -> Engines:
    engine = create_engine(
        postgres_url(url),
        pool_pre_ping=True,
        connect_args={"options": f"-csearch_path={META_SCHEMA}"},
    )
    return Engines(meta=engine, data=engine, dialect="postgresql", data_schema=DATA_SCHEMA)


def ensure_postgres_schemas(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{META_SCHEMA}"'))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{DATA_SCHEMA}"'))
