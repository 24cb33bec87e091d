"""Expiration of groups and jobs, swept by the scheduler.

- Three days before a group expires, a warning for its recipients is recorded in the outbox.
- An expired member job leaves its group (a note for the group's recipients is recorded); a group
  left with fewer than two jobs returns to ``saved``. Then the job is deleted.
- An expired group is deleted; its jobs stay and its run history stays readable.
- Whatever is running is left alone until its run has ended (the next sweep gets it).
Each expiry is its own transaction. The queries are ranges of an index on the expiry time, so a
sweep costs what expires, not what exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dataconnect.domain.groups import Group, GroupState
from dataconnect.domain.planning import OccurrenceState
from dataconnect.domain.runs import RunKind
from dataconnect.services.base import Deps
from dataconnect.services.views import iso
from dataconnect.store.store import Tx

WARN_BEFORE = timedelta(days=3)
BATCH = 100
EXPIRY_ACTOR = "expiry"


@dataclass
class Sweep:
    warned: int = 0
    groups_deleted: int = 0
    jobs_deleted: int = 0
    jobs_removed_from_groups: int = 0
    postponed: int = 0


class ExpiryService:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    def sweep(self) -> Sweep:
        now = self._deps.clock.now()
        result = Sweep()
        with self._deps.store.write() as tx:
            for account_id, group_id in tx.groups_to_warn(now + WARN_BEFORE, BATCH):
                group = tx.group(account_id, group_id)
                if group is not None and group.expires_at > now:
                    _record(tx, group, "expiry_warning", f"{group.expires_at:%Y%m%d%H%M}", now)
                    result.warned += 1
                tx.mark_warned(group_id, now)
        for account_id, job_id in self._each(lambda tx: tx.jobs_expiring(now, BATCH)):
            with self._deps.store.write() as tx:
                self._expire_job(tx, account_id, job_id, now, result)
        for account_id, group_id in self._each(lambda tx: tx.groups_expiring(now, BATCH)):
            with self._deps.store.write() as tx:
                self._expire_group(tx, account_id, group_id, now, result)
        return result

    def _each(self, query: object) -> list[tuple[int, int]]:
        with self._deps.store.read() as tx:
            return query(tx)  # type: ignore[operator,no-any-return]

    def _expire_job(
        self, tx: Tx, account_id: int, job_id: int, now: datetime, result: Sweep
    ) -> None:
        job = tx.job(account_id, job_id)
        if job is None or job.expires_at is None or job.expires_at > now:
            return  # deleted or given a later date meanwhile
        busy = tx.job_running(job.id) or (
            job.group_id is not None and tx.group_running(job.group_id)
        )
        if busy:
            result.postponed += 1
            return
        if job.group_id is not None:
            group = tx.group(account_id, job.group_id)
            if group is not None:
                remaining = tuple(j for j in group.job_ids if j != job.id)
                state = group.state if len(remaining) >= 2 else GroupState.SAVED
                changed = replace(group, job_ids=remaining, state=state, updated_at=now)
                tx.update_group(changed)
                if state is not group.state:
                    tx.drop_planned(RunKind.GROUP, group.id)  # a saved group never runs
                _record(
                    tx,
                    changed,
                    "job_expired_from_group",
                    str(job.id),
                    now,
                    job_id=job.id,
                    job_name=job.name,
                    returned_to_saved=state is not group.state,
                )
                result.jobs_removed_from_groups += 1
        tx.drop_planned(RunKind.JOB, job.id, OccurrenceState.EXPIRED)
        tx.delete_job(account_id, job.id)
        result.jobs_deleted += 1

    def _expire_group(
        self, tx: Tx, account_id: int, group_id: int, now: datetime, result: Sweep
    ) -> None:
        group = tx.group(account_id, group_id)
        if group is None or group.expires_at > now:
            return
        if tx.group_running(group.id):
            result.postponed += 1
            return
        tx.drop_planned(RunKind.GROUP, group.id, OccurrenceState.EXPIRED)
        tx.delete_group(account_id, group.id)
        result.groups_deleted += 1


def _record(tx: Tx, group: Group, kind: str, key: str, now: datetime, **extra: object) -> None:
    tx.add_outbox(
        group.account_id,
        kind,
        f"{kind}:{group.id}:{key}",
        {
            "group_id": group.id,
            "group_name": group.name,
            "expires_at": iso(group.expires_at),
            "recipients": list(group.notification.emails),
            **extra,
        },
        now,
    )
