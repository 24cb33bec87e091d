"""Composition root: the only module that picks concrete backends and wires the services."""

from __future__ import annotations

from dataclasses import dataclass

from dataconnect.clock import Clock, SystemClock
from dataconnect.config import Settings
from dataconnect.services.accounts import AccountService
from dataconnect.services.base import Deps
from dataconnect.services.demo import DemoService
from dataconnect.services.groups import GroupService
from dataconnect.services.jobs import JobService
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

    def upgrade_databases(self) -> None:
        migrate.upgrade(self.engines)

    def databases_current(self) -> bool:
        return migrate.is_current(self.engines)

    def close(self) -> None:
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
    return App(
        settings=settings,
        engines=engines,
        clock=clock,
        accounts=accounts,
        tables=tables,
        jobs=jobs,
        groups=groups,
        demo=DemoService(accounts, tables, jobs, groups),
    )
