"""Composition root: the only module that picks concrete backends and wires the services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dataconnect.clock import Clock, SystemClock
from dataconnect.config import Settings
from dataconnect.files.server import FileServer
from dataconnect.imports.plan import RowPlan
from dataconnect.imports.sink import Sink, Target
from dataconnect.runtime.local import LocalRunner
from dataconnect.services.accounts import AccountService
from dataconnect.services.base import Deps
from dataconnect.services.demo import DemoService
from dataconnect.services.files import FileService
from dataconnect.services.groups import GroupService
from dataconnect.services.jobs import JobService
from dataconnect.services.runs import RunContext, RunService
from dataconnect.services.tables import TableService
from dataconnect.store import migrate
from dataconnect.store.data import DataTables
from dataconnect.store.engine import Engines, build_engines
from dataconnect.store.store import Store


@dataclass
class App:
    settings: Settings
    engines: Engines
    clock: Clock
    accounts: AccountService
    tables: TableService
    jobs: JobService
    groups: GroupService
    demo: DemoService
    files: FileService
    file_server: FileServer
    runs: RunService
    runner: LocalRunner

    def upgrade_databases(self) -> None:
        migrate.upgrade(self.engines)

    def databases_current(self) -> bool:
        return migrate.is_current(self.engines)

    def close(self) -> None:
        self.runner.close()
        self.engines.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or Settings()
    clock = clock or SystemClock()
    engines = build_engines(home=settings.home, database_url=settings.database_url)
    deps = Deps(
        store=Store(engines), data=DataTables(engines.data, engines.data_schema), clock=clock
    )
    accounts = AccountService(deps)
    tables = TableService(deps)
    jobs = JobService(deps)
    groups = GroupService(deps)
    file_server = FileServer(settings.files_root)
    runs = RunService(deps, RunContext(files=file_server, open_sink=_sink_factory(engines)))
    return App(
        settings=settings,
        engines=engines,
        clock=clock,
        accounts=accounts,
        tables=tables,
        jobs=jobs,
        groups=groups,
        demo=DemoService(accounts, tables, jobs, groups),
        files=FileService(deps, file_server),
        file_server=file_server,
        runs=runs,
        runner=LocalRunner(runs),
    )


def _sink_factory(engines: Engines) -> Callable[[Target, RowPlan], Sink]:
    """The import sink of the configured database."""
    if engines.dialect == "postgresql":
        from dataconnect.imports.postgres_sink import PostgresSink

        schema = engines.data_schema
        assert schema is not None
        return lambda target, plan: PostgresSink(engines.data, schema, target, plan)
    from dataconnect.imports.sqlite_sink import SqliteSink

    return lambda target, plan: SqliteSink(engines.data, target, plan)
