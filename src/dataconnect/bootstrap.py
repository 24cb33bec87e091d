"""Composition root: the only module that picks concrete backends and wires the services."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dataconnect.clock import Clock, SystemClock
from dataconnect.config import Settings
from dataconnect.domain.jobs import JobType
from dataconnect.domain.runs import RunRef
from dataconnect.files.server import FileServer
from dataconnect.imports.plan import RowPlan
from dataconnect.imports.sink import Sink, Target
from dataconnect.mail.smtp import SmtpTransport
from dataconnect.runtime.mailer import Mailer
from dataconnect.runtime.scheduler import Scheduler
from dataconnect.runtime.worker import Worker, new_worker_id
from dataconnect.services.accounts import AccountService
from dataconnect.services.base import Deps
from dataconnect.services.connections import ConnectionService
from dataconnect.services.demo import DemoService
from dataconnect.services.expiry import ExpiryService
from dataconnect.services.export_executor import ExportExecutor
from dataconnect.services.files import FileService
from dataconnect.services.group_handler import GroupRunHandler
from dataconnect.services.group_runs import GroupRunService
from dataconnect.services.groups import GroupService
from dataconnect.services.host_keys import HostKeys
from dataconnect.services.import_executor import ImportExecutor
from dataconnect.services.job_handler import JobExecutor, JobRunHandler
from dataconnect.services.jobs import JobService
from dataconnect.services.manage import ManageService
from dataconnect.services.notifications import MailService, MailSettings
from dataconnect.services.runs import RunService
from dataconnect.services.schedules import ScheduleService
from dataconnect.services.secrets import secret_box
from dataconnect.services.sessions import SessionService
from dataconnect.services.sftp_access import SftpAccess
from dataconnect.services.signals import Signals
from dataconnect.services.ssh_keys import SshKeyService
from dataconnect.services.tables import TableService
from dataconnect.services.work import WorkService
from dataconnect.store import migrate, wakeups
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
    group_runs: GroupRunService
    schedules: ScheduleService
    expiry: ExpiryService
    work: WorkService
    signals: Signals
    mail: MailService
    sessions: SessionService
    manage: ManageService
    ssh_keys: SshKeyService
    connections: ConnectionService
    sftp_access: SftpAccess
    host_keys: HostKeys
    workers: list[Worker] = field(default_factory=list)
    mailers: list[Mailer] = field(default_factory=list)
    schedulers: list[Scheduler] = field(default_factory=list)
    _listening: threading.Event | None = None

    def upgrade_databases(self) -> None:
        migrate.upgrade(self.engines)

    def databases_current(self) -> bool:
        return migrate.is_current(self.engines)

    def start_worker(
        self,
        slots: int | None = None,
        poll: float = 0.25,
        only: RunRef | None = None,
        role: str = "worker",
    ) -> Worker:
        """A worker in this process (``serve`` runs one; ``worker`` runs only that; the CLI
        one for the run it follows)."""
        worker = Worker(
            self.work,
            self.signals,
            slots=slots or self.settings.slots,
            poll=poll,
            only=only,
            worker_id=new_worker_id(role),
        ).start()
        if self.engines.dialect == "postgresql" and self._listening is None:
            # Run Now and Stop from other processes arrive at once, not at the next poll.
            self._listening = threading.Event()
            threading.Thread(
                target=wakeups.listen,
                args=(self.engines.meta, self.signals.publish, self._listening),
                name="dc-wakeups",
                daemon=True,
            ).start()
        self.workers.append(worker)
        return worker

    def start_scheduler(self, interval: float = 1.0) -> Scheduler:
        """A scheduler loop in this process (``serve`` runs one; ``scheduler`` runs only it)."""
        scheduler = Scheduler(self.schedules.run_pass, self.expiry.sweep, interval=interval).start()
        self.schedulers.append(scheduler)
        return scheduler

    def start_mailer(self, interval: float = 1.0) -> Mailer:
        """A mailer loop in this process (``serve`` and ``worker`` run one)."""
        mailer_id = new_worker_id("mailer")
        mailer = Mailer(
            lambda: self.mail.send_due(mailer_id), self.signals, interval=interval
        ).start()
        self.mailers.append(mailer)
        return mailer

    def close(self) -> None:
        for mailer in self.mailers:
            mailer.close()
        self.mailers.clear()
        for scheduler in self.schedulers:
            scheduler.close()
        self.schedulers.clear()
        if self._listening is not None:
            self._listening.set()
        for worker in self.workers:
            worker.close()
        self.workers.clear()
        self.engines.dispose()


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    settings = settings or Settings()
    clock = clock or SystemClock()
    box = secret_box(
        settings.secret_key.get_secret_value() if settings.secret_key else None,
        home=settings.home,
        clustered=settings.is_postgres,
    )
    engines = build_engines(home=settings.home, database_url=settings.database_url)
    signals = Signals()
    deps = Deps(
        store=Store(engines),
        data=DataTables(engines.data, engines.data_schema),
        clock=clock,
        signals=signals,
    )
    accounts = AccountService(deps, settings.password_work)
    tables = TableService(deps)
    schedules = ScheduleService(deps)
    jobs = JobService(deps, schedules)
    groups = GroupService(deps, schedules)
    file_server = FileServer(settings.files_root)
    host_keys = HostKeys(settings.home / "sftp")
    connections = ConnectionService(deps, box)
    work = _work(deps, file_server, engines, settings.lease_seconds, connections)
    runs = RunService(deps, work)
    return App(
        settings=settings,
        engines=engines,
        clock=clock,
        accounts=accounts,
        tables=tables,
        jobs=jobs,
        groups=groups,
        demo=DemoService(accounts, tables, jobs, groups, file_server, clock),
        files=FileService(deps, file_server),
        file_server=file_server,
        runs=runs,
        group_runs=GroupRunService(deps),
        schedules=schedules,
        expiry=ExpiryService(deps),
        mail=MailService(deps, _mail_settings(settings), signals),
        work=work,
        signals=signals,
        sessions=SessionService(deps, accounts),
        manage=ManageService(deps),
        ssh_keys=SshKeyService(deps),
        connections=connections,
        sftp_access=SftpAccess(
            deps,
            file_server,
            host_keys,
            public_host=urlsplit(settings.base_url).hostname or settings.host,
            port=settings.sftp_port,
        ),
        host_keys=host_keys,
    )


def _work(
    deps: Deps,
    files: FileServer,
    engines: Engines,
    lease_seconds: float,
    connections: ConnectionService,
) -> WorkService:
    """The kinds of run workers claim, in the order they are claimed, and what runs each job
    type: a new kind of run is one handler more, a new job type one executor more."""
    executors: dict[JobType, JobExecutor] = {
        JobType.IMPORT: ImportExecutor(files, _sink_factory(engines)),
        JobType.EXPORT: ExportExecutor(deps, files, connections),
    }
    jobs = JobRunHandler(deps, executors)
    groups = GroupRunHandler(deps, jobs, lease_seconds)
    return WorkService(deps, [groups, jobs], lease_seconds)


def _mail_settings(settings: Settings) -> MailSettings:
    transport = None
    if settings.smtp_host:
        smtp = SmtpTransport(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        )
        transport = lambda: smtp  # noqa: E731 - one transport, a connection per email
    return MailSettings(sender=settings.smtp_from, base_url=settings.base_url, transport=transport)


def _sink_factory(engines: Engines) -> Callable[[Target, RowPlan], Sink]:
    """The import sink of the configured database."""
    if engines.dialect == "postgresql":
        from dataconnect.imports.postgres_sink import PostgresSink

        schema = engines.data_schema
        assert schema is not None
        return lambda target, plan: PostgresSink(engines.data, schema, target, plan)
    from dataconnect.imports.sqlite_sink import SqliteSink

    return lambda target, plan: SqliteSink(engines.data, target, plan)
